#!/bin/sh
# t-precommit-allowlist: a false positive is allowed inline
# (tokenguard:allow on its line), by its fingerprint in .tokenguard-allow
# at the top of the work tree (also when committing from a
# subdirectory), or in tokenguard.allow; the fingerprint the hook prints
# is the one to copy.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/githelpers.sh"

t1=$(gen_token 381) || fail "gen_token"
t2=$(gen_token 382) || fail "gen_token"
t3=$(gen_token 383) || fail "gen_token"

new_repo repo
install_hook
mkdir -p test/fixtures

# Inline.
printf 'const sample = "%s"; // tokenguard:allow\n' "$t1" \
    >test/fixtures/inline.js
git_quiet add test/fixtures/inline.js
commit_ok -m inline

# By fingerprint, copied from the hook's own output.
printf 'fixture: %s\n' "$t2" >test/fixtures/fp.yml
git_quiet add test/fixtures/fp.yml
commit_blocked -m fp
fp=$(sed -n 's/^        \(sha256:[0-9a-f]*\)  # test\/fixtures\/fp.yml:1$/\1/p' "$ERR")
[ "$fp" = "$(sha256_of "$t2")" ] || fail "the printed fingerprint is not the token's"
printf '# test fixtures\n%s\n' "$fp" >.tokenguard-allow
commit_ok -m fp
# From a subdirectory, the allow file at the top still counts.
printf 'again: %s\n' "$t2" >test/fixtures/fp2.yml
git_quiet add test/fixtures/fp2.yml
cd test || fail "cd"
commit_ok -m "fp from a subdirectory"
cd .. || fail "cd"

# In git config.
printf 'x: %s\n' "$t3" >test/fixtures/cfg.yml
git_quiet add test/fixtures/cfg.yml
commit_blocked -m cfg
git config tokenguard.allow "$(sha256_of "$t3")"
commit_ok -m cfg

# A malformed allow file is trouble, and says where.
printf 'not-a-fingerprint\n' >>.tokenguard-allow
printf 'y\n' >y.txt
git_quiet add y.txt
commit_blocked -m "bad allow file"
assert_contains "$ERR" ".tokenguard-allow"
assert_contains "$ERR" "the commit is blocked"
