# tokenguard-watch at the inotify watch limit (ENOSPC). The watcher runs
# in a user namespace whose max_inotify_watches is 10, so that the limit
# of the machine is left alone. It keeps running, says which sysctl to
# raise and how many watches it needs, reports what the unwatched
# directories hold, and finds files written there later by periodic
# rescans. Once the limit is raised, they are watched again. Skipped
# with a note where user namespaces are not available.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/watchlib.sh"

if ! unshare -Ur true 2>/dev/null ||
    ! unshare -Ur sh -c 'echo 10 >/proc/sys/user/max_inotify_watches' \
    2>/dev/null; then
	note "skipped: no user namespaces with their own inotify limits"
	exit 0
fi
N=30
gen_tokens 9700 $((N + 1)) >tokens || fail "gen_tokens"
start_receiver "$scratch/recv"
i=1
while [ "$i" -le "$N" ]; do
	mkdir -p "tree/d$i/e" || fail "mkdir"
	i=$((i + 1))
done
printf 'NPM_TOKEN=%s\n' "$(tok $((N + 1)))" >"tree/d$N/e/first.env"
watch_conf watch.conf "$scratch/tree"
git config -f watch.conf watch.rescanInterval 1s

WATCH_LOG=$scratch/watch.log
unshare -Ur sh -c 'echo 10 >/proc/sys/user/max_inotify_watches &&
    exec "$0" -c "$1"' "$WATCH" watch.conf 2>>"$WATCH_LOG" &
WATCH_PID=$!
watch_bg "$WATCH_PID"
wait_for "$WATCH_LOG" ": ready: " 30
assert_contains "$WATCH_LOG" "inotify watch limit is reached"
assert_contains "$WATCH_LOG" "fs.inotify.max_user_watches"
# 61 directories: the root, d1..d30 and their e.
assert_contains "$WATCH_LOG" "so this watcher needs 61 watches"
wait_for "$scratch/metrics.prom" "tokenguard_watch_watches 10"
wait_grep "$scratch/metrics.prom" '^tokenguard_watch_unwatched_directories [1-9]'
# What was there is reported although its directory is not watched.
wait_delivered "$scratch/recv" 1

# Files written later: events where watched, rescans where not.
put_tokens "$N" "$scratch/tree/d%d/e/later.env"
wait_delivered "$scratch/recv" $((N + 1)) 30
recv_check "$scratch/recv" "
src = {}
for r in ok:
    src[r['body']['source']] = src.get(r['body']['source'], 0) + 1
if not src.get('rescan'):
    die('nothing found by the periodic rescan: %r' % src)
"
kill -0 "$WATCH_PID" || fail "the watcher died"

# The limit raised: the next rescan watches everything.
nsenter -U -t "$WATCH_PID" sh -c \
    'echo 1000 >/proc/sys/user/max_inotify_watches' ||
    fail "cannot raise the limit"
wait_for "$scratch/metrics.prom" "tokenguard_watch_watches 61" 20
wait_for "$scratch/metrics.prom" "tokenguard_watch_unwatched_directories 0"
stop_watch
assert_tokens_nowhere
