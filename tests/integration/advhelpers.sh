# tests/integration/advhelpers.sh: helpers for the adversarial-input
# scenarios (t-adv-*.sh). Source lib.sh first, then this file:
#
#	. "$(dirname "$0")/lib.sh"
#	. "$TESTS_DIR/advhelpers.sh"
#
#	adv_tmpfs DIR SIZE [INODES]
#	                        makes DIR a tmpfs of SIZE (mount(8) syntax,
#	                        e.g. 1200m) with INODES inodes, unmounted on
#	                        exit, so that a big input costs no disk
#	                        writes and goes away at once; where mount is
#	                        not allowed, DIR is a plain directory of the
#	                        scratch tree (slower, same results); sets
#	                        ADV_TMPFS to 1 or 0
#	adv_nobody              sets NOBODY to the command prefix that runs
#	                        a program as the user nobody (setpriv), and
#	                        copies tokenguard and the hooks to
#	                        $scratch/bin where nobody can run them
#	                        (TG_NOBODY, PRECOMMIT_NOBODY,
#	                        PRERECEIVE_NOBODY); NOBODY is empty when the
#	                        tests do not run as root, and the function
#	                        returns 1 (with a note) when root cannot
#	                        switch users
#	$ADV_MAXRSS OUT CMD...   runs CMD, writes "maxrss KB" (its peak memory)
#	                        to OUT, exits with CMD's status
#	closed_pipe OUTFD CMD...
#	                        runs CMD with its file descriptor OUTFD (1 or
#	                        2; the other goes to $OUT or $ERR) writing
#	                        into a pipe whose reading end is already
#	                        closed, stdin from $ADV_STDIN (default
#	                        /dev/null), under $CMD_TIMEOUT; $STATUS is
#	                        its exit status, or 128+N when signal N
#	                        killed it; fails on a time-out, a sanitizer
#	                        report or a secret printed, as run_cmd does

# The python3 in PATH may be a version manager's shim (pyenv's starts a
# bash and pyenv itself, a second or more on a busy machine): run the
# interpreter it picks directly, here and in lib.sh's helpers.
_adv_py=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
if [ -n "$_adv_py" ] && [ -x "$_adv_py" ]; then
	python3()
	{
		"$_adv_py" "$@"
	}
fi

# $ADV_MAXRSS OUT CMD...: runs CMD and writes "maxrss KB" (its peak
# resident memory) to OUT, as /usr/bin/time -f 'maxrss %M' -o OUT
# would without the time package; exits with CMD's status. A program,
# so that timeout(1) and git hooks can run it.
ADV_MAXRSS=$scratch/.maxrss
{
	printf '#!%s\n' "${_adv_py:-/usr/bin/env python3}"
	cat <<'PY'
import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as f:
    f.write("maxrss %d\n" %
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc if rc >= 0 else 128 - rc)
PY
} >"$ADV_MAXRSS" && chmod 755 "$ADV_MAXRSS" || fail "writing $ADV_MAXRSS"

_adv_mounts=

_adv_cleanup()
{
	cd /
	for _m in $_adv_mounts; do
		umount "$_m" 2>/dev/null || umount -l "$_m" 2>/dev/null
	done
	_adv_mounts=
	_lib_cleanup
}
trap _adv_cleanup EXIT

adv_tmpfs()
{
	mkdir -p "$1" || fail "mkdir $1"
	ADV_TMPFS=0
	if [ "$(id -u)" = 0 ] && mount -t tmpfs \
	    -o "size=$2,nr_inodes=${3:-10000},mode=0755" tg-adv "$1" \
	    2>/dev/null; then
		_adv_mounts="$1 $_adv_mounts"
		ADV_TMPFS=1
	fi
}

adv_nobody()
{
	NOBODY=
	TG_NOBODY=$TOKENGUARD
	PRECOMMIT_NOBODY=$BUILD/tokenguard-pre-commit
	PRERECEIVE_NOBODY=$BUILD/tokenguard-pre-receive
	[ "$(id -u)" = 0 ] || return 0
	if ! command -v setpriv >/dev/null 2>&1; then
		note "running as root without setpriv: unreadable cases skipped"
		return 1
	fi
	chmod 755 "$scratch" "$HOME" || fail "chmod scratch"
	mkdir -p "$scratch/bin" || fail "mkdir bin"
	cp "$TOKENGUARD" "$BUILD/tokenguard-pre-commit" \
	    "$BUILD/tokenguard-pre-receive" "$scratch/bin/" ||
		fail "copying the programs"
	chmod 755 "$scratch/bin" "$scratch/bin/"* || fail "chmod bin"
	TG_NOBODY=$scratch/bin/tokenguard
	PRECOMMIT_NOBODY=$scratch/bin/tokenguard-pre-commit
	PRERECEIVE_NOBODY=$scratch/bin/tokenguard-pre-receive
	NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
	if ! $NOBODY true 2>/dev/null; then
		note "setpriv cannot switch to nobody: unreadable cases skipped"
		return 1
	fi
	return 0
}

closed_pipe_run()
{
	_fd=$1
	shift
	python3 - "$_fd" "$OUT" "$ERR" "${CMD_TIMEOUT:-60}" \
	    "${ADV_STDIN:-/dev/null}" "$@" <<'PY'
import os, subprocess, sys
fd, out, err, secs, stdin = sys.argv[1:6]
cmd = sys.argv[6:]
r, w = os.pipe()
os.close(r)                     # nobody will ever read it
o = open(out, "wb")
e = open(err, "wb")
i = open(stdin, "rb")
kw = {"stdout": w, "stderr": e} if fd == "1" else {"stdout": o, "stderr": w}
try:
    # restore_signals: the child gets SIGPIPE's default action, as from
    # a shell; it must decide itself to ignore it.
    p = subprocess.run(cmd, stdin=i, timeout=float(secs), **kw)
    rc = p.returncode
except subprocess.TimeoutExpired:
    rc = 124
print(128 - rc if rc < 0 else rc)
PY
}

# closed_pipe_run prints the status: wrap it to set STATUS.
closed_pipe()
{
	STATUS=$(closed_pipe_run "$@") || fail "closed_pipe_run failed"
	[ "$STATUS" != 124 ] || fail "timed out with a closed pipe: $*"
	if grep -q -E -e "$_sanitizer_re" "$ERR" "$OUT" 2>/dev/null; then
		_show stderr "$ERR"
		fail "sanitizer report (exit $STATUS): $*"
	fi
	_grep_secrets "$_secrets" "$OUT" "$ERR"
}
