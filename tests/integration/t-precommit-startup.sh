#!/bin/sh
# t-precommit-startup: the hook does not pay for what it never uses.
# libgit2 1.5 built on mbedTLS parses the system CA bundle in
# git_libgit2_init(); the hook's own mbedtls_x509_crt_parse_file() must
# take that call (the dynamic linker's bindings say which definition
# libgit2 got), and the hook must still scan as before.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/githelpers.sh"

tok=$(gen_token 1241) || fail "gen_token"
new_repo repo
install_hook
printf 'x\n' >README
git_quiet add README

if ldd "$HOOK" | grep -q libmbedx509; then
	LD_DEBUG=bindings assert_status 0 "$HOOK"
	grep "to [^ ]*tokenguard-pre-commit \[0\]: normal symbol .mbedtls_x509_crt_parse_file" \
	    "$ERR" | grep -q "libgit2" ||
		fail "libgit2's mbedtls_x509_crt_parse_file is not the hook's"
else
	note "libgit2 is not built on mbedTLS here: nothing to check"
fi
commit_ok -m clean
token_blocked leak.txt "token=$tok" "leak"
exit 0
