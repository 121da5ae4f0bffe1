#!/bin/sh
# tests/bench/watch.sh: tokenguard-watch's speed (issue 5, "Speed"):
#   - event-to-2xx latency: BENCH_WATCH_FILES files (1000), each with a
#     token, written one every BENCH_WATCH_GAP_MS ms (10), each timed from
#     its close() to the moment a local receiver (tests/integration/
#     receiver.py on 127.0.0.1) took the signed request it answered 200;
#     p50, p99 and max;
#   - the time from start to "ready" and the memory (VmRSS, VmHWM) with
#     10,000 and 100,000 watched directories (BENCH_WATCH_DIRS);
#   - idle CPU time and context switches (voluntary and not, summed over
#     the watcher's threads) over BENCH_WATCH_IDLE seconds (30) with the
#     10,000-directory tree watched and nothing happening.
# Goals, printed next to the figures and never asserted: p99 <= 250 ms,
# <= 3 s to watch 100,000 directories, RSS <= 20 MB there, no idle
# wakeups beyond the timers it needs (none when nothing is pending).
#
# The directory trees are made once in BENCH_DIR (build/bench-watch) and
# reused, and walked once before each measurement (a warm cache, as for
# the other benchmarks; cold, reading the directories from disk can take
# longer than watching them). Timings are wall clock on a machine that
# may be shared with other work: treat them as indications. Settings, from the environment:
#   BUILD     build directory holding tokenguard-watch (build/release)
#   BENCH_DIR cache and scratch directory (build/bench-watch)
# Exit status: 0 when measured, 1 when the watcher failed or missed a
# token, 2 when something is missing.
set -eu

BUILD=${BUILD:-build/release}
BENCH_DIR=${BENCH_DIR:-build/bench-watch}

die() { printf 'bench-watch: %s\n' "$*" >&2; exit 2; }

SRC=$(cd "$(dirname "$0")/../.." && pwd)
case $BUILD in /*) ;; *) BUILD=$SRC/$BUILD ;; esac
case $BENCH_DIR in /*) ;; *) BENCH_DIR=$SRC/$BENCH_DIR ;; esac
WATCH=$BUILD/tokenguard-watch
TOKGEN=$BUILD/tests/tokgen
command -v python3 >/dev/null 2>&1 ||
	die "python3 is not installed: apt-get install python3"
[ -x "$WATCH" ] || die "$WATCH is missing: run make BUILD=... first"
[ -x "$TOKGEN" ] || die "$TOKGEN is missing: make BUILD=... $TOKGEN"
mkdir -p "$BENCH_DIR" || die "cannot make $BENCH_DIR"
# Loopback only.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY \
    NOTIFY_SOCKET
exec python3 "$SRC/tests/bench/watchbench.py" "$WATCH" "$TOKGEN" \
    "$BENCH_DIR" "$SRC/tests/integration/receiver.py"
