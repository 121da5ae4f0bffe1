#!/bin/sh
# tests/bench/run.sh: `make bench`. Measures `tokenguard scan` against
# ripgrep and GNU grep (PCRE) searching for npm_[A-Za-z0-9]{36}|_authToken,
# on one large file and on a tree of many small files, and checks that
# tokenguard finds every secret planted in them.
#
# The corpus is made by $BUILD/tests/gencorpus (tests/bench/gencorpus.c)
# and reused while seed, sizes and generator stay the same. Settings,
# from the environment:
#   BUILD        build directory holding tokenguard (build/release)
#   BENCH_DIR    corpus and results directory (build/bench-corpus)
#   BENCH_SEED   corpus seed (1)
#   BENCH_MIB    size of the single file in MiB (1024)
#   BENCH_FILES  number of files in the tree (100000)
#   BENCH_RUNS   runs of each command; best and median reported (3)
#   BENCH_PATCH_REPO  a git repository whose `git log -p -U0 --all` is the
#                patch stream scanned on standard input (default: this
#                repository; a clone of npm/cli is what the figures of
#                docs/performance.md use)
#   BENCH_EVERYDAY  0 skips the everyday-text file (/usr/include and
#                /usr/share/doc concatenated)
#   BENCH_EXTRAS the other benchmarks run after this one (default "hook
#                prereceive watch image"; empty for none)
#
# Besides the corpus, each input is also read by `cat` to /dev/null: the
# floor for a scanner that read()s its input.
# Every timing is wall clock (date +%s%N) with a warm page cache; MB is
# 10^6 bytes; a ratio is tokenguard's throughput over the other tool's.
# The goals are reported, not enforced. Exit status: 0 when every planted
# secret was found, 1 when one was missed or tokenguard failed, 2 when a
# tool is missing or the corpus cannot be made.
set -eu

BUILD=${BUILD:-build/release}
BENCH_DIR=${BENCH_DIR:-build/bench-corpus}
SEED=${BENCH_SEED:-1}
MIB=${BENCH_MIB:-1024}
FILES=${BENCH_FILES:-100000}
RUNS=${BENCH_RUNS:-3}
RE='npm_[A-Za-z0-9]{36}|_authToken'

say() { printf '%s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 2; }

SRC=$(cd "$(dirname "$0")/../.." && pwd)
case $BUILD in /*) ;; *) BUILD=$SRC/$BUILD ;; esac
case $BENCH_DIR in /*) ;; *) BENCH_DIR=$SRC/$BENCH_DIR ;; esac
TG=$BUILD/tokenguard
GEN=$BUILD/tests/gencorpus
CHECK=$SRC/tests/bench/check.py

# Tools
command -v rg >/dev/null 2>&1 ||
	die "ripgrep (rg) is not installed: apt-get install ripgrep"
printf 'x\n' | LC_ALL=C grep -qP 'x' 2>/dev/null ||
	die "grep lacks -P (PCRE) support: install GNU grep built with PCRE"
command -v python3 >/dev/null 2>&1 ||
	die "python3 is not installed: apt-get install python3"
[ -x "$TG" ] || die "$TG is missing: run make BUILD=... first"
if [ ! -x "$GEN" ] ||
    [ -n "$(find "$SRC/tests/bench/gencorpus.c" -newer "$GEN")" ]; then
	# Normally built by `make bench`; this keeps the script usable alone.
	mkdir -p "$BUILD/tests"
	# shellcheck disable=SC2046 # pkg-config output is a word list
	${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -I"$SRC/common" -o "$GEN" \
	    "$SRC/tests/bench/gencorpus.c" "$BUILD/libtokenguard.a" \
	    $(pkg-config --libs libcrypto zlib) ||
		die "cannot build $GEN"
fi
case $RUNS in
[1-9]) ;;
*) die "BENCH_RUNS must be 1 to 9" ;;
esac
HAVE_TIME=0
[ -x /usr/bin/time ] && HAVE_TIME=1

# Corpus: reused when the stamp (generator sources, seed, sizes) matches.
stamp=$(cat "$SRC/tests/bench/gencorpus.c" "$SRC/common/token.c" \
    "$SRC/common/finding.c" | sha256sum | cut -c1-16)
stamp="$stamp seed=$SEED mib=$MIB files=$FILES"
mkdir -p "$BENCH_DIR" || die "cannot make $BENCH_DIR"
if [ "$(cat "$BENCH_DIR/stamp" 2>/dev/null || true)" != "$stamp" ]; then
	say "bench: generating the corpus in $BENCH_DIR (seed $SEED," \
	    "$MIB MiB file, $FILES files)..."
	rm -rf "$BENCH_DIR/tree" "$BENCH_DIR/big.txt" "$BENCH_DIR/stamp" \
	    "$BENCH_DIR/big.manifest" "$BENCH_DIR/tree.manifest" \
	    "$BENCH_DIR/corpus.info"
	t0=$(date +%s%N)
	"$GEN" -s "$SEED" -m "$MIB" -n "$FILES" "$BENCH_DIR" ||
		die "gencorpus failed"
	t1=$(date +%s%N)
	printf '%s\n' "$stamp" >"$BENCH_DIR/stamp"
	say "bench: corpus generated in $(( (t1 - t0) / 1000000 )) ms"
fi
info() {
	awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print }' \
	    "$BENCH_DIR/corpus.info"
}
BIG_BYTES=$(info big_bytes)
BIG_LINES=$(info big_lines)
BIG_EXPECTED=$(info big_expected)
TREE_FILES=$(info tree_files)
TREE_DIRS=$(info tree_dirs)
TREE_BYTES=$(info tree_bytes)
TREE_EXPECTED=$(info tree_expected)

OUT=$BENCH_DIR/results
mkdir -p "$OUT"
cd "$BENCH_DIR"

# Warm the page cache (and the dentry cache) before any timing.
wc -l big.txt >/dev/null
find tree -type f -exec cat {} + | wc -l >/dev/null

# measure NAME CMD...: runs CMD $RUNS times, stdout to $OUT/NAME.out,
# stderr to $OUT/NAME.err; sets best, median (ns), cpu (s, best run's
# user + sys, or -) and rc (of the last run).
measure() {
	name=$1
	shift
	times=
	i=0
	best=
	cpu=-
	while [ "$i" -lt "$RUNS" ]; do
		rc=0
		t0=$(date +%s%N)
		if [ "$HAVE_TIME" = 1 ]; then
			/usr/bin/time -f '%U %S' -o "$OUT/$name.time" "$@" \
			    >"$OUT/$name.out" 2>"$OUT/$name.err" || rc=$?
		else
			"$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || rc=$?
		fi
		t1=$(date +%s%N)
		t=$((t1 - t0))
		times="$times $t"
		if [ -z "$best" ] || [ "$t" -lt "$best" ]; then
			best=$t
			[ "$HAVE_TIME" = 1 ] && cpu=$(awk 'NF == 2 {
			    printf "%.2f", $1 + $2 }' "$OUT/$name.time")
		fi
		i=$((i + 1))
	done
	# shellcheck disable=SC2086 # word splitting of the list is meant
	median=$(printf '%s\n' $times | sort -n |
	    sed -n "$(( (RUNS + 1) / 2 ))p")
}

mbps() { awk -v b="$1" -v t="$2" 'BEGIN { printf "%.1f", b / t * 1000 }'; }
secs() { awk -v t="$1" 'BEGIN { printf "%.3f", t / 1e9 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b / a }'; }

header() {
	printf '  %-40s %8s %8s %8s %9s  %s\n' "command" "best s" "median s" \
	    "cpu s" "MB/s" "output"
}

# row LABEL BYTES NOTE: prints the last measurement.
row() {
	printf '  %-40s %8s %8s %8s %9s  %s\n' "$1" "$(secs "$best")" \
	    "$(secs "$median")" "$cpu" "$(mbps "$2" "$best")" "$3"
}

status=0
failures=
fail() {
	status=1
	failures="$failures
FAIL $*"
}

# tg_run NAME LABEL BYTES ARGS...: a tokenguard measurement, whose exit
# status must be 1 (findings).
tg_run() {
	name=$1 label=$2 bytes=$3
	shift 3
	measure "$name" "$TG" scan --format json "$@"
	n=$(wc -l <"$OUT/$name.out")
	row "$label" "$bytes" "$n findings, exit $rc"
	if [ "$rc" != 1 ]; then
		fail "$label exited $rc (expected 1): $(head -c 300 \
		    "$OUT/$name.err")"
	fi
}

# grep_run NAME LABEL BYTES CMD...: an rg or grep -c measurement.
grep_run() {
	name=$1 label=$2 bytes=$3
	shift 3
	measure "$name" "$@"
	n=$(awk -F: '{ s += $NF } END { print s + 0 }' "$OUT/$name.out")
	row "$label" "$bytes" "$n matching lines, exit $rc"
	[ "$rc" = 0 ] || say "  warning: $label exited $rc:" \
	    "$(head -c 300 "$OUT/$name.err")"
}

say "tokenguard bench: $TG"
say "corpus $BENCH_DIR (seed $SEED), $RUNS runs each, warm cache;" \
    "MB = 10^6 bytes, ratio = tokenguard MB/s / other MB/s"
say "regex for rg and grep: $RE"
# Other work on the machine skews wall-clock figures: say how much.
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
say "machine: $cpus CPUs, load average $load$(awk -v l="$load" -v c="$cpus" \
    'BEGIN { if (l > c / 4) printf " (busy: wall-clock figures are noisy;" \
    " compare cpu s)" }')"

# One large file
say ""
say "single file: big.txt, $BIG_BYTES bytes, $BIG_LINES lines," \
    "$BIG_EXPECTED planted secrets"
say "  content (share of bytes): $(info big_mix)"
header
tg_run big-tg1 "tokenguard scan -j 1" "$BIG_BYTES" -j 1 \
    --max-file-size $((BIG_BYTES + 1)) big.txt
tg_big=$best
grep_run big-rg "rg -c" "$BIG_BYTES" rg -c -- "$RE" big.txt
rg_big=$best
grep_run big-grep "LC_ALL=C grep -cP" "$BIG_BYTES" \
    env LC_ALL=C grep -cP -- "$RE" big.txt
grep_big=$best
measure big-cat sh -c 'cat big.txt >/dev/null'
row "cat (the read floor)" "$BIG_BYTES" "-"
cat_big=$best
say "  ratio tokenguard/rg   $(ratio "$tg_big" "$rg_big")" \
    "(time: tokenguard $(secs "$tg_big") s, rg $(secs "$rg_big") s)"
say "  ratio tokenguard/grep $(ratio "$tg_big" "$grep_big")"
say "  ratio tokenguard/cat  $(ratio "$tg_big" "$cat_big")"
say "  $(tail -n 1 "$OUT/big-tg1.err")"
say "  planted secrets (single file):"
if python3 "$CHECK" big.manifest "$OUT/big-tg1.out" . >"$OUT/big.check"
then
	big_ok=1
else
	big_ok=0
	fail "planted secrets missed in the single file (see above)"
fi
cat "$OUT/big.check"

# A tree of small files
say ""
say "directory: tree/, $TREE_FILES files in $TREE_DIRS directories," \
    "$TREE_BYTES bytes, $TREE_EXPECTED planted secrets"
say "  content (share of bytes): $(info tree_mix)"
header
tg_run tree-tg1 "tokenguard scan -j 1" "$TREE_BYTES" -j 1 tree
tg_tree1=$best
tg_run tree-tg2 "tokenguard scan -j 2" "$TREE_BYTES" -j 2 tree
tg_tree2=$best
grep_run tree-rg "rg -uu -c (default threads)" "$TREE_BYTES" \
    rg -uu -c -- "$RE" tree
rg_tree=$best
grep_run tree-rg1 "rg -uu -c -j1" "$TREE_BYTES" rg -uu -c -j1 -- "$RE" tree
rg_tree1=$best
grep_run tree-rg2 "rg -uu -c -j2" "$TREE_BYTES" rg -uu -c -j2 -- "$RE" tree
rg_tree2=$best
grep_run tree-grep "LC_ALL=C grep -rcP" "$TREE_BYTES" \
    env LC_ALL=C grep -rcP -- "$RE" tree
grep_tree=$best
say "  (rg -uu searches hidden files such as .npmrc and .env, as tokenguard"
say "  does; rg stops reading a file at its first NUL byte, tokenguard does"
say "  not: binary files get the checksummed-token rule)"
say "  ratio tokenguard -j 1 / rg -j1            $(ratio "$tg_tree1" \
    "$rg_tree1")"
say "  ratio tokenguard -j 2 / rg -j2            $(ratio "$tg_tree2" \
    "$rg_tree2")"
say "  ratio tokenguard -j 2 / rg default        $(ratio "$tg_tree2" \
    "$rg_tree")"
say "  ratio tokenguard -j 1 / grep -r           $(ratio "$tg_tree1" \
    "$grep_tree")"
say "  $(tail -n 1 "$OUT/tree-tg2.err")"
say "  planted secrets (directory):"
if python3 "$CHECK" tree.manifest "$OUT/tree-tg1.out" . >"$OUT/tree.check"
then
	tree_ok=1
else
	tree_ok=0
	fail "planted secrets missed in the directory (see above)"
fi
cat "$OUT/tree.check"
if cmp -s "$OUT/tree-tg1.out" "$OUT/tree-tg2.out"; then
	same=PASS
else
	same=FAIL
fi

# other_input NAME FILE LABEL: tokenguard -j 1 on FILE from standard
# input, rg and grep -P on the same bytes, cat; sets other_tg, other_rg.
other_input() {
	oname=$1 ofile=$2
	obytes=$(wc -c <"$ofile")
	say ""
	say "$3: $obytes bytes"
	header
	measure "$oname-tg1" sh -c '"$1" scan -q -j 1 --max-file-size 64g - \
	    <"$2"; test $? -le 1' sh "$TG" "$ofile"
	row "tokenguard scan -j 1 - (stdin)" "$obytes" "exit $rc"
	[ "$rc" = 0 ] || fail "tokenguard on $ofile: exit $rc"
	other_tg=$best
	measure "$oname-rg" sh -c 'rg -c -j1 -- "$1" - <"$2"; test $? -le 1' \
	    sh "$RE" "$ofile"
	row "rg -c -j1 - (stdin)" "$obytes" "exit $rc"
	other_rg=$best
	measure "$oname-grep" sh -c 'LC_ALL=C grep -cP -- "$1" <"$2"; \
	    test $? -le 1' sh "$RE" "$ofile"
	row "LC_ALL=C grep -cP (stdin)" "$obytes" "exit $rc"
	other_grep=$best
	measure "$oname-cat" sh -c 'cat <"$1" >/dev/null' sh "$ofile"
	row "cat (the read floor)" "$obytes" "-"
	say "  ratio tokenguard/rg   $(ratio "$other_tg" "$other_rg")" \
	    "(time: tokenguard $(secs "$other_tg") s, rg $(secs "$other_rg")" \
	    "s)"
	say "  ratio tokenguard/grep $(ratio "$other_tg" "$other_grep")"
	say "  ratio tokenguard/cat  $(ratio "$other_tg" "$best")"
}

# A patch stream, as CI steps and history scans feed it.
patch_repo=${BENCH_PATCH_REPO:-$SRC}
if git -C "$patch_repo" rev-parse --git-dir >/dev/null 2>&1; then
	head_id=$(git -C "$patch_repo" rev-parse HEAD)
	if [ "$(cat patch.stamp 2>/dev/null || true)" != "$head_id" ]; then
		git -C "$patch_repo" log -p -U0 --all >patch.txt 2>/dev/null ||
			die "git log -p failed in $patch_repo"
		printf '%s\n' "$head_id" >patch.stamp
	fi
	other_input patch patch.txt "patch stream: git log -p -U0 --all of" \
	    "$patch_repo"
	tg_patch=$other_tg
	rg_patch=$other_rg
else
	say ""
	say "patch stream: $patch_repo is not a git repository: skipped"
	tg_patch=
fi

# Everyday text: headers and documentation, few anchors.
if [ "${BENCH_EVERYDAY:-1}" != 0 ] && [ -d /usr/include ]; then
	if [ ! -s everyday.txt ]; then
		find /usr/include /usr/share/doc -type f -print0 2>/dev/null |
		    xargs -0 cat >everyday.txt 2>/dev/null || true
	fi
	other_input everyday everyday.txt \
	    "everyday text: /usr/include and /usr/share/doc concatenated"
	tg_every=$other_tg
	rg_every=$other_rg
else
	tg_every=
fi

# Summary
pf() { if [ "$1" = 1 ]; then printf PASS; else printf FAIL; fi; }
# faster A OP B: 1 when time A OP time B (-le or -lt), else 0.
faster() {
	if test "$1" "$2" "$3"; then printf 1; else printf 0; fi
}
say ""
say "$(pf "$big_ok") all $BIG_EXPECTED planted secrets found in the single file"
say "$(pf "$tree_ok") all $TREE_EXPECTED planted secrets found in the directory"
extra=$(cat "$OUT/big.check" "$OUT/tree.check" |
    awk '/^  extra findings:/ { n += $3 } END { print n + 0 }')
if [ "$extra" = 0 ]; then
	say "PASS no findings beyond the planted ones"
else
	say "WARN $extra findings beyond the planted ones (false positives?" \
	    "see above) [reported, not enforced]"
fi
say "$same output of -j 2 identical to -j 1 (deterministic order)"
say "$(pf "$(faster "$tg_big" -le "$rg_big")") goal: tokenguard -j 1 at least" \
    "as fast as rg on the single file ($(mbps "$BIG_BYTES" "$tg_big")" \
    "vs $(mbps "$BIG_BYTES" "$rg_big") MB/s) [reported, not enforced]"
if [ -n "$tg_patch" ]; then
	say "$(pf "$(faster "$tg_patch" -le "$rg_patch")") goal: tokenguard -j 1" \
	    "at least as fast as rg on the patch stream ($(secs "$tg_patch")" \
	    "vs $(secs "$rg_patch") s) [reported, not enforced]"
fi
if [ -n "$tg_every" ]; then
	say "$(pf "$(faster "$tg_every" -le "$rg_every")") goal: tokenguard -j 1" \
	    "at least as fast as rg on everyday text ($(secs "$tg_every")" \
	    "vs $(secs "$rg_every") s) [reported, not enforced]"
fi
say "$(pf "$(faster "$tg_tree1" -le "$rg_tree1")") goal: tokenguard -j 1" \
    "at least as fast as rg -j1 on the directory ($(mbps "$TREE_BYTES" \
    "$tg_tree1") vs $(mbps "$TREE_BYTES" "$rg_tree1") MB/s) [reported, not" \
    "enforced]"
say "$(pf "$(faster "$tg_tree2" -lt "$rg_tree")") goal: tokenguard -j 2" \
    "faster than rg on the directory ($(mbps "$TREE_BYTES" "$tg_tree2") vs" \
    "$(mbps "$TREE_BYTES" "$rg_tree") MB/s) [reported, not enforced]"
if [ -n "$failures" ]; then
	printf '%s\n' "$failures" | sed '/^$/d'
fi
say "results and findings: $OUT"

# The hooks', the watcher's and the image scan's figures, measured by
# their own scripts (BENCH_EXTRAS names which; empty for none).
for extra_bench in ${BENCH_EXTRAS-hook prereceive watch image}; do
	say ""
	if ! BUILD=$BUILD sh "$SRC/tests/bench/$extra_bench.sh"; then
		status=1
	fi
done
exit "$status"
