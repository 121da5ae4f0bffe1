# stdin: `-` as a PATH, and no PATH with stdin not a terminal; findings
# are reported with the path "-".
. "$(dirname "$0")/lib.sh"

tok=$(gen_token 501) || fail "gen_token"
printf 'line one\nexport NPM_TOKEN=%s\n' "$tok" >dirty.txt
printf 'nothing to see\n' >clean.txt

assert_status 1 "$TOKENGUARD" scan - <dirty.txt
assert_lines 1 "$OUT"
grep -E -q -e '^-:2:18: npm-token: ' "$OUT" ||
    fail "unexpected stdin finding: $(cat "$OUT")"

assert_status 1 "$TOKENGUARD" scan --format json - <dirty.txt
json_check "$OUT" "expect([('-', 2, 'npm-token')])" || exit 1

assert_status 0 "$TOKENGUARD" scan - <clean.txt
assert_lines 0 "$OUT"

# A real pipe and no PATH.
printf 'NPM_TOKEN=%s\n' "$tok" | assert_status 1 "$TOKENGUARD" scan ||
    exit 1
grep -q '^-:1:11: npm-token: ' "$OUT" ||
    fail "piped stdin without PATH: $(cat "$OUT")"
printf 'clean\n' | assert_status 0 "$TOKENGUARD" scan || exit 1
# stdin from a file and no PATH.
assert_status 1 "$TOKENGUARD" scan <dirty.txt
assert_status 1 "$TOKENGUARD" scan --format json <dirty.txt
json_check "$OUT" "expect([('-', 2, 'npm-token')])" || exit 1

# stdin next to a file: both are scanned.
mkdir tree
printf 'NPM_TOKEN=%s\n' "$tok" >tree/.env
assert_status 1 "$TOKENGUARD" scan --format json tree - <dirty.txt
json_check "$OUT" "expect([('-', 2, 'npm-token'),
    ('tree/.env', 1, 'npm-token')])" || exit 1

# A large stdin (8 MiB, many reads) with the token at the very end.
python3 - "$tok" >big.txt <<'PY'
import sys
line = b"const a = require('lodash'); // filler text for the reader\n"
sys.stdout.buffer.write(line * (8 * 1024 * 1024 // len(line)))
sys.stdout.buffer.write(b"token: " + sys.argv[1].encode())
PY
n=$(wc -l <big.txt | tr -d ' ')
cat big.txt | assert_status 1 "$TOKENGUARD" scan --format json - || exit 1
json_check "$OUT" "expect([('-', $((n + 1)), 'npm-token')])" || exit 1

assert_no_secret "$tok" "$OUT" "$ERR"
