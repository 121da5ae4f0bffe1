#!/bin/sh
# t-adv-special: what is not a plain file never hangs a scan and is never
# read endlessly. Device nodes (/dev/zero, /dev/urandom, /dev/null, and
# character and block nodes made inside a tree), FIFOs no one writes
# to, sockets: named as arguments they are errors naming the path (exit
# 2); inside a tree they are counted and left alone. Standard input that
# never ends is read up to the size cap and reported as cut. Symbolic
# link loops named as arguments (a self-loop, a 2-cycle, a chain longer
# than the kernel follows) are errors naming the path; a directory
# named through a link is walked, loops inside it are not followed.
# Files whose size the kernel does not tell (/proc/PID/environ says 0)
# are read to their end: a token in a process environment is found (it
# was reported clean: the size of 0 was believed). A pseudo-file whose
# size is more than it holds (sysfs) is read without a warning.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/advhelpers.sh"

tok=$(gen_token 3401) || fail "gen_token"
tok2=$(gen_token 3402) || fail "gen_token"
CMD_TIMEOUT=20

for dev in /dev/zero /dev/urandom /dev/null; do
	[ -c "$dev" ] || continue
	assert_status 2 "$TOKENGUARD" scan "$dev"
	assert_contains "$ERR" "tokenguard: $dev: not a regular file"
	assert_lines 0 "$OUT"
done
# Next to a real file: that one is still scanned; trouble wins.
printf 'NPM_TOKEN=%s\n' "$tok" >real.env
assert_status 2 "$TOKENGUARD" scan /dev/zero real.env /dev/urandom
assert_lines 1 "$OUT"
assert_contains "$OUT" "real.env:1:11: npm-token: "

# Inside a tree: nodes, a FIFO, a socket and links to devices.
mkdir -p tree/sub
printf 'NPM_TOKEN=%s\n' "$tok" >tree/sub/real.env
ln -s /dev/zero tree/zero.env
ln -s /dev/urandom tree/sub/.npmrc
mkfifo tree/fifo.env || fail "mkfifo"
python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("tree/sock")' ||
	fail "socket"
nodes=0
if [ "$(id -u)" = 0 ] && mknod tree/zero c 1 5 2>/dev/null &&
    mknod tree/sub/random c 1 8 && mknod tree/loop0 b 7 0; then
	nodes=3
else
	note "mknod not allowed: device nodes inside the tree not checked"
fi
assert_status 1 "$TOKENGUARD" scan --format json tree
json_check "$OUT" "expect([('tree/sub/real.env', 1, 'npm-token')])" ||
	exit 1
assert_contains "$ERR" "(1 file scanned, $((4 + nodes)) special files not read)"
assert_status 1 "$TOKENGUARD" scan -j 1 tree
# Through a link named on purpose, the device is seen and refused.
assert_status 2 "$TOKENGUARD" scan tree/zero.env
assert_contains "$ERR" "tree/zero.env: not a regular file"
assert_status 2 "$TOKENGUARD" scan tree/fifo.env
assert_status 2 "$TOKENGUARD" scan tree/sock
assert_contains "$ERR" "tree/sock: not a regular file"

# Standard input that never ends: read up to the cap, said so.
assert_status 0 "$TOKENGUARD" scan --max-file-size 1m - </dev/zero
assert_contains "$ERR" "-: skipped: over the 1048576-byte limit"
assert_contains "$ERR" "only the start was scanned"

# Symbolic link loops named as arguments.
mkdir links
ln -s loop links/loop
ln -s b links/a
ln -s a links/b
prev=../real.env
i=0
while [ "$i" -lt 45 ]; do
	ln -s "$prev" "links/c$i"
	prev=c$i
	i=$((i + 1))
done
for l in loop a c44; do
	assert_status 2 "$TOKENGUARD" scan "links/$l"
	assert_contains "$ERR" "links/$l: Too many levels of symbolic links"
done
# 30 hops are followed.
assert_status 1 "$TOKENGUARD" scan links/c29
assert_contains "$OUT" "links/c29:1:11: npm-token: "
# A directory named through a link is walked; the loops inside are not
# followed, the other links neither.
mkdir -p real/d
printf 'NPM_TOKEN=%s\n' "$tok2" >real/d/t.env
ln -s ../.. real/d/up
ln -s . real/d/self
ln -s real dirlink
assert_status 1 "$TOKENGUARD" scan --format json dirlink links
json_check "$OUT" "expect([('dirlink/d/t.env', 1, 'npm-token')])" || exit 1
assert_contains "$ERR" "(1 file scanned, 50 special files not read)"

# /proc/PID/environ: a size of 0, and data.
env NPM_TOKEN="$tok2" sleep 60 &
pid=$!
wait_for "/proc/$pid/environ" NPM_TOKEN 5
assert_status 1 "$TOKENGUARD" scan --format json "/proc/$pid/environ"
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
json_check "$OUT" "
if len(f) != 1 or f[0]['rule'] != 'npm-token' or \
        f[0]['fingerprint'] != '$(sha256_of "$tok2")':
    die('environ: %r' % f)
" || exit 1
# sysfs: st_size 4096, a few bytes of data: read, no warning.
sysf=/sys/kernel/mm/transparent_hugepage/enabled
if [ -r "$sysf" ]; then
	assert_status 0 "$TOKENGUARD" scan "$sysf"
	assert_contains "$ERR" "no findings (1 file scanned)"
	assert_not_contains "$ERR" "warning"
fi
assert_no_secret "$tok" "$OUT" "$ERR"
assert_no_secret "$tok2" "$OUT" "$ERR"
