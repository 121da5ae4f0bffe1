# Unreadable files and directories: the scan goes on, reports what it
# can, names what it could not read on stderr, and exits 2 (trouble wins
# over findings, as with grep). Root reads chmod 000 files anyway, so as
# root the scan runs as "nobody" through setpriv(1); without setpriv
# that part is skipped with a note. Failures that hit root too (ENOTDIR,
# ENAMETOOLONG) are checked in every case.
. "$(dirname "$0")/lib.sh"

tok=$(gen_token 1001) || fail "gen_token"
tok2=$(gen_token 1002) || fail "gen_token"

# Paths that fail for everyone.
printf 'NPM_TOKEN=%s\n' "$tok" >file.env
assert_status 2 "$TOKENGUARD" scan file.env/sub
assert_contains "$ERR" file.env/sub
long=$(python3 -c 'print("d" * 300)')
assert_status 2 "$TOKENGUARD" scan file.env "$long"
assert_lines 1 "$OUT"

run=
if [ "$(id -u)" != 0 ]; then
	run=
elif command -v setpriv >/dev/null 2>&1; then
	# The scratch tree and a copy of the program must be reachable.
	chmod 755 "$scratch" "$HOME"
	mkdir bin && cp "$TOKENGUARD" bin/tokenguard && chmod 755 bin ||
	    fail "copy tokenguard"
	run="setpriv --reuid=65534 --regid=65534 --clear-groups"
else
	note "unreadable-file cases skipped: running as root without setpriv"
	exit 0
fi
prog=$TOKENGUARD
[ -n "$run" ] && prog=$scratch/bin/tokenguard

mkdir -p tree/locked tree/open
printf 'NPM_TOKEN=%s\n' "$tok" >tree/open/ok.env
printf 'NPM_TOKEN=%s\n' "$tok2" >tree/secret.env
printf 'NPM_TOKEN=%s\n' "$tok2" >tree/locked/inside.env
chmod -R a+rX tree
chmod 000 tree/secret.env tree/locked

# Make sure the files really are unreadable to whoever runs the scan.
if $run cat tree/secret.env >/dev/null 2>&1; then
	note "unreadable-file cases skipped: chmod 000 does not stop" \
	    "$(id -un) here"
	exit 0
fi

assert_status 2 $run "$prog" scan tree
# The readable file's finding is still printed.
assert_lines 1 "$OUT"
assert_contains "$OUT" tree/open/ok.env:1:11:
assert_contains "$ERR" tree/secret.env
assert_contains "$ERR" tree/locked

assert_status 2 $run "$prog" scan --format json tree
json_check "$OUT" "expect([('tree/open/ok.env', 1, 'npm-token')])" ||
    exit 1

# An unreadable file named as an argument.
assert_status 2 $run "$prog" scan tree/secret.env
assert_lines 0 "$OUT"
assert_contains "$ERR" tree/secret.env

# Only an unreadable directory: still trouble, never "clean".
mkdir -p only/locked
chmod 755 only
chmod 000 only/locked
assert_status 2 $run "$prog" scan only

assert_no_secret "$tok" "$OUT" "$ERR"
assert_no_secret "$tok2" "$OUT" "$ERR"
