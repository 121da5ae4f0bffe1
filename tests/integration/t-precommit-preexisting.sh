#!/bin/sh
# t-precommit-preexisting: a token that HEAD already holds at the same
# path (or at the source of a rename) is reported as a warning and does
# not block, unless tokenguard.blockPreexisting = true. The same token
# moved into another file, or a new token next to the old one, blocks.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/githelpers.sh"

old=$(gen_token 351) || fail "gen_token"
new=$(gen_token 352) || fail "gen_token"

new_repo repo
install_hook
printf 'a=1\nNPM_TOKEN=%s\nb=2\n' "$old" >ci.env
git_quiet add ci.env
assert_status 0 git commit -q --no-verify -m "the old leak"

# Edited elsewhere in the file: a warning, the commit goes through.
printf 'c=3\n' >>ci.env
git_quiet add ci.env
commit_warned -m "edit next to an old token"
assert_contains "$ERR" "warning: 1 secret already committed before"
assert_finding "$ERR" ci.env 2 npm-token
assert_not_contains "$ERR" "commit blocked"
assert_no_secret "$old" "$ERR"

# Renamed (and edited): still the same secret, still a warning.
git_quiet mv ci.env deploy.env
printf 'd=4\n' >>deploy.env
git_quiet add deploy.env
commit_warned -m "rename"
assert_contains "$ERR" "already committed before"
assert_finding "$ERR" deploy.env 2 npm-token
assert_not_contains "$ERR" "commit blocked"

# blockPreexisting blocks it.
git config tokenguard.blockPreexisting true
printf 'e=5\n' >>deploy.env
git_quiet add deploy.env
commit_blocked -m "strict"
assert_finding "$ERR" deploy.env 2 npm-token
git config --unset tokenguard.blockPreexisting
commit_warned -m "lenient again"

# A new token next to the old one: the new one blocks, the old warns.
printf 'NPM_TOKEN_2=%s\n' "$new" >>deploy.env
git_quiet add deploy.env
commit_blocked -m "a second token"
assert_contains "$ERR" "commit blocked: 1 secret in the staged changes"
assert_finding "$ERR" deploy.env 7 npm-token
assert_contains "$ERR" "already committed before"
git_quiet reset -q --hard

# The old token copied into another file is a new leak there.
token_blocked copy.yml "token: $old" "copied"
git_quiet reset -q --hard
rm -f copy.yml

# A rename without an edit: the same blob, still a warning.
git_quiet mv deploy.env moved.env
commit_warned -m "exact rename"
assert_contains "$ERR" "already committed before"
assert_finding "$ERR" moved.env 2 npm-token
assert_not_contains "$ERR" "commit blocked"
