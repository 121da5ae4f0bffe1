# JSON output: one object per line with path, line, column, rule,
# description, redacted and fingerprint; every line parses.
. "$(dirname "$0")/lib.sh"

t1=$(gen_token 301) || fail "gen_token"
t2=$(gen_token 302 gho_) || fail "gen_token"
t3=$(gen_token 303) || fail "gen_token"
mkdir -p corpus/a corpus/b
printf '//registry.npmjs.org/:_authToken=%s\n' "$t1" >corpus/a/.npmrc
{
	printf 'first line\n'
	printf '{"token":"%s","other":"%s"}\n' "$t2" "$t3"
} >corpus/b/data.json
# Quotes and backslashes in a description or path must be escaped.
mkdir -p 'corpus/q"uote\back'
printf 'NPM_TOKEN=%s\n' "$t1" >'corpus/q"uote\back/.env'

assert_status 1 "$TOKENGUARD" scan --format json corpus
assert_lines 4 "$OUT"
cp "$OUT" json.out
json_check json.out "
expect([('corpus/a/.npmrc', 1, 'npm-token'),
        ('corpus/b/data.json', 2, 'github-token'),
        ('corpus/b/data.json', 2, 'npm-token'),
        ('corpus/q\"uote\\\\back/.env', 1, 'npm-token')])
" || exit 1

python3 - json.out "$t1" "$t2" "$t3" <<'PY' || fail "JSON details"
import hashlib, json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
t1, t2, t3 = sys.argv[2:5]
def fp(t):
    return "sha256:" + hashlib.sha256(t.encode()).hexdigest()
def red(t):
    return t[:4] + "\u2026" + t[-2:]
want = [("corpus/a/.npmrc", 1, t1),
        ("corpus/b/data.json", 2, t2),
        ("corpus/b/data.json", 2, t3),
        ('corpus/q"uote\\back/.env', 1, t1)]
for r, (path, line, tok) in zip(recs, want):
    text = open(path, "rb").read().split(b"\n")[line - 1]
    col = text.index(tok.encode()) + 1
    got = (r["path"], r["line"], r["column"])
    if got != (path, line, col):
        sys.exit("FAIL: got %r, expected %r" % (got, (path, line, col)))
    if r["fingerprint"] != fp(tok):
        sys.exit("FAIL: fingerprint of %s:%d is not sha256 of the token"
                 % (path, line))
    if r["redacted"] != red(tok):
        sys.exit("FAIL: redacted %r, expected %r" % (r["redacted"], red(tok)))
    if "\n" in r["description"] or len(r["description"]) < 10:
        sys.exit("FAIL: description %r is not one helpful line"
                 % r["description"])
PY

# A clean scan in JSON prints nothing on stdout.
mkdir empty
assert_status 0 "$TOKENGUARD" scan --format json empty
assert_lines 0 "$OUT"
# The same findings as text, in the same order.
assert_status 1 "$TOKENGUARD" scan --format json corpus/a corpus/b
cp "$OUT" json.out
assert_status 1 "$TOKENGUARD" scan --format text corpus/a corpus/b
cut -d: -f1-3 "$OUT" >text.keys
python3 -c '
import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(l)
    print("%s:%d:%d" % (d["path"], d["line"], d["column"]))
' json.out >json.keys
cmp -s text.keys json.keys ||
    fail "text and JSON disagree: $(diff text.keys json.keys)"

for t in "$t1" "$t2" "$t3"; do
	assert_no_secret "$t" json.out "$OUT" "$ERR"
done
