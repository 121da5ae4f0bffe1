# Values set aside as made up (RULES.md 3.1): counted in the summary,
# never in the exit status; listed by --show-dummies and by the setting
# tokenguard.showDummies (text "set aside", JSON "dummy"), next to the
# findings, which stay as they are.
. "$(dirname "$0")/lib.sh"

tok=$(gen_token 1311) || fail "gen_token"
mkdir corpus
printf '//localhost:4261/:_authToken=private-reg-token\n' >corpus/.npmrc
printf '_auth=%s\n' "$(printf 'admin:admin123' | base64)" >>corpus/.npmrc

# Only made-up values: exit 0, counted, not listed.
assert_status 0 "$TOKENGUARD" scan corpus
assert_lines 0 "$OUT"
assert_contains "$ERR" "2 made-up values set aside"
assert_contains "$ERR" "--show-dummies lists them"

assert_status 0 "$TOKENGUARD" scan --show-dummies corpus
assert_lines 2 "$OUT"
assert_contains "$OUT" \
    "corpus/.npmrc:1:30: npmrc-authtoken: set aside, made-up value in a token slot"
assert_contains "$OUT" "corpus/.npmrc:2:7: npmrc-auth: set aside, test or example password"
assert_not_contains "$ERR" "--show-dummies lists them"

# A real token beside them: exit 1, one finding, the dummies in JSON.
printf 'NPM_TOKEN=%s\n' "$tok" >corpus/.env
register_secret "$tok"
assert_status 1 "$TOKENGUARD" scan --show-dummies --format json corpus
assert_lines 3 "$OUT"
python3 - "$OUT" <<'PY' || fail "JSON dummies"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
aside = [r for r in recs if "dummy" in r]
found = [r for r in recs if "dummy" not in r]
assert [r["rule"] for r in found] == ["npm-token"], found
assert sorted(r["rule"] for r in aside) == ["npmrc-auth", "npmrc-authtoken"]
assert all(r["redacted"] and r["fingerprint"].startswith("sha256:")
           for r in aside)
PY
assert_contains "$ERR" "1 finding in 1 file"

# The setting, as git reads booleans; a bad value is trouble.
printf '[tokenguard]\n\tshowDummies\n' >on.conf
assert_status 1 "$TOKENGUARD" scan --config on.conf corpus
assert_lines 3 "$OUT"
assert_not_contains "$ERR" "--show-dummies lists them"
printf '[tokenguard]\n\tshowDummies = maybe\n' >bad.conf
assert_status 2 "$TOKENGUARD" scan --config bad.conf corpus
assert_contains "$ERR" "tokenguard.showDummies"
