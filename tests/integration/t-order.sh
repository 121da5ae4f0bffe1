# Output order is deterministic: by path, then line, the same with -j 1
# and -j 4 and from run to run, in every format.
. "$(dirname "$0")/lib.sh"

gen_tokens 1400 54 >npm.list || fail "gen_tokens"
gen_tokens 1500 54 ghp_ >gh.list || fail "gen_tokens"
python3 - <<'PY' || fail "making the tree"
import os
npm = open("npm.list").read().split()
gh = open("gh.list").read().split()
k = 0
for d in ("a", "a.b", "a-b", "a_b", "B", "z", "0", "a/b", "a/b/c"):
    os.makedirs("tree/" + d, exist_ok=True)
    for f in ("x", ".env", "X.txt", "y-1", "y.1", "y_1"):
        t1, t2 = npm[k], gh[k]
        k += 1
        with open("tree/%s/%s" % (d, f), "w") as fh:
            fh.write("line\n%s\n" % t1)
            if d + "/" + f == "a/b/x":
                # A big, slow file among small ones.
                fh.write("\n" * 2000000)
            fh.write("a %s b %s\n\nNPM_TOKEN=%s\n" % (t2, t1, t2))
PY

for fmt in text json sarif; do
	assert_status 1 "$TOKENGUARD" scan --format "$fmt" -j 1 tree
	cp "$OUT" "j1.$fmt"
	for j in 4 4 2; do
		assert_status 1 "$TOKENGUARD" scan --format "$fmt" -j "$j" tree
		if ! cmp -s "$OUT" "j1.$fmt"; then
			diff "j1.$fmt" "$OUT" | head -n 10 | cut -c1-150 >&2
			fail "$fmt output with -j $j differs from -j 1"
		fi
	done
done
assert_lines 216 j1.text

# Sorted: each path's findings are together, in line then column order,
# and the paths ascend.
json_check j1.json "
seen, last = [], None
for d in f:
    key = (d['path'], d['line'], d['column'])
    if last is not None and key[0] == last[0] and key[1:] <= last[1:]:
        die('not in line/column order: %r after %r' % (key, last))
    if key[0] != (last or ('',))[0]:
        if key[0] in seen:
            die('%r appears in two places' % key[0])
        seen.append(key[0])
    last = key
if len(seen) != 54:
    die('%d paths, expected 54' % len(seen))
bytewise = sorted(seen, key=lambda p: p.encode())
bycomp = sorted(seen, key=lambda p: [c.encode() for c in p.split('/')])
if seen != bytewise and seen != bycomp:
    die('paths are not in order: %r' % seen)
" || exit 1
