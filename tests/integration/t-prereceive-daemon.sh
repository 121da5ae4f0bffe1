#!/bin/sh
# The pre-receive hook behind `git daemon --enable=receive-pack` on
# 127.0.0.1: the pushed objects are only in the receive quarantine, and
# must be seen there; two pushes at once are judged independently. No
# output holds a whole token.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/recvhelpers.sh"

tok=$(gen_token 601) || fail "gen_token"
base=$scratch/srv
mkdir -p "$base" || fail "mkdir"
new_server "$base/repo.git"
start_daemon "$base"
url=$DAEMON_URL/repo.git

new_work_pushed "$scratch/w" "$url"
assert_contains "$ERR" "[new branch]"

# A token in a new commit, seen through the quarantine: rejected, and
# the server's ref does not move.
add_commit pkg/.npmrc "//registry.npmjs.org/:_authToken=$tok
" "token"
before=$(refs_of "$base/repo.git")
push_rejected "$url" main
assert_recv_finding "$ERR" refs/heads/main pkg/.npmrc 1 npm-token
[ "$(refs_of "$base/repo.git")" = "$before" ] || fail "the ref moved"
# Nothing of the rejected push is left in the repository's objects.
git --git-dir="$base/repo.git" cat-file -e "$(git rev-parse HEAD)" \
    2>/dev/null && fail "a rejected commit reached the object store"
git reset -q --hard HEAD~1

# Two concurrent pushes, one clean and one with a token, to different
# branches: each gets its own verdict.
git checkout -q -b clean main && add_commit c.txt "c
" "clean"
git checkout -q -b dirty main && add_commit d.env "NPM_TOKEN=$tok
" "dirty"
git push "$url" clean >"$scratch/clean.out" 2>&1 &
p1=$!
git push "$url" dirty >"$scratch/dirty.out" 2>&1 &
p2=$!
wait "$p1"
s1=$?
wait "$p2"
s2=$?
assert_no_secret "$tok" "$scratch/clean.out" "$scratch/dirty.out"
[ "$s1" = 0 ] || { _show clean "$scratch/clean.out"; fail "clean push"; }
[ "$s2" = 1 ] || { _show dirty "$scratch/dirty.out"; fail "dirty push"; }
assert_recv_finding "$scratch/dirty.out" refs/heads/dirty d.env 1 npm-token
assert_not_contains "$scratch/clean.out" "tokenguard"
refs_of "$base/repo.git" | grep -q ' refs/heads/clean$' ||
	fail "the clean branch is missing"
refs_of "$base/repo.git" | grep -q ' refs/heads/dirty$' &&
	fail "the dirty branch went in"
exit 0
