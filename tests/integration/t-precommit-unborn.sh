#!/bin/sh
# t-precommit-unborn: the first commit of a repository (no HEAD yet: the
# staged blobs are compared with the empty tree), blocked with a token
# and silent without.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/githelpers.sh"

tok=$(gen_token 331) || fail "gen_token"

new_repo repo
install_hook
git rev-parse -q --verify HEAD >/dev/null && fail "HEAD exists already"
mkdir -p deploy
printf 'FROM node:20\nARG NPM_TOKEN=%s\n' "$tok" >deploy/Dockerfile
printf 'readme\n' >README
git_quiet add .
commit_blocked -m first
assert_finding "$ERR" deploy/Dockerfile 2 npm-token
assert_no_secret "$tok" "$ERR"
git rev-parse -q --verify HEAD >/dev/null && fail "a commit was made"

printf 'FROM node:20\nARG NPM_TOKEN\n' >deploy/Dockerfile
git_quiet add .
commit_ok -m first
[ "$(git rev-list --count HEAD)" = 1 ] || fail "no first commit"

# An orphan branch is unborn too.
git_quiet checkout -q --orphan fresh
printf 'token=%s\n' "$tok" >>README
git_quiet add README
commit_blocked -m orphan
assert_finding "$ERR" README 2 npm-token
