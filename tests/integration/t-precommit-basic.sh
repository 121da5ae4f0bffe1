#!/bin/sh
# t-precommit-basic: the installed pre-commit hook on plain commits. A
# clean commit passes silently; a staged token blocks the commit with
# one line per finding (path:line: rule: description [redacted]) and the
# advice block, never the token itself; --no-verify skips the hook; the
# hook's --help and --version.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/githelpers.sh"

tok=$(gen_token 301) || fail "gen_token"
gh=$(gen_token 302 ghp_) || fail "gen_token"

assert_status 0 "$HOOK" --version
assert_contains "$OUT" "tokenguard-pre-commit "
assert_status 0 "$HOOK" --help
assert_contains "$OUT" "tokenguard.onError"
assert_contains "$OUT" "tokenguard.onSkip"
assert_status 2 "$HOOK" --bogus
assert_contains "$ERR" "unknown option '--bogus'"

new_repo repo
install_hook
assert_contains "$OUT" "pre-commit: installed"
assert_contains "$OUT" "pre-merge-commit: installed"
[ -x .git/hooks/pre-commit ] || fail "no executable .git/hooks/pre-commit"
[ -x .git/hooks/pre-merge-commit ] || fail "no pre-merge-commit hook"

# Clean: silent.
printf 'hello\n' >README
git_quiet add README
commit_ok -m clean

# A token in a new file, another in an existing one: both reported.
printf 'registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=%s\n' \
    "$tok" >.npmrc
printf 'hello\nGH=%s\n' "$gh" >README
git_quiet add .npmrc README
commit_blocked -m leak
assert_contains "$ERR" "commit blocked: 2 secrets in the staged changes"
assert_finding "$ERR" .npmrc 2 npm-token
assert_finding "$ERR" README 2 github-token
assert_advice "$ERR"
assert_contains "$ERR" "$(sha256_of "$tok")  # .npmrc:2"
assert_no_secret "$tok" "$ERR" "$OUT"
assert_no_secret "$gh" "$ERR" "$OUT"

# The hook run by hand says the same, exit 1.
assert_status 1 "$HOOK"
assert_finding "$ERR" .npmrc 2 npm-token

# --no-verify skips the hook.
assert_status 0 git commit -q --no-verify -m "skip the hook"
[ ! -s "$ERR" ] || fail "--no-verify still ran the hook"
[ "$(git rev-list --count HEAD)" = 2 ] || fail "the --no-verify commit is missing"

# A broken checksum is not a token: passes silently.
printf 'NPM_TOKEN=%s\n' "$(gen_broken 303)" >test-fixture.env
git_quiet add test-fixture.env
commit_ok -m fixture

# The binary itself works as the hook, copied or symlinked by hand.
cd "$scratch" || fail "cd"
new_repo copied
cp "$HOOK" .git/hooks/pre-commit
token_blocked .env "NPM_TOKEN=$tok" "copied"
cd "$scratch" || fail "cd"
new_repo linked
ln -s "$HOOK" .git/hooks/pre-commit
token_blocked .env "NPM_TOKEN=$tok" "linked"
# Installing over a link to the binary replaces it (it would run twice
# if chained); uninstalling puts the link back.
install_hook
assert_contains "$OUT" "pre-commit: replaced the existing hook"
commit_blocked -m "installed over the link"
[ "$(grep -c "commit blocked" "$ERR")" = 1 ] || fail "the check ran twice"
assert_status 0 "$TOKENGUARD" install --uninstall
[ -L .git/hooks/pre-commit ] || fail "the link was not restored"
