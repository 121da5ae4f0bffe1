#!/bin/sh
# t-precommit-hookspath: where git looks for hooks. With 'tokenguard
# install --global' on top of a per-repository install, a commit is
# scanned once (one report, not two), and the repository's chained hook
# still runs once. With a relative core.hooksPath, each linked worktree
# has its own hooks directory: install puts the hook in every worktree,
# and a token commit in a linked worktree is blocked.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/githelpers.sh"

tok=$(gen_token 1231) || fail "gen_token"
ran=$scratch/chained.log

count()
{
	grep -c "$1" "$2"
}

# --- --global and a per-repository install -------------------------------
new_repo both
printf '#!/bin/sh\necho ran >>"%s"\n' "$ran" >.git/hooks/pre-commit
chmod +x .git/hooks/pre-commit
install_hook
assert_status 0 "$TOKENGUARD" install --global
printf 'x\n' >README
git_quiet add README
assert_status 0 git commit -q -m clean
[ "$(wc -l <"$ran")" -eq 1 ] || fail "the repository's own hook ran $(wc -l <"$ran") times"
printf '//registry.npmjs.org/:_authToken=%s\n' "$tok" >.npmrc
git_quiet add .npmrc
commit_blocked -m leak
[ "$(count "commit blocked" "$ERR")" -eq 1 ] ||
	fail "the commit was scanned $(count "commit blocked" "$ERR") times"
[ "$(count ".npmrc:1: npm-token" "$ERR")" -eq 1 ] ||
	fail "the finding was reported more than once"
# A pre-existing secret's warning, once too.
git_quiet commit -q --no-verify -m "leak, unchecked"
printf 'always-auth=true\n' >>.npmrc
git_quiet add .npmrc
commit_warned -m "touch .npmrc"
[ "$(count "already committed before" "$ERR")" -eq 1 ] ||
	fail "the warning was printed $(count "already committed before" "$ERR") times"
assert_status 0 "$TOKENGUARD" install --global --uninstall
cd "$scratch" || fail cd

# --- a relative core.hooksPath and linked worktrees ---------------------
new_repo rel
git_quiet config core.hooksPath .githooks
printf 'base\n' >base.txt
git_quiet add base.txt
git_quiet commit -q -m base
git_quiet worktree add -q ../rel-wt -b side
install_hook
assert_contains "$OUT" "installed in the 2 there are now"
[ -x .githooks/pre-commit ] || fail "no hook in the main worktree"
[ -x ../rel-wt/.githooks/pre-commit ] || fail "no hook in the linked worktree"
cd ../rel-wt || fail cd
token_blocked .npmrc "//registry.npmjs.org/:_authToken=$tok" "leak in the linked worktree"
# Installed from the linked worktree: the same two directories.
install_hook
assert_contains "$OUT" "already installed in $scratch/rel/.githooks"
assert_contains "$OUT" "already installed in $scratch/rel-wt/.githooks"
assert_status 0 "$TOKENGUARD" install --uninstall
[ ! -e .githooks/pre-commit ] && [ ! -e ../rel/.githooks/pre-commit ] ||
	fail "--uninstall left a hook behind"
exit 0
