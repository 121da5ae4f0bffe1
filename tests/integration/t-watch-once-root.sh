# tokenguard-watch --once run by root (as an operator would, by hand) in
# the queue of the service user: the events it leaves, and dead/, belong
# to that user, so that the daemon, running as that user, delivers them
# (with their ids) instead of failing to read or remove them.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/watchlib.sh"

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null 2>&1 ||
    ! setpriv --reuid=nobody --regid=nogroup --clear-groups \
    test -x "$WATCH" 2>/dev/null; then
	echo "SKIP: needs root, setpriv, and $WATCH runnable by nobody" \
	    "(not under VALGRIND=1)"
	exit 77
fi
start_receiver "$scratch/recv"
recv_mode "$scratch/recv" "status 503"
gen_tokens 9500 3 >tokens || fail "gen_tokens"
# The queue directory as the package makes it: the service user's.
mkdir -p tree q/queue && chmod 0700 q/queue || fail "mkdir"
i=1
while read -r t; do
	printf 'NPM_TOKEN=%s\n' "$t" >"tree/$i.env" || fail "write"
	i=$((i + 1))
done <tokens
chmod -R a+rX tree && chmod 0755 "$scratch" || fail "chmod"
chown nobody:nogroup q/queue || fail "chown"
cp "$scratch/recv/secret" nob.secret && chown nobody nob.secret ||
    fail "secret"
watch_conf watch.conf "$scratch/tree"
git config -f watch.conf queue.dir "$scratch/q/queue" &&
git config -f watch.conf webhook.secretFile "$scratch/nob.secret" &&
git config -f watch.conf --unset metrics.file || fail "git config"
chmod 0644 watch.conf || fail "chmod"

# Root, by hand: the webhook fails, the events stay queued.
assert_status 2 "$WATCH" -c watch.conf --once
assert_contains "$ERR" "3 events could not be delivered"
n=0
for f in q/queue q/queue/dead q/queue/msg_*.json; do
	[ "$(stat -c %U "$f")" = nobody ] ||
	    fail "$f belongs to $(stat -c %U "$f")"
	n=$((n + 1))
done
[ "$n" = 5 ] || fail "$n files and directories in the queue, not 5"
ls q/queue | sed -n 's/\.json$//p' | sort >queued.ids

# The daemon, as the service user, delivers them with their ids.
printf '#!/bin/sh\nexec setpriv --reuid=nobody --regid=nogroup %s %s "$@"\n' \
    --clear-groups "$WATCH" >nob-watch && chmod 0755 nob-watch ||
    fail "nob-watch"
recv_mode "$scratch/recv" "status 200"
WATCH=$scratch/nob-watch
start_watch watch.conf "$scratch/watch.log"
wait_delivered "$scratch/recv" 3
stop_watch
recv_check "$scratch/recv" "
ids = sorted({r['id'] for r in ok})
want = open('queued.ids').read().split()
if ids != want:
    die('delivered %s, queued %s' % (ids, want))
"
[ -z "$(ls q/queue/dead)" ] || fail "dead letters: $(ls q/queue/dead)"
