# tokenguard-watch: delivery through a webhook outage. The receiver
# answers 503 for a while, then 200: every finding is delivered, with
# the same webhook-id on every attempt; while it fails, the events wait
# on disk in 0600 files. Retry-After is honoured. A 400 is permanent:
# the event moves to the dead-letter directory and the rest go on.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/watchlib.sh"

N=20
gen_tokens 5000 $((N + 4)) >tokens || fail "gen_tokens"
watch_tree
recv_mode "$scratch/recv" "status 503
count 30"
start_watch watch.conf "$scratch/watch.log"

i=0
head -n "$N" tokens | while read -r tok; do
	i=$((i + 1))
	printf 'NPM_TOKEN=%s\n' "$tok" >"tree/f$i.env" || exit 1
done || fail "write"
wait_for "$scratch/watch.log" "HTTP 503"
# Queued while the webhook fails: one 0600 file per event.
wait_grep "$scratch/metrics.prom" 'outcome="retry"} [1-9]'
files=$(find "$scratch/queue" -maxdepth 1 -name 'msg_*.json' | wc -l)
[ "$files" -ge 1 ] || fail "no event queued on disk during the outage"
bad=$(find "$scratch/queue" -maxdepth 1 -name 'msg_*.json' ! -perm 0600 |
    wc -l)
[ "$bad" = 0 ] || fail "queue files are not 0600"

wait_delivered "$scratch/recv" "$N" 60
recv_check "$scratch/recv" "
fails = [r for r in reqs if r['status'] == 503]
if len(fails) != 30:
    die('%d requests answered 503, want 30' % len(fails))
ids = {}
for r in reqs:
    ids.setdefault((r['body']['path'], r['body']['fingerprint']),
                   set()).add(r['id'])
for k, v in ids.items():
    if len(v) != 1:
        die('%s: webhook-id changed across retries: %r' % (k[0], v))
if len(ok) != $N:
    die('%d deliveries, want $N' % len(ok))
"

# Retry-After: the next attempt waits as long as the receiver asked.
recv_mode "$scratch/recv" "status 429
retry-after 1
count 1"
printf 'NPM_TOKEN=%s\n' "$(tok $((N + 1)))" >tree/ra.env
wait_delivered "$scratch/recv" $((N + 1)) 30
recv_check "$scratch/recv" "
mine = [r for r in reqs if r['body']['path'].endswith('/ra.env')]
if [r['status'] for r in mine] != [429, 200]:
    die('statuses %r' % [r['status'] for r in mine])
gap = mine[1]['received'] - mine[0]['received']
if gap < 0.9:
    die('Retry-After: 1 not honoured: retried after %.2fs' % gap)
"

# A permanent refusal: dead letter, then delivery goes on.
recv_mode "$scratch/recv" "status 400
count 1"
printf 'NPM_TOKEN=%s\n' "$(tok $((N + 2)))" >tree/dead.env
wait_for "$scratch/watch.log" "for good (HTTP 400)"
printf 'NPM_TOKEN=%s\n' "$(tok $((N + 3)))" >tree/after.env
wait_delivered "$scratch/recv" $((N + 2)) 30
dead=$(find "$scratch/queue/dead" -name 'msg_*.json')
[ "$(printf '%s\n' "$dead" | grep -c .)" = 1 ] ||
    fail "want one dead letter, got: $dead"
assert_contains "$dead" "$(sha256_of "$(tok $((N + 2)))")"
assert_contains "$dead" '"path":"'"$scratch"'/tree/dead.env"'
[ -z "$(find "$scratch/queue/dead" -name 'msg_*.json' ! -perm 0600)" ] ||
    fail "dead letter not 0600"
wait_for "$scratch/metrics.prom" 'outcome="rejected"} 1'
stop_watch
assert_tokens_nowhere
