# tests/integration/lib.sh: shared set-up and helpers for the integration
# scenarios. Each t-*.sh sources it first:
#
#	. "$(dirname "$0")/lib.sh"
#
# It needs BUILD (the build directory; tests/run.sh sets it, or run one
# script alone with `BUILD=build/release sh tests/integration/t-x.sh`),
# makes a scratch directory (removed on exit) and cds into it, isolates
# HOME and git configuration, and closes stdin (so that nothing waits on
# a terminal). Helpers:
#
#	fail MESSAGE...            print "FAIL: MESSAGE" and exit 1
#	note MESSAGE...            print "note: MESSAGE" (run.sh shows these)
#	run_cmd CMD...             run CMD (an executable) under a timeout of
#	                           $CMD_TIMEOUT seconds (default 60), stdout
#	                           in $OUT, stderr in $ERR, exit status in
#	                           $STATUS; fails on a time-out, a sanitizer
#	                           report, or a token made by gen_token (or a
#	                           registered secret) in $OUT or $ERR
#	assert_status N CMD...     run_cmd CMD, and fail unless it exits N
#	assert_contains FILE TEXT  FILE holds the fixed string TEXT
#	assert_not_contains FILE TEXT
#	assert_lines N FILE        FILE has exactly N lines
#	assert_no_secret SECRET FILE...
#	                           SECRET (or any long part of it past what a
#	                           redaction may show) appears in no FILE
#	wait_for FILE [TEXT] [SECS] poll until FILE exists (and holds TEXT)
#	wait_until SECS CMD...     poll CMD (output dropped) every 0.05 s
#	                           until it succeeds; 1 when SECS pass first
#	gen_token SEED [PREFIX]    print a checksum-valid token (tokgen)
#	gen_broken SEED [PREFIX]   same shape, broken checksum
#	gen_tokens SEED N [PREFIX] N tokens, one a line (seeds SEED...)
#	register_secret VALUE...   have assert_status check for VALUE too
#	sha256_of VALUE            print "sha256:<hex>" of VALUE
#	json_check FILE PYCODE     run python3 PYCODE with the findings of
#	                           JSON-lines FILE in `f` (a list of dicts);
#	                           PYCODE raises or calls die(msg) to fail;
#	                           every record's keys and types are checked
#	                           first; expect([(path, line, rule), ...])
#	                           compares the findings with a list
#	TEXT_RE                    grep -E pattern of one text finding line
#	SAN_BUILD                  1 when the programs are built with
#	                           sanitizers (make SAN=1), else 0: heavy
#	                           scenarios scale down under them
#	need_built PROGRAM         exit 2 (FAIL) unless PROGRAM (a path in
#	                           $BUILD) is built; for the helper files
#	git_identity               the git configuration of the scenarios
#	                           that commit (~/.gitconfig): a user, main
#	                           as the default branch, no detached-HEAD
#	                           advice
#	new_repo DIR               git init DIR and cd into it
#	free_port                  print a free TCP port on 127.0.0.1 (free
#	                           now: a server that binds it may still
#	                           lose it to another program)
#
# Scripts are POSIX sh. Do not use `set -e`: the helpers exit on failure
# themselves. A helper that fails inside $(...) cannot stop the script, so
# check those with `|| fail ...`.

set -u

if [ -z "${BUILD-}" ]; then
	echo "FAIL: BUILD is not set (BUILD=build/DIR sh $0)" >&2
	exit 2
fi
BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || {
	echo "FAIL: build directory '$BUILD' does not exist" >&2
	exit 2
}
TOKENGUARD=${TOKENGUARD:-$BUILD/tokenguard}
TOKGEN=${TOKGEN:-$BUILD/tests/tokgen}
export BUILD TOKENGUARD TOKGEN
SAN_BUILD=0
if grep -q -a -e __asan_init "$TOKENGUARD" 2>/dev/null; then
	SAN_BUILD=1
fi
TESTS_DIR=$(cd "$(dirname "$0")" && pwd)

need_built()
{
	if [ ! -x "$1" ]; then
		echo "FAIL: $1 is not built (make BUILD=... programs" \
		    "$BUILD/tests/tokgen)" >&2
		exit 2
	fi
}
need_built "$TOKENGUARD"
need_built "$TOKGEN"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/tg-it.XXXXXX") || exit 2
_lib_cleanup()
{
	cd /
	# chmod 000 files and directories must go too.
	chmod -R u+rwx "$scratch" 2>/dev/null
	rm -rf "$scratch"
}
trap _lib_cleanup EXIT
trap 'exit 130' INT TERM HUP

# Isolation: no user git configuration, no system one for git(1), no
# inherited git environment, a predictable locale, nothing on stdin.
# (tokenguard honours GIT_CONFIG_NOSYSTEM as git does; libgit2 alone
# would still read /etc/gitconfig.)
HOME=$scratch/home
XDG_CONFIG_HOME=$HOME/.config
GIT_CONFIG_NOSYSTEM=1
GIT_CONFIG_GLOBAL=$HOME/.gitconfig
GIT_AUTHOR_NAME=tokenguard-test
GIT_AUTHOR_EMAIL=test@example.invalid
GIT_COMMITTER_NAME=tokenguard-test
GIT_COMMITTER_EMAIL=test@example.invalid
LC_ALL=C
# A sanitizer report gets a status of its own (run.sh sets this too).
case ${ASAN_OPTIONS-} in
*exitcode=*) ;;
*) ASAN_OPTIONS="exitcode=99${ASAN_OPTIONS:+:$ASAN_OPTIONS}" ;;
esac
case ${UBSAN_OPTIONS-} in
*exitcode=*) ;;
*) UBSAN_OPTIONS="halt_on_error=1:exitcode=99${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}" ;;
esac
export ASAN_OPTIONS UBSAN_OPTIONS
export HOME XDG_CONFIG_HOME GIT_CONFIG_NOSYSTEM GIT_CONFIG_GLOBAL \
    GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL \
    LC_ALL
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_COMMON_DIR \
    GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES \
    GIT_CONFIG GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT GIT_CEILING_DIRECTORIES
mkdir -p "$HOME" "$XDG_CONFIG_HOME" || exit 2
# libgit2 finds no repository above the scratch directory.
GIT_CEILING_DIRECTORIES=$(dirname "$scratch")
export GIT_CEILING_DIRECTORIES
exec </dev/null
cd "$scratch" || exit 2

OUT=$scratch/.out
ERR=$scratch/.err
STATUS=
_secrets=$scratch/.secrets
TEXT_RE='^.+:[0-9]+:[0-9]+: [A-Za-z0-9._-]+: .+ \[[^]]*\] sha256:[0-9a-f]{64}$'
: >"$_secrets"

fail()
{
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

note()
{
	printf 'note: %s\n' "$*"
}

# Prints the last lines of a file, indented, for failure messages, with
# any registered secret masked: a log must not hold one either.
_show()
{
	if [ -s "$2" ]; then
		printf '%s:\n' "$1" >&2
		tail -n 20 "$2" | awk -v pat="$_secrets" '
		BEGIN {
			while ((getline p < pat) > 0)
				if (p != "")
					secrets[p] = 1
		}
		{
			for (p in secrets)
				while ((i = index($0, p)) > 0)
					$0 = substr($0, 1, i - 1) "<SECRET>" \
					    substr($0, i + length(p))
			print "    " $0
		}' >&2
	else
		printf '%s: (empty)\n' "$1" >&2
	fi
}

_sanitizer_re='ERROR: [A-Za-z]*Sanitizer|runtime error: |^SUMMARY: [A-Za-z]*San'

run_cmd()
{
	timeout -k 5 "${CMD_TIMEOUT:-60}" "$@" >"$OUT" 2>"$ERR"
	STATUS=$?
	if [ "$STATUS" = 124 ] || [ "$STATUS" = 137 ]; then
		_show stdout "$OUT"
		_show stderr "$ERR"
		fail "timed out after ${CMD_TIMEOUT:-60}s: $*"
	fi
	# Under SAN=1, a sanitizer report fails the test whatever the status.
	if grep -q -E -e "$_sanitizer_re" "$ERR"; then
		_show stderr "$ERR"
		fail "sanitizer report (exit $STATUS): $*"
	fi
	_grep_secrets "$_secrets" "$OUT" "$ERR"
}

assert_status()
{
	_want=$1
	shift
	run_cmd "$@"
	if [ "$STATUS" != "$_want" ]; then
		_show stdout "$OUT"
		_show stderr "$ERR"
		fail "expected exit $_want, got $STATUS: $*"
	fi
}

assert_contains()
{
	if ! grep -F -q -e "$2" "$1"; then
		_show "$(basename "$1")" "$1"
		fail "${3:-expected '$2' in $(basename "$1")}"
	fi
}

assert_not_contains()
{
	if grep -F -q -e "$2" "$1"; then
		_show "$(basename "$1")" "$1"
		fail "${3:-did not expect '$2' in $(basename "$1")}"
	fi
}

assert_lines()
{
	_n=$(wc -l <"$2" | tr -d ' ')
	if [ "$_n" != "$1" ]; then
		_show "$(basename "$2")" "$2"
		fail "${3:-expected $1 line(s) in $(basename "$2"), got $_n}"
	fi
}

# A redaction may show the first 4 and the last 2 characters. Besides the
# whole secret, look for the 10-character pieces just past the first 4 and
# just before the last 2: any longer disclosure contains one of them.
# _pieces reads secrets on stdin and prints the fixed strings to look for.
_pieces()
{
	awk 'length($0) > 0 {
		print
		if (length($0) >= 24) {
			print substr($0, 5, 10)
			print substr($0, length($0) - 11, 10)
		}
	}'
}

# Fails if any line of the pattern file $1 occurs in one of the files.
_grep_secrets()
{
	_pat=$1
	shift
	[ -s "$_pat" ] || return 0
	for _f in "$@"; do
		[ -e "$_f" ] || fail "no file $_f"
		if grep -F -q -f "$_pat" "$_f"; then
			# Say where, without repeating the secret.
			grep -n -F -f "$_pat" "$_f" | cut -d: -f1 |
			    sed 's/^/    line /' >&2
			fail "a secret (or a long part of it) was printed in" \
			    "$(basename "$_f")"
		fi
	done
	return 0
}

assert_no_secret()
{
	[ -n "$1" ] || fail "assert_no_secret: empty secret"
	printf '%s\n' "$1" | _pieces >"$scratch/.one-secret"
	shift
	_grep_secrets "$scratch/.one-secret" "$@"
}

# Adds secrets (arguments) to those every assert_status checks for.
register_secret()
{
	printf '%s\n' "$@" | _pieces >>"$_secrets"
}

wait_for()
{
	_file=$1
	_text=${2-}
	_secs=${3:-10}
	_tries=$((_secs * 20))
	while [ "$_tries" -gt 0 ]; do
		if [ -e "$_file" ]; then
			if [ -z "$_text" ] || grep -F -q -e "$_text" "$_file"
			then
				return 0
			fi
		fi
		sleep 0.05
		_tries=$((_tries - 1))
	done
	fail "waited ${_secs}s for ${_text:+'$_text' in }$_file"
}

wait_until()
{
	_n=$(($1 * 20))
	shift
	while [ "$_n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
		_n=$((_n - 1))
	done
	return 1
}

# _gen TOKGEN-ARGS...: prints tokgen's tokens and registers them.
_gen()
{
	_o=$("$TOKGEN" "$@") || {
		echo "FAIL: tokgen $* failed" >&2
		return 1
	}
	if printf '%s\n' "$_o" | grep -v -x -q '[a-z]\{3\}_[A-Za-z0-9]\{36\}'
	then
		echo "FAIL: tokgen $* printed an unexpected token" >&2
		return 1
	fi
	printf '%s\n' "$_o" | _pieces >>"$_secrets"
	printf '%s\n' "$_o"
}

gen_token()
{
	_gen -p "${2:-npm_}" "$1"
}

gen_broken()
{
	_gen -b -p "${2:-npm_}" "$1"
}

gen_tokens()
{
	_gen -p "${3:-npm_}" "$1" "$2"
}

sha256_of()
{
	printf '%s' "$1" | sha256sum | sed 's/^\([0-9a-f]*\).*/sha256:\1/'
}

json_check()
{
	python3 - "$1" "$2" <<'EOF' || fail "json_check failed on $(basename "$1")"
import json, re, sys

def die(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)

path, code = sys.argv[1], sys.argv[2]
f = []
with open(path, "rb") as fh:
    data = fh.read()
if data and not data.endswith(b"\n"):
    die("JSON output does not end with a newline")
for n, raw in enumerate(data.split(b"\n")[:-1], 1):
    try:
        f.append(json.loads(raw.decode("utf-8")))
    except ValueError as ex:
        die("line %d of JSON output is not valid UTF-8 JSON: %s" % (n, ex))
# The keys of issue 2, and those later issues add.
KEYS = {"path", "line", "column", "rule", "description", "redacted",
        "fingerprint"}
LATER = {"commit", "ref", "preexisting", "path_base64",
         # scan --image
         "image", "image_format", "image_name", "layer", "layer_digest",
         "created_by", "config", "deleted_in_layer", "still_in_image"}
FP = re.compile(r"sha256:[0-9a-f]{64}\Z")
for n, d in enumerate(f, 1):
    if not isinstance(d, dict):
        die("line %d: not a JSON object" % n)
    if KEYS - set(d):
        die("line %d: missing keys %s" % (n, sorted(KEYS - set(d))))
    if set(d) - KEYS - LATER:
        die("line %d: unexpected keys %s" % (n, sorted(set(d) - KEYS - LATER)))
    for k in ("path", "rule", "description", "redacted", "fingerprint"):
        if not isinstance(d[k], str) or not d[k]:
            die("line %d: %s is not a non-empty string" % (n, k))
    for k in ("line", "column"):
        if type(d[k]) is not int or d[k] < 1:
            die("line %d: %s is not a positive integer" % (n, k))
    if not FP.match(d["fingerprint"]):
        die("line %d: bad fingerprint %r" % (n, d["fingerprint"]))
    if len(d["redacted"]) > 7:
        die("line %d: redacted value %r is longer than 4+1+2" %
            (n, d["redacted"]))

def triples():
    return sorted((d["path"], d["line"], d["rule"]) for d in f)

def expect(want):
    got = triples()
    want = sorted(want)
    if got != want:
        die("findings differ from expected:\n  missing: %r\n  extra:   %r"
            % (sorted(set(want) - set(got)), sorted(set(got) - set(want))))
exec(code)
EOF
}

git_identity()
{
	git config --global user.name tokenguard-test &&
	git config --global user.email test@example.invalid &&
	git config --global init.defaultBranch main &&
	git config --global advice.detachedHead false ||
		fail "git config --global"
}

free_port()
{
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

new_repo()
{
	git init -q "$1" || fail "git init $1"
	cd "$1" || fail "cd $1"
}
