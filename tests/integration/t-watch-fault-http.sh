# tokenguard-watch against a webhook that misbehaves. Each fault keeps the
# event queued and is logged with its cause; the event is delivered, with
# the same webhook-id, once the receiver answers:
#   - a receiver that hangs: webhook.timeout fires, the attempt is retried;
#   - a peer that never completes the TCP handshake (its accept queue is
#     full): webhook.connectTimeout fires, the event waits for a reload
#     that fixes the URL;
#   - 3xx: never followed (no request reaches the Location), retried, not
#     dead-lettered; a permanent redirect keeps the events queued until
#     the URL is fixed and reloaded;
#   - 410 (like any 4xx but 408 and 429): refused for good, moved to dead/,
#     delivery goes on;
#   - bytes that are not HTTP, a connection closed in the middle of the
#     status line, and one closed in the middle of a 200's body: retried;
#   - SIGTERM while a request hangs stops the watcher (the request is
#     abandoned, the event stays queued on disk).
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/watchlib.sh"

gen_tokens 12000 9 >tokens || fail "gen_tokens"
watch_tree
git config -f watch.conf webhook.timeout 1s &&
git config -f watch.conf webhook.connectTimeout 1s || fail "git config"
start_watch watch.conf "$scratch/watch.log"

# put N NAME: writes token N to tree/NAME.env.
put()
{
	printf 'NPM_TOKEN=%s\n' "$(tok "$1")" >"tree/$2.env" || fail "write"
}

# expect NAME STATUSES: the attempts for tree/NAME.env, in order, were
# answered STATUSES (a Python list; 0 is a fault), all with one webhook-id.
expect()
{
	recv_check "$R" "
mine = [r for r in reqs if r['body']['path'] == '$scratch/tree/$1.env']
got = [r['status'] for r in mine]
if got != $2:
    die('$1: statuses %r, want %r' % (got, $2))
if len({r['id'] for r in mine}) != 1:
    die('$1: webhook-id changed across attempts')
"
}

# A receiver that reads the request and never answers, twice.
recv_mode "$R" "fault hang
count 2"
put 1 hang
wait_delivered "$R" 1 30
expect hang "[0, 0, 200]"
assert_contains "$scratch/watch.log" "timed out"
wait_grep "$scratch/watch.log" "delivery of msg_[0-9a-f]{32} to http://127\\.0\\.0\\.1:[0-9]+/\\.\\.\\. failed \\(Operation timed out after [0-9]+ milliseconds"

# A listening socket that accepts nothing, its accept queue filled: the
# handshake never completes.
"$PYTHON3" - >blackhole.port <<'EOF' &
import socket, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(0)
fill = []
for _ in range(4):
    c = socket.socket()
    c.setblocking(False)
    c.connect_ex(s.getsockname())
    fill.append(c)
print(s.getsockname()[1], flush=True)
time.sleep(300)
EOF
watch_bg $!
wait_grep blackhole.port '^[0-9]+$'
bport=$(cat blackhole.port)
git config -f watch.conf webhook.url "http://127.0.0.1:$bport/hook" ||
    fail "git config"
kill -HUP "$WATCH_PID"
wait_count "$scratch/watch.log" "reloaded 'watch.conf'" 1
printf 'NPM_TOKEN=%s\n' "$(tok 2)" >tree/connect.env || fail "write"
wait_count "$scratch/watch.log" \
    "to http://127.0.0.1:$bport/... failed (Connection timed out after" 2
git config -f watch.conf webhook.url "$RECV_URL" || fail "git config"
kill -HUP "$WATCH_PID"
wait_delivered "$R" 2 30
expect connect "[200]"

# Redirects: not followed, retried, then delivered to the same URL.
recv_mode "$R" "status 302
location ${RECV_URL%/hook}/elsewhere
count 3"
put 2 redirect
wait_delivered "$R" 3 30
expect redirect "[302, 302, 302, 200]"
assert_contains "$scratch/watch.log" \
    "failed (HTTP 302 (redirects are not followed))"

# 410 Gone: refused for good (dead letter); the next event goes on.
recv_mode "$R" "status 410
count 1"
put 3 gone
wait_for "$scratch/watch.log" "for good (HTTP 410)"
put 4 after-gone
wait_delivered "$R" 4 30
expect gone "[410]"
dead=$(find "$scratch/queue/dead" -name 'msg_*.json')
[ "$(printf '%s\n' "$dead" | grep -c .)" = 1 ] ||
    fail "want one dead letter, got: $dead"
assert_contains "$dead" '"path":"'"$scratch"'/tree/gone.env"'

# Bytes that are not HTTP; closed mid-status-line; closed mid-body.
n=4
for f in garbage close-headers close-body; do
	recv_mode "$R" "fault $f
count 1"
	n=$((n + 1))
	put "$n" "$f"
	wait_delivered "$R" "$n" 30
	expect "$f" "[0, 200]"
done
assert_contains "$scratch/watch.log" "HTTP/0.9"
# Every attempt that failed was logged as failed and retried (but for a
# connection kept alive from the attempt before and closed before a whole
# status line: libcurl itself retries that once on a new connection, with
# the same request); nothing was logged delivered before the receiver
# answered.
recv_check "$R" "
import re
log = open('$scratch/watch.log').read()
for r in ok:
    n = len(re.findall('delivered %s ' % r['id'], log))
    if n != 1:
        die('%s logged delivered %d times' % (r['id'], n))
faults = [r for r in reqs if r['status'] == 0]
for r in faults:
    if r['fault'] == 'close-headers':
        continue
    if ('delivery of %s to' % r['id']) not in log:
        die('fault %s on %s not logged' % (r['fault'], r['id']))
"

# A permanent redirect: events stay queued (not dead-lettered) until the
# URL is fixed; a reload then delivers them to the new URL.
recv_mode "$R" "status 308
location ${RECV_URL%/hook}/moved"
put 8 moved-a
put 9 moved-b
wait_grep "$scratch/watch.log" "HTTP 308 \\(redirects are not followed\\)"
wait_count "$scratch/watch.log" "moved-a.env" 1
wait_count "$scratch/watch.log" "moved-b.env" 1
[ "$(find "$scratch/queue" -maxdepth 1 -name 'msg_*.json' | wc -l)" = 2 ] ||
    fail "the redirected events are not both queued"
git config -f watch.conf webhook.url "${RECV_URL%/hook}/moved" ||
    fail "git config"
kill -HUP "$WATCH_PID"
wait_count "$scratch/watch.log" "reloaded 'watch.conf'" 3
recv_mode "$R" "status 200"
wait_delivered "$R" 9 30
recv_check "$R" "
for r in reqs:
    if r['path'] == '/elsewhere':
        die('a redirect was followed')
moved = sorted(r['body']['path'] for r in ok if r['path'] == '/moved')
if moved != ['$scratch/tree/moved-a.env', '$scratch/tree/moved-b.env']:
    die('after the reload: %r' % moved)
"
[ "$(find "$scratch/queue/dead" -name 'msg_*.json' | wc -l)" = 1 ] ||
    fail "a redirected event was dead-lettered"

# SIGTERM while a request hangs: a clean stop, the event stays queued.
git config -f watch.conf webhook.timeout 1h || fail "git config"
kill -HUP "$WATCH_PID"
wait_count "$scratch/watch.log" "reloaded 'watch.conf'" 4
recv_mode "$R" "fault hang"
printf 'NPM_TOKEN=%s\n' "$(tok 1)" >tree/hang-stop.env || fail "write"
wait_grep "$R/requests.jsonl" "hang-stop\\.env"
stop_watch
assert_contains "$scratch/watch.log" "abandoned: stopping (it stays queued)"
assert_contains "$scratch/watch.log" "stopped; 1 events stay queued"
q=$(find "$scratch/queue" -maxdepth 1 -name 'msg_*.json')
assert_contains "$q" "hang-stop.env"
assert_tokens_nowhere
