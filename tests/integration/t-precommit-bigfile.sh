#!/bin/sh
# t-precommit-bigfile: a staged file over tokenguard.maxFileSize (64 MiB
# by default) is not scanned, and never passes silently: by default the
# commit goes through with a warning naming the file
# (tokenguard.onSkip = allow); tokenguard.onSkip = reject blocks it; a
# higher tokenguard.maxFileSize scans it.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/githelpers.sh"

tok=$(gen_token 371) || fail "gen_token"

new_repo repo
install_hook
printf 'base\n' >README
git_quiet add README
commit_ok -m base

# 100 MiB: zeros, then a token at the very end.
head -c 104857600 /dev/zero >big.bin || fail "head"
printf '\ntoken=%s\n' "$tok" >>big.bin
git_quiet add big.bin

git config tokenguard.onSkip reject
commit_blocked -m "big, rejected"
assert_contains "$ERR" "commit blocked: big.bin not scanned: 100.0 MiB is over tokenguard.maxFileSize (64.0 MiB)"
assert_contains "$ERR" "tokenguard.onSkip = reject"

git config tokenguard.maxFileSize 200m
CMD_TIMEOUT=120 commit_blocked -m "big, scanned"
assert_finding "$ERR" big.bin 2 npm-token

git config --unset tokenguard.maxFileSize
git config --unset tokenguard.onSkip
commit_warned -m "big, allowed with a warning"
assert_contains "$ERR" "warning: big.bin not scanned: 100.0 MiB is over tokenguard.maxFileSize (64.0 MiB)"
[ "$(git rev-list --count HEAD)" = 2 ] || fail "the commit was not made"
