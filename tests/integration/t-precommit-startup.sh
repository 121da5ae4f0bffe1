#!/bin/sh
# t-precommit-startup: the hook (and the scan CLI and the pre-receive
# hook) do not pay for what they never use. libgit2 1.5 built on mbedTLS
# parses the system CA bundle in git_libgit2_init(); each program's own
# mbedtls_x509_crt_parse_file() (common/notls.c) must take that call
# (the dynamic linker's bindings say which definition libgit2 got), and
# the hook must still scan as before.
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
	LD_DEBUG=bindings assert_status 0 "$TOKENGUARD" scan -q README
	grep "to [^ ]*/tokenguard \[0\]: normal symbol .mbedtls_x509_crt_parse_file" \
	    "$ERR" | grep -q "libgit2" ||
		fail "libgit2's mbedtls_x509_crt_parse_file is not the CLI's"
	PRE_RECEIVE=${TOKENGUARD%/*}/tokenguard-pre-receive
	LD_DEBUG=bindings assert_status 2 "$PRE_RECEIVE" --no-such-option
	grep "to [^ ]*tokenguard-pre-receive \[0\]: normal symbol .mbedtls_x509_crt_parse_file" \
	    "$ERR" | grep -q "libgit2" ||
		fail "libgit2's mbedtls_x509_crt_parse_file is not pre-receive's"
else
	note "libgit2 is not built on mbedTLS here: nothing to check"
fi
commit_ok -m clean
token_blocked leak.txt "token=$tok" "leak"
exit 0
