#!/bin/sh
# t-adv-pathmax: nesting near and beyond PATH_MAX (4096 bytes with the
# NUL). A file whose path is 4095 bytes long, 19 directories of long
# names down, and one 2,000 one-letter directories down (a directory
# descriptor held per level: run with a soft limit of 1024 descriptors,
# which tokenguard raises): found. Beyond: a file whose path is longer
# than PATH_MAX, and a directory 2,048 levels down, are each an error
# naming the path (exit 2) while everything else is still scanned. The
# pre-receive hook reports a token at a path of 5,000 bytes in a pushed
# tree.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/recvhelpers.sh"
. "$TESTS_DIR/advhelpers.sh"

t1=$(gen_token 3201) || fail "gen_token"
t2=$(gen_token 3202) || fail "gen_token"
t3=$(gen_token 3203) || fail "gen_token"
t4=$(gen_token 3204) || fail "gen_token"
t5=$(gen_token 3205) || fail "gen_token"

# mk ROOT SPEC...: python3 builds paths below ROOT one directory at a
# time (openat), as a shell could not: SPEC is "long:LEN:TOKEN" (a file
# whose path from ROOT's parent is LEN bytes, in directories of 200-byte
# names) or "deep:LEVELS:TOKEN" (LEVELS one-letter directories, then a
# file t.env); TOKEN "-" writes a clean file.
mk()
{
	python3 - "$@" <<'PY' || fail "cannot build the deep trees"
import os, sys
root = sys.argv[1]
os.makedirs(root, exist_ok=True)
for spec in sys.argv[2:]:
    kind, n, tok = spec.split(":")
    n = int(n)
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    path = root
    def down(name):
        global fd, path
        try:
            os.mkdir(name, dir_fd=fd)
        except FileExistsError:
            pass
        nfd = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = nfd
        path += "/" + name
    if kind == "long":
        i = 0
        while n - len(path) - 1 > 250:
            down(chr(ord("a") + i % 26) * 200)
            i += 1
        name = "f" * (n - len(path) - 1 - 4) + ".env"
    else:
        for i in range(n):
            down("a")
        name = "t.env"
    path += "/" + name
    assert kind != "long" or len(path) == n, (len(path), n)
    data = "NPM_TOKEN=%s\n" % tok if tok != "-" else "clean\n"
    f = os.open(name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
    os.write(f, data.encode())
    os.close(f)
    os.close(fd)
    print(path)
PY
}

# A file whose path is exactly 4095 bytes: the longest that opens.
p1=$(mk tree "long:4095:$t1") || exit 1
[ "${#p1}" = 4095 ] || fail "path of ${#p1} bytes"
printf 'NPM_TOKEN=%s\n' "$t2" >tree/top.env
# 2,000 levels: 4,000-byte paths, and 2,000 descriptors held.
p2=$(mk tree/deep "deep:2000:$t3") || exit 1

CMD_TIMEOUT=120
(
	ulimit -S -n 1024 2>/dev/null
	assert_status 1 "$TOKENGUARD" scan --format json tree
	json_check "$OUT" "expect([('$p1', 1, 'npm-token'),
	    ('$p2', 1, 'npm-token'), ('tree/top.env', 1, 'npm-token')])"
) || exit 1

# Beyond: one more byte, and past 2,048 levels.
p3=$(mk tree "long:4096:$t4") || exit 1
p4=$(mk tree/deeper "deep:2100:$t5") || exit 1
(
	ulimit -S -n 1024 2>/dev/null
	assert_status 2 "$TOKENGUARD" scan --format json tree
	json_check "$OUT" "expect([('$p1', 1, 'npm-token'),
	    ('$p2', 1, 'npm-token'), ('tree/top.env', 1, 'npm-token')])"
	# Each error names its path in full (escaped as paths are).
	assert_contains "$ERR" "tokenguard: $p3: File name too long"
	d=$(python3 -c 'print("tree/deeper" + "/a" * 2048)')
	assert_contains "$ERR" "tokenguard: $d: File name too long"
	assert_contains "$ERR" "3 findings in 3 files (3 files scanned, 2 errors)"
) || exit 1

# The pre-receive hook: a token at a 5,000-byte path of a pushed tree
# (trees nest without limit; no file system is involved).
srv=$scratch/srv.git
new_server "$srv"
new_work_pushed "$scratch/w" "file://$srv"
blob=$(printf 'NPM_TOKEN=%s\n' "$t4" | git hash-object -w --stdin) ||
	fail "hash-object"
tree=$(printf '100644 blob %s\tt.env\n' "$blob" | git mktree) ||
	fail "mktree"
long=t.env
i=0
while [ "$i" -lt 25 ]; do
	name=$(printf "%0199d" 0 | tr 0 "$(printf '\\%03o' $((97 + i % 26)))")
	tree=$(printf '040000 tree %s\t%s\n' "$tree" "$name" | git mktree) ||
		fail "mktree"
	long=$name/$long
	i=$((i + 1))
done
tree=$( (git ls-tree HEAD; printf '040000 tree %s\tz\n' "$tree") |
    git mktree) || fail "mktree"
commit=$(git commit-tree -p HEAD -m "deep path" "$tree") ||
	fail "commit-tree"
[ "${#long}" -gt 5000 ] || fail "path of ${#long} bytes"
push_rejected "file://$srv" "$commit:refs/heads/main"
assert_recv_finding "$ERR" refs/heads/main "z/$long" 1 npm-token
