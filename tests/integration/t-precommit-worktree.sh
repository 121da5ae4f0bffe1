#!/bin/sh
# t-precommit-worktree: a linked worktree (its own index and HEAD, the
# hooks of the main repository), and a submodule: its gitlink in the
# superproject is skipped, and a commit inside the submodule's own
# repository (a ".git" file pointing into .git/modules) is scanned.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/githelpers.sh"

tok=$(gen_token 341) || fail "gen_token"

new_repo main
install_hook
printf 'base\n' >base.txt
git_quiet add base.txt
commit_ok -m base
git_quiet worktree add -q ../wt -b side
cd ../wt || fail "cd wt"
token_blocked wt.cfg "auth=$tok" "in the worktree"
# The main worktree's index is untouched and clean.
cd ../main || fail "cd main"
printf 'more\n' >>base.txt
git_quiet add base.txt
commit_ok -m "main still fine"
cd ../wt || fail "cd wt"
git_quiet rm -q --cached wt.cfg
printf 'clean\n' >wt.cfg
git_quiet add wt.cfg
commit_ok -m "worktree clean"

# A submodule.
cd "$scratch" || fail "cd"
new_repo lib
printf 'lib\n' >lib.txt
git_quiet add lib.txt
git_quiet commit -q -m lib
cd "$scratch/main" || fail "cd"
git_quiet -c protocol.file.allow=always submodule add -q "$scratch/lib" lib
commit_ok -m "add the submodule"
cd lib || fail "cd lib"
[ -f .git ] || fail "the submodule has no .git file"
install_hook
assert_contains "$OUT" "/.git/modules/lib/hooks/pre-commit"
token_blocked env.sh "export NPM_TOKEN=$tok" "in the submodule"
git_quiet rm -q --cached env.sh
rm env.sh
printf 'v2\n' >>lib.txt
git_quiet add lib.txt
commit_ok -m "submodule clean"
# The superproject records the new gitlink: nothing to scan there.
cd .. || fail "cd"
git_quiet add lib
commit_ok -m "bump the submodule"
