# tests/integration/recvhelpers.sh: helpers for the pre-receive scenarios
# (t-prereceive-*.sh). Source lib.sh first, then this file:
#
#	. "$(dirname "$0")/lib.sh"
#	. "$TESTS_DIR/recvhelpers.sh"
#
#	RECV                    the hook binary, $BUILD/tokenguard-pre-receive
#	new_server DIR          a bare repository DIR (branch main) with the
#	                        hook as hooks/pre-receive; push options on
#	new_repo DIR            (lib.sh) git init DIR (branch main) and cd
#	                        into it
#	new_work_pushed DIR URL new_repo DIR, then a first commit (README.md,
#	                        "hello") pushed to URL's main: must succeed
#	add_commit FILE TEXT MESSAGE
#	                        write TEXT (printf %s) to FILE, commit it
#	push_ok ARGS...         `git push ARGS...` must succeed
#	push_rejected ARGS...   ... must fail, with the hook's rejection on
#	                        stderr ($ERR), and move no ref of the server
#	                        named by the first argument
#	refs_of GITDIR          the server's refs, one "id ref" a line
#	start_daemon BASEDIR    `git daemon --enable=receive-pack` on a free
#	                        127.0.0.1 port, exporting BASEDIR; sets
#	                        DAEMON_URL (git://127.0.0.1:PORT); stopped on
#	                        exit
#
# Every push goes through assert_status, so a generated token printed
# anywhere fails the test.

RECV=$BUILD/tokenguard-pre-receive
need_built "$RECV"
export RECV
git_identity
git config --global receive.advertisePushOptions true

new_server()
{
	git init -q --bare "$1" || fail "git init --bare $1"
	cp "$RECV" "$1/hooks/pre-receive" || fail "installing the hook"
}

new_work_pushed()
{
	new_repo "$1"
	add_commit README.md "hello
" "initial"
	push_ok "$2" main
}

add_commit()
{
	mkdir -p "$(dirname "$1")" || fail "mkdir for $1"
	printf '%s' "$2" >"$1" || fail "writing $1"
	git add -- "$1" >/dev/null 2>&1 || fail "git add $1"
	git commit -q -m "$3" >/dev/null 2>&1 || fail "git commit $3"
}

refs_of()
{
	git --git-dir="$1" for-each-ref --format='%(objectname) %(refname)'
}

push_ok()
{
	assert_status 0 git push "$@"
}

push_rejected()
{
	_srv=$1
	case $_srv in
	file://*) _srv=${_srv#file://} ;;
	esac
	_before=
	[ -d "$_srv" ] && _before=$(refs_of "$_srv")
	assert_status 1 git push "$@"
	assert_contains "$ERR" "pre-receive hook declined"
	if [ -d "$_srv" ] && [ "$(refs_of "$_srv")" != "$_before" ]; then
		fail "a rejected push moved a ref: git push $*"
	fi
}

# The hook's line for a finding: "    REF COMMIT PATH:LINE: RULE: ...".
assert_recv_finding()
{
	if ! grep -E -e "^remote: (GL-HOOK-ERR: )?    $2 [0-9a-f]{10} $3:$4: $5: .* \\[[^]]*\\]" \
	    "$1" >/dev/null; then
		_show "$(basename "$1")" "$1"
		fail "expected a finding '$2 COMMIT $3:$4: $5: ... [...]'"
	fi
}

_daemon_pid=
_daemon_stop()
{
	if [ -n "$_daemon_pid" ]; then
		kill "$_daemon_pid" 2>/dev/null
		wait "$_daemon_pid" 2>/dev/null
		_daemon_pid=
	fi
	_lib_cleanup
}

start_daemon()
{
	# A free port: bind port 0, read it back, let it go; git daemon
	# then binds it (a race with another program is retried).
	for _try in 1 2 3 4 5; do
		_port=$(free_port) || fail "no free port"
		[ -d "$1/ready.git" ] || git init -q --bare "$1/ready.git" ||
		    fail "git init $1/ready.git"
		: >"$scratch/.daemon.log"
		git daemon --listen=127.0.0.1 --port="$_port" --reuseaddr \
		    --export-all --enable=receive-pack --base-path="$1" \
		    --informative-errors --verbose "$1" \
		    2>"$scratch/.daemon.log" &
		_daemon_pid=$!
		trap _daemon_stop EXIT
		# Ready when it answers: ls-remote of an exported repository.
		_n=200
		while [ "$_n" -gt 0 ]; do
			if ! kill -0 "$_daemon_pid" 2>/dev/null; then
				break
			fi
			if git ls-remote "git://127.0.0.1:$_port/ready.git" \
			    >/dev/null 2>&1; then
				DAEMON_URL=git://127.0.0.1:$_port
				return 0
			fi
			sleep 0.05
			_n=$((_n - 1))
		done
		kill "$_daemon_pid" 2>/dev/null
		wait "$_daemon_pid" 2>/dev/null
		_daemon_pid=
	done
	_show daemon "$scratch/.daemon.log"
	fail "git daemon did not start"
}
