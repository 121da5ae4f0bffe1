#!/bin/sh
# The pre-receive hook over file:// pushes: every ref line is read (a
# token in the 2nd of 3 refs), a token added then removed within one push
# rejects it, a new branch does not walk the existing history, a deletion
# passes, a force push is checked, an annotated tag's message is scanned,
# merges, a binary file, .gitattributes -diff, a commit message, and
# GitLab's GL-HOOK-ERR prefix. No output holds a whole token.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/recvhelpers.sh"

tok=$(gen_token 401) || fail "gen_token"
tok2=$(gen_token 402) || fail "gen_token"
srv=$scratch/srv.git
new_server "$srv"
new_work_pushed "$scratch/w" "file://$srv"

# Three refs, the token only in the second one's commits.
git branch one && git branch two && git branch three
git checkout -q one && add_commit a.txt "clean one
" "one"
git checkout -q two && add_commit app/.npmrc "//registry.npmjs.org/:_authToken=$tok
" "two"
git checkout -q three && add_commit c.txt "clean three
" "three"
push_rejected "file://$srv" one two three
assert_recv_finding "$ERR" refs/heads/two app/.npmrc 1 npm-token
assert_contains "$ERR" "push rejected: 1 secret"
assert_contains "$ERR" "npm token revoke"
assert_contains "$ERR" "Rewrite the commits"
assert_contains "$ERR" "$(sha256_of "$tok")"
assert_not_contains "$ERR" "refs/heads/one "
# The clean refs go in on their own.
push_ok "file://$srv" one three

# Added, then removed in a later commit of the same push.
git checkout -q main
add_commit .npmrc "//registry.npmjs.org/:_authToken=$tok
" "add token"
git rm -q .npmrc && git commit -q -m "remove token"
add_commit d.txt "more
" "later"
push_rejected "file://$srv" main
assert_recv_finding "$ERR" refs/heads/main .npmrc 1 npm-token
git reset -q --hard HEAD~3

# A new branch at a new commit: only that commit is walked.
git checkout -q -b feature main
add_commit f.txt "feature
" "feature"
push_ok "file://$srv" feature
# A new branch at an existing commit brings nothing new: accepted.
push_ok "file://$srv" main:refs/heads/same-as-main
# A deletion is skipped.
push_ok "file://$srv" :same-as-main

# A force push: the rewritten commit holds a token.
git commit -q --amend -m "feature, amended" || fail "amend"
add_commit g.js "const NPM_TOKEN = \"$tok\";
" "token in js"
push_rejected "file://$srv" +feature
assert_recv_finding "$ERR" refs/heads/feature g.js 1 npm-token
git reset -q --hard HEAD~1
push_ok "file://$srv" +feature

# An annotated tag whose message holds a token, on a known commit.
git tag -a v1 -m "release token $tok2" main || fail "git tag"
push_rejected "file://$srv" v1
assert_recv_finding "$ERR" refs/tags/v1 '\(tag message\)' 1 npm-token
git tag -d v1 >/dev/null
git tag -a v1 -m "release 1" main || fail "git tag"
push_ok "file://$srv" v1

# A commit message with a token.
git checkout -q main
printf 'x\n' >m.txt && git add m.txt &&
    git commit -q -m "deploy with $tok2" || fail "commit"
push_rejected "file://$srv" main
assert_recv_finding "$ERR" refs/heads/main '\(commit message\)' 1 npm-token
git reset -q --hard HEAD~1

# A merge: the token comes in with the merged side's commit, and the
# merge commit itself resolves a conflict by adding it.
git checkout -q -b side main
add_commit side.txt "side
" "side"
git checkout -q main
add_commit main.txt "main
" "main side"
git merge -q --no-edit side >/dev/null 2>&1 || fail "merge"
push_ok "file://$srv" main
git checkout -q -b m2 main && add_commit s2.txt "a
" "s2"
git checkout -q main && add_commit m2.txt "b
" "m2"
git merge -q --no-commit m2 >/dev/null 2>&1
printf 'token: %s\n' "$tok" >evil.yml && git add evil.yml &&
    git commit -q --no-edit || fail "merge commit"
push_rejected "file://$srv" main
assert_recv_finding "$ERR" refs/heads/main evil.yml 1 npm-token
git reset -q --hard HEAD~1

# A token inside a binary file, and one hidden from diffs by
# .gitattributes: blobs are scanned whole, as raw bytes.
printf 'bin\000ary %s end\000' "$tok" >blob.bin
git add blob.bin && git commit -q -m binary || fail "commit"
push_rejected "file://$srv" main
assert_recv_finding "$ERR" refs/heads/main blob.bin 1 npm-token
git reset -q --hard HEAD~1
printf '*.lock -diff\n' >.gitattributes
printf 'lock %s\n' "$tok" >deps.lock
git add .gitattributes deps.lock && git commit -q -m lock || fail "commit"
push_rejected "file://$srv" main
assert_recv_finding "$ERR" refs/heads/main deps.lock 1 npm-token

# GitLab shows lines prefixed GL-HOOK-ERR.
cat >"$srv/hooks/pre-receive" <<EOS || fail "wrapper"
#!/bin/sh
GL_ID=user-1 GL_USERNAME=alice exec "$RECV"
EOS
chmod +x "$srv/hooks/pre-receive"
push_rejected "file://$srv" main
assert_contains "$ERR" "remote: GL-HOOK-ERR: tokenguard-pre-receive: push rejected"
if grep '^remote: ' "$ERR" | grep -v '^remote: GL-HOOK-ERR: ' |
    grep -q 'tokenguard'; then
	fail "a hook line without the GL-HOOK-ERR prefix"
fi
git reset -q --hard HEAD~1
cp "$RECV" "$srv/hooks/pre-receive"

# Bad input on stdin and outside a repository: trouble, exit 2.
mkdir -p "$scratch/nowhere"
(
	cd "$scratch/nowhere" &&
	printf 'a b c\n' | "$RECV"
) 2>"$scratch/bad.err"
[ $? = 2 ] || fail "bad input: expected exit 2"
assert_contains "$scratch/bad.err" "the push is rejected"
# A pushed id the hook cannot see (outside the quarantine it was given):
# trouble, never "clean".
(
	cd "$srv" &&
	printf '%040d %s refs/heads/ghost\n' 0 \
	    1234567890abcdef1234567890abcdef12345678 | "$RECV"
) 2>"$scratch/ghost.err"
[ $? = 2 ] || fail "invisible object: expected exit 2"
assert_contains "$scratch/ghost.err" "1234567890abcdef1234567890abcdef12345678"
assert_contains "$scratch/ghost.err" "the push is rejected"
# 64-hex ids: a SHA-256 repository, refused clearly.
(
	cd "$srv" &&
	printf '%064d %064d refs/heads/x\n' 0 1 | "$RECV"
) 2>"$scratch/sha.err"
[ $? = 2 ] || fail "sha256 ids: expected exit 2"
assert_contains "$scratch/sha.err" "SHA-256"
# extensions.objectFormat = sha256: refused whatever stdin holds.
git init -q --bare --object-format=sha256 "$scratch/s256.git" ||
	fail "git init sha256"
(
	cd "$scratch/s256.git" &&
	printf '%040d %040d refs/heads/x\n' 0 1 | "$RECV"
) 2>"$scratch/s256.err"
[ $? = 2 ] || fail "sha256 repository: expected exit 2"
assert_contains "$scratch/s256.err" "extensions.objectFormat = sha256"
exit 0
