# tests/integration/serverhelpers.sh: real git servers on 127.0.0.1 for
# the pre-receive scenarios (t-prereceive-daemon-user.sh, -http.sh,
# -gitolite.sh). Source lib.sh and recvhelpers.sh first, then this file.
# The servers run as root drops them to a user, as in the field, so the
# scenarios need root; elsewhere they say so and pass (note).
#
#	need_root                 exit 0 with a note unless root
#	need_cmd CMD PACKAGE      exit 0 with a note unless CMD is there
#	test_user                 make sure the system user tokenguard-test
#	                          exists (created once, shell /bin/sh, no
#	                          password, key logins allowed); sets TUSER
#	                          and TGROUP
#	as_user CMD...            run CMD as $TUSER (runuser) with root's
#	                          HOME, as sudo may leave it
#	open_scratch              let $TUSER reach the scratch directory
#	serve_bg NAME CMD...      start CMD in the background, stopped (and
#	                          its output shown on failure) when the test
#	                          ends; its output goes to $scratch/NAME.log
#	audit_records FILE        the audit records of FILE as
#	                          "event pusher pusher_from repository", one
#	                          a line
#	server_pushes URL FILE TOKEN
#	                          what every server scenario checks first,
#	                          from a new work tree $scratch/w: a clean
#	                          push to URL's main is accepted, tokenguard
#	                          silent; a commit of FILE holding TOKEN (an
#	                          .npmrc line) is rejected, naming it
#	bypass_recorded URL REASON PUSHER LOG RECORD TOKEN
#	                          a push with -o tokenguard.bypass=REASON is
#	                          accepted, naming PUSHER; the records of the
#	                          audit log LOG (audit_records) are RECORD; LOG
#	                          is 0600, owned by $TUSER, without TOKEN
#	bypass_unrecordable URL GITDIR FILE TOKEN [CMD...]
#	                          GITDIR's tokenguard.auditLog is set (by CMD
#	                          git config..., e.g. as the account) to a file
#	                          in $scratch/rootonly, which the account cannot
#	                          write; a commit of FILE holding TOKEN pushed
#	                          with a bypass is rejected, saying the bypass
#	                          cannot be recorded, and no log appears there
#
# The user is never removed: other scenarios may use it at the same time,
# and making it again is a no-op.

need_root()
{
	if [ "$(id -u)" != 0 ]; then
		note "not root: the servers cannot switch users; skipped"
		exit 0
	fi
}

need_cmd()
{
	if ! command -v "$1" >/dev/null 2>&1; then
		note "$1 is missing (apt-get install $2, or ./install.sh" \
		    "--deps-only); skipped"
		exit 0
	fi
}

TUSER=tokenguard-test
TGROUP=tokenguard-test
test_user()
{
	if ! getent passwd "$TUSER" >/dev/null; then
		# Another scenario may be making it at the same moment.
		useradd --system --user-group --no-create-home \
		    --home-dir /nonexistent --shell /bin/sh "$TUSER" \
		    >/dev/null 2>&1 || getent passwd "$TUSER" >/dev/null ||
			fail "useradd $TUSER"
	fi
	# "*": no password, yet not locked ("!"), which sshd refuses.
	if [ "$(getent shadow "$TUSER" | cut -d: -f2)" != '*' ]; then
		usermod -p '*' "$TUSER" >/dev/null 2>&1 || fail "usermod $TUSER"
	fi
	TGROUP=$(id -gn "$TUSER") || fail "id $TUSER"
}

as_user()
{
	runuser -u "$TUSER" -- env HOME=/root "$@"
}

open_scratch()
{
	chmod 755 "$scratch" || fail "chmod $scratch"
}

_served=
_serve_stop()
{
	for _p in $_served; do
		kill "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
	_served=
	_lib_cleanup
}

serve_bg()
{
	_name=$1
	shift
	"$@" >"$scratch/$_name.log" 2>&1 &
	_served="$_served $!"
	trap _serve_stop EXIT
	SERVED_PID=$!
}

audit_records()
{
	python3 - "$1" <<'PY' || fail "reading the audit log $1"
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    print(r["event"], r["pusher"], r["pusher_from"], r["repository"])
PY
}

server_pushes()
{
	new_work_pushed "$scratch/w" "$1"
	assert_not_contains "$ERR" "tokenguard"
	add_commit "$2" "//registry.npmjs.org/:_authToken=$3
" "token"
	push_rejected "$1" main
	assert_contains "$ERR" "remote: tokenguard-pre-receive: push rejected: 1 secret"
	assert_recv_finding "$ERR" refs/heads/main "$2" 1 npm-token
}

bypass_recorded()
{
	push_ok "$1" -o "tokenguard.bypass=$2" main
	assert_contains "$ERR" "bypass requested by '$3'"
	[ "$(audit_records "$4")" = "$5" ] ||
		fail "audit records: $(audit_records "$4"), want: $5"
	[ "$(stat -c '%a %U' "$4")" = "600 $TUSER" ] ||
		fail "audit log mode and owner: $(stat -c '%a %U' "$4")"
	assert_no_secret "$6" "$4"
}

bypass_unrecordable()
{
	_url=$1
	_gitdir=$2
	_file=$3
	_tok=$4
	shift 4
	_log=$scratch/rootonly/audit.jsonl
	mkdir -p "$scratch/rootonly" || fail "mkdir $scratch/rootonly"
	"$@" git --git-dir="$_gitdir" config tokenguard.auditLog "$_log" ||
		fail "git config tokenguard.auditLog"
	add_commit "$_file" "NPM_TOKEN=$_tok
" "token again"
	push_rejected "$_url" -o "tokenguard.bypass=again" main
	assert_contains "$ERR" "the bypass is refused: it cannot be recorded: audit log '$_log': Permission denied"
	[ ! -e "$_log" ] || fail "an audit log appeared in $scratch/rootonly"
}
