# tokenguard-watch, the basics: the initial scan reports what is there,
# then "ready" (and READY=1 over NOTIFY_SOCKET); core dumps are off; a
# file written later is reported; excluded directories are not; payloads
# have the json keys and a good signature; metrics are written; SIGTERM
# stops cleanly; --once scans, delivers and exits 1 (0 when clean).
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/watchlib.sh"

gen_tokens 1100 3 >tokens || fail "gen_tokens"
t1=$(tok 1)
t2=$(tok 2)
t3=$(tok 3)

start_receiver "$scratch/recv"
mkdir -p tree/old tree/node_modules/pkg || fail "mkdir"
printf 'NPM_TOKEN=%s\n' "$t1" >tree/old/.env
# Excluded by default: never reported.
printf '//registry.npmjs.org/:_authToken=%s\n' "$t3" \
    >tree/node_modules/pkg/.npmrc
watch_conf watch.conf "$scratch/tree"

# A notify socket that records what it is told.
python3 - "$scratch/notify.sock" "$scratch/notify.log" <<'EOF' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2] + ".up", "w").close()
while True:
    msg = s.recv(4096)
    with open(sys.argv[2], "ab") as fh:
        fh.write(msg + b"\n")
EOF
watch_bg $!
wait_for "$scratch/notify.log.up" "" 20
NOTIFY_SOCKET=$scratch/notify.sock
export NOTIFY_SOCKET
start_watch watch.conf "$scratch/watch.log"
unset NOTIFY_SOCKET
wait_for "$scratch/notify.log" "READY=1" 10
# No core dumps: a core of a scanner would hold what it scanned.
grep -q -E '^Max core file size +0 +0 ' "/proc/$WATCH_PID/limits" ||
    fail "core dumps are not disabled"

wait_delivered "$scratch/recv" 1
printf '//registry.npmjs.org/:_authToken=%s\n' "$t2" >tree/new.npmrc
wait_delivered "$scratch/recv" 2

recv_check "$scratch/recv" "
import re
if len(ok) != 2:
    die('want 2 deliveries, got %d' % len(ok))
keys = ['id', 'time', 'host', 'path', 'line', 'rule', 'description',
        'redacted', 'fingerprint', 'source']
by_path = {}
for r in ok:
    b = r['body']
    if list(b) != keys:
        die('json keys %r' % list(b))
    if b['id'] != r['id']:
        die('body id %r, webhook-id %r' % (b['id'], r['id']))
    if not re.match(r'sha256:[0-9a-f]{64}\Z', b['fingerprint']):
        die('fingerprint %r' % b['fingerprint'])
    if not re.match(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\Z', b['time']):
        die('time %r' % b['time'])
    if b['rule'] != 'npm-token' or b['line'] != 1:
        die('finding %r' % b)
    by_path[b['path']] = b
old = by_path.get('$scratch/tree/old/.env')
new = by_path.get('$scratch/tree/new.npmrc')
if old is None or new is None:
    die('paths %r' % sorted(by_path))
if old['source'] != 'initial-scan' or new['source'] != 'event':
    die('sources %r %r' % (old['source'], new['source']))
if old['fingerprint'] != '$(sha256_of "$t1")':
    die('fingerprint of the initial finding')
"

# Metrics: the Prometheus text file, with what happened.
wait_for "$scratch/metrics.prom" 'deliveries_total{outcome="delivered"} 2'
for m in findings_total events_total overflows_total rescans_total \
    watches unwatched_directories queue_depth; do
	assert_contains "$scratch/metrics.prom" "tokenguard_watch_$m "
done
assert_contains "$scratch/metrics.prom" "tokenguard_watch_findings_total 2"
assert_contains "$scratch/metrics.prom" "tokenguard_watch_queue_depth 0"

stop_watch
assert_contains "$scratch/notify.log" "STOPPING=1"
[ -z "$(find "$scratch/queue" -maxdepth 1 -name 'msg_*')" ] ||
    fail "delivered events left in the queue"

# --once: one scan, deliveries, exit 1 for findings.
start_receiver "$scratch/recv2"
watch_conf once.conf "$scratch/tree"
git config -f once.conf queue.dir "$scratch/queue2"
git config -f once.conf webhook.secretFile "$scratch/recv2/secret"
assert_status 1 "$WATCH" -c once.conf --once
recv_check "$scratch/recv2" "
if sorted(r['body']['path'] for r in ok) != ['$scratch/tree/new.npmrc',
        '$scratch/tree/old/.env']:
    die('--once deliveries: %r' % [r['body']['path'] for r in ok])
"
# Nothing to find: 0.
mkdir empty
watch_conf clean.conf "$scratch/empty"
git config -f clean.conf queue.dir "$scratch/queue3"
assert_status 0 "$WATCH" -c clean.conf --once

for t in "$t1" "$t2" "$t3"; do
	assert_nowhere "$t"
done
