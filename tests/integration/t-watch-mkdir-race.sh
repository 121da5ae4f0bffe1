# tokenguard-watch: a file written into a directory created a moment
# before (mkdir -p a/b && echo ... > a/b/.npmrc) is caught every time:
# the watcher watches a new directory first, then lists it. 200 rounds
# from the shell as written above, then 200 from one process with no
# time at all between the mkdir and the write: 400 findings delivered.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/watchlib.sh"

N=200
gen_tokens 2000 "$N" >tokens || fail "gen_tokens"
gen_tokens 3000 "$N" >tokens2 || fail "gen_tokens"
watch_tree
start_watch watch.conf "$scratch/watch.log"

i=0
while read -r tok; do
	i=$((i + 1))
	mkdir -p "tree/r$i/a/b" &&
	    printf '//registry.npmjs.org/:_authToken=%s\n' "$tok" \
	    >"tree/r$i/a/b/.npmrc" || fail "write $i"
done <tokens
[ "$i" = "$N" ] || fail "wrote $i files"
python3 - "$scratch/tree" tokens2 <<'PY' || fail "python writer"
import os, sys
root = sys.argv[1]
for i, tok in enumerate(open(sys.argv[2]).read().split(), 1):
    d = os.path.join(root, "p%d" % i, "a", "b")
    os.makedirs(d)
    with open(os.path.join(d, ".npmrc"), "w") as fh:
        fh.write("//registry.npmjs.org/:_authToken=%s\n" % tok)
PY

wait_delivered "$scratch/recv" $((2 * N)) 60
recv_check "$scratch/recv" "
paths = {r['body']['path'] for r in ok}
want = {'$scratch/tree/%s%d/a/b/.npmrc' % (p, i) for i in range(1, $N + 1)
        for p in 'rp'}
if paths != want:
    die('missing %r' % sorted(want - paths)[:5])
if len(ok) != len(paths):
    die('%d deliveries for %d files' % (len(ok), len(paths)))
"
stop_watch
assert_nowhere "$(tok 1)"
assert_nowhere "$(tok "$N")"
assert_nowhere "$(sed -n 7p tokens2)"
