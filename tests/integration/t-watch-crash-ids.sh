# After a crash a finding keeps its id. Events queued before a kill -9
# are delivered after the restart with their ids; the next scan of their
# files, which still hold the secrets, makes no second event with a new
# id, even when the events were delivered before that scan reached the
# files (here: the tree comes back by a reload after the queue drained).
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/watchlib.sh"

start_receiver "$scratch/recv"
recv_mode "$scratch/recv" "status 503"
mkdir -p tree other || fail "mkdir"
gen_tokens 9300 4 >tokens || fail "gen_tokens"
watch_conf watch.conf "$scratch/tree"
start_watch watch.conf "$scratch/watch.log"
for i in 1 2 3; do
	printf 'NPM_TOKEN=%s\n' "$(tok "$i")" >"tree/$i.env" || fail "write"
done
wait_count "$scratch/watch.log" ", queued as msg_" 3
kill -9 "$WATCH_PID"
wait "$WATCH_PID" 2>/dev/null

# The restart watches another tree only: the queue drains first.
recv_mode "$scratch/recv" "status 200"
watch_conf w2.conf "$scratch/other"
start_watch w2.conf "$scratch/watch2.log"
assert_contains "$scratch/watch2.log" "3 events waiting from before"
wait_delivered "$scratch/recv" 3
wait_grep "$scratch/metrics.prom" '^tokenguard_watch_queue_depth 0$'

# The tree comes back: its files are scanned, and hold the same secrets.
git config -f w2.conf --add watch.path "$scratch/tree" || fail "git config"
kill -HUP "$WATCH_PID"
wait_grep "$scratch/watch2.log" "reloaded 'w2.conf': 2 roots"
wait_grep "$scratch/metrics.prom" '^tokenguard_watch_files_scanned_total 3$'
# A new finding after that scan: delivered in order, after anything the
# scan would have queued.
printf 'NPM_TOKEN=%s\n' "$(tok 4)" >tree/4.env || fail "write"
wait_delivered "$scratch/recv" 4
wait_grep "$scratch/metrics.prom" '^tokenguard_watch_queue_depth 0$'
stop_watch
recv_check "$scratch/recv" "
ids = {}
for r in ok:
    b = r['body']
    ids.setdefault((b['path'], b['fingerprint']), set()).add(r['id'])
if len(ids) != 4:
    die('want 4 findings, got %d' % len(ids))
for k, v in ids.items():
    if len(v) != 1:
        die('%s delivered with %d ids: %s' % (k[0], len(v), sorted(v)))
"
assert_not_contains "$scratch/watch2.log" "initial-scan, queued as"
