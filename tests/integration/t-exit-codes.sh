# Exit statuses: 0 clean, 1 findings, 2 trouble (bad option, nonexistent
# path, bad config, bad user-rule pattern), and 2 wins over 1.
. "$(dirname "$0")/lib.sh"

tok=$(gen_token 101) || fail "gen_token"
mkdir clean dirty
printf 'registry=https://registry.npmjs.org/\nalways-auth=true\n' \
    >clean/.npmrc
printf 'hello\n' >clean/README.md
printf 'export NPM_TOKEN=%s\n' "$tok" >dirty/env.sh

# Clean tree, clean file: 0 and nothing on stdout.
assert_status 0 "$TOKENGUARD" scan clean
assert_lines 0 "$OUT"
assert_status 0 "$TOKENGUARD" scan clean/.npmrc clean/README.md
assert_lines 0 "$OUT"

# Findings: 1.
assert_status 1 "$TOKENGUARD" scan dirty
assert_lines 1 "$OUT"
assert_status 1 "$TOKENGUARD" scan clean dirty/env.sh

# Bad options and commands: 2, a message on stderr, nothing on stdout.
assert_status 2 "$TOKENGUARD" scan --no-such-option clean
assert_lines 0 "$OUT"
[ -s "$ERR" ] || fail "no message for a bad option"
assert_status 2 "$TOKENGUARD" no-such-command
[ -s "$ERR" ] || fail "no message for a bad command"
assert_status 2 "$TOKENGUARD" scan --format xml clean
assert_contains "$ERR" xml
assert_status 2 "$TOKENGUARD" scan -j zero clean
assert_status 2 "$TOKENGUARD" scan --config
assert_status 2 "$TOKENGUARD" scan --max-file-size 12q clean

# A nonexistent path: 2, named on stderr; alone or next to findings.
assert_status 2 "$TOKENGUARD" scan does-not-exist
assert_contains "$ERR" does-not-exist
assert_status 2 "$TOKENGUARD" scan dirty does-not-exist
assert_contains "$ERR" does-not-exist
# The findings that were made are still reported.
assert_lines 1 "$OUT"
assert_status 2 "$TOKENGUARD" scan does-not-exist dirty
assert_lines 1 "$OUT"

# A missing --config file, a malformed one, a malformed value.
assert_status 2 "$TOKENGUARD" scan --config nope.conf clean
assert_contains "$ERR" nope.conf
printf '[tokenguard\n\tchecksum = false\n' >broken.conf
assert_status 2 "$TOKENGUARD" scan --config broken.conf clean
printf '[tokenguard]\n\tmaxFileSize = lots\n' >badvalue.conf
assert_status 2 "$TOKENGUARD" scan --config badvalue.conf clean
grep -q -i maxfilesize "$ERR" || fail "error does not name the key"
printf '[tokenguard]\n\tchecksum = perhaps\n' >badbool.conf
assert_status 2 "$TOKENGUARD" scan --config badbool.conf clean
grep -q -i checksum "$ERR" || fail "error does not name the key"

# A user rule with a bad pattern: 2, naming the rule and the offset.
cat >badrule.conf <<'CONF'
[rule "acme-key"]
	pattern = acme_(unclosed[a-z]+
	description = ACME key: revoke it
CONF
assert_status 2 "$TOKENGUARD" scan --config badrule.conf clean
assert_contains "$ERR" acme-key
assert_contains "$ERR" offset
# The same with `rules`.
assert_status 2 "$TOKENGUARD" rules --config badrule.conf
assert_contains "$ERR" acme-key

assert_no_secret "$tok" "$OUT" "$ERR"
