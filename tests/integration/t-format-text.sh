# Text output: one line per finding on stdout,
# `path:line:column: rule-id: description [redacted] fingerprint`,
# a summary on stderr, paths as reached from the argument.
. "$(dirname "$0")/lib.sh"

t1=$(gen_token 201) || fail "gen_token"
t2=$(gen_token 202 ghp_) || fail "gen_token"
mkdir -p corpus/a
{
	printf 'registry=https://registry.npmjs.org/\n'
	printf '//registry.npmjs.org/:_authToken=%s\n' "$t1"
} >corpus/a/.npmrc
{
	printf 'notes:\n\n'
	printf '  token: "%s",\n' "$t2"
} >corpus/b.txt

ellipsis=$(printf '\342\200\246')
red1="$(printf '%s' "$t1" | cut -c1-4)$ellipsis$(printf '%s' "$t1" | cut -c39-40)"
red2="$(printf '%s' "$t2" | cut -c1-4)$ellipsis$(printf '%s' "$t2" | cut -c39-40)"
fp1=$(sha256_of "$t1")
fp2=$(sha256_of "$t2")

assert_status 1 "$TOKENGUARD" scan --format text corpus
assert_lines 2 "$OUT"
grep -E -v -e "$TEXT_RE" "$OUT" >bad && [ -s bad ] &&
    fail "lines not in the text format: $(cat bad)"
line1=$(sed -n 1p "$OUT")
line2=$(sed -n 2p "$OUT")
case $line1 in
"corpus/a/.npmrc:2:34: npm-token: "*" [$red1] $fp1") ;;
*) fail "unexpected first line: $line1" ;;
esac
case $line2 in
"corpus/b.txt:3:11: github-token: "*" [$red2] $fp2") ;;
*) fail "unexpected second line: $line2" ;;
esac
# A summary goes to stderr.
[ -s "$ERR" ] || fail "no summary on stderr"
cp "$OUT" default.out

# text is the default format, and the output does not depend on -j.
assert_status 1 "$TOKENGUARD" scan -j 1 corpus
cmp -s "$OUT" default.out || fail "default format differs from --format text"

# Paths are as reached from the argument.
assert_status 1 "$TOKENGUARD" scan ./corpus/a
assert_contains "$OUT" "./corpus/a/.npmrc:2:34: npm-token: "
assert_status 1 "$TOKENGUARD" scan "$scratch/corpus/b.txt"
assert_contains "$OUT" "$scratch/corpus/b.txt:3:11: github-token: "
(cd corpus/a && assert_status 1 "$TOKENGUARD" scan .) || exit 1
cp "$OUT" dot.out
grep -E -q '^(\./)?\.npmrc:2:34: npm-token: ' dot.out ||
    fail "scanning . gave: $(cat dot.out)"

# -q: no summary, findings still printed.
assert_status 1 "$TOKENGUARD" scan -q corpus
cmp -s "$OUT" default.out || fail "-q changed stdout"
[ -s "$ERR" ] && fail "-q still printed on stderr: $(cat "$ERR")"

# A clean scan prints nothing on stdout.
mkdir empty
assert_status 0 "$TOKENGUARD" scan empty
assert_lines 0 "$OUT"

assert_no_secret "$t1" default.out dot.out "$OUT" "$ERR"
assert_no_secret "$t2" default.out dot.out "$OUT" "$ERR"
