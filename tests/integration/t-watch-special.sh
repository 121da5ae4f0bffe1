# tokenguard-watch and what is not a plain file: a symbolic link out of a
# root is never followed (neither at the initial scan nor later), a FIFO
# named .npmrc does not hang it, and a file or directory it may not read
# is logged, counted and not fatal (then scanned once it is made
# readable). The watcher runs as nobody here, so that modes apply.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/watchlib.sh"

gen_tokens 8000 6 >tokens || fail "gen_tokens"
start_receiver "$scratch/recv"
mkdir -p tree/sub outside/dir || fail "mkdir"
printf 'NPM_TOKEN=%s\n' "$(tok 1)" >outside/dir/secret.env
printf 'NPM_TOKEN=%s\n' "$(tok 1)" >outside/file.env
ln -s "$scratch/outside/dir" tree/dirlink || fail "ln"
ln -s "$scratch/outside/file.env" tree/filelink.env || fail "ln"
mkfifo tree/.npmrc || fail "mkfifo"
watch_conf watch.conf "$scratch/tree"

run_as=
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	run_as="setpriv --reuid=nobody --regid=nogroup --clear-groups --"
	# nobody needs its own copy of the secret, the queue and the logs.
	cp "$scratch/recv/secret" "$scratch/secret.nobody"
	chown nobody "$scratch/secret.nobody"
	chmod 600 "$scratch/secret.nobody"
	git config -f watch.conf webhook.secretFile "$scratch/secret.nobody"
	mkdir queue && chown nobody queue
	touch watch.log && chown nobody watch.log
	chmod 755 "$scratch"
	chmod 644 watch.conf
	touch metrics.prom && chown nobody metrics.prom
	mkdir mdir && chown nobody mdir
	git config -f watch.conf metrics.file "$scratch/mdir/metrics.prom"
elif [ "$(id -u)" = 0 ]; then
	note "no setpriv: running as root, unreadable files are readable"
fi
# Unreadable to nobody (or to anyone but root).
printf 'NPM_TOKEN=%s\n' "$(tok 2)" >tree/locked.env
chmod 000 tree/locked.env
mkdir tree/closed && printf 'NPM_TOKEN=%s\n' "$(tok 3)" >tree/closed/x.env
chmod 000 tree/closed

WATCH_LOG=$scratch/watch.log
$run_as "$WATCH" -c watch.conf 2>>"$WATCH_LOG" &
WATCH_PID=$!
watch_bg "$WATCH_PID"
wait_for "$WATCH_LOG" ": ready: " 30

# Later: a link out of the root, a second FIFO, a plain file.
ln -s "$scratch/outside" tree/sub/later || fail "ln"
mkfifo tree/sub/.npmrc || fail "mkfifo"
printf 'NPM_TOKEN=%s\n' "$(tok 4)" >outside/dir/after.env
printf 'NPM_TOKEN=%s\n' "$(tok 5)" >tree/sub/plain.env
wait_delivered "$scratch/recv" 1 20

if [ -n "$run_as" ]; then
	assert_contains "$WATCH_LOG" "cannot read '$scratch/tree/locked.env'"
	assert_contains "$WATCH_LOG" "Permission denied"
	assert_contains "$WATCH_LOG" "$scratch/tree/closed"
	wait_for "$scratch/mdir/metrics.prom" "tokenguard_watch_unreadable_total 2"
	# Made readable: IN_ATTRIB, and it is scanned.
	chmod 644 tree/locked.env
	wait_delivered "$scratch/recv" 2 20
fi
# The FIFO is still there, never opened for writing: nothing hung.
printf 'NPM_TOKEN=%s\n' "$(tok 6)" >tree/sub/last.env
wait_for "$WATCH_LOG" "tree/sub/last.env"
recv_check "$scratch/recv" "
paths = sorted(r['body']['path'] for r in ok)
want = ['$scratch/tree/sub/last.env', '$scratch/tree/sub/plain.env']
if '$run_as':
    want.append('$scratch/tree/locked.env')
for p in paths:
    if 'link' in p or 'later' in p or '/outside/' in p:
        die('followed a link: %r' % p)
if sorted(set(paths) - {'$scratch/tree/sub/last.env'}) != \
        sorted(set(want) - {'$scratch/tree/sub/last.env'}):
    die('deliveries %r, want %r' % (paths, want))
"
stop_watch
assert_tokens_nowhere
