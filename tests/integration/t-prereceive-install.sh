#!/bin/sh
# tokenguard install --server PATH: into a bare repository's hooks (an
# existing pre-receive is chained and gets the same input), into GitLab's
# custom_hooks/pre-receive.d and Gitea's hooks/pre-receive.d; installing
# twice changes nothing; --uninstall puts the old hook back. No output
# holds a whole token.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/recvhelpers.sh"

tok=$(gen_token 901) || fail "gen_token"
srv=$scratch/srv.git
git init -q --bare "$srv" || fail "init"
# The server's own pre-receive: records its input.
cat >"$srv/hooks/pre-receive" <<EOF2 || fail "old hook"
#!/bin/sh
cat >>"$scratch/old-hook.log"
exit 0
EOF2
chmod +x "$srv/hooks/pre-receive"

assert_status 0 "$TOKENGUARD" install --server "$srv"
assert_contains "$OUT" "existing hook now runs after tokenguard's check"
[ -x "$srv/hooks/pre-receive.tokenguard-chained" ] || fail "not chained"
assert_status 0 "$TOKENGUARD" install --server "$srv/"
assert_contains "$OUT" "already installed"

new_work_pushed "$scratch/w" "file://$srv"
grep -q " $(git rev-parse HEAD) refs/heads/main\$" "$scratch/old-hook.log" ||
	fail "the chained hook did not get the push's input"
add_commit .npmrc "//registry.npmjs.org/:_authToken=$tok
" "token"
push_rejected "file://$srv" main
assert_recv_finding "$ERR" refs/heads/main .npmrc 1 npm-token
[ "$(wc -l <"$scratch/old-hook.log")" -eq 1 ] ||
	fail "the chained hook ran after a rejection"

assert_status 0 "$TOKENGUARD" install --server "$srv" --uninstall
assert_contains "$OUT" "restored the previous hook"
grep -q old-hook.log "$srv/hooks/pre-receive" || fail "not restored"
push_ok "file://$srv" main

# GitLab: a custom_hooks directory gets pre-receive.d/tokenguard.
gl=$scratch/gitlab/group/project.git
git init -q --bare "$gl" || fail "init"
assert_status 0 "$TOKENGUARD" install --server "$gl/custom_hooks"
[ -x "$gl/custom_hooks/pre-receive.d/tokenguard" ] || fail "gitlab hook"
# Gitea: a repository with hooks/pre-receive.d gets it there.
gt=$scratch/gitea/user/repo.git
git init -q --bare "$gt" && mkdir -p "$gt/hooks/pre-receive.d" ||
	fail "init"
assert_status 0 "$TOKENGUARD" install --server "$gt"
[ -x "$gt/hooks/pre-receive.d/tokenguard" ] || fail "gitea hook"
[ ! -e "$gt/hooks/pre-receive" ] || fail "gitea: hooks/pre-receive written"
# Run as Gitea would: the pre-receive.d hook with the push's input.
git init -q --bare "$scratch/plain.git" || fail "init"
cp "$gt/hooks/pre-receive.d/tokenguard" "$scratch/plain.git/hooks/pre-receive"
push_rejected "file://$scratch/plain.git" main
assert_recv_finding "$ERR" refs/heads/main .npmrc 1 npm-token

assert_status 2 "$TOKENGUARD" install --server "$scratch/nothing-here"
assert_contains "$ERR" "not a git repository"
exit 0
