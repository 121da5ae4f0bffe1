# User rules from a --config file: [rule "ID"] pattern, description,
# keyword; findings carry the id and description, the value is redacted;
# a catastrophic pattern is stopped by the match limit.
. "$(dirname "$0")/lib.sh"

acme=acme_k3j5h7g9f2d4s6a8q1w3e5r7
corp=corp-123456-QWERTZUIOP
register_secret "$acme" "$corp"
cat >rules.conf <<'CONF'
[rule "acme-key"]
	pattern = acme_[a-z0-9]{24}
	description = ACME API key: revoke it in the ACME console
	keyword = acme_
[rule "corp-id"]
	pattern = \\bcorp-\\d{6}-[A-Z]{10}\\b
	description = corporate credential
CONF
mkdir src
{
	printf '# config\n'
	printf 'ACME=%s\n' "$acme"
	printf 'id: %s and acme_short\n' "$corp"
} >src/app.conf

assert_status 1 "$TOKENGUARD" scan --config rules.conf --format json src
json_check "$OUT" "
expect([('src/app.conf', 2, 'acme-key'), ('src/app.conf', 3, 'corp-id')])
d = f[0]
if d['description'] != 'ACME API key: revoke it in the ACME console':
    die('description %r' % d['description'])
if d['column'] != 6:
    die('column %d, expected 6' % d['column'])
" || exit 1
assert_status 1 "$TOKENGUARD" scan --config rules.conf src
assert_contains "$OUT" "src/app.conf:2:6: acme-key: ACME API key: revoke it"
# Without the config the built-in rules see nothing here.
assert_status 0 "$TOKENGUARD" scan src

# A pattern that backtracks catastrophically is cut off by the match
# limit: the scan ends, and other rules still work.
cat >slow.conf <<'CONF'
[rule "slow"]
	pattern = ^(a+)+$
	keyword = aaaa
CONF
tok=$(gen_token 1801) || fail "gen_token"
{
	python3 -c 'print("a" * 5000 + "!")'
	printf 'NPM_TOKEN=%s\n' "$tok"
} >slow.txt
CMD_TIMEOUT=30
run_cmd "$TOKENGUARD" scan --config slow.conf slow.txt
grep -q '^slow\.txt:2:11: npm-token: ' "$OUT" ||
    fail "after a catastrophic pattern: $(cat "$OUT" "$ERR")"
grep -q ': slow: ' "$OUT" &&
    fail "the catastrophic pattern made a finding"
note "catastrophic user pattern: exit $STATUS, stderr: $(head -n 1 "$ERR")"
assert_no_secret "$tok" "$OUT" "$ERR"

assert_no_secret "$acme" "$OUT" "$ERR"
assert_no_secret "$corp" "$OUT" "$ERR"
