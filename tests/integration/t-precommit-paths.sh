#!/bin/sh
# t-precommit-paths: every way git commits what the hook must scan:
# `git commit -a` and `git commit PATH...` (temporary indexes named by
# GIT_INDEX_FILE), `--amend`, a commit from a subdirectory, and one with
# GIT_DIR and GIT_WORK_TREE set from outside the work tree. The work
# tree is never what is scanned: only what the commit records.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/githelpers.sh"

tok=$(gen_token 311) || fail "gen_token"

new_repo repo
install_hook
mkdir -p src/deep
printf 'a\n' >a.txt
printf 'b\n' >src/deep/b.txt
git_quiet add .
commit_ok -m base

# commit -a stages a tracked file's token: blocked.
printf 'a\nexport NPM_TOKEN=%s\n' "$tok" >a.txt
commit_blocked -a -m all
assert_finding "$ERR" a.txt 2 npm-token
# Without -a the token is not staged: nothing to scan, it passes.
printf 'b2\n' >>src/deep/b.txt
git_quiet add src/deep/b.txt
commit_ok -m "only b"

# commit PATH: only that path's work-tree content is committed.
printf 'b3\n' >>src/deep/b.txt
commit_blocked -m path a.txt
assert_finding "$ERR" a.txt 2 npm-token
commit_ok -m "clean path" src/deep/b.txt
# A token staged in another file is not part of `commit PATH`.
git_quiet add a.txt
printf 'b4\n' >>src/deep/b.txt
commit_ok -m "clean path, token staged elsewhere" src/deep/b.txt
commit_blocked -m "the staged token"
git_quiet reset -q a.txt
git_quiet checkout -- a.txt

# --amend: the amended commit is checked against HEAD as well.
printf 'c\n' >c.txt
git_quiet add c.txt
commit_ok -m "c"
printf 'c\nnpm_token: %s\n' "$tok" >c.txt
git_quiet add c.txt
commit_blocked --amend -m "c amended"
assert_finding "$ERR" c.txt 2 npm-token
printf 'c\nc2\n' >c.txt
git_quiet add c.txt
commit_ok --amend -m "c amended clean"

# From a subdirectory.
cd src/deep || fail "cd"
printf 'TOKEN = "%s"\n' "$tok" >sub.py
git_quiet add sub.py
commit_blocked -m subdir
assert_finding "$ERR" src/deep/sub.py 1 npm-token
git_quiet rm -q --cached sub.py
rm sub.py
printf 'fine\n' >sub.txt
git_quiet add sub.txt
commit_ok -m "subdir clean"
cd ../.. || fail "cd"

# GIT_DIR and GIT_WORK_TREE set, run from outside the work tree.
top=$PWD
cd "$scratch" || fail "cd"
printf 'key: %s\n' "$tok" >"$top/outside.yml"
GIT_DIR=$top/.git GIT_WORK_TREE=$top git add outside.yml ||
	fail "git add with GIT_DIR"
_before=$(cd "$top" && head_id)
assert_status 1 env GIT_DIR="$top/.git" GIT_WORK_TREE="$top" \
    git commit -q -m gitdir
[ "$(cd "$top" && head_id)" = "$_before" ] || fail "GIT_DIR commit went through"
assert_finding "$ERR" outside.yml 1 npm-token
GIT_DIR=$top/.git GIT_WORK_TREE=$top git rm -q --cached outside.yml ||
	fail "git rm"
printf 'ok\n' >"$top/outside.txt"
GIT_DIR=$top/.git GIT_WORK_TREE=$top git add outside.txt || fail "git add"
assert_status 0 env GIT_DIR="$top/.git" GIT_WORK_TREE="$top" \
    git commit -q -m "gitdir clean"
[ ! -s "$ERR" ] || fail "the hook was not silent with GIT_DIR set"
