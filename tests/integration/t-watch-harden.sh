# tokenguard-watch's own hardening, and "secrets never leave":
#   - no core dumps: RLIMIT_CORE is 0 and the process is not dumpable
#     (run as nobody with setpriv: its /proc/PID files then belong to
#     root, and another process of nobody cannot read its environ);
#   - with umask 000, the files it makes are 0600 (queue events, dead
#     letters) and its directories 0700 (the queue and dead/; an existing
#     queue directory of ours open to others is made 0700); the metrics
#     file (counts only) is 0644, for a collector running as its own user;
#   - a webhook secret file readable or writable by group or others is
#     refused at start (exit 2) and on reload (the running configuration
#     stays), with a message naming the file and never showing the secret;
#   - tokens of several kinds (npm, GitHub, legacy UUID, _auth, URL
#     credentials), found at the initial scan and from events, queued,
#     dead-lettered and delivered, appear in full nowhere: stdout, stderr
#     (the log), queue files, dead letters, metrics, payloads,
#     /proc/PID/environ and cmdline of the watcher; nor does the webhook
#     signing secret.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/watchlib.sh"

gen_tokens 17000 4 >tokens || fail "gen_tokens"
gen_token 17100 ghp_ >>tokens || fail "gen_token"
# Secrets tokgen does not make: a UUID, a password, an _auth value.
"$PYTHON3" -c 'import base64, os, uuid
print(uuid.UUID(bytes=os.urandom(16)))
pw = base64.b64encode(os.urandom(18)).decode()
print("Pw" + pw.replace("/", "x").replace("+", "y"))
print(base64.b64encode(b"ci-bot:" + os.urandom(15).hex().encode()).decode())' \
    >others || fail "python"
uuid=$(sed -n 1p others)
pass=$(sed -n 2p others)
auth=$(sed -n 3p others)
register_secret "$uuid" "$pass" "$auth"

R=$scratch/recv
start_receiver "$R"
mkdir -p tree/a || fail "mkdir"
# Found by the initial scan.
printf 'NPM_TOKEN=%s\n' "$(tok 1)" >tree/a/.env
printf '//registry.npmjs.org/:_authToken=%s\n' "$uuid" >tree/a/.npmrc
watch_conf watch.conf "$scratch/tree"
# An existing queue directory of ours, open to others: made 0700.
mkdir -m 0755 queue || fail "mkdir"
recv_mode "$R" "status 503"

# Everything the watcher makes from here on is made under umask 000.
umask 000
start_watch watch.conf "$scratch/watch.log"
umask 022
# No core dumps.
grep -q -E '^Max core file size +0 +0 ' "/proc/$WATCH_PID/limits" ||
    fail "RLIMIT_CORE is not 0"
printf 'NPM_TOKEN=%s\n' "$(tok 2)" >tree/b.env
printf 'registry=https://ci-bot:%s@npm.corp.internal/\n' "$pass" >tree/.npmrc
printf '_auth=%s\n' "$auth" >tree/c.npmrc
printf 'GITHUB_TOKEN_FOR_NPM: %s\n' "$(tok 5)" >tree/d.yml
printf '{"NODE_AUTH_TOKEN": "%s"}\n' "$(tok 3)" >tree/e.json
wait_count "$scratch/watch.log" "queued as" 7
wait_grep "$scratch/metrics.prom" '^tokenguard_watch_queue_depth 7$'

# Modes, whatever the umask.
mode() { stat -c %a "$1"; }
[ "$(mode queue)" = 700 ] || fail "queue directory is $(mode queue)"
[ "$(mode queue/dead)" = 700 ] || fail "queue/dead is $(mode queue/dead)"
for f in queue/msg_*.json; do
	[ "$(mode "$f")" = 600 ] || fail "$f is $(mode "$f")"
done
[ "$(mode metrics.prom)" = 644 ] || fail "metrics.prom is $(mode metrics.prom)"
# A dead letter (400), 0600 too.
recv_mode "$R" "status 400
count 1"
wait_grep "$scratch/watch.log" "for good \\(HTTP 400\\)"
recv_mode "$R" "status 200"
wait_delivered "$R" 6 30
for f in queue/dead/msg_*.json; do
	[ "$(mode "$f")" = 600 ] || fail "$f is $(mode "$f")"
done
# A metrics file made private by someone is readable by all again (a
# collector runs as its own user) once rewritten.
chmod 0600 metrics.prom || fail "chmod"
printf 'NPM_TOKEN=%s\n' "$(tok 4)" >tree/f.env
wait_delivered "$R" 7 30
wait_grep "$scratch/metrics.prom" '^tokenguard_watch_queue_depth 0$'
[ "$(mode metrics.prom)" = 644 ] || fail "metrics.prom is $(mode metrics.prom)"

# The secret file opened to group or others: a reload is refused, the
# running configuration (and signing) stays.
chmod 0640 "$R/secret" || fail "chmod"
kill -HUP "$WATCH_PID"
wait_for "$scratch/watch.log" \
    "reload of 'watch.conf' failed: config 'webhook.secretFile': '$R/secret' is open to group or others (mode 0640): chmod 600 it; the running configuration stays"
chmod 0600 "$R/secret" || fail "chmod"
# The environment and command line hold no secret.
tr '\0' '\n' <"/proc/$WATCH_PID/environ" >environ.txt || fail "environ"
tr '\0' '\n' <"/proc/$WATCH_PID/cmdline" >cmdline.txt || fail "cmdline"
stop_watch

# At start, each mode that opens the secret to others is refused.
for m in 0640 0604 0660 0602 0606; do
	cp -p "$R/secret" s.secret || fail "cp"
	chmod "$m" s.secret || fail "chmod"
	cp watch.conf s.conf && git config -f s.conf webhook.secretFile \
	    "$scratch/s.secret" || fail "git config"
	assert_status 2 "$WATCH" -c s.conf --once
	assert_contains "$ERR" "tokenguard-watch: config 'webhook.secretFile': '$scratch/s.secret' is open to group or others (mode $m): chmod 600 it"
	assert_no_secret "$(cat "$R/secret")" "$ERR" "$OUT"
done

# --once: stdout and stderr (assert_status checks every token).
printf 'NPM_TOKEN=%s\n' "$(tok 1)" >tree/g.env
assert_status 1 "$WATCH" -c watch.conf --once
cat "$ERR" >>once.log

# Not dumpable: as nobody, /proc/PID/environ belongs to root and is not
# readable by another process of nobody.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 &&
    id nobody >/dev/null 2>&1; then
	chmod 0711 "$scratch" || fail "chmod"
	chmod -R a+rX tree || fail "chmod"
	mkdir nob && cp "$R/secret" nob/secret && chown -R nobody nob ||
	    fail "nob"
	watch_conf nob.conf "$scratch/tree"
	git config -f nob.conf webhook.secretFile "$scratch/nob/secret" &&
	git config -f nob.conf queue.dir "$scratch/nob/queue" &&
	git config -f nob.conf metrics.file "$scratch/nob/metrics.prom" ||
	    fail "git config"
	start_watch_nobody nob.conf "$scratch/watch-nobody.log"
	[ "$(stat -c %u "/proc/$WATCH_PID/environ")" = 0 ] ||
	    fail "the watcher is dumpable: /proc/PID/environ belongs to" \
	    "$(stat -c %U "/proc/$WATCH_PID/environ")"
	if setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    cat "/proc/$WATCH_PID/environ" >/dev/null 2>&1; then
		fail "another process of nobody reads the watcher's environ"
	fi
	stop_watch
else
	note "not root (or no setpriv or nobody): dumpable check skipped"
fi

while read -r t; do
	assert_nowhere "$t"
	assert_no_secret "$t" environ.txt cmdline.txt once.log
done <tokens
for t in "$uuid" "$pass" "$auth"; do
	assert_nowhere "$t"
	assert_no_secret "$t" environ.txt cmdline.txt once.log
done
# The signing secret is in no log, queue file, metrics file, payload,
# environment or command line.
assert_nowhere "$(cat "$R/secret")"
assert_no_secret "$(cat "$R/secret")" environ.txt cmdline.txt once.log
