#!/bin/sh
# A push of 10,000 new commits (made with git fast-import): no cap on
# their number, so a token added in commit 7,000 and removed in 7,001 is
# found; the same history without it goes in. No output holds a whole
# token.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/recvhelpers.sh"

tok=$(gen_token 701) || fail "gen_token"
srv=$scratch/srv.git
new_server "$srv"
new_repo "$scratch/w"

# N commits on BRANCH, each changing one of 100 files in 10 directories;
# with TOKEN, commit 7000 adds it to a file and 7001 takes it out.
gen_history()
{
	python3 - "$1" "$2" "${3-}" <<'PY'
import sys
n, branch, token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
out = sys.stdout.buffer
def data(b):
    out.write(b"data %d\n" % len(b) + b + b"\n")
for i in range(1, n + 1):
    out.write(b"commit refs/heads/%s\n" % branch.encode())
    out.write(b"committer t <t@example.invalid> %d +0000\n" % (1700000000 + i))
    data(b"commit %d" % i)
    path = b"d%d/f%d.txt" % (i % 10, i % 100)
    body = b"line %d\n" % i
    if token and i == 7000:
        body += b"NPM_TOKEN=" + token.encode() + b"\n"
    out.write(b"M 100644 inline " + path + b"\n")
    data(body)
PY
}
gen_history 10000 dirty "$tok" | git fast-import --quiet ||
	fail "fast-import dirty"
gen_history 10000 clean | git fast-import --quiet || fail "fast-import clean"
[ "$(git rev-list --count dirty)" = 10000 ] || fail "not 10000 commits"

CMD_TIMEOUT=120
push_rejected "file://$srv" dirty
assert_recv_finding "$ERR" refs/heads/dirty d0/f0.txt 2 npm-token
push_ok "file://$srv" clean
assert_not_contains "$ERR" "tokenguard"
exit 0
