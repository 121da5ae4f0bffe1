#!/bin/sh
# tests/bench/prereceive.sh: pre-receive hook speed and memory.
# Pushes a generated history of BENCH_RECV_COMMITS commits and about
# BENCH_RECV_MB megabytes of blob content into an empty bare repository
# whose pre-receive hook is tokenguard-pre-receive (behind a wrapper that
# times it), then times `git log -p -U0 --all` over the same repository
# (what diff-fed scanners read), then pushes 100 more commits onto that
# history. Then the first push of a history shaped like npm/cli's (1,369
# refs: 28 branches and 1,340 tags, 780 of them annotated; 13,611
# commits; 71,811 blobs, 1.85 GB, most small, some of a few MB; files in
# node_modules-like directories, each commit changing about five), once
# without the hook and once with it, the hook's time and peak RSS
# measured. Prints the figures next to the goals: the full-history hook
# faster than `git log -p -U0` alone, the 100-commit push's hook under
# 0.5 s, the npm/cli-sized push's hook within 6 s and 100 MB. Figures
# are printed, never asserted.
#
# The source repository is made once with `git fast-import` and cached
# under BENCH_DIR while its parameters and this script stay the same;
# the target repository is made afresh on every run. Settings, from the
# environment:
#   BUILD               build directory holding tokenguard-pre-receive
#                       (build/release)
#   BENCH_DIR           cache directory (build/bench-recv)
#   BENCH_RECV_COMMITS  commits in the generated history (20000)
#   BENCH_RECV_MB       megabytes of blob content in it (500)
#   BENCH_RECV_REAL     a git directory whose refs/heads and refs/tags
#                       are pushed the same way (a full-history copy of
#                       npm/cli, say); unset: none
#
# Each commit rewrites one of 2,000 files in 50 directories with text
# cut from a pseudo-random word corpus (so git's deltas and zlib behave
# as on source code). Timings are wall clock with a warm page cache.
# Exit status: 0 when measured, 1 when the hook rejected the clean
# history, 2 when a tool is missing or the repository cannot be made.
set -eu

BUILD=${BUILD:-build/release}
BENCH_DIR=${BENCH_DIR:-build/bench-recv}
COMMITS=${BENCH_RECV_COMMITS:-20000}
MB=${BENCH_RECV_MB:-500}

say() { printf '%s\n' "$*"; }
die() { printf 'bench-prereceive: %s\n' "$*" >&2; exit 2; }

SRC=$(cd "$(dirname "$0")/../.." && pwd)
case $BUILD in /*) ;; *) BUILD=$SRC/$BUILD ;; esac
case $BENCH_DIR in /*) ;; *) BENCH_DIR=$SRC/$BENCH_DIR ;; esac
HOOK=$BUILD/tokenguard-pre-receive

command -v git >/dev/null 2>&1 || die "git is not installed"
command -v python3 >/dev/null 2>&1 ||
	die "python3 is not installed: apt-get install python3"
[ -x "$HOOK" ] || die "$HOOK is missing: run make BUILD=... first"
case $COMMITS in *[!0-9]*|'') die "BENCH_RECV_COMMITS: not a number" ;; esac
case $MB in *[!0-9]*|'') die "BENCH_RECV_MB: not a number" ;; esac
[ "$COMMITS" -ge 200 ] || die "BENCH_RECV_COMMITS must be at least 200"

HOME=$BENCH_DIR/home
XDG_CONFIG_HOME=$HOME/.config
GIT_CONFIG_NOSYSTEM=1
GIT_CONFIG_GLOBAL=$HOME/.gitconfig
LC_ALL=C
export HOME XDG_CONFIG_HOME GIT_CONFIG_NOSYSTEM GIT_CONFIG_GLOBAL LC_ALL
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY \
    GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_QUARANTINE_PATH
mkdir -p "$HOME" || die "cannot create $HOME"

now() { python3 -c 'import time; print("%.6f" % time.time())'; }
secs() { python3 -c "print('%.2f' % ($2 - $1))"; }

# Commits FROM..TO (1-based) of the generated history, as a fast-import
# stream on standard output.
gen() {
	python3 - "$1" "$2" "$COMMITS" "$MB" <<'PY'
import random, sys
first, last, total, mb = (int(a) for a in sys.argv[1:])
out = sys.stdout.buffer
rnd = random.Random(20261129)
words = ["".join(rnd.choice("abcdefghijklmnopqrstuvwxyz_")
                 for _ in range(rnd.randint(2, 10))) for _ in range(5000)]
corpus = []
size = 0
while size < 4 << 20:
    line = " ".join(rnd.choice(words) for _ in range(rnd.randint(3, 12)))
    line = ("    " * rnd.randint(0, 3)) + line + ";\n"
    corpus.append(line)
    size += len(line)
corpus = "".join(corpus).encode()
per = max(1, (mb << 20) // total)
for i in range(first, last + 1):
    r = random.Random(i)
    off = r.randrange(0, len(corpus) - per - 1)
    body = b"// file version %d\n" % i + corpus[off:off + per]
    out.write(b"commit refs/heads/main\n")
    out.write(b"committer bench <bench@example.invalid> %d +0000\n"
              % (1600000000 + i))
    msg = b"change %d" % i
    out.write(b"data %d\n%s\n" % (len(msg), msg))
    if i == first and first > 1:
        out.write(b"from refs/heads/main^0\n")
    path = b"src/d%02d/f%04d.c" % (i % 50, i % 2000)
    out.write(b"M 100644 inline %s\ndata %d\n%s\n" % (path, len(body), body))
PY
}

STAMP="$COMMITS commits, $MB MB, $(cksum <"$0" | cut -d' ' -f1)"
SRCREPO=$BENCH_DIR/src.git
if [ ! -f "$BENCH_DIR/stamp" ] || [ "$(cat "$BENCH_DIR/stamp")" != "$STAMP" ]
then
	say "generating $COMMITS commits, about $MB MB of blobs (cached in" \
	    "$BENCH_DIR)..."
	rm -rf "$SRCREPO" "$BENCH_DIR/stamp"
	git init -q --bare "$SRCREPO" || die "git init"
	gen 1 "$COMMITS" | git --git-dir="$SRCREPO" fast-import --quiet \
	    --max-pack-size=2g || die "fast-import"
	gen "$((COMMITS + 1))" "$((COMMITS + 100))" |
	    sed 's|^commit refs/heads/main$|commit refs/heads/next|' |
	    git --git-dir="$SRCREPO" fast-import --quiet || die "fast-import"
	printf '%s\n' "$STAMP" >"$BENCH_DIR/stamp"
fi
[ "$(git --git-dir="$SRCREPO" rev-list --count main)" = "$COMMITS" ] ||
	die "the cached repository is not as expected; remove $BENCH_DIR"
blob_mb=$(git --git-dir="$SRCREPO" cat-file --batch-all-objects \
    --batch-check='%(objecttype) %(objectsize)' |
    awk '$1 == "blob" { s += $2 } END { printf "%.0f", s / 1048576 }')

# A fresh target with the hook behind a timing wrapper.
TARGET=$BENCH_DIR/target.git
rm -rf "$TARGET"
git init -q --bare "$TARGET" || die "git init"
cat >"$TARGET/hooks/pre-receive" <<EOS
#!/bin/sh
t0=\$(date +%s.%N)
"$HOOK"
rc=\$?
t1=\$(date +%s.%N)
echo "\$t0 \$t1 \$rc" >>"$BENCH_DIR/hook-times"
exit \$rc
EOS
chmod +x "$TARGET/hooks/pre-receive"
: >"$BENCH_DIR/hook-times"

hook_time() {
	tail -n 1 "$BENCH_DIR/hook-times" |
	    python3 -c 'import sys; a, b, rc = sys.stdin.read().split()
print("%.2f %s" % (float(b) - float(a), rc))'
}

say "pushing main ($COMMITS commits, $blob_mb MB of blobs) into an empty" \
    "bare repository..."
t0=$(now)
git --git-dir="$SRCREPO" push -q "file://$TARGET" main >/dev/null 2>&1 ||
	{ say "the push failed (the hook rejected it?)"; exit 1; }
t1=$(now)
set -- $(hook_time)
full_hook=$1
[ "$2" = 0 ] || { say "the hook exited $2 on the clean history"; exit 1; }
full_push=$(secs "$t0" "$t1")

say "timing git log -p -U0 --all over the same repository..."
t0=$(now)
git --git-dir="$TARGET" log -p -U0 --all >/dev/null
t1=$(now)
log_time=$(secs "$t0" "$t1")

say "pushing 100 more commits onto that history..."
t0=$(now)
git --git-dir="$SRCREPO" push -q "file://$TARGET" next:main >/dev/null \
    2>&1 || { say "the 100-commit push failed"; exit 1; }
t1=$(now)
set -- $(hook_time)
small_hook=$1
small_push=$(secs "$t0" "$t1")

# first_push SRC NAME: pushes SRC's branches and tags into a new empty
# repository NAME.git, once without a hook and once with the hook behind
# a wrapper that records its wall time, peak RSS and CPU time. Sets
# FP_PUSH (seconds, no hook), FP_HOOK, FP_RSS (MB), FP_CPU, FP_RC,
# FP_WHOLE (seconds, the push with the hook).
first_push() {
	_t=$BENCH_DIR/$2.git
	rm -rf "$_t"
	git init -q --bare "$_t" || die "git init"
	t0=$(now)
	git --git-dir="$1" push -q "file://$_t" 'refs/heads/*:refs/heads/*' \
	    'refs/tags/*:refs/tags/*' >/dev/null 2>&1 || die "push to $_t"
	t1=$(now)
	FP_PUSH=$(secs "$t0" "$t1")
	rm -rf "$_t"
	git init -q --bare "$_t" || die "git init"
	cat >"$_t/hooks/pre-receive" <<EOS
#!$(command -v python3)
import resource, subprocess, sys, time
t0 = time.monotonic()
rc = subprocess.call(["$HOOK"], stderr=subprocess.DEVNULL)
t1 = time.monotonic()
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
with open("$BENCH_DIR/first-push", "w") as f:
    f.write("%.2f %.0f %.2f %d\\n" % (t1 - t0, ru.ru_maxrss / 1024,
        ru.ru_utime + ru.ru_stime, rc))
sys.exit(0)
EOS
	chmod +x "$_t/hooks/pre-receive"
	t0=$(now)
	git --git-dir="$1" push -q "file://$_t" 'refs/heads/*:refs/heads/*' \
	    'refs/tags/*:refs/tags/*' >/dev/null 2>&1 || die "push to $_t"
	t1=$(now)
	FP_WHOLE=$(secs "$t0" "$t1")
	set -- $(cat "$BENCH_DIR/first-push")
	FP_HOOK=$1 FP_RSS=$2 FP_CPU=$3 FP_RC=$4
	rm -rf "$_t"
}

# The npm/cli-shaped history, made once and repacked as a server's would
# be (fast-import's own deltas are poor). As in npm/cli (measured on its
# history): most paths have one version (new files, median 2.7 kB, a long
# tail) spread over lib/, test/, docs/, node_modules/, workspaces/; a
# pool of files is edited a few times each, package.json in 28% of
# commits, a 620 kB package-lock.json in 17% (2,300 versions, most of the
# bytes) and a growing CHANGELOG.md. Edits add lines like their
# neighbours and remove others, so the lockfile's delta chains branch
# (here 8.8 deep on average, npm/cli's 6.5) rather than run 50 deep. The
# pack is 139 MB (npm/cli's: 128 MB); the trees are heavier than npm/cli's
# (161,000 and 213 MB against 62,000 and 62 MB).
gen_npm() {
	python3 - 13611 71811 28 1340 780 <<'PY'
import math, random, sys
out = sys.stdout.buffer
COMMITS, BLOBS, BRANCHES, TAGS, ATAGS = (int(a) for a in sys.argv[1:6])
rnd = random.Random(20261206)
words = ["".join(rnd.choice("abcdefghijklmnopqrstuvwxyz_")
                 for _ in range(rnd.randint(2, 10))) for _ in range(5000)]
corpus = []
size = 0
while size < 8 << 20:
    line = " ".join(rnd.choice(words) for _ in range(rnd.randint(3, 12)))
    corpus.append(("    " * rnd.randint(0, 3)) + line + ";\n")
    size += len(corpus[-1])
corpus = "".join(corpus).encode()
def text(r, n):
    off = r.randrange(0, len(corpus) - n - 1)
    return corpus[off:off + n]
def small(r):
    # Most files a few kB, a long tail (npm/cli: median 2.7 kB).
    return min(400000, max(40, int(r.lognormvariate(math.log(2700), 1.3))))
SIDE = 20
main_n = COMMITS - BRANCHES * SIDE
POOL = 5000
HOT = [(b"package-lock.json", 620000, 0.17), (b"package.json", 3000, 0.28),
       (b"CHANGELOG.md", 12000, 0.043)]
NEW_RATE = 1.47
hot_versions = sum(p for _, _, p in HOT) * (COMMITS - 1)
pool_rate = (BLOBS - POOL - len(HOT) - hot_versions - NEW_RATE * (COMMITS - 1)) \
    / (COMMITS - 1)
content = {}
base_size = {}
pool = []
for i in range(POOL):
    d = i % 360
    path = (b"lib/d%02d/f%05d.js" % (d, i) if d < 60 else
            b"node_modules/p%03d/lib/f%05d.js" % (d, i))
    pool.append(path)
    content[path] = text(rnd, small(rnd))
    base_size[path] = len(content[path])
for path, n, _ in HOT:
    content[path] = text(rnd, n)
    base_size[path] = n
def blob(path, data):
    out.write(b"M 100644 inline %s\ndata %d\n%s\n" % (path, len(data), data))
def edit(r, path, i, grow=False):
    # Lines added and removed in a few places, as real edits (dependency
    # bumps in a lockfile) do: sizes wander, and git's delta chains
    # branch instead of running 50 deep through every version.
    old = content[path]
    target = base_size[path]
    for _ in range(r.randint(1, 4)):
        n = r.randint(20, 300 if grow else max(40, min(4000, len(old) // 20)))
        off = r.randrange(0, max(1, len(old) - n))
        if grow or len(old) < target * r.uniform(0.9, 1.1):
            # New lines like the ones around them (a bumped version, an
            # added dependency): a copy of nearby text, one word changed.
            src = r.randrange(0, max(1, len(old) - n))
            chunk = old[src:src + n].replace(b";", b"; %d" % i, 1)
            old = old[:off] + chunk + old[off:]
        else:
            old = old[:off] + old[off + n:]
    content[path] = old
    return old
def commit(ref, i, frm=None):
    out.write(b"commit %s\nmark :%d\n" % (ref, i))
    out.write(b"committer bench <bench@example.invalid> %d +0000\n"
              % (1500000000 + i * 60))
    msg = b"change %d" % i
    out.write(b"data %d\n%s\n" % (len(msg), msg))
    if frm is not None:
        out.write(b"from :%d\n" % frm)
debt = [0.0, 0.0]
newno = [POOL]
def changes(r, i):
    for path, _, p in HOT:
        if r.random() < p:
            blob(path, edit(r, path, i, path == b"CHANGELOG.md"))
    debt[0] += pool_rate
    k = int(debt[0])
    debt[0] -= k
    for path in r.sample(pool, k):
        blob(path, edit(r, path, i))
    debt[1] += NEW_RATE
    k = int(debt[1])
    debt[1] -= k
    for _ in range(k):
        newno[0] += 1
        # Spread over the tree as in npm/cli (lib, test, docs, vendored
        # modules), not all under one directory rewritten every commit.
        k2 = newno[0]
        top = (b"lib", b"test", b"docs", b"node_modules", b"workspaces")[k2 % 5]
        path = b"%s/s%02d/t%02d/f%05d.js" % (top, (k2 // 5) % 40,
                                             (k2 // 200) % 30, k2)
        blob(path, text(r, small(r)))
commit(b"refs/heads/main", 1)
for p in pool:
    blob(p, content[p])
for path, _, _ in HOT:
    blob(path, content[path])
for i in range(2, main_n + 1):
    commit(b"refs/heads/main", i, i - 1)
    changes(random.Random(i), i)
n = main_n
for b in range(BRANCHES):
    prev = (b + 1) * main_n // (BRANCHES + 1)
    for s in range(SIDE):
        n += 1
        commit(b"refs/heads/branch%02d" % b, n, prev)
        changes(random.Random(n), n)
        prev = n
for t in range(TAGS):
    m = 1 + (t + 1) * (main_n - 1) // TAGS
    if t < ATAGS:
        out.write(b"tag v1.%d.0\nfrom :%d\ntagger bench <bench@example.invalid>"
                  b" %d +0000\n" % (t, m, 1500000000 + m * 60))
        msg = b"release v1.%d.0" % t
        out.write(b"data %d\n%s\n" % (len(msg), msg))
    else:
        out.write(b"reset refs/tags/v2.%d.0\nfrom :%d\n\n" % (t, m))
PY
}
NPM_STAMP="npm shape 3, $(cksum <"$0" | cut -d' ' -f1)"
NPMREPO=$BENCH_DIR/npm-shape.git
if [ ! -f "$BENCH_DIR/npm-stamp" ] ||
    [ "$(cat "$BENCH_DIR/npm-stamp")" != "$NPM_STAMP" ]; then
	say "generating an npm/cli-shaped history (13,611 commits, 71,811" \
	    "blobs, 1.85 GB; minutes, cached in $BENCH_DIR)..."
	rm -rf "$NPMREPO" "$BENCH_DIR/npm-stamp"
	git init -q --bare "$NPMREPO" || die "git init"
	gen_npm | git --git-dir="$NPMREPO" fast-import --quiet \
	    --max-pack-size=4g || die "fast-import"
	git --git-dir="$NPMREPO" repack -adfq --window=10 --depth=50 ||
		die "repack"
	printf '%s\n' "$NPM_STAMP" >"$BENCH_DIR/npm-stamp"
fi
say "pushing the npm/cli-shaped history into an empty repository, without" \
    "and with the hook..."
first_push "$NPMREPO" npm-target
npm_push=$FP_PUSH npm_whole=$FP_WHOLE npm_hook=$FP_HOOK npm_rss=$FP_RSS
npm_cpu=$FP_CPU npm_rc=$FP_RC
if [ -n "${BENCH_RECV_REAL-}" ]; then
	say "pushing $BENCH_RECV_REAL into an empty repository, without and" \
	    "with the hook..."
	first_push "$BENCH_RECV_REAL" real-target
fi

verdict() { python3 -c "print('met' if $1 else 'NOT met')"; }
say ""
say "pre-receive, $COMMITS commits / $blob_mb MB pushed at once:"
say "  hook:                    ${full_hook} s   (whole push ${full_push} s)"
say "  git log -p -U0 --all:    ${log_time} s"
say "  goal: hook faster than git log -p -U0: $(verdict "$full_hook < $log_time")"
say "pre-receive, 100 commits pushed onto that history:"
say "  hook:                    ${small_hook} s   (whole push ${small_push} s)"
say "  goal: under 0.5 s: $(verdict "$small_hook < 0.5")"
say "pre-receive, first push of an npm/cli-shaped history (1,369 refs," \
    "13,611 commits, 71,811 blobs, 1.85 GB):"
say "  whole push without the hook: ${npm_push} s; with it: ${npm_whole} s"
say "  hook:                    ${npm_hook} s wall, ${npm_cpu} s CPU," \
    "peak RSS ${npm_rss} MB (exit $npm_rc)"
say "  goal: hook within 6 s: $(verdict "$npm_hook <= 6")"
say "  goal: peak RSS within 100 MB: $(verdict "$npm_rss <= 100")"
if [ -n "${BENCH_RECV_REAL-}" ]; then
	say "pre-receive, first push of $BENCH_RECV_REAL:"
	say "  whole push without the hook: ${FP_PUSH} s; with it: ${FP_WHOLE} s"
	say "  hook:                    ${FP_HOOK} s wall, ${FP_CPU} s CPU," \
	    "peak RSS ${FP_RSS} MB (exit $FP_RC: 1 when it holds findings)"
fi
exit 0
