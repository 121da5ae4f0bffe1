# tokenguard-watch: a burst of 50,000 files written while the watcher is
# stopped (SIGSTOP) for 2 s overflows inotify's queue; the watcher says
# so, counts it, rescans, and every one of the 500 planted tokens is
# delivered exactly once, although files were written twice.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/watchlib.sh"

N=500
gen_tokens 4000 "$N" >tokens || fail "gen_tokens"
watch_tree
# Half of the directories exist before, half appear during the burst.
i=0
while [ "$i" -lt 50 ]; do
	mkdir "tree/d$i" || fail "mkdir"
	i=$((i + 1))
done
start_watch watch.conf "$scratch/watch.log"

kill -STOP "$WATCH_PID" || fail "SIGSTOP"
stopped=$(date +%s.%N)
python3 - "$scratch/tree" tokens <<'PY' || fail "python writer"
import os, sys
root = sys.argv[1]
toks = open(sys.argv[2]).read().split()
n = 50000
for i in range(n):
    d = os.path.join(root, "d%d" % (i % 100))
    if i < 100:
        os.makedirs(d, exist_ok=True)
    p = os.path.join(d, "f%d.env" % i)
    if i % 100 == 0:
        body = "NPM_TOKEN=%s\n" % toks[i // 100]
    else:
        body = "PATH=/usr/bin\nnothing=here %d\n" % i
    with open(p, "w") as fh:
        fh.write(body)
# The token files again, same content: duplicates to deduplicate.
for i in range(0, n, 100):
    p = os.path.join(root, "d%d" % (i % 100), "f%d.env" % i)
    with open(p, "w") as fh:
        fh.write("NPM_TOKEN=%s\n" % toks[i // 100])
PY
python3 -c 'import sys, time; time.sleep(max(0, 2 - (time.time() - float(sys.argv[1]))))' \
    "$stopped"
kill -CONT "$WATCH_PID" || fail "SIGCONT"

wait_delivered "$scratch/recv" "$N" 120
wait_for "$scratch/watch.log" "rescan finished" 60
recv_check "$scratch/recv" "
keys = [(r['body']['path'], r['body']['fingerprint']) for r in ok]
if len(keys) != len(set(keys)):
    die('%d deliveries for %d findings' % (len(keys), len(set(keys))))
if len(keys) != $N:
    die('%d findings delivered, want $N' % len(keys))
"
assert_contains "$scratch/watch.log" "overflowed"
wait_for "$scratch/metrics.prom" "tokenguard_watch_rescans_total 1"
wait_grep "$scratch/metrics.prom" '^tokenguard_watch_overflows_total [1-9]'
stop_watch
assert_nowhere "$(tok 1)"
assert_nowhere "$(tok "$N")"
