# Files over the size cap are reported as skipped on stderr, never
# silently; tokenguard.onSkip = reject makes that trouble (exit 2).
. "$(dirname "$0")/lib.sh"

tok=$(gen_token 1701) || fail "gen_token"
tok2=$(gen_token 1702) || fail "gen_token"
mkdir d
# pad N: N bytes of text lines.
pad()
{
	python3 -c 'import sys; sys.stdout.write(("x" * 63 + "\n") * (int(sys.argv[1]) // 64))' "$1"
}
{ pad 4032; printf 'NPM_TOKEN=%s\n' "$tok"; } >d/big.env
{ printf 'NPM_TOKEN=%s\n' "$tok2"; } >d/small.env
# Exactly 1024 bytes: not over a 1k cap.
{ pad 960; printf 'NPM_TOKEN=%s\n' "$tok2" | head -c 51; pad 64 | head -c 13; } \
    >d/exact.env
[ "$(wc -c <d/exact.env | tr -d ' ')" = 1024 ] || fail "exact.env size"

assert_status 1 "$TOKENGUARD" scan --max-file-size 1k --format json d
json_check "$OUT" "expect([('d/exact.env', 16, 'npm-token'),
    ('d/small.env', 1, 'npm-token')])" || exit 1
grep -q 'd/big\.env.*: skipped: ' "$ERR" ||
    fail "no 'skipped' line for d/big.env: $(cat "$ERR")"
# Only the big file: skipped, not clean and not a finding.
assert_status 0 "$TOKENGUARD" scan --max-file-size 1k d/big.env
assert_lines 0 "$OUT"
assert_contains "$ERR" "d/big.env: skipped: "
# Without the cap the token is there.
assert_status 1 "$TOKENGUARD" scan d/big.env

# The cap from configuration, and the command line over it.
printf '[tokenguard]\n\tmaxFileSize = 1k\n' >cap.conf
assert_status 1 "$TOKENGUARD" scan --config cap.conf d
assert_lines 2 "$OUT"
assert_contains "$ERR" "d/big.env: skipped: "
assert_status 1 "$TOKENGUARD" scan --config cap.conf --max-file-size 1m d
assert_lines 3 "$OUT"
assert_not_contains "$ERR" "skipped: "

# onSkip = reject: trouble, even next to findings.
printf '[tokenguard]\n\tmaxFileSize = 1k\n\tonSkip = reject\n' >strict.conf
assert_status 2 "$TOKENGUARD" scan --config strict.conf d
assert_lines 2 "$OUT"
assert_contains "$ERR" "d/big.env: skipped: "
assert_status 2 "$TOKENGUARD" scan --config strict.conf d/big.env
printf '[tokenguard]\n\tonSkip = sometimes\n' >badskip.conf
assert_status 2 "$TOKENGUARD" scan --config badskip.conf d/small.env

# Suffixes: k, m, g; anything else is bad usage.
assert_status 1 "$TOKENGUARD" scan --max-file-size 4096 d/big.env
assert_status 0 "$TOKENGUARD" scan --max-file-size 3k d/big.env
assert_status 2 "$TOKENGUARD" scan --max-file-size 3x d/big.env
assert_status 2 "$TOKENGUARD" scan --max-file-size -1 d/big.env

assert_no_secret "$tok" "$OUT" "$ERR"
assert_no_secret "$tok2" "$OUT" "$ERR"
