#!/bin/sh
# t-adv-bigfile: a 1 GiB text file holding a 100 MiB line. Tokens at the
# very start, at the very end (no final newline), at both ends of the
# long line, at every 4 MiB, and on both sides of every boundary between
# the windows the file is read in (straddling them inside the long line):
# all found, each once, at its exact line and column, in memory that
# does not grow with the file. Then the same file
# replaced (renamed over) while it is read: the scan goes on with the
# file it opened; and truncated while it is read: no crash, nothing
# invented past the new end, everything read before is reported, and a
# warning says the file shrank (exit status: findings, 1).
#
# The file lives in a tmpfs the test mounts (no disk writes; gone at
# exit), else in the scratch directory. Under SAN=1 it is 1 GiB too: the
# scan takes a few seconds there.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/advhelpers.sh"

size=1073741824
long=104857600
adv_tmpfs "$scratch/big" 1100m 100
[ "$ADV_TMPFS" = 1 ] || note "no tmpfs: the 1 GiB file is on disk"
cd "$scratch/big" || fail "cd"

gen_tokens 20000 900 >"$scratch/tokens" || fail "gen_tokens"
python3 "$TESTS_DIR/advbig.py" big.txt "$scratch/expect.json" "$size" \
    "$long" "$scratch/tokens" || fail "advbig.py"
[ "$(wc -c <big.txt | tr -d ' ')" = "$size" ] || fail "big.txt size"

# check_findings FILE [MAXOFF]: the findings in the JSON lines of FILE
# are exactly the planted tokens (those starting below MAXOFF, when
# given, and then at least those ending below MINOFF).
check_findings()
{
	python3 - "$scratch/expect.json" "$1" "${2:-}" "${3:-}" <<'PY' ||
import json, sys
exp = json.load(open(sys.argv[1]))
got = [json.loads(l) for l in open(sys.argv[2], "rb")]
maxoff = int(sys.argv[3]) if sys.argv[3] else None
minoff = int(sys.argv[4]) if sys.argv[4] else None
where = {(l, c): o for o, l, c in exp["findings"]}
seen = set()
for d in got:
    if d["path"] != "big.txt" or d["rule"] != "npm-token":
        sys.exit("FAIL: unexpected finding %r" % d)
    k = (d["line"], d["column"])
    if k not in where:
        sys.exit("FAIL: no token was planted at line %d column %d" % k)
    if k in seen:
        sys.exit("FAIL: reported twice: line %d column %d" % k)
    seen.add(k)
    if maxoff is not None and where[k] >= maxoff:
        sys.exit("FAIL: token at offset %d reported after the file was "
                 "truncated at offset %d" % (where[k], maxoff))
for o, l, c in exp["findings"]:
    if (l, c) in seen:
        continue
    if maxoff is None or (minoff is not None and o + 40 <= minoff):
        sys.exit("FAIL: token at offset %d (line %d, column %d) missed; "
                 "window boundaries: %r" % (o, l, c,
                                            exp["boundaries"][:8]))
print(len(seen))
PY
		fail "findings in $(basename "$1")"
}

CMD_TIMEOUT=120
start=$(date +%s)
assert_status 1 "$ADV_MAXRSS" "$scratch/rss" \
    "$TOKENGUARD" scan --max-file-size 2g --format json -j 1 big.txt
end=$(date +%s)
n=$(check_findings "$OUT") || exit 1
note "$n tokens in 1 GiB found in $((end - start)) s"
assert_contains "$ERR" "$n findings in 1 file"
# Memory: a window buffer, not the file (the bound is loose for ASan).
rss=$(sed -n 's/^maxrss //p' "$scratch/rss")
[ -n "$rss" ] && [ "$rss" -lt 204800 ] ||
	fail "scanning 1 GiB took ${rss:-?} KB of memory"
# The default cap: skipped, said so, never clean.
assert_status 0 "$TOKENGUARD" scan big.txt
assert_contains "$ERR" "big.txt: skipped: 1073741824 bytes, over the"

# race MODE: scans big.txt (-j 1), waits until it has read 64 MiB, then
# renames a small clean file over big.txt (replace) or truncates it to
# 16 MiB (truncate). Prints the read offset at that moment; stdout and
# stderr of the scan in $OUT and $ERR, its status in $scratch/race.rc.
race()
{
	python3 - "$1" "$TOKENGUARD" "$OUT" "$ERR" "$scratch/race.rc" <<'PY'
import os, subprocess, sys, time
mode, prog, out, err, rcfile = sys.argv[1:]
path = os.path.abspath("big.txt")
p = subprocess.Popen([prog, "scan", "--max-file-size", "2g", "--format",
                      "json", "-j", "1", "big.txt"],
                     stdout=open(out, "wb"), stderr=open(err, "wb"))
pos, deadline = None, time.monotonic() + 60
while pos is None and p.poll() is None and time.monotonic() < deadline:
    try:
        for fd in os.listdir("/proc/%d/fd" % p.pid):
            try:
                if os.readlink("/proc/%d/fd/%s" % (p.pid, fd)) != path:
                    continue
                with open("/proc/%d/fdinfo/%s" % (p.pid, fd)) as f:
                    at = int(f.readline().split()[1])
            except OSError:
                continue
            if at >= 64 << 20:
                if mode == "replace":
                    with open("small.txt", "w") as f:
                        f.write("nothing here\n")
                    os.rename("small.txt", "big.txt")
                else:
                    os.truncate("big.txt", 16 << 20)
                pos = at
    except OSError:
        pass
try:
    rc = p.wait(120)
except subprocess.TimeoutExpired:
    p.kill()
    rc = 124
open(rcfile, "w").write("%d\n" % rc)
print(pos if pos is not None else "")
PY
}

# Replaced while read: the scan finishes the file it opened. A second
# link keeps that file for the next case.
ln big.txt keep.txt || fail "ln"
pos=$(race replace) || fail "race replace"
[ "$(cat "$scratch/race.rc")" = 1 ] ||
	fail "replaced while read: exit $(cat "$scratch/race.rc")"
_grep_secrets "$_secrets" "$OUT" "$ERR"
if [ -n "$pos" ]; then
	check_findings "$OUT" >/dev/null || exit 1
	assert_not_contains "$ERR" "truncated while read"
	[ "$(wc -c <big.txt | tr -d ' ')" = 13 ] ||
		fail "big.txt was not replaced"
else
	note "the scan ended before the file could be replaced"
fi

# Truncated while read.
mv keep.txt big.txt || fail "mv"
pos=$(race truncate) || fail "race truncate"
rc=$(cat "$scratch/race.rc")
_grep_secrets "$_secrets" "$OUT" "$ERR"
grep -q -E -e "$_sanitizer_re" "$ERR" && fail "sanitizer: $(cat "$ERR")"
if [ -z "$pos" ]; then
	note "the scan ended before the file could be truncated"
else
	[ "$rc" = 1 ] || fail "truncated while read: exit $rc: $(cat "$ERR")"
	# Nothing far past what was read (the scan may have read on for a
	# while before the truncation landed), everything in what was read.
	check_findings "$OUT" $((pos + 256 * 1048576)) "$pos" >/dev/null ||
		exit 1
	assert_contains "$ERR" \
	    "big.txt: warning: truncated while read (1073741824 bytes when opened, "
	note "truncated at 16 MiB when 1 GiB scan had read $((pos / 1048576)) MiB"
fi
cd "$scratch" || fail "cd"
rm -f big/big.txt big/keep.txt
