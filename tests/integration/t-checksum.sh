# Checksums: a broken-checksum token is not a finding by default and is
# reported with tokenguard.checksum = false; the RULES.md test vectors;
# token boundaries.
. "$(dirname "$0")/lib.sh"

good=$(gen_token 1601) || fail "gen_token"
broken=$(gen_broken 1602) || fail "gen_token"
ghbroken=$(gen_broken 1603 ghp_) || fail "gen_token"
# RULES.md vectors, joined at run time so that no file holds them whole.
v1=npm_qkJaB6MffYVzZXWqmcoF49yrUxP3wf; v1=${v1}0LsakP
v2=npm_bMyQ9CC9m5YKTg0jSrGgPT2dk5dZfp; v2=${v2}1SsARB
i1=npm_TCllNwh2WLQlMWVhybM1iQrsTj6rMQ; i1=${i1}0BOh6d
i2=npm_hK0FJXBYCkejhEMY4Kp6bOOZn1DlfB; i2=${i2}OmtbJY
register_secret "$v1" "$v2" "$i1" "$i2"

mkdir t
printf 'NPM_TOKEN=%s\n' "$broken" >t/broken.env
printf 'GH_TOKEN=%s\n' "$ghbroken" >t/gh.env
printf 'a: %s\nb: %s\n' "$i1" "$i2" >t/vectors-invalid.yml
printf 'a: %s\nb: %s\n' "$v1" "$v2" >vectors-valid.yml

assert_status 0 "$TOKENGUARD" scan t
assert_lines 0 "$OUT"
assert_status 1 "$TOKENGUARD" scan --format json vectors-valid.yml
json_check "$OUT" "expect([('vectors-valid.yml', 1, 'npm-token'),
    ('vectors-valid.yml', 2, 'npm-token')])" || exit 1

printf '[tokenguard]\n\tchecksum = false\n' >nocheck.conf
assert_status 1 "$TOKENGUARD" scan --format json --config nocheck.conf t
json_check "$OUT" "expect([('t/broken.env', 1, 'npm-token'),
    ('t/gh.env', 1, 'github-token'),
    ('t/vectors-invalid.yml', 1, 'npm-token'),
    ('t/vectors-invalid.yml', 2, 'npm-token')])" || exit 1
# The same switch in the repository's git config.
git -C t init -q || fail "git init"
git -C t config tokenguard.checksum false
assert_status 1 "$TOKENGUARD" scan t
assert_lines 4 "$OUT"
git -C t config tokenguard.checksum true
assert_status 0 "$TOKENGUARD" scan t

# Boundaries: any byte but [A-Za-z0-9_] may touch a token.
mkdir b
for pair in ',:' '}:' '):' '&:' '\":' "':" '|:|' '(:)' '=:;' '::' '/:?'; do
	before=${pair#*:}
	after=${pair%%:*}
	printf 'x %s%s%s\n' "$before" "$good" "$after"
done >b/ok.txt
{
	printf 'x%s\n' "$good"
	printf '_%s\n' "$good"
	printf '%s_\n' "$good"
	printf '%sA\n' "$good"
	printf '9%s\n' "$good"
} >b/glued.txt
assert_status 1 "$TOKENGUARD" scan --format json b
json_check "$OUT" "
got = sorted((d['path'], d['line']) for d in f)
want = [('b/ok.txt', n) for n in range(1, 12)]
if got != want:
    die('boundaries: got %r, expected %r' % (got, want))
" || exit 1

for t in "$good" "$broken" "$ghbroken" "$v1" "$v2" "$i1" "$i2"; do
	assert_no_secret "$t" "$OUT" "$ERR"
done
