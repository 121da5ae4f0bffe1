#!/bin/sh
# tests/bench/hook.sh: pre-commit hook latency (issue 3, "Speed"). In a
# generated repository of BENCH_HOOK_FILES files and BENCH_HOOK_COMMITS
# commits, stages a 10-file change (8 files modified, 2 added) and runs,
# alternately, the hook binary and `git diff --cached --raw` (what any
# pre-commit check must at least do) BENCH_HOOK_RUNS times each; prints
# both medians, their ratio and the goals: at or below git (ratio 1.0 or
# less), under 50 ms.
# Figures are printed, never asserted.
#
# The repository is made once with `git fast-import` and reused while
# its parameters and this script stay the same. Settings, from the
# environment:
#   BUILD               build directory holding tokenguard-pre-commit
#                       (build/release)
#   BENCH_DIR           cache directory (build/bench-hook)
#   BENCH_HOOK_FILES    files in the repository (50000)
#   BENCH_HOOK_COMMITS  commits in its history (10000)
#   BENCH_HOOK_RUNS     runs of each command (21)
#
# Timings are wall clock, measured in python3 around each child process
# (fork, exec and exit included, for both commands alike), with a warm
# page cache: the first run of each is a warm-up and not counted. The
# median of `true` is printed too: the cost of starting any process
# here, which both figures include.
# Exit status: 0 when measured, 1 when the hook failed or found
# something in the clean change, 2 when a tool is missing or the
# repository cannot be made.
set -eu

BUILD=${BUILD:-build/release}
BENCH_DIR=${BENCH_DIR:-build/bench-hook}
FILES=${BENCH_HOOK_FILES:-50000}
COMMITS=${BENCH_HOOK_COMMITS:-10000}
RUNS=${BENCH_HOOK_RUNS:-21}

say() { printf '%s\n' "$*"; }
die() { printf 'bench-hook: %s\n' "$*" >&2; exit 2; }

SRC=$(cd "$(dirname "$0")/../.." && pwd)
case $BUILD in /*) ;; *) BUILD=$SRC/$BUILD ;; esac
case $BENCH_DIR in /*) ;; *) BENCH_DIR=$SRC/$BENCH_DIR ;; esac
HOOK=$BUILD/tokenguard-pre-commit

command -v git >/dev/null 2>&1 || die "git is not installed"
command -v python3 >/dev/null 2>&1 ||
	die "python3 is not installed: apt-get install python3"
[ -x "$HOOK" ] || die "$HOOK is missing: run make BUILD=... first"
case $FILES in *[!0-9]*|'') die "BENCH_HOOK_FILES: not a number" ;; esac
case $COMMITS in *[!0-9]*|'') die "BENCH_HOOK_COMMITS: not a number" ;; esac
case $RUNS in *[!0-9]*|'') die "BENCH_HOOK_RUNS: not a number" ;; esac
[ "$FILES" -ge 100 ] || die "BENCH_HOOK_FILES must be at least 100"
[ "$COMMITS" -ge 1 ] || die "BENCH_HOOK_COMMITS must be at least 1"
[ "$RUNS" -ge 11 ] || die "BENCH_HOOK_RUNS must be at least 11"

# No user or system configuration: the same repository, the same work.
HOME=$BENCH_DIR/home
XDG_CONFIG_HOME=$HOME/.config
GIT_CONFIG_NOSYSTEM=1
GIT_CONFIG_GLOBAL=$HOME/.gitconfig
GIT_AUTHOR_NAME=bench
GIT_AUTHOR_EMAIL=bench@example.invalid
GIT_COMMITTER_NAME=bench
GIT_COMMITTER_EMAIL=bench@example.invalid
LC_ALL=C
export HOME XDG_CONFIG_HOME GIT_CONFIG_NOSYSTEM GIT_CONFIG_GLOBAL \
    GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL \
    LC_ALL
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_COMMON_DIR \
    GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES

REPO=$BENCH_DIR/repo
# Bump GENERATOR when stream() changes: the repository is made again.
GENERATOR=1
stamp="generator=$GENERATOR files=$FILES commits=$COMMITS"
mkdir -p "$BENCH_DIR" "$HOME" || die "cannot make $BENCH_DIR"
: >"$GIT_CONFIG_GLOBAL"

# Prints a fast-import stream: one commit adding every file, then
# commits that each change 5 files. Paths spread over 100-file
# directories in two levels, as in a real source tree.
stream()
{
	awk -v files="$FILES" -v commits="$COMMITS" '
	function path(i) {
		return sprintf("src/pkg%03d/mod%02d/file%02d.js",
		    int(i / 500), int(i / 20) % 25, i % 20)
	}
	function body(i, r,    s) {
		s = sprintf("// %s, revision %d\n", path(i), r)
		s = s sprintf("export function f%d(x) {\n", i)
		s = s sprintf("\tconst scale = %d;\n", (i * 31 + r) % 997)
		s = s "\treturn x * scale + " r ";\n}\n"
		return s
	}
	function data(s) {
		printf "data %d\n%s\n", length(s), s
	}
	BEGIN {
		for (c = 1; c <= commits; c++) {
			print "commit refs/heads/main"
			printf "committer bench <bench@example.invalid> " \
			    "%d +0000\n", 1600000000 + c
			data("commit " c)
			if (c == 1) {
				for (i = 0; i < files; i++) {
					print "M 100644 inline " path(i)
					data(body(i, 1))
				}
				continue
			}
			for (k = 0; k < 5; k++) {
				i = (c * 7919 + k * 104729) % files
				print "M 100644 inline " path(i)
				data(body(i, c))
			}
		}
	}'
}

if [ "$(cat "$BENCH_DIR/stamp" 2>/dev/null || true)" != "$stamp" ]; then
	say "bench-hook: generating a repository of $FILES files and" \
	    "$COMMITS commits in $REPO..."
	rm -rf "$REPO" "$BENCH_DIR/stamp"
	t0=$(date +%s)
	git init -q -b main "$REPO" || die "git init failed"
	stream | git -C "$REPO" fast-import --quiet ||
		die "git fast-import failed"
	git -C "$REPO" repack -a -d -q || die "git repack failed"
	git -C "$REPO" reset -q --hard main || die "git reset failed"
	printf '%s\n' "$stamp" >"$BENCH_DIR/stamp"
	say "bench-hook: generated in $(($(date +%s) - t0)) s"
fi

# The staged change: 8 files modified, 2 added in a new directory.
cd "$REPO"
git reset -q --hard main || die "git reset failed"
git clean -q -f -d || die "git clean failed"
for i in 0 1 2 3 4 5 6 7; do
	n=$((i * (FILES / 8) + 3))
	f=$(printf 'src/pkg%03d/mod%02d/file%02d.js' $((n / 500)) \
	    $((n / 20 % 25)) $((n % 20)))
	printf '// staged for the benchmark\nexport const v%d = %d;\n' \
	    "$i" "$i" >>"$f"
	git add "$f" || die "git add failed"
done
mkdir -p src/new
for i in 1 2; do
	printf 'export const added%d = "%d";\n' "$i" "$i" >"src/new/added$i.js"
	git add "src/new/added$i.js" || die "git add failed"
done
staged=$(git diff --cached --name-only | wc -l)
[ "$staged" = 10 ] || die "expected 10 staged files, got $staged"
files_now=$(git ls-files | wc -l)
commits_now=$(git rev-list --count HEAD)

say "bench-hook: $files_now files, $commits_now commits, 10 staged" \
    "files; $RUNS runs of each command"
python3 - "$HOOK" "$RUNS" <<'EOF'
import statistics, subprocess, sys, time

hook, runs = sys.argv[1], int(sys.argv[2])
cmds = {
    "hook": [hook],
    "git": ["git", "diff", "--cached", "--raw"],
    "spawn": ["true"],
}

def once(argv):
    t0 = time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    t = time.perf_counter() - t0
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode("utf-8", "replace"))
        print("bench-hook: %s exited with %d" % (argv[0], p.returncode),
              file=sys.stderr)
        sys.exit(1)
    if argv[0] == hook and p.stderr:
        sys.stderr.write(p.stderr.decode("utf-8", "replace"))
        print("bench-hook: the hook printed something for a clean change",
              file=sys.stderr)
        sys.exit(1)
    return t * 1000.0

times = {k: [] for k in cmds}
for k in cmds:
    once(cmds[k])        # warm-up
for _ in range(runs):
    for k in cmds:
        times[k].append(once(cmds[k]))
med = {k: statistics.median(v) for k, v in times.items()}
for k, label in (("hook", "tokenguard-pre-commit"),
                 ("git", "git diff --cached --raw"),
                 ("spawn", "true (process start)")):
    v = sorted(times[k])
    print("  %-24s median %7.1f ms  (min %.1f, max %.1f)"
          % (label, med[k], v[0], v[-1]))
ratio = med["hook"] / med["git"]
print("  ratio hook/git           %7.2f    goal <= 1.00: %s"
      % (ratio, "met" if ratio <= 1.0 else "NOT met"))
print("  hook median              %7.1f ms goal < 50 ms: %s"
      % (med["hook"], "met" if med["hook"] < 50.0 else "NOT met"))
EOF
