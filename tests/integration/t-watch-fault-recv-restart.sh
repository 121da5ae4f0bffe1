# tokenguard-watch while its receiver is killed (SIGKILL) and restarted on
# the same port three times during a burst of 400 findings: nothing is
# lost, and a finding that reaches the receiver more than once (answered,
# but the answer lost with the process) always carries the same
# webhook-id. The counts are printed.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/watchlib.sh"

N=400
gen_tokens 14000 "$N" >tokens || fail "gen_tokens"
watch_tree
# A short delay before each answer: the kills land inside requests.
recv_mode "$R" "delay 0.01"
start_watch watch.conf "$scratch/watch.log"

# The burst, in the background: 400 files over 20 directories.
"$PYTHON3" - "$scratch/tree" tokens <<'EOF' &
import os, sys
root = sys.argv[1]
for i, tok in enumerate(open(sys.argv[2]).read().split()):
    d = os.path.join(root, "d%d" % (i % 20))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%d.env" % i), "w") as fh:
        fh.write("NPM_TOKEN=%s\n" % tok)
EOF
writer=$!
watch_bg "$writer"
# Restart the receiver after 20, 120 and 220 requests arrived.
for at in 20 120 220; do
	wait_count "$R/started.log" "msg_" "$at" 60
	restart_receiver "$R"
done
wait "$writer" || fail "the writer failed"
wait_delivered "$R" "$N" 120
recv_check "$R" "
ids = {}
for r in reqs:
    k = (r['body']['path'], r['body']['fingerprint'])
    ids.setdefault(k, set()).add(r['id'])
moved = [k for k, v in ids.items() if len(v) != 1]
if moved:
    die('%d findings sent with more than one webhook-id, e.g. %r'
        % (len(moved), moved[0]))
keys = [(r['body']['path'], r['body']['fingerprint']) for r in ok]
if len(set(keys)) != $N:
    die('%d findings delivered, want $N' % len(set(keys)))
started = open('$R/started.log').read().split()
print('note: receiver restarted 3 times during a burst of $N findings: '
      '%d delivered; %d requests arrived, %d of them answered; %d '
      'findings answered 2xx more than once (same webhook-id)'
      % (len(set(keys)), len(started), len(reqs),
         len(keys) - len(set(keys))))
"
stop_watch
assert_nowhere "$(tok 1)"
assert_nowhere "$(tok "$N")"
