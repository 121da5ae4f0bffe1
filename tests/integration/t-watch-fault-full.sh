# tokenguard-watch with its queue on a full file system (a 16 KiB tmpfs
# mounted by the test in a private mount namespace; `unshare -m` as root,
# else `unshare -rm`, a user namespace where we are root too):
#   - while the webhook fails, events fill the tmpfs; a finding that cannot
#     be written is logged (NOT QUEUED, "No space left on device"),
#     counted, and its file scanned again later; once the webhook answers,
#     deliveries make room and every finding is delivered;
#   - with the queue empty and the disk filled by something else, a
#     finding that cannot be queued is retried on its own (with backoff)
#     and delivered once space is freed, with no other event to wake it.
. "$(dirname "$0")/mountns.sh"
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/watchlib.sh"
use_tmpfs 16k || fail "cannot mount a tmpfs (namespace: $TG_MOUNT_NS)"

N=8
gen_tokens 15000 $((N + 1)) >tokens || fail "gen_tokens"
watch_tree
git config -f watch.conf queue.dir "$mnt/queue" || fail "git config"
recv_mode "$R" "status 503"
start_watch watch.conf "$scratch/watch.log"

# The webhook fails: events pile up until the tmpfs is full.
put_tokens "$N"
wait_grep "$scratch/watch.log" "queue: cannot [a-z]+ '[^']*': No space left on device; the file is scanned again later"
assert_contains "$scratch/watch.log" "(NOT QUEUED: see the next line)"
wait_grep "$scratch/metrics.prom" '^tokenguard_watch_queue_refused_total [1-9]'
queued=$(find "$mnt/queue" -maxdepth 1 -name 'msg_*.json' | wc -l)
[ "$queued" -ge 1 ] && [ "$queued" -lt "$N" ] ||
    fail "$queued events queued on a 16 KiB tmpfs"
[ -z "$(find "$mnt/queue" -name '.tmp-*')" ] ||
    fail "a half-written temporary file was left behind"
recv_mode "$R" "status 200"
wait_delivered "$R" "$N" 60
recv_check "$R" "
keys = [(r['body']['path'], r['body']['fingerprint']) for r in ok]
if len(keys) != $N or len(set(keys)) != $N:
    die('%d deliveries of %d findings, want $N' % (len(keys), len(set(keys))))
"

# Empty queue, disk full of something else: the finding waits, retried
# with backoff, and goes out once there is room.
wait_grep "$scratch/metrics.prom" '^tokenguard_watch_queue_depth 0$'
dd if=/dev/zero of="$mnt/filler" bs=4k count=64 2>/dev/null
[ -s "$mnt/filler" ] || fail "cannot fill the tmpfs"
before=$(grep -c 'No space left on device' "$scratch/watch.log")
printf 'NPM_TOKEN=%s\n' "$(tok $((N + 1)))" >tree/late.env || fail "write"
wait_count "$scratch/watch.log" "No space left on device" $((before + 2))
rm "$mnt/filler" || fail "rm"
wait_delivered "$R" $((N + 1)) 30
stop_watch
[ -z "$(find "$mnt/queue" -type f)" ] || fail "files left in the queue"
assert_tokens_nowhere
