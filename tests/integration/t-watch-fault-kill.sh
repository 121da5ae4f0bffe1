# tokenguard-watch killed with SIGKILL at random points during a burst of
# 10,000 findings (one token per file, 100 directories), and restarted,
# 20 times; after the last restart every finding is delivered, none lost.
#
# Only the queue can save a finding here: after each kill the test
# deletes every file whose finding the watcher logged as "queued as"
# (that line follows the durable write), so the next initial scan cannot
# find it again. What is counted, and printed on a "note:" line: distinct
# (path, fingerprint) delivered (must be all of them, and no other),
# deliveries of a finding answered 2xx more than once with the same
# webhook-id (a kill between the answer and the removal of the file: at
# least once) or with a new one (a kill between the write and its log
# line: the next initial scan reports the file again), the restarts, and
# where the kills landed (before "ready" or after; events on disk).
#
# The kills come after random delays (seed printed; set TG_KILL_SEED to
# replay one): these sleeps are the fault injection, not waits for
# readiness. A third of them count from the start of the process (they
# may land while the queue is loaded), the others from its "watching"
# line (queue loaded, threads started), so that a large backlog cannot
# make every round end before anything is delivered.
#
# Under SAN=1 (tests know it from SAN_BUILD, which lib.sh sets to 1 when
# the programs hold AddressSanitizer's runtime, __asan_init) the burst is
# 2,000 findings, written over 20 s instead of 12, with delays up to
# 1.5 s instead of 0.9 (a SAN=1 watcher is slower to start and to scan).
#
# The queue lives on a tmpfs mounted in a private mount namespace: a
# SIGKILL loses nothing the kernel was given, so fsync() adds nothing to
# this test but minutes of disk flushes for 10,000 events. Without a
# namespace it stays on disk, and the burst is 2,000 findings.
MOUNTNS_OPTIONAL=1
. "$(dirname "$0")/mountns.sh"
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/watchlib.sh"

N=10000
MAX_DELAY=0.9
BURST_SECS=12
if [ "$SAN_BUILD" = 1 ]; then
	N=2000
	MAX_DELAY=1.5
	BURST_SECS=20
fi
if ! use_tmpfs 256m; then
	note "no tmpfs for the queue: it stays on disk, 2,000 findings"
	N=2000
fi
ROUNDS=20
SEED=${TG_KILL_SEED:-$(od -A n -N 4 -t u4 /dev/urandom | tr -d ' ')}
gen_tokens 20000 "$N" >tokens || fail "gen_tokens"
watch_tree
git config -f watch.conf queue.dir "$mnt/queue" || fail "git config"
# No metrics file: it is rewritten often and tells nothing here.
git config -f watch.conf --unset metrics.file || fail "git config"
"$PYTHON3" -c 'import random, sys
random.seed(int(sys.argv[1]))
for _ in range(int(sys.argv[2])):
    print(random.choice(["exec", "started", "started"]),
          "%.3f" % random.uniform(0.02, float(sys.argv[3])))' \
    "$SEED" "$ROUNDS" "$MAX_DELAY" >delays ||
    fail "python"

# The burst, in the background: N files in 150 chunks over about
# BURST_SECS seconds, so that it runs through most of the kills.
"$PYTHON3" - "$scratch/tree" tokens "$BURST_SECS" <<'EOF' &
import os, sys, time
root = sys.argv[1]
toks = open(sys.argv[2]).read().split()
chunk = max(1, len(toks) // 150)
pause = float(sys.argv[3]) / 150
for i, tok in enumerate(toks):
    d = os.path.join(root, "d%d" % (i % 100))
    if i < 100:
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%d.env" % i), "w") as fh:
        fh.write("NPM_TOKEN=%s\n" % tok)
    if i % chunk == chunk - 1:
        time.sleep(pause)
EOF
writer=$!
watch_bg "$writer"

: >deleted
before_ready=0
on_disk=
r=0
while read -r from delay; do
	r=$((r + 1))
	log=$scratch/kill-$r.log
	"$WATCH" -c watch.conf 2>"$log" &
	pid=$!
	watch_bg "$pid"
	[ "$from" = started ] &&
	    wait_grep "$log" '^tokenguard-watch: tokenguard-watch .*: watching' 60
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	check_log "$log"
	grep -q ': ready: ' "$log" || before_ready=$((before_ready + 1))
	n=$(find "$mnt/queue" -maxdepth 1 -name 'msg_*.json' 2>/dev/null |
	    wc -l)
	on_disk="$on_disk $n"
	# Files whose findings are durably queued: only the queue has them.
	grep -h 'queued as msg_' "$scratch"/kill-*.log |
	    grep -o "$scratch/tree/d[0-9]*/f[0-9]*\\.env" | sort -u >queued
	comm -23 queued deleted >to-delete
	xargs rm -f <to-delete || fail "rm"
	sort -u -o deleted deleted to-delete
done <delays
[ "$r" = "$ROUNDS" ] || fail "$r rounds"
wait "$writer" || fail "the writer failed"
start_watch watch.conf "$scratch/final.log"
wait_delivered "$R" "$N" $((N / 20 + 60))
# The queue drains: every event acknowledged.
wait_queue_empty "$mnt/queue" 60
stop_watch
recv_check "$R" "
import hashlib
want = set()
for i, tok in enumerate(open('$scratch/tokens').read().split()):
    want.add(('$scratch/tree/d%d/f%d.env' % (i % 100, i),
              'sha256:' + hashlib.sha256(tok.encode()).hexdigest()))
got = {}
for r in ok:
    got.setdefault((r['body']['path'], r['body']['fingerprint']),
                   []).append(r['id'])
if set(got) != want:
    die('%d findings lost, %d unexpected; e.g. lost %r' % (
        len(want - set(got)), len(set(got) - want),
        sorted(want - set(got))[:3]))
same = sum(len(v) - len(set(v)) for v in got.values())
new = sum(len(set(v)) - 1 for v in got.values())
print('note: SIGKILL at random points of a burst of $N findings, '
      '$ROUNDS restarts (seed $SEED): %d distinct findings delivered, '
      'none lost; duplicates: %d with the same webhook-id, %d with a new '
      'one; %d requests in all' % (len(got), same, new, len(reqs)))
"
echo "note: kills before ready: $before_ready of $ROUNDS; events on disk" \
    "at each kill:$on_disk; files deleted once queued: $(wc -l <deleted)"
# Not one token in any log or payload (one grep: building the matcher
# for 30,000 patterns is what takes time).
cat "$scratch"/kill-*.log "$scratch/final.log" "$R/requests.jsonl" \
    >everything.txt || fail "cat"
_grep_secrets "$_secrets" everything.txt
