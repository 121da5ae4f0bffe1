#!/bin/sh
# install.sh --prefix DIR: the programs in DIR/bin, the man pages in
# DIR/share/man, nothing elsewhere; --prefix=DIR and a relative DIR
# (taken from the current directory) work too; the hook `tokenguard
# install` writes runs the pre-commit program of that prefix.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/installlib.sh"

prefix=$scratch/opt/tokenguard
install_ok --no-deps --prefix "$prefix"
assert_contains "$IOUT" "installing into $prefix"
assert_contains "$IOUT" "try: $prefix/bin/tokenguard scan ."
assert_installed "$prefix"
[ "$(ls "$scratch/opt")" = tokenguard ] || fail "more than the prefix"
[ "$(ls "$prefix")" = "bin
share" ] || fail "unexpected files in $prefix: $(ls "$prefix")"

# The hook of a repository runs this prefix's program.
git init -q repo || fail "git init"
(cd repo && "$prefix/bin/tokenguard" install >/dev/null) ||
    fail "tokenguard install"
assert_contains repo/.git/hooks/pre-commit \
    "$prefix/bin/tokenguard-pre-commit"

# --prefix=DIR, relative to the current directory.
mkdir work && cd work || fail "mkdir"
install_ok --no-deps --prefix=rel/tg
assert_installed "$scratch/work/rel/tg"
# On PATH: the hint is the short command.
PATH=$scratch/work/rel/tg/bin:$PATH run_install --no-deps --prefix rel/tg
[ "$STATUS" = 0 ] || fail "again: exit $STATUS"
assert_contains "$IOUT" "try: tokenguard scan ."
exit 0
