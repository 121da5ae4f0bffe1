# tokenguard-watch when the delivery queue reaches queue.maxBytes (a long
# outage): what is queued stays queued; new findings are refused, each
# logged once and counted once however often its file is scanned again
# (when deliveries make room, or on its own), with a summary line now and
# then; once queued, the finding's line says it had been refused. So
# nothing still on disk is lost, and the log stays readable. A refused
# file deleted meanwhile is logged as lost.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/watchlib.sh"

N=6
gen_tokens 9800 $((N + 1)) >tokens || fail "gen_tokens"
watch_tree
# Records take about 400 bytes: two fit.
git config -f watch.conf queue.maxBytes 800
recv_mode "$scratch/recv" "status 503"
start_watch watch.conf "$scratch/watch.log"
put_tokens "$N"
printf 'NPM_TOKEN=%s\n' "$(tok $((N + 1)))" >tree/gone.env
wait_for "$scratch/watch.log" "NOT QUEUED: the delivery queue is full"
tries=100
while [ "$(grep -c 'NOT QUEUED' "$scratch/watch.log")" -lt $((N - 1)) ]; do
	tries=$((tries - 1))
	[ "$tries" -gt 0 ] || fail "refusals not logged"
	sleep 0.1
done
rm tree/gone.env
n=$(find "$scratch/queue" -maxdepth 1 -name 'msg_*.json' | wc -l)
[ "$n" -le 2 ] || fail "$n events queued over queue.maxBytes"
wait_grep "$scratch/metrics.prom" '^tokenguard_watch_queue_refused_total [1-9]'

recv_mode "$scratch/recv" "status 200"
wait_delivered "$scratch/recv" "$N" 30
wait_grep "$scratch/watch.log" "queued as msg_[0-9a-f]+ after being refused"
wait_for "$scratch/watch.log" "gone.env' is gone before its findings"
recv_check "$scratch/recv" "
paths = {r['body']['path'] for r in ok}
if len(paths) != $N or any(p.endswith('gone.env') for p in paths):
    die('delivered %r' % sorted(paths))
"
stop_watch
# Each refused finding was logged once and counted once, however often
# its file was scanned again while the queue drained two at a time.
refused=$(grep -c 'NOT QUEUED' "$scratch/watch.log")
[ "$(grep 'NOT QUEUED' "$scratch/watch.log" | sed 's/:1:11: .*//' |
    sort -u | wc -l)" = "$refused" ] ||
    fail "a refused finding was logged twice"
grep -q "^tokenguard_watch_queue_refused_total $refused\$" \
    "$scratch/metrics.prom" ||
    fail "queue_refused_total is not $refused: $(grep refused \
    "$scratch/metrics.prom")"
assert_tokens_nowhere
