# tokenguard-watch: kill -9 in the middle of a delivery loses nothing.
# Events are on disk before any network attempt; after a restart the
# queue is loaded (half-written files of the crash removed, damaged ones
# moved to dead/) and every finding is delivered; an event delivered
# twice keeps its webhook-id, so receivers can deduplicate.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/watchlib.sh"

N=10
gen_tokens 6000 "$N" >tokens || fail "gen_tokens"
watch_tree
# Slow answers: the watcher is killed while it waits for one.
recv_mode "$scratch/recv" "status 200
delay 2"
start_watch watch.conf "$scratch/watch.log"
i=0
while read -r tok; do
	i=$((i + 1))
	printf 'NPM_TOKEN=%s\n' "$tok" >"tree/f$i.env" || fail "write"
done <tokens
wait_for "$scratch/recv/started.log" "msg_"
# Every finding is queued (durably) before it is sent: wait for all.
tries=100
while [ "$(grep -c 'queued as' "$scratch/watch.log")" -lt "$N" ]; do
	tries=$((tries - 1))
	[ "$tries" -gt 0 ] || fail "findings were not all queued"
	sleep 0.1
done
kill -9 "$WATCH_PID"
wait "$WATCH_PID" 2>/dev/null
check_log "$scratch/watch.log"
n=$(find "$scratch/queue" -maxdepth 1 -name 'msg_*.json' | wc -l)
[ "$n" -ge $((N - 1)) ] || fail "only $n events on disk after kill -9"

# What a crash can leave: a half-written temporary file, and damage.
printf '{"id":' >"$scratch/queue/.tmp-msg_00000000000000000000000000000001"
printf 'not json\n' >"$scratch/queue/msg_00000000000000000000000000000002.json"

recv_mode "$scratch/recv" "status 200"
start_watch watch.conf "$scratch/watch2.log"
assert_contains "$scratch/watch2.log" "events waiting from before"
assert_contains "$scratch/watch2.log" "half-written ones removed"
wait_delivered "$scratch/recv" "$N" 30
recv_check "$scratch/recv" "
ids = {}
for r in reqs:
    ids.setdefault(r['id'], set()).add((r['body']['path'],
                                        r['body']['fingerprint']))
for i, v in ids.items():
    if len(v) != 1:
        die('webhook-id %s used for different findings' % i)
"
# Wait until the queue is empty (everything acknowledged).
wait_queue_empty "$scratch/queue" 20
[ ! -e "$scratch/queue/.tmp-msg_00000000000000000000000000000001" ] ||
    fail "temporary file not removed"
[ -e "$scratch/queue/dead/msg_00000000000000000000000000000002.json" ] ||
    fail "damaged record not moved to dead/"
stop_watch
assert_tokens_nowhere
