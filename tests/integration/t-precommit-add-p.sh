#!/bin/sh
# t-precommit-add-p: partial staging with `git add -p`. The hook scans
# the index, not the work tree: staging only the token-free hunk of a
# file whose other (unstaged) hunk holds a token must pass; staging the
# token's hunk and not the other must block.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/githelpers.sh"

tok=$(gen_token 321) || fail "gen_token"

new_repo repo
install_hook
i=1
while [ "$i" -le 30 ]; do
	echo "line $i" >>conf.sh
	i=$((i + 1))
done
git_quiet add conf.sh
commit_ok -m base

# Two hunks far apart: line 2 edited (clean), line 28 a token.
edit()
{
	sed -e 's/^line 2$/line 2 edited/' \
	    -e "s/^line 28\$/export NPM_TOKEN=$tok/" conf.orig >conf.sh
}
cp conf.sh conf.orig
edit
[ "$(git diff --numstat conf.sh | cut -f1)" = 2 ] || fail "edit failed"

# Stage the first hunk only: y, then n.
printf 'y\nn\n' | git add -p conf.sh >/dev/null 2>&1 || fail "git add -p"
git diff --cached | grep -q 'line 2 edited' || fail "clean hunk not staged"
git diff --cached | grep -q NPM_TOKEN && fail "token hunk was staged"
git diff | grep -q NPM_TOKEN || fail "token hunk not left in the work tree"
commit_ok -m "clean hunk only"

# The opposite: the token's hunk staged, the clean one not.
cp conf.orig conf.sh
git_quiet add conf.sh
commit_ok -m "back to base"
cp conf.sh conf.orig
edit
printf 'n\ny\n' | git add -p conf.sh >/dev/null 2>&1 || fail "git add -p"
git diff --cached | grep -q NPM_TOKEN || fail "token hunk not staged"
git diff --cached | grep -q 'line 2 edited' && fail "clean hunk was staged"
commit_blocked -m "token hunk"
assert_finding "$ERR" conf.sh 28 npm-token
# git commit -p style: the same through `git commit` of the index only.
git_quiet reset -q conf.sh
printf 'y\nn\n' | git add -p conf.sh >/dev/null 2>&1 || fail "git add -p"
commit_ok -m "clean hunk again"
