# --version and --help for tokenguard and each subcommand.
. "$(dirname "$0")/lib.sh"

assert_status 0 "$TOKENGUARD" --version
assert_lines 1 "$OUT"
grep -E -q '^tokenguard [0-9]+\.[0-9]+' "$OUT" ||
    fail "--version printed: $(cat "$OUT")"

assert_status 0 "$TOKENGUARD" --help
assert_contains "$OUT" scan
assert_contains "$OUT" rules
assert_contains "$OUT" --version
cp "$OUT" help.out
run_cmd "$TOKENGUARD" help
[ "$STATUS" = 0 ] || note "'tokenguard help' is not a command"

assert_status 0 "$TOKENGUARD" scan --help
for opt in --format --config -j --max-file-size -q text json sarif; do
	assert_contains "$OUT" "$opt"
done
# Exit statuses are documented where people look for them.
grep -E -q '\<2\>' "$OUT" help.out ||
    note "exit statuses are not in --help"

# Bad usage: a short usage message on stderr, exit 2.
assert_status 2 "$TOKENGUARD"
[ -s "$ERR" ] || fail "no usage message for a bare tokenguard"
assert_lines 0 "$OUT"
