#!/bin/sh
# t-adv-manyrefs: a server repository with 100,000 refs (90,000 branches
# and 10,000 tags on 1,000 commits, written straight into packed-refs).
# A push of a token on a new branch is rejected, naming it; a push of 50
# new branches at existing commits and one new commit is accepted, in
# seconds: the hook used to hide every ref again for each pushed tip
# (O(tips x refs): over two minutes here). `tokenguard scan --git` over
# the 100,000 refs ends in seconds too: it used to walk each ref's tip
# hiding all the earlier ones, and to copy every tip for each new one.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/advhelpers.sh"
. "$TESTS_DIR/recvhelpers.sh"

tok=$(gen_token 3701) || fail "gen_token"
srv=$scratch/srv.git
new_server "$srv"
new_repo "$scratch/w"
python3 - <<'PY' | git fast-import --quiet || fail "fast-import"
import sys
out = sys.stdout.buffer
def data(b):
    out.write(b"data %d\n" % len(b) + b + b"\n")
for i in range(1, 1001):
    out.write(b"commit refs/heads/main\n")
    out.write(b"committer t <t@example.invalid> %d +0000\n" % (1700000000 + i))
    data(b"commit %d" % i)
    out.write(b"M 100644 inline d%d/f%d.txt\n" % (i % 10, i % 100))
    data(b"line %d\n" % i)
PY
git checkout -q -f main || fail "checkout"
push_ok "file://$srv" main
# 100,000 refs, sorted by name as packed-refs wants them.
git rev-list main | awk '
{ id[NR - 1] = $0 }
END {
	print "# pack-refs with: peeled fully-peeled sorted "
	for (i = 0; i < 90000; i++)
		printf "%s refs/heads/b/%06d\n", id[i % NR], i
	for (i = 0; i < 10000; i++)
		printf "%s refs/tags/t/%06d\n", id[(i * 7) % NR], i
}' >"$srv/packed-refs" || fail "packed-refs"
n=$(git --git-dir="$srv" for-each-ref | wc -l | tr -d ' ')
[ "$n" = 100001 ] || fail "the server has $n refs"

CMD_TIMEOUT=120
# A token on a new branch.
git checkout -q -b leak main || fail "checkout"
add_commit .npmrc "//registry.npmjs.org/:_authToken=$tok
" "token"
push_rejected "file://$srv" leak
assert_recv_finding "$ERR" refs/heads/leak .npmrc 1 npm-token
assert_contains "$ERR" "(1 new commit, 1 blob and 0 tags scanned)"

# 50 new branches at old commits, and a new clean commit.
git checkout -q main || fail "checkout"
add_commit clean.txt "clean
" "clean"
set --
i=1
while [ "$i" -le 50 ]; do
	set -- "$@" "main~$((i * 13)):refs/heads/new/$i"
	i=$((i + 1))
done
start=$(date +%s)
push_ok "file://$srv" main "$@"
end=$(date +%s)
note "push of 51 refs to 100,000 refs: $((end - start)) s"
n=$(git --git-dir="$srv" for-each-ref refs/heads/new | wc -l | tr -d ' ')
[ "$n" = 50 ] || fail "$n new branches"

# Every ref of the server, as history.
cd "$srv" || fail "cd"
start=$(date +%s)
assert_status 0 "$TOKENGUARD" scan --git
end=$(date +%s)
assert_contains "$ERR" "no findings (1001 commits, "
note "scan --git over 100,051 refs: $((end - start)) s"
assert_no_secret "$tok" "$OUT" "$ERR"
