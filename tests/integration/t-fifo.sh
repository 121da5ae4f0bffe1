# FIFOs: one named .npmrc inside a scanned tree neither hangs the scan nor
# is read; a FIFO named as an argument is a clear error (exit 2).
. "$(dirname "$0")/lib.sh"

tok=$(gen_token 701) || fail "gen_token"
mkdir -p tree/sub
mkfifo tree/.npmrc tree/sub/.env || fail "mkfifo"
printf 'NPM_TOKEN=%s\n' "$tok" >tree/sub/real.env

# Nothing ever opens the FIFOs for writing: a blocking open would hang.
CMD_TIMEOUT=20
assert_status 1 "$TOKENGUARD" scan --format json tree
json_check "$OUT" "expect([('tree/sub/real.env', 1, 'npm-token')])" ||
    exit 1
assert_status 1 "$TOKENGUARD" scan -j 1 tree

assert_status 2 "$TOKENGUARD" scan tree/.npmrc
assert_lines 0 "$OUT"
assert_contains "$ERR" tree/.npmrc
grep -E -q -i 'regular|fifo|pipe|special|not a file' "$ERR" ||
    fail "unclear message for a FIFO argument: $(cat "$ERR")"
# Trouble wins over findings.
assert_status 2 "$TOKENGUARD" scan tree/sub/real.env tree/sub/.env
assert_lines 1 "$OUT"

# A character device that never ends must not hang the scan either.
run_cmd "$TOKENGUARD" scan /dev/zero
[ "$STATUS" = 2 ] || note "scan /dev/zero: exit $STATUS ($(head -n 1 "$ERR"))"

assert_no_secret "$tok" "$OUT" "$ERR"
