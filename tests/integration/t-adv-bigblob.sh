#!/bin/sh
# t-adv-bigblob: a push of a 1 GiB blob (zeros, then a token; made as a
# 1 MB pack by advpack.py, so that neither side compresses a gigabyte;
# the server's index-pack still inflates and hashes it).
# With the default tokenguard.maxBlobSize (64m) the hook reads only the
# object's header: the push is accepted with a warning naming the blob,
# in a few megabytes of memory. Run again by hand on the pushed objects:
# tokenguard.onSkip = reject rejects it; tokenguard.maxBlobSize = 2g
# scans it (the whole blob is held in memory then) and finds the token
# at its end.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/advhelpers.sh"
. "$TESTS_DIR/recvhelpers.sh"

tok=$(gen_token 4001) || fail "gen_token"
srv=$scratch/srv.git
new_server "$srv"
# Keep the pushed pack as it is (no unpacking into loose objects).
git --git-dir="$srv" config receive.unpackLimit 1
new_work_pushed "$scratch/w" "file://$srv"

blob=$(python3 "$TESTS_DIR/advpack.py" .git/objects/pack 1073741824 "
NPM_TOKEN=$tok
") || fail "advpack.py"
[ "$(git cat-file -s "$blob")" -gt 1073741824 ] || fail "no 1 GiB blob"
tree=$( (git ls-tree HEAD; printf '100644 blob %s\tbig.bin\n' "$blob") |
    git mktree) || fail "mktree"
commit=$(git commit-tree -p HEAD -m "big blob" "$tree") ||
	fail "commit-tree"

# The push, with the hook under /usr/bin/time for its memory.
cat >"$srv/hooks/pre-receive" <<EOS || fail "hook"
#!/bin/sh
exec "$ADV_MAXRSS" "$scratch/rss" "$RECV"
EOS
chmod +x "$srv/hooks/pre-receive"
CMD_TIMEOUT=120
push_ok "file://$srv" "$commit:refs/heads/main"
assert_contains "$ERR" "warning: refs/heads/main $(echo "$commit" |
    cut -c1-10) big.bin not scanned: 1024.0 MiB is over tokenguard.maxBlobSize (64.0 MiB)"
rss=$(sed -n 's/^maxrss //p' "$scratch/rss")
[ -n "$rss" ] && [ "$rss" -lt 102400 ] ||
	fail "the hook took ${rss:-?} KB for a blob it does not read"
note "1 GiB blob pushed and skipped; hook: $rss KB"

# The hook by hand, as git ran it, under other settings.
cd "$srv" || fail "cd"
printf '%s %s refs/heads/other\n' \
    0000000000000000000000000000000000000000 "$commit" >"$scratch/in"
git update-ref -d refs/heads/main "$commit" || fail "update-ref"
git config tokenguard.onSkip reject
assert_status 1 "$RECV" <"$scratch/in"
assert_contains "$ERR" "push rejected: refs/heads/other"
assert_contains "$ERR" "big.bin not scanned: 1024.0 MiB is over tokenguard.maxBlobSize (64.0 MiB) and tokenguard.onSkip = reject"
git config --unset tokenguard.onSkip
git config tokenguard.maxBlobSize 2g
assert_status 1 "$ADV_MAXRSS" "$scratch/rss" "$RECV" \
    <"$scratch/in"
sed 's/^/remote: /' "$ERR" >"$scratch/e" || fail "sed"
assert_recv_finding "$scratch/e" refs/heads/other big.bin 2 npm-token
rss=$(sed -n 's/^maxrss //p' "$scratch/rss")
note "1 GiB blob scanned with maxBlobSize = 2g: $rss KB"
assert_no_secret "$tok" "$OUT" "$ERR"
