# tests/integration/watchlib.sh: helpers for the watcher's scenarios
# (t-watch-*.sh), sourced after lib.sh:
#
#	. "$(dirname "$0")/lib.sh"
#	. "$TESTS_DIR/watchlib.sh"
#
# Everything runs on 127.0.0.1. Background processes are killed on exit.
#
#	start_receiver DIR [ARG...]
#	                           receiver.py in DIR with a fresh whsec_
#	                           secret in DIR/secret (0600); sets RECV_URL
#	                           and RECV_PID; ARGs go to receiver.py
#	                           (--tls CERT KEY: RECV_URL is https://)
#	restart_receiver DIR [ARG...]
#	                           kills DIR's receiver (SIGKILL) and starts
#	                           another on the same port with the same
#	                           secret and records
#	recv_mode DIR TEXT         what the receiver answers from now on
#	                           (receiver.py's mode file)
#	watch_conf FILE ROOT...    a configuration for ROOTs delivering to
#	                           RECV_URL signed with the receiver's secret,
#	                           queue in $scratch/queue, metrics in
#	                           $scratch/metrics.prom, quick retries; add
#	                           keys with `git config -f FILE`
#	watch_tree [ARG...]        the usual scene: a receiver in
#	                           $scratch/recv (start_receiver, ARGs go to
#	                           it; R names the directory), the directory
#	                           $scratch/tree and $scratch/watch.conf
#	                           watching it (watch_conf)
#	start_watch FILE LOG       starts the watcher in the background with
#	                           stderr in LOG; waits for "ready"; sets
#	                           WATCH_PID
#	start_watch_nobody FILE LOG
#	                           start_watch as the user nobody (setpriv;
#	                           the caller is root): WATCH becomes a
#	                           wrapper, $scratch/nob-watch; checks that
#	                           the watcher runs as nobody
#	stop_watch                 SIGTERM, and expects exit 0 and a clean log
#	wait_queue_empty DIR [SECS]
#	                           waits until the queue directory DIR holds
#	                           no event (msg_*.json): all acknowledged
#	wait_grep FILE ERE [SECS]  waits until a line of FILE matches ERE
#	wait_count FILE TEXT N [SECS]
#	                           waits until N lines of FILE hold the fixed
#	                           string TEXT
#	wait_delivered DIR N [SECS]
#	                           waits until N distinct (path, fingerprint)
#	                           were answered 2xx
#	recv_check DIR PYCODE      python3 PYCODE with `reqs` (every request)
#	                           and `ok` (those answered 2xx); every
#	                           request's signature is checked first
#	assert_nowhere TOKEN       TOKEN is in no log (*.log), payload (recv*/,
#	                           *.jsonl), queue file (queue*/, dead letters
#	                           too) or metrics file (*.prom) of the
#	                           scratch directory
#	assert_tokens_nowhere      assert_nowhere for each token of
#	                           $scratch/tokens
#	tok N                      line N of $scratch/tokens (written by
#	                           gen_tokens SEED COUNT >tokens)
#	put_tokens N [FORMAT]      writes token I (NPM_TOKEN=...) for I = 1
#	                           to N to the file printf FORMAT I names
#	                           (default $scratch/tree/f%d.env)
#	PYTHON3                    the python3 interpreter itself (a version
#	                           manager's shim costs a second per start
#	                           on a loaded machine)

WATCH=${WATCH:-$BUILD/tokenguard-watch}
if [ ! -x "$WATCH" ]; then
	echo "FAIL: $WATCH is not built (make BUILD=... programs)" >&2
	exit 2
fi
# Loopback only: no proxy may get in the way.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY \
    no_proxy NO_PROXY NOTIFY_SOCKET

_watch_pids=
_watch_cleanup()
{
	for _p in $_watch_pids; do
		kill -CONT "$_p" 2>/dev/null
		kill -9 "$_p" 2>/dev/null
	done
}
trap '_watch_cleanup; _lib_cleanup' EXIT

# Registers a background process to be killed on exit.
watch_bg()
{
	_watch_pids="$_watch_pids $1"
}

PYTHON3=$(python3 -c 'import sys; print(sys.executable)') &&
    [ -x "$PYTHON3" ] || PYTHON3=python3

# _run_receiver DIR SCHEME ARG...: starts receiver.py, waits for its port.
_run_receiver()
{
	_rd=$1
	_scheme=$2
	shift 2
	rm -f "$_rd/port"
	"$PYTHON3" "$TESTS_DIR/receiver.py" "$@" "$_rd" "$_rd/secret" \
	    2>>"$_rd/receiver.err" &
	RECV_PID=$!
	watch_bg "$RECV_PID"
	printf '%s\n' "$RECV_PID" >"$_rd/pid"
	wait_for "$_rd/port" "" 20
	RECV_URL="$_scheme://127.0.0.1:$(cat "$_rd/port")/hook"
}

start_receiver()
{
	mkdir -p "$1" || fail "mkdir $1"
	(umask 077 && "$PYTHON3" -c 'import base64, os
print("whsec_" + base64.b64encode(os.urandom(32)).decode())' \
	    >"$1/secret") || fail "cannot make a secret"
	_d=$1
	shift
	_run_receiver "$_d" "$(_scheme "$@")" "$@"
}

# _scheme ARG...: the receiver's URL scheme for its ARGs.
_scheme()
{
	case " $* " in
	*" --tls "*) echo https ;;
	*) echo http ;;
	esac
}

restart_receiver()
{
	_d=$1
	shift
	_port=$(cat "$_d/port") || fail "no port file in $_d"
	kill -9 "$(cat "$_d/pid")" 2>/dev/null
	wait "$(cat "$_d/pid")" 2>/dev/null
	_run_receiver "$_d" "$(_scheme "$@")" --port "$_port" "$@"
}

recv_mode()
{
	printf '%s\n' "$2" >"$1/mode.tmp" && mv "$1/mode.tmp" "$1/mode" ||
	    fail "cannot set the receiver's mode"
	rm -f "$1/mode.used"
}

watch_conf()
{
	_conf=$1
	shift
	: >"$_conf"
	for _root in "$@"; do
		git config -f "$_conf" --add watch.path "$_root" ||
		    fail "git config"
	done
	git config -f "$_conf" webhook.url "$RECV_URL" &&
	git config -f "$_conf" webhook.secretFile "$scratch/recv/secret" &&
	git config -f "$_conf" queue.dir "$scratch/queue" &&
	git config -f "$_conf" metrics.file "$scratch/metrics.prom" &&
	git config -f "$_conf" webhook.retryBase 50ms &&
	git config -f "$_conf" webhook.retryMax 500ms &&
	git config -f "$_conf" watch.settleTime 300ms ||
	    fail "git config"
}

watch_tree()
{
	R=$scratch/recv
	start_receiver "$R" "$@"
	mkdir -p "$scratch/tree" || fail "mkdir $scratch/tree"
	watch_conf "$scratch/watch.conf" "$scratch/tree"
}

start_watch()
{
	WATCH_LOG=$2
	"$WATCH" -c "$1" 2>>"$WATCH_LOG" &
	WATCH_PID=$!
	watch_bg "$WATCH_PID"
	_tries=600
	while ! grep -q ': ready: ' "$WATCH_LOG" 2>/dev/null; do
		if ! kill -0 "$WATCH_PID" 2>/dev/null; then
			_show log "$WATCH_LOG"
			fail "the watcher exited before it was ready"
		fi
		_tries=$((_tries - 1))
		[ "$_tries" -gt 0 ] || fail "the watcher was not ready in 60s"
		sleep 0.1
	done
}

start_watch_nobody()
{
	printf '#!/bin/sh\nexec setpriv --reuid=nobody --regid=nogroup %s %s "$@"\n' \
	    --clear-groups "$WATCH" >"$scratch/nob-watch" &&
	    chmod 0755 "$scratch/nob-watch" || fail "writing $scratch/nob-watch"
	WATCH=$scratch/nob-watch
	start_watch "$@"
	[ "$(awk '/^Uid:/ { print $2 }' "/proc/$WATCH_PID/status")" = \
	    "$(id -u nobody)" ] || fail "the watcher does not run as nobody"
}

# Fails on a sanitizer report in a log.
check_log()
{
	if grep -q -E -e "$_sanitizer_re" "$1"; then
		_show log "$1"
		fail "sanitizer report in $(basename "$1")"
	fi
}

stop_watch()
{
	kill -TERM "$WATCH_PID" 2>/dev/null
	wait "$WATCH_PID"
	_st=$?
	check_log "$WATCH_LOG"
	if [ "$_st" != 0 ]; then
		_show log "$WATCH_LOG"
		fail "the watcher exited $_st on SIGTERM"
	fi
	assert_contains "$WATCH_LOG" "stopped;"
}

# _waited FILE WHAT: the failure of a wait for WHAT in FILE.
_waited()
{
	[ -e "$1" ] && _show "$(basename "$1")" "$1"
	fail "waited for $2 in $(basename "$1")"
}

wait_grep()
{
	wait_until "${3:-10}" grep -q -E -e "$2" "$1" || _waited "$1" "/$2/"
}

# _has_lines FILE TEXT N: N lines or more of FILE hold TEXT.
_has_lines()
{
	[ "$(grep -c -F -e "$2" "$1" 2>/dev/null)" -ge "$3" ]
}

wait_count()
{
	wait_until "${4:-10}" _has_lines "$1" "$2" "$3" ||
		_waited "$1" "$3 lines with '$2'"
}

# Python with the receiver's records loaded; used by the helpers below.
_recv_py()
{
	"$PYTHON3" - "$@" <<'EOF'
import json, os, sys, time

def load(d):
    reqs = []
    try:
        with open(os.path.join(d, "requests.jsonl")) as fh:
            for line in fh:
                # The receiver may be writing the last line right now.
                if line.endswith("\n"):
                    reqs.append(json.loads(line))
    except FileNotFoundError:
        pass
    return reqs

def die(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)

def key(r):
    b = r["body"]
    if isinstance(b, list):		# alertmanager
        return (b[0]["labels"]["path"], b[0]["labels"]["fingerprint"])
    if isinstance(b, dict) and "fingerprint" in b:
        return (b["path"], b["fingerprint"])
    return (r["raw"], "")

cmd, d = sys.argv[1], sys.argv[2]
if cmd == "wait":
    want, secs = int(sys.argv[3]), float(sys.argv[4])
    end = time.time() + secs
    while True:
        got = {key(r) for r in load(d) if 200 <= r["status"] < 300}
        if len(got) >= want:
            sys.exit(0)
        if time.time() > end:
            die("waited %gs for %d deliveries, got %d" % (secs, want,
                len(got)))
        time.sleep(0.1)
elif cmd == "check":
    reqs = load(d)
    for n, r in enumerate(reqs, 1):
        if not r["sig_ok"]:
            die("request %d: bad signature (%r)" % (n, r["signature"]))
        if r["content_type"] != "application/json":
            die("request %d: content type %r" % (n, r["content_type"]))
        if not r["id"] or not r["id"].startswith("msg_"):
            die("request %d: webhook-id %r" % (n, r["id"]))
    ok = [r for r in reqs if 200 <= r["status"] < 300]
    exec(sys.argv[3])
EOF
}

wait_delivered()
{
	_recv_py wait "$1" "$2" "${3:-30}" || {
		_show log "$WATCH_LOG"
		fail "deliveries missing"
	}
}

recv_check()
{
	_recv_py check "$1" "$2" || fail "receiver check failed"
}

assert_nowhere()
{
	# Every log, payload, queue (and dead letter) and metrics file.
	_files=$(find "$scratch" -type f \( -name '*.log' -o -name '*.prom' \
	    -o -name '*.jsonl' -o -path "$scratch/queue*" \
	    -o -path "$scratch/recv*" -o -path "$scratch/am/*" \) \
	    ! -name secret -print) || fail "find"
	[ -n "$_files" ] || fail "assert_nowhere: no files to look at"
	# shellcheck disable=SC2086
	assert_no_secret "$1" $_files
}

assert_tokens_nowhere()
{
	[ -s "$scratch/tokens" ] || fail "no tokens in $scratch/tokens"
	while read -r _tok; do
		assert_nowhere "$_tok"
	done <"$scratch/tokens"
}

tok()
{
	sed -n "${1}p" "$scratch/tokens"
}

# _no_events DIR: the queue directory DIR holds no event.
_no_events()
{
	[ -z "$(find "$1" -maxdepth 1 -name 'msg_*.json')" ]
}

wait_queue_empty()
{
	wait_until "${2:-30}" _no_events "$1" ||
		fail "events left in the queue $1 after ${2:-30}s:" \
		    "$(find "$1" -maxdepth 1 -name 'msg_*.json' | wc -l)"
}

put_tokens()
{
	_i=1
	while [ "$_i" -le "$1" ]; do
		# shellcheck disable=SC2059
		_f=$(printf "${2:-$scratch/tree/f%d.env}" "$_i")
		printf 'NPM_TOKEN=%s\n' "$(tok "$_i")" >"$_f" ||
			fail "writing $_f"
		_i=$((_i + 1))
	done
}
