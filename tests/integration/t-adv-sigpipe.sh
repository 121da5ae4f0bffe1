#!/bin/sh
# t-adv-sigpipe: output that nobody reads. `tokenguard scan | head -1`
# and a standard output or error whose reader is gone: no hang, no
# crash, no message about the pipe, the scan stops early, exit status 2
# (its output was lost) when standard output went, the findings' status
# when only standard error did. The hooks print on standard error only;
# their verdict must not depend on it being read: a hook with warnings
# only (a pre-existing token, a blob over the size limit) used to die of
# SIGPIPE, which blocks the commit or rejects the push; now it exits 0,
# and 1 or 2 as it would with a reader.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/advhelpers.sh"
. "$TESTS_DIR/githelpers.sh"

gen_tokens 3901 300 >tokens || fail "gen_tokens"
mkdir many
awk '{ printf "NPM_TOKEN=%s\n", $0 > sprintf("many/f%03d.env", NR) }' \
    tokens || fail "awk"
CMD_TIMEOUT=30

# A real pipeline: the status of tokenguard, not of head.
for fmt in text json sarif; do
	( timeout 30 "$TOKENGUARD" scan -j 2 --format "$fmt" many 2>err.txt
	    echo $? >rc.txt ) | head -c 10 >/dev/null
	[ "$(cat rc.txt)" = 2 ] ||
		fail "scan --format $fmt | head: exit $(cat rc.txt)"
	assert_not_contains err.txt "standard output"
	assert_not_contains err.txt "Sanitizer"
done
# Standard output closed before the first write.
closed_pipe 1 "$TOKENGUARD" scan many
[ "$STATUS" = 2 ] || fail "closed stdout: exit $STATUS"
assert_not_contains "$ERR" "standard output"
# Standard error closed: the findings are all there, exit 1.
closed_pipe 2 "$TOKENGUARD" scan many
[ "$STATUS" = 1 ] || fail "closed stderr: exit $STATUS"
assert_lines 300 "$OUT"

# The pre-commit hook: findings, a pre-existing token (a warning), trouble.
new_repo "$scratch/repo"
tok=$(sed -n 1p "$scratch/tokens")
printf 'NPM_TOKEN=%s\n' "$tok" >a.env
git_quiet add a.env
closed_pipe 2 "$HOOK"
[ "$STATUS" = 1 ] || fail "pre-commit, findings, closed stderr: exit $STATUS"
git_quiet commit -q --no-verify -m token
printf 'NPM_TOKEN=%s\nmore\n' "$tok" >a.env
git_quiet add a.env
assert_status 0 "$HOOK"
assert_contains "$ERR" "warning: 1 secret already committed"
closed_pipe 2 "$HOOK"
[ "$STATUS" = 0 ] ||
	fail "pre-commit, warnings only, closed stderr: exit $STATUS"
git config tokenguard.onError sometimes
closed_pipe 2 "$HOOK"
[ "$STATUS" = 2 ] || fail "pre-commit, trouble, closed stderr: exit $STATUS"
git config --unset tokenguard.onError

# The pre-receive hook, as git runs it: a skipped blob (a warning), then
# a token.
cd "$scratch" || fail "cd"
git init -q --bare srv.git || fail "git init"
git --git-dir=srv.git config tokenguard.maxBlobSize 1k
cd repo || fail "cd"
head -c 4096 /dev/zero | tr '\0' x >big.txt
git_quiet add big.txt
git_quiet commit -q --no-verify -m big
git_quiet push -q "$scratch/srv.git" HEAD~1:refs/heads/main
git_quiet push -q "$scratch/srv.git" HEAD:refs/heads/tmp
commit=$(git rev-parse HEAD) || fail "rev-parse"
base=$(git rev-parse HEAD~1) || fail "rev-parse"
cd "$scratch/srv.git" || fail "cd"
git update-ref -d refs/heads/tmp || fail "update-ref"
printf '%s %s refs/heads/main\n' "$base" "$commit" >"$scratch/in"
ADV_STDIN=$scratch/in
assert_status 0 "$BUILD/tokenguard-pre-receive" <"$scratch/in"
assert_contains "$ERR" "big.txt not scanned"
closed_pipe 2 "$BUILD/tokenguard-pre-receive"
[ "$STATUS" = 0 ] ||
	fail "pre-receive, warnings only, closed stderr: exit $STATUS"
zero=0000000000000000000000000000000000000000
printf '%s %s refs/heads/new\n' "$zero" "$base" >"$scratch/in"
git update-ref -d refs/heads/main || fail "update-ref"
assert_status 1 "$BUILD/tokenguard-pre-receive" <"$scratch/in"
closed_pipe 2 "$BUILD/tokenguard-pre-receive"
[ "$STATUS" = 1 ] ||
	fail "pre-receive, findings, closed stderr: exit $STATUS"
assert_no_secret "$tok" "$OUT" "$ERR"
