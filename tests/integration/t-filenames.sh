# File names with spaces, tabs, newlines and invalid UTF-8: every finding
# stays one text line and one valid JSON record, and SARIF stays valid.
. "$(dirname "$0")/lib.sh"

tok=$(gen_token 1101) || fail "gen_token"
mkdir names
for n in 'with space.env' 'tab	here.env' "$(printf 'new\nline.env')" \
    "$(printf 'bad\377\376utf8.env')" "$(printf 'caf\303\251.env')"; do
	printf 'NPM_TOKEN=%s\n' "$tok" >"names/$n" || fail "cannot create $n"
done
[ "$(ls names | wc -l)" -ge 5 ] || fail "file names were not created"

assert_status 1 "$TOKENGUARD" scan names
assert_lines 5 "$OUT"
grep -E -v -e "$TEXT_RE" "$OUT" >bad && [ -s bad ] &&
    fail "lines not in the text format: $(cat -v bad)"
assert_contains "$OUT" "names/with space.env:1:11: npm-token: "
grep -q '^names/new.*line\.env:1:11: npm-token: ' "$OUT" ||
    fail "the newline name is not on one line: $(cat -v "$OUT")"

assert_status 1 "$TOKENGUARD" scan --format json names
assert_lines 5 "$OUT"
json_check "$OUT" "
paths = [d['path'] for d in f]
if len(set(paths)) != 5:
    die('paths are not distinct: %r' % paths)
for want in ('names/with space.env', 'names/tab\there.env',
             'names/new\nline.env', 'names/caf\u00e9.env'):
    if want not in paths:
        die('%r not among %r' % (want, paths))
odd = [p for p in paths if p.startswith('names/bad')]
if len(odd) != 1 or not odd[0].endswith('utf8.env'):
    die('invalid UTF-8 name shown as %r' % odd)
if any(d['line'] != 1 or d['column'] != 11 or d['rule'] != 'npm-token'
       for d in f):
    die('unexpected positions: %r' % f)
" || exit 1

assert_status 1 "$TOKENGUARD" scan --format sarif names
python3 - "$OUT" <<'PY' || fail "SARIF with odd names"
import json, sys
d = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))
res = d["runs"][0]["results"]
if len(res) != 5:
    sys.exit("FAIL: %d results" % len(res))
for r in res:
    uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    if any(ord(c) <= 32 or c in '"<>\\^`{|}' for c in uri) or \
            any(ord(c) > 126 for c in uri):
        sys.exit("FAIL: uri %r is not a valid URI reference" % uri)
PY
assert_no_secret "$tok" "$OUT" "$ERR"
