# tokenguard-watch with an unwritable queue directory.
#   - Read-only file system (the queue's tmpfs remounted ro by the test, in
#     a private mount namespace): a new finding is NOT QUEUED ("Read-only
#     file system"), logged, and retried on its own until the file system
#     is writable again. Events queued before are delivered once each
#     (not resent over and over although their files cannot be removed);
#     such an event, still on disk, is sent again after a restart with
#     the same webhook-id, and then removed. (The restart's initial scan
#     may report the same files again, with new ids, once those events
#     are gone from the queue: that is by design.)
#   - Permissions (the watcher run as nobody with setpriv, since root
#     ignores modes; only when the test runs as real root): a queue
#     directory it cannot create stops it at start with a message naming
#     the directory; a queue directory made 0500 while it runs refuses
#     new findings ("Permission denied") until it is 0700 again.
. "$(dirname "$0")/mountns.sh"
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/watchlib.sh"
use_tmpfs 1m || fail "cannot mount a tmpfs (namespace: $TG_MOUNT_NS)"

gen_tokens 16000 6 >tokens || fail "gen_tokens"
watch_tree
git config -f watch.conf queue.dir "$mnt/queue" || fail "git config"
recv_mode "$R" "status 503"
start_watch watch.conf "$scratch/watch.log"

# Two events wait (503); then the file system goes read-only.
printf 'NPM_TOKEN=%s\n' "$(tok 1)" >tree/a.env || fail "write"
printf 'NPM_TOKEN=%s\n' "$(tok 2)" >tree/b.env || fail "write"
wait_count "$scratch/watch.log" "queued as" 2
mount -o remount,ro "$mnt" || fail "cannot remount the tmpfs read-only"
printf 'NPM_TOKEN=%s\n' "$(tok 3)" >tree/c.env || fail "write"
wait_grep "$scratch/watch.log" "queue: cannot [a-z]+ '[^']*': Read-only file system; the file is scanned again later"
recv_mode "$R" "status 200"
wait_delivered "$R" 2 30
wait_count "$scratch/watch.log" "queue: cannot remove 'msg_" 2
assert_contains "$scratch/watch.log" "(delivered; it is sent again after a restart): Read-only file system"
# The refused finding is tried again on its own while read-only: said
# in a summary, not in a line per try...
wait_grep "$scratch/watch.log" \
    "1 findings still not queued \\(queue: cannot [a-z]+ '[^']*': Read-only file system\\); their files are scanned again later"
[ "$(grep -c 'NOT QUEUED' "$scratch/watch.log")" = 1 ] ||
    fail "a refused finding logged more than once"
# ... and meanwhile the two delivered events were not sent again.
recv_check "$R" "
if len(ok) != 2:
    die('events delivered again and again while read-only: %d times'
        % len(ok))
"
mount -o remount,rw "$mnt" || fail "cannot remount the tmpfs read-write"
wait_delivered "$R" 3 30
stop_watch
left=$(find "$mnt/queue" -maxdepth 1 -name 'msg_*.json' \
    -exec basename {} .json \;)
[ "$(printf '%s\n' "$left" | grep -c msg_)" = 2 ] ||
    fail "want the 2 events delivered while read-only on disk, got: $left"

# After a restart they go out again, same webhook-id, and are removed.
start_watch watch.conf "$scratch/watch2.log"
assert_contains "$scratch/watch2.log" "2 events waiting from before"
for id in $left; do
	wait_grep "$scratch/watch2.log" "delivered $id "
done
recv_check "$R" "
for i in '$(echo $left)'.split():
    v = [r['body']['path'] for r in ok if r['id'] == i]
    if len(v) != 2 or v[0] != v[1] or \\
        not v[0].endswith(('/a.env', '/b.env')):
        die('%s: delivered %r, want a.env or b.env twice' % (i, v))
"
wait_queue_empty "$mnt/queue" 30
stop_watch

if [ "$TG_MOUNT_NS" != root ] || ! command -v setpriv >/dev/null 2>&1 ||
    ! id nobody >/dev/null 2>&1; then
	note "not real root (or no setpriv, no user nobody): permission" \
	    "cases skipped"
	while read -r t; do
		assert_nowhere "$t"
	done <tokens
	exit 0
fi

# As nobody: the watcher can traverse the scratch directory, read the
# tree and its own copy of the secret, and write in nob/.
chmod 0711 "$scratch" || fail "chmod"
chmod -R a+rX tree || fail "chmod"
mkdir nob || fail "mkdir"
cp "$R/secret" nob/secret || fail "cp"
chown -R nobody nob || fail "chown"
chmod 0711 nob || fail "chmod"
watch_conf nob.conf "$scratch/tree"
git config -f nob.conf webhook.secretFile "$scratch/nob/secret" &&
git config -f nob.conf queue.dir "$scratch/nob/q/queue" &&
git config -f nob.conf metrics.file "$scratch/nob/metrics.prom" ||
    fail "git config"
# A queue directory it cannot create: a clear refusal at start.
mkdir nob/q && chmod 0755 nob/q || fail "mkdir"
assert_status 2 setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$WATCH" -c nob.conf
assert_contains "$ERR" "tokenguard-watch: queue: cannot create '$scratch/nob/q/queue': Permission denied"

# Made unwritable while it runs: refused, then queued once writable.
chown nobody nob/q || fail "chown"
start_watch_nobody nob.conf "$scratch/watch3.log"
chmod 0500 nob/q/queue || fail "chmod"
printf 'NPM_TOKEN=%s\n' "$(tok 4)" >tree/d.env || fail "write"
wait_grep "$scratch/watch3.log" \
    "1 findings still not queued \\(queue: cannot [a-z]+ '[^']*': Permission denied\\)"
chmod 0700 nob/q/queue || fail "chmod"
wait_delivered "$R" 4 30
stop_watch
while read -r t; do
	assert_nowhere "$t"
	assert_no_secret "$t" "$scratch"/watch3.log "$scratch"/nob/metrics.prom
done <tokens
