# tokenguard-watch's command line and configuration: --help, --version,
# bad usage; every bad configuration exits 2 with a message naming the
# key; a file that cannot be read is named with the errno
# ("Permission denied"), never with a stale library message, and one
# readable through CAP_DAC_READ_SEARCH only is read; --check
# says whether a file is good (exit 0) or not (exit 2); SIGHUP with a
# broken configuration keeps the running one (logged at error level when
# standard error is the journal, counted), and with a good one applies
# it (a new root is walked).
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/watchlib.sh"

assert_status 0 "$WATCH" --help
assert_contains "$OUT" "usage: tokenguard-watch"
assert_contains "$OUT" "--once"
assert_status 0 "$WATCH" --version
assert_contains "$OUT" "tokenguard-watch "
assert_status 2 "$WATCH" --bogus
assert_contains "$ERR" "usage:"
assert_status 2 "$WATCH" -c x.conf extra
assert_status 2 "$WATCH" -c "$scratch/missing.conf"
assert_contains "$ERR" "missing.conf"

start_receiver "$scratch/recv"
mkdir -p tree tree2 || fail "mkdir"
watch_conf good.conf "$scratch/tree"

# Each line: the key the message must name, then git config arguments.
bad()
{
	_key=$1
	shift
	cp good.conf bad.conf
	git config -f bad.conf "$@" || fail "git config $*"
	assert_status 2 "$WATCH" -c bad.conf --once
	assert_contains "$ERR" "'$_key'"
}
bad watch.pth watch.pth /tmp
bad watch.path --unset-all watch.path
bad watch.path --replace-all watch.path relative/dir
bad watch.path --replace-all watch.path "$scratch/nonexistent"
bad watch.path --add watch.path "$scratch/tree/inner"
bad watch.maxFileSize watch.maxFileSize lots
bad watch.rescanInterval watch.rescanInterval 0
bad watch.threads watch.threads 0
bad webhook.format webhook.format xml
bad webhook.url webhook.url ftp://127.0.0.1/x
bad webhook.url --unset webhook.url
bad webhook.secretFile --unset webhook.secretFile
bad webhook.retryBase webhook.retryBase fast
bad webhook.timeout webhook.timeout 5parsecs
bad queue.dir queue.dir relative
bad queue.maxBytes queue.maxBytes -1
bad metrics.file metrics.file relative.prom
bad tokenguard.checksum tokenguard.checksum maybe
bad core.editor core.editor vi
bad x rule.x.pattern "("
assert_contains "$ERR" "rule 'x'"
# A secret others may read is refused, and never shown.
cp "$scratch/recv/secret" open.secret
chmod 644 open.secret
bad webhook.secretFile webhook.secretFile "$scratch/open.secret"
assert_contains "$ERR" "chmod 600"
assert_not_contains "$ERR" "$(cut -c 7-30 open.secret)"
printf 'whsec_!!!notbase64\n' >bad.secret
chmod 600 bad.secret
bad webhook.secretFile webhook.secretFile "$scratch/bad.secret"

# --check: good, then broken; nothing is started or written.
assert_status 0 "$WATCH" -c good.conf --check
assert_contains "$OUT" "tokenguard-watch: 'good.conf' is good: 1 roots, delivering json to ${RECV_URL%/hook}/..."
[ ! -e "$scratch/queue" ] || fail "--check made the queue"
cp good.conf bad.conf && git config -f bad.conf webhook.format xml
assert_status 2 "$WATCH" -c bad.conf --check
assert_contains "$ERR" "tokenguard-watch: config 'webhook.format': bad format 'xml'"
assert_status 2 "$WATCH" -c good.conf --check --once
assert_contains "$ERR" "usage:"

# A file the user may not read: its name and the errno.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 &&
    setpriv --reuid=nobody --regid=nogroup --clear-groups \
    test -x "$WATCH" 2>/dev/null; then
	mkdir -p priv && cp good.conf priv/watch.conf && chmod 0600 \
	    priv/watch.conf && chmod 0755 priv "$scratch" || fail "priv"
	assert_status 2 setpriv --reuid=nobody --regid=nogroup \
	    --clear-groups "$WATCH" -c "$scratch/priv/watch.conf" --check
	assert_contains "$ERR" "tokenguard-watch: config file '$scratch/priv/watch.conf': Permission denied"
	# With CAP_DAC_READ_SEARCH, as the unit runs it, the file is read
	# (libgit2 checks access(2), which ignores the capability), and so
	# is a private webhook.caFile.
	printf 'not checked here\n' >priv/ca.pem && chmod 0600 priv/ca.pem &&
	    git config -f priv/watch.conf webhook.caFile \
	    "$scratch/priv/ca.pem" || fail "caFile"
	assert_status 0 setpriv --reuid=nobody --regid=nogroup \
	    --clear-groups --inh-caps +dac_read_search \
	    --ambient-caps +dac_read_search \
	    "$WATCH" -c "$scratch/priv/watch.conf" --check
	assert_contains "$OUT" "is good: 1 roots"
else
	note "t-watch-config: not root, no setpriv, or $WATCH not runnable" \
	    "by nobody (VALGRIND=1): unreadable file skipped"
fi

# SIGHUP: a broken configuration keeps the running one, and says so at
# error level when standard error is the journal (JOURNAL_STREAM names
# it: here, the log file).
gen_tokens 9000 3 >tokens || fail "gen_tokens"
cp good.conf watch.conf
: >"$scratch/watch.log"
JOURNAL_STREAM=$(stat -L -c '%d:%i' "$scratch/watch.log") ||
    fail "stat"
export JOURNAL_STREAM
start_watch watch.conf "$scratch/watch.log"
unset JOURNAL_STREAM
git config -f watch.conf webhook.format xml
kill -HUP "$WATCH_PID"
wait_for "$scratch/watch.log" "<3>tokenguard-watch: reload of 'watch.conf' failed: config 'webhook.format'"
kill -0 "$WATCH_PID" || fail "the watcher died on a broken reload"
printf 'NPM_TOKEN=%s\n' "$(tok 1)" >tree/a.env
wait_delivered "$scratch/recv" 1
recv_check "$scratch/recv" "
if ok[0]['body']['fingerprint'] != '$(sha256_of "$(tok 1)")':
    die('json payload expected after the failed reload')
"
wait_for "$scratch/metrics.prom" "tokenguard_watch_reload_failures_total 1"

# A good one applies: the new root is walked, its files reported.
printf 'NPM_TOKEN=%s\n' "$(tok 2)" >tree2/b.env
cp good.conf watch.conf
git config -f watch.conf --add watch.path "$scratch/tree2"
kill -HUP "$WATCH_PID"
wait_for "$scratch/watch.log" "reloaded 'watch.conf': 2 roots"
wait_delivered "$scratch/recv" 2
printf 'NPM_TOKEN=%s\n' "$(tok 3)" >tree2/c.env
wait_delivered "$scratch/recv" 3
wait_for "$scratch/metrics.prom" "tokenguard_watch_reloads_total 1"
stop_watch
assert_tokens_nowhere
assert_nowhere "$(cat "$scratch/recv/secret")"
