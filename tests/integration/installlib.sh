# tests/integration/installlib.sh: helpers for the install.sh scenarios
# (t-install-*.sh). Source lib.sh first, then this file:
#
#	. "$(dirname "$0")/lib.sh"
#	. "$TESTS_DIR/installlib.sh"
#
#	TOP                     the source tree (install.sh is there)
#	VERSION                 TOKENGUARD_VERSION from common/version.h
#	PROGRAMS                the programs make install installs
#	run_install ARGS...     run_cmd sh install.sh ARGS... (it builds
#	                        with BUILD, which lib.sh exports: nothing
#	                        is compiled when BUILD is up to date); its
#	                        output is also in $IOUT and $IERR, which
#	                        the other helpers leave alone
#	install_ok ARGS...      run_install, and fail unless it exits 0
#	assert_installed DIR    DIR/bin has every program, DIR/share/man
#	                        every page of man/; DIR/bin/tokenguard runs
#	                        and finds a generated token
#	assert_not_installed DIR
#	                        none of those files is left
#	need_root               note and pass the test unless root (useradd
#	                        --root and chown need it)
#
# The scenarios install into the scratch directory only: --prefix and
# --root, with --no-deps (t-install-default.sh puts stubs of apt-get and
# dpkg-query on PATH instead). The user tokenguard goes into a scratch
# root's /etc/passwd (useradd --root), never into the machine's.

TOP=$(cd "$TESTS_DIR/../.." && pwd) || fail "no source tree"
# install.sh runs make with BUILD: it must be a real build directory, not
# the wrappers of VALGRIND=1 (make would build into it).
if [ ! -f "$BUILD/libtokenguard.a" ]; then
	note "$(basename "$0" .sh): $BUILD is not a build directory: skipped"
	exit 0
fi
VERSION=$(sed -n 's/^#define TOKENGUARD_VERSION "\([^"]*\)"$/\1/p' \
    "$TOP/common/version.h")
[ -n "$VERSION" ] || fail "no version in common/version.h"
IOUT=$scratch/install.out
IERR=$scratch/install.err
PROGRAMS="tokenguard tokenguard-pre-commit tokenguard-pre-receive
tokenguard-watch"

run_install()
{
	CMD_TIMEOUT=${CMD_TIMEOUT:-600} run_cmd sh "$TOP/install.sh" "$@"
	cp "$OUT" "$IOUT" && cp "$ERR" "$IERR" || fail "cp"
}

# The man pages of the tree, as SECTION/NAME lines.
_man_pages()
{
	for _page in "$TOP"/man/*.[0-9]; do
		[ -f "$_page" ] || continue
		_name=$(basename "$_page")
		printf 'man%s/%s\n' "${_name##*.}" "$_name"
	done
}

# install_ok ARGS...: run_install, which must exit 0.
install_ok()
{
	run_install "$@"
	if [ "$STATUS" != 0 ]; then
		_show stdout "$IOUT"
		_show stderr "$IERR"
		fail "install.sh $*: exit $STATUS"
	fi
}

assert_installed()
{
	for _p in $PROGRAMS; do
		[ -x "$1/bin/$_p" ] || fail "$1/bin/$_p is not installed"
	done
	for _m in $(_man_pages); do
		[ -f "$1/share/man/$_m" ] ||
		    fail "$1/share/man/$_m is not installed"
	done
	assert_status 0 "$1/bin/tokenguard" --version
	assert_contains "$OUT" "tokenguard $VERSION"
	[ -f "$scratch/leak.env" ] || {
		_tok=$(gen_token 4242) || fail "gen_token"
		printf 'NPM_TOKEN=%s\n' "$_tok" >"$scratch/leak.env"
	}
	assert_status 1 "$1/bin/tokenguard" scan "$scratch/leak.env"
	assert_contains "$OUT" "leak.env:1:"
}

assert_not_installed()
{
	for _p in $PROGRAMS; do
		[ ! -e "$1/bin/$_p" ] || fail "$1/bin/$_p is still there"
	done
	for _m in $(_man_pages); do
		[ ! -e "$1/share/man/$_m" ] ||
		    fail "$1/share/man/$_m is still there"
	done
}

need_root()
{
	if [ "$(id -u)" != 0 ]; then
		note "$(basename "$0" .sh): not root: skipped"
		exit 0
	fi
	command -v useradd >/dev/null 2>&1 ||
	    fail "useradd is missing (Debian: passwd)"
}
