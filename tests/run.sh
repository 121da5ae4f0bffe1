#!/bin/sh
# tests/run.sh: runs the unit test binaries given as arguments (cmocka),
# then every tests/integration/t-*.sh, and ends with one line
# "N passed, N failed" (unit tests counted from cmocka's summary lines,
# each integration script counted as one test), followed by
# ", N skipped" when a script exited 77: it could not run here, and
# said why on a "SKIP:" line. Exit status 0 when
# nothing failed, 1 otherwise, 2 on bad usage.
#
# Usage: BUILD=build/DIR sh tests/run.sh [--unit-only|--integration-only]
#            [UNIT_BINARY...]
# Environment: BUILD (required), TEST_TIMEOUT (seconds per integration
# script, default 300), UNIT_TIMEOUT (seconds per unit binary, default
# 600), TESTS (space-separated script names such as "t-stdin" to run only
# those), VALGRIND=1 (run the unit binaries, and every program the
# integration scripts start through $BUILD, under valgrind memcheck with
# tests/valgrind.supp; a memcheck error or definite leak fails the test).

usage()
{
	echo "usage: BUILD=DIR sh tests/run.sh" \
	    "[--unit-only|--integration-only] [UNIT_BINARY...]" >&2
	exit 2
}

root=$(cd "$(dirname "$0")/.." && pwd) || exit 2
run_unit=1
run_integration=1
case ${1-} in
--unit-only)
	run_integration=0
	shift
	;;
--integration-only)
	run_unit=0
	shift
	;;
-*)
	usage
	;;
esac

if [ -z "${BUILD-}" ]; then
	echo "tests/run.sh: BUILD is not set" >&2
	usage
fi
# A relative BUILD is taken from the current directory, else from the
# top of the tree (where make runs).
if [ -d "$BUILD" ]; then
	BUILD=$(cd "$BUILD" && pwd)
elif [ -d "$root/$BUILD" ]; then
	BUILD=$(cd "$root/$BUILD" && pwd)
else
	echo "tests/run.sh: build directory '$BUILD' does not exist" >&2
	exit 2
fi
TOKENGUARD=$BUILD/tokenguard
TOKGEN=$BUILD/tests/tokgen
export BUILD TOKENGUARD TOKGEN
# cmocka's plain output is what we count; other formats would hide it.
unset CMOCKA_MESSAGE_OUTPUT CMOCKA_XML_FILE
# Under SAN=1 a sanitizer report must not pass for exit status 1 ("found
# something"): give it a status of its own. The user's options come after
# ours and win.
ASAN_OPTIONS="exitcode=99${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=99${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export ASAN_OPTIONS UBSAN_OPTIONS

work=$(mktemp -d "${TMPDIR:-/tmp}/tg-run.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM HUP

passed=0
failed=0
skipped=0

# Under VALGRIND=1 the scripts get a BUILD of wrappers that start the real
# programs under memcheck, one log per process. Hooks that git starts from
# a hook script made by `tokenguard install` run natively: the script
# names the real binary.
VG=
if [ "${VALGRIND-}" = 1 ]; then
	command -v valgrind >/dev/null 2>&1 || {
		echo "tests/run.sh: VALGRIND=1 but valgrind is not installed" >&2
		exit 2
	}
	# Programs the scripts run as another user log here too.
	vglog=$(mktemp -d "${TMPDIR:-/tmp}/tg-vglog.XXXXXX") || exit 2
	chmod 1777 "$vglog" || exit 2
	trap 'rm -rf "$work" "$vglog"' EXIT
	mkdir -p "$work/vgbin" || exit 2
	VG="valgrind -q --error-exitcode=99 --leak-check=full \
--errors-for-leak-kinds=definite --show-leak-kinds=definite \
--suppressions=$root/tests/valgrind.supp"
	for prog in tokenguard tokenguard-pre-commit tokenguard-pre-receive \
	    tokenguard-watch; do
		printf '#!/bin/sh\nexec %s --log-file=%s/%%p.log %s "$@"\n' \
		    "$VG" "$vglog" "$BUILD/$prog" >"$work/vgbin/$prog"
		chmod +x "$work/vgbin/$prog"
	done
	ln -s "$BUILD/tests" "$work/vgbin/tests"
fi

# Prints the memcheck logs that hold an error ("==PID==" lines; valgrind's
# own notes, such as a system call it does not know, are "--PID--"), then
# empties the log directory; status 1 when there was one.
vg_errors()
{
	bad=0
	for l in "$vglog"/*.log; do
		grep -q '^==[0-9]*==' "$l" 2>/dev/null || continue
		sed 's/^/    | /' "$l" | head -n 60
		bad=1
	done
	rm -f "$vglog"/*.log
	return $bad
}

# Runs a command under timeout(1) when it exists.
with_timeout()
{
	secs=$1
	shift
	if command -v timeout >/dev/null 2>&1; then
		timeout -k 10 "$secs" "$@"
	else
		"$@"
	fi
}

# Sums the N of every line "[  PASSED  ] N test(s)." (or FAILED) in $2.
count_lines()
{
	sed -n "s/^\[  $1  \] \([0-9][0-9]*\) test(s).*/\1/p" "$2" |
	    awk '{ n += $1 } END { print n + 0 }'
}

if [ "$run_unit" = 1 ]; then
	for bin in "$@"; do
		name=$(basename "$bin")
		log=$work/unit.log
		if [ ! -x "$bin" ]; then
			echo "FAIL $name (not an executable: $bin)"
			failed=$((failed + 1))
			continue
		fi
		# Show cmocka's output as it runs and keep a copy to count.
		{
			# shellcheck disable=SC2086
			(cd "$root" && with_timeout "${UNIT_TIMEOUT:-600}" \
			    $VG "$bin" </dev/null) 2>&1
			echo $? >"$work/unit.rc"
		} | tee "$log"
		rc=$(cat "$work/unit.rc")
		p=$(count_lines PASSED "$log")
		f=$(count_lines FAILED "$log")
		if ! grep -q '^\[  PASSED  \] [0-9]* test(s)' "$log" &&
		    ! grep -q '^\[  FAILED  \] [0-9]* test(s)' "$log"; then
			echo "FAIL $name (exit $rc, no cmocka summary line)"
			f=$((f + 1))
		elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
			# Crashed or timed out after (some) groups passed.
			echo "FAIL $name (exit $rc after $p passing test(s))"
			f=1
		fi
		passed=$((passed + p))
		failed=$((failed + f))
	done
fi

if [ "$run_integration" = 1 ]; then
	for t in "$root"/tests/integration/t-*.sh; do
		[ -f "$t" ] || continue
		name=$(basename "$t" .sh)
		if [ -n "${TESTS-}" ]; then
			case " $TESTS " in
			*" $name "*) ;;
			*) continue ;;
			esac
		fi
		log=$work/$name.log
		start=$(date +%s)
		if [ -n "$VG" ]; then
			(cd "$root" && BUILD=$work/vgbin \
			    TOKENGUARD=$work/vgbin/tokenguard \
			    with_timeout "${TEST_TIMEOUT:-300}" \
			    sh "$t" </dev/null >"$log" 2>&1)
			rc=$?
			if ! vg_errors >>"$log" && [ "$rc" = 0 ]; then
				echo "memcheck found errors (above)" >>"$log"
				rc=99
			fi
		else
			(cd "$root" && with_timeout "${TEST_TIMEOUT:-300}" \
			    sh "$t" </dev/null >"$log" 2>&1)
			rc=$?
		fi
		secs=$(($(date +%s) - start))
		if [ "$rc" = 0 ]; then
			echo "ok $name (${secs}s)"
			passed=$((passed + 1))
			# Scripts explain skipped sub-cases on "note:" lines.
			grep '^note:' "$log" | sed 's/^/    /'
		elif [ "$rc" = 77 ]; then
			why=$(sed -n 's/^SKIP: //p' "$log" | tail -n 1)
			echo "SKIP $name (${why:-no reason given}, ${secs}s)"
			skipped=$((skipped + 1))
		else
			if [ "$rc" = 124 ]; then
				why="timed out after ${TEST_TIMEOUT:-300}s"
			else
				why="exit $rc"
			fi
			echo "FAIL $name ($why, ${secs}s)"
			tail -n 40 "$log" | sed 's/^/    | /'
			failed=$((failed + 1))
		fi
	done
fi

if [ "$skipped" = 0 ]; then
	echo "$passed passed, $failed failed"
else
	echo "$passed passed, $failed failed, $skipped skipped"
fi
[ "$failed" = 0 ]
