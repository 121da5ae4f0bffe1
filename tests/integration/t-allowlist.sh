# Suppressing findings: an inline tokenguard:allow marker (its own line
# only), a .tokenguard-allow fingerprint file at the repository root (or
# in the scanned directory outside a repository), and tokenguard.allow in
# a --config file, the repository's config or the user's.
. "$(dirname "$0")/lib.sh"

t1=$(gen_token 1501) || fail "gen_token"
t2=$(gen_token 1502) || fail "gen_token"
t3=$(gen_token 1503) || fail "gen_token"
t4=$(gen_token 1504) || fail "gen_token"

# Inline markers, in several comment syntaxes.
mkdir inline
{
	printf 'NPM_TOKEN=%s # tokenguard:allow\n' "$t1"
	printf 'NPM_TOKEN=%s\n' "$t1"
	printf '// tokenguard:allow\n'
	printf 'const t = "%s"; /* tokenguard:allow test fixture */\n' "$t2"
	printf '<!-- tokenguard:allow --> %s\n' "$t3"
	printf 'NPM_TOKEN=%s\n' "$t2"
} >inline/a.sh
assert_status 1 "$TOKENGUARD" scan --format json inline
json_check "$OUT" "expect([('inline/a.sh', 2, 'npm-token'),
    ('inline/a.sh', 6, 'npm-token')])" || exit 1
# tokenguard.inlineAllow = false turns the markers off.
printf '[tokenguard]\n\tinlineAllow = false\n' >noinline.conf
assert_status 1 "$TOKENGUARD" scan --format json --config noinline.conf \
    inline
assert_lines 5 "$OUT"

# .tokenguard-allow in the scanned directory, outside a repository.
mkdir plain
printf 'NPM_TOKEN=%s\nOTHER_NPM_TOKEN=%s\n' "$t1" "$t2" >plain/.env
{
	printf '# fixtures\n\n'
	printf '%s\n' "$(sha256_of "$t1")"
} >plain/.tokenguard-allow
assert_status 1 "$TOKENGUARD" scan --format json plain
json_check "$OUT" "expect([('plain/.env', 2, 'npm-token')])" || exit 1

# .tokenguard-allow at the root of a repository, scanning a subdirectory;
# one in a subdirectory is not honoured.
mkdir -p repo/sub/deeper
git -C repo init -q || fail "git init"
sha256_of "$t3" >repo/.tokenguard-allow
sha256_of "$t4" >repo/sub/.tokenguard-allow
printf 'a=%s\nb=%s\n' "$t3" "$t4" >repo/sub/deeper/keys.txt
assert_status 1 "$TOKENGUARD" scan --format json repo/sub
json_check "$OUT" "expect([('repo/sub/deeper/keys.txt', 2, 'npm-token')])" ||
    exit 1
assert_status 1 "$TOKENGUARD" scan --format json repo
json_check "$OUT" "expect([('repo/sub/deeper/keys.txt', 2, 'npm-token')])" ||
    exit 1
(cd repo/sub/deeper && assert_status 1 "$TOKENGUARD" scan keys.txt) ||
    exit 1
assert_lines 1 "$OUT"
assert_contains "$OUT" "keys.txt:2:"

# tokenguard.allow in a --config file, several values.
cat >allow.conf <<CONF
[tokenguard]
	allow = $(sha256_of "$t4")
	allow = $(sha256_of "$t2")
CONF
assert_status 0 "$TOKENGUARD" scan --config allow.conf repo/sub plain
assert_lines 0 "$OUT"

# tokenguard.allow in the repository's git config and in the user's.
git -C repo config tokenguard.allow "$(sha256_of "$t4")"
assert_status 0 "$TOKENGUARD" scan repo
git -C repo config --unset tokenguard.allow
assert_status 1 "$TOKENGUARD" scan repo
git config --global tokenguard.allow "$(sha256_of "$t4")"
assert_status 0 "$TOKENGUARD" scan repo
git config --global --unset tokenguard.allow

# A malformed allow file is trouble, naming the file and line.
printf '# ok\nsha256:nothex\n' >plain/.tokenguard-allow
assert_status 2 "$TOKENGUARD" scan plain
grep -E -q '\.tokenguard-allow.*\<2\>' "$ERR" ||
    fail "the error does not name the file and line: $(cat "$ERR")"

for t in "$t1" "$t2" "$t3" "$t4"; do
	assert_no_secret "$t" "$OUT" "$ERR"
done
