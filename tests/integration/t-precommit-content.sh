#!/bin/sh
# t-precommit-content: what kind of staged content is scanned: a binary
# file with a token (the engine decides from the bytes; .gitattributes
# cannot hide it), a symbolic link whose target is a token (a link's
# blob is its target), a deleted file (nothing is added: passes), and a
# file replaced by a link.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/githelpers.sh"

tok=$(gen_token 361) || fail "gen_token"

new_repo repo
install_hook
printf 'init\n' >README
git_quiet add README
commit_ok -m base

# Binary, marked binary and -diff in .gitattributes.
printf '*.db binary -diff\n' >.gitattributes
{ printf 'SQLite format 3\000\000\001'; head -c 3000 /dev/zero;
    printf '\000%s\000' "$tok"; head -c 3000 /dev/zero; } >cache.db
git_quiet add .gitattributes cache.db
commit_blocked -m binary
assert_finding "$ERR" cache.db 1 npm-token
git_quiet rm -q --cached cache.db
rm cache.db
commit_ok -m attributes

# A symbolic link whose target is the token.
ln -s "$tok" link
git_quiet add link
commit_blocked -m link
assert_finding "$ERR" link 1 npm-token
git_quiet rm -q --cached link
rm link

# Deleting a file that holds a token adds nothing: passes silently.
printf 'NPM_TOKEN=%s\n' "$tok" >old.env
git_quiet add old.env
assert_status 0 git commit -q --no-verify -m "leak"
git_quiet rm -q old.env
commit_ok -m "remove the leak"

# A file replaced by a link to a token-shaped target: type change.
printf 'plain\n' >kind
git_quiet add kind
commit_ok -m kind
rm kind
ln -s "npm-token-$tok" kind
git_quiet add kind
commit_blocked -m "type change"
