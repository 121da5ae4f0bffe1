# A directory of 10,000 files, a few with tokens: every finding is
# reported exactly once, in path order, the same with -j 1 and -j 4.
. "$(dirname "$0")/lib.sh"

i=0
while [ "$i" -lt 100 ]; do
	mkdir -p "many/d$i" || fail "mkdir"
	j=0
	while [ "$j" -lt 100 ]; do
		printf 'export const v%d = "%d";\n' "$j" "$i" \
		    >"many/d$i/f$j.js"
		j=$((j + 1))
	done
	i=$((i + 1))
done
n=$(find many -type f | wc -l | tr -d ' ')
[ "$n" = 10000 ] || fail "made $n files"

want=
for spec in 0:0 7:42 50:99 99:1 99:98; do
	d=${spec%:*}
	f=${spec#*:}
	t=$(gen_token $((1200 + d * 100 + f))) || fail "gen_token"
	printf '// comment\nconst token = "%s";\n' "$t" >"many/d$d/f$f.js"
	want="$want('many/d$d/f$f.js', 2, 'npm-token'),"
done

CMD_TIMEOUT=60
assert_status 1 "$TOKENGUARD" scan --format json -j 4 many
json_check "$OUT" "expect([$want])" || exit 1
cp "$OUT" j4.out
if ! grep -E -q '10000|10,000' "$ERR"; then
	note "the summary does not mention 10000 files: $(tail -n 1 "$ERR")"
fi
assert_status 1 "$TOKENGUARD" scan --format json -j 1 many
cmp -s "$OUT" j4.out || fail "-j 1 and -j 4 differ"
assert_status 1 "$TOKENGUARD" scan many
assert_lines 5 "$OUT"
