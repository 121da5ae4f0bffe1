#!/bin/sh
# tests/bench/prereceive.sh: pre-receive hook speed (issue 4, "Speed").
# Pushes a generated history of BENCH_RECV_COMMITS commits and about
# BENCH_RECV_MB megabytes of blob content into an empty bare repository
# whose pre-receive hook is tokenguard-pre-receive (behind a wrapper that
# times it), then times `git log -p -U0 --all` over the same repository
# (what diff-fed scanners read), then pushes 100 more commits onto that
# history. Prints the figures next to the goals: the full-history hook
# faster than `git log -p -U0` alone, the 100-commit push's hook under
# 0.5 s. Figures are printed, never asserted.
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

verdict() { python3 -c "print('met' if $1 else 'NOT met')"; }
say ""
say "pre-receive, $COMMITS commits / $blob_mb MB pushed at once:"
say "  hook:                    ${full_hook} s   (whole push ${full_push} s)"
say "  git log -p -U0 --all:    ${log_time} s"
say "  goal: hook faster than git log -p -U0: $(verdict "$full_hook < $log_time")"
say "pre-receive, 100 commits pushed onto that history:"
say "  hook:                    ${small_hook} s   (whole push ${small_push} s)"
say "  goal: under 0.5 s: $(verdict "$small_hook < 0.5")"
exit 0
