#!/bin/sh
# tests/fuzz/run.sh: runs each libFuzzer harness given as an argument for
# FUZZ_SECONDS from a fresh copy of its seed corpus tests/fuzz/corpus/NAME/
# (the tree is never written), with -timeout so that a hang fails too.
# Prints one line per harness (executions, coverage, result) and ends
# with "N passed, N failed". Exit status 0 when every harness passed,
# 1 otherwise, 2 on bad usage.
#
# Usage: FUZZ_BUILD=DIR sh tests/fuzz/run.sh HARNESS...
# Environment: FUZZ_BUILD (required: the run directories go below it),
# FUZZ_SECONDS (default 300), FUZZ_TIMEOUT (seconds one input may take,
# default 10), FUZZ_MAX_LEN (default 8192), FUZZ_ARGS (more libFuzzer
# options).

if [ -z "${FUZZ_BUILD-}" ] || [ $# -eq 0 ]; then
	echo "usage: FUZZ_BUILD=DIR sh tests/fuzz/run.sh HARNESS..." >&2
	exit 2
fi
root=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
seconds=${FUZZ_SECONDS:-300}
timeout=${FUZZ_TIMEOUT:-10}
max_len=${FUZZ_MAX_LEN:-8192}
# Leaks fail a harness; sanitizer reports are crashes.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS

passed=0
failed=0
for bin in "$@"; do
	name=$(basename "$bin")
	run=$FUZZ_BUILD/run/$name
	rm -rf "$run"
	mkdir -p "$run/corpus" "$run/artifacts" || exit 2
	if [ -d "$root/tests/fuzz/corpus/$name" ]; then
		cp "$root/tests/fuzz/corpus/$name"/* "$run/corpus/" \
		    2>/dev/null
	fi
	dict=
	if [ -f "$root/tests/fuzz/$name.dict" ]; then
		dict=-dict=$root/tests/fuzz/$name.dict
	fi
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$seconds" -timeout="$timeout" \
	    -max_len="$max_len" -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$run/artifacts/" $dict ${FUZZ_ARGS-} \
	    "$run/corpus" >"$run/log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/log" |
	    tail -n 1)
	cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' "$run/log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		result=passed
		passed=$((passed + 1))
	else
		result="FAILED (exit $rc)"
		failed=$((failed + 1))
	fi
	printf '%-20s %10s execs  cov %6s  %s\n' "$name" "${execs:-?}" \
	    "${cov:-?}" "$result"
	if [ "$rc" -ne 0 ]; then
		echo "--- $run/log (last 40 lines):"
		tail -n 40 "$run/log"
		for a in "$run"/artifacts/*; do
			[ -f "$a" ] && echo "--- reproduce: $bin $a"
		done
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
