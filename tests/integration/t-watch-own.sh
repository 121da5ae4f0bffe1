# tokenguard-watch with its queue and its metrics file inside the tree it
# watches: it leaves its own files alone (no events about events, no
# scanning of its queue, no wakeups when idle).
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/watchlib.sh"

tok=$(gen_token 9900) || fail "gen_token"
watch_tree
git config -f watch.conf queue.dir "$scratch/tree/queue"
git config -f watch.conf metrics.file "$scratch/tree/metrics.prom"
# Slow answers: the event sits in the queue inside the tree a while.
recv_mode "$scratch/recv" "delay 1"
start_watch watch.conf "$scratch/watch.log"
printf 'NPM_TOKEN=%s\n' "$tok" >tree/a.env
wait_delivered "$scratch/recv" 1
wait_grep "$scratch/tree/metrics.prom" \
    'tokenguard_watch_deliveries_total\{outcome="delivered"\} 1'
# Metrics written since then would have been scanned, and would show.
sleep 2.5
assert_contains "$scratch/tree/metrics.prom" \
    "tokenguard_watch_files_scanned_total 1"
assert_contains "$scratch/tree/metrics.prom" \
    "tokenguard_watch_findings_total 1"
pid=$WATCH_PID
before=$(awk '/^voluntary_ctxt_switches/ { n += $2 } END { print n }' \
    /proc/"$pid"/task/*/status)
sleep 1
after=$(awk '/^voluntary_ctxt_switches/ { n += $2 } END { print n }' \
    /proc/"$pid"/task/*/status)
[ "$before" = "$after" ] ||
    fail "the watcher woke up $((after - before)) times while idle"
stop_watch
cp "$scratch/tree/metrics.prom" "$scratch/final.prom"
assert_nowhere "$tok"
assert_no_secret "$tok" "$scratch/tree/metrics.prom"
