#!/bin/sh
# The pre-receive hook behind smart HTTP: lighttpd on 127.0.0.1 running
# git http-backend as a CGI, as tokenguard-test, with basic
# authentication. A CGI has no HOME. A token push is rejected with the
# message shown to the pusher, a clean push accepted, a bypass recorded
# with the authenticated user (REMOTE_USER) as the pusher; with
# tokenguard.auditLog = ~/... (no HOME to expand it) and with a log the
# account cannot write, the bypass is refused, saying why.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/recvhelpers.sh"
. "$TESTS_DIR/serverhelpers.sh"

need_root
need_cmd lighttpd lighttpd
test_user
open_scratch
backend=$(git --exec-path)/git-http-backend
[ -x "$backend" ] || fail "no $backend"

tok=$(gen_token 1321) || fail "gen_token"
repos=$scratch/repos
repo=$repos/repo.git
mkdir -p "$repos" "$scratch/www" && git init -q --bare "$repo" ||
	fail "git init"
for kv in http.receivepack=true receive.advertisePushOptions=true \
    tokenguard.allowBypass=true; do
	git --git-dir="$repo" config "${kv%%=*}" "${kv#*=}" || fail "git config"
done
chown -R "$TUSER:$TGROUP" "$repos" || fail "chown"
as_user "$TOKENGUARD" install --server "$repo" >"$scratch/install.out" 2>&1 ||
	{ _show install "$scratch/install.out"; fail "install"; }
printf 'alice:wonderland\n' >"$scratch/users" || fail "users"
chmod 644 "$scratch/users" || fail "chmod"

# lighttpd opens its error log as the account.
: >"$scratch/lighttpd.err" && chown "$TUSER" "$scratch/lighttpd.err" ||
	fail "lighttpd.err"
port=$(free_port) || fail "no free port"
cat >"$scratch/lighttpd.conf" <<EOF || fail "lighttpd.conf"
server.modules = ( "mod_auth", "mod_authn_file", "mod_alias", "mod_cgi",
    "mod_setenv" )
server.bind = "127.0.0.1"
server.port = $port
server.username = "$TUSER"
server.groupname = "$TGROUP"
server.document-root = "$scratch/www"
server.errorlog = "$scratch/lighttpd.err"
auth.backend = "plain"
auth.backend.plain.userfile = "$scratch/users"
auth.require = ( "/git/" => ( "method" => "basic", "realm" => "git",
    "require" => "valid-user" ) )
alias.url += ( "/git" => "$backend" )
\$HTTP["url"] =~ "^/git" {
	cgi.assign = ( "" => "" )
	setenv.add-environment = ( "GIT_PROJECT_ROOT" => "$repos",
	    "GIT_HTTP_EXPORT_ALL" => "" )
}
EOF
lighttpd -tt -f "$scratch/lighttpd.conf" >"$scratch/lighttpd.check" 2>&1 ||
	{ _show lighttpd "$scratch/lighttpd.check"; fail "lighttpd config"; }
serve_bg lighttpd lighttpd -D -f "$scratch/lighttpd.conf"
url=http://alice:wonderland@127.0.0.1:$port/git/repo.git
wait_until 10 git ls-remote "$url" || {
	_show lighttpd "$scratch/lighttpd.log"
	[ -f "$scratch/lighttpd.err" ] && _show errorlog "$scratch/lighttpd.err"
	fail "lighttpd did not start"
}
server_pushes "$url" .npmrc "$tok"
log=$repo/tokenguard-audit.jsonl
bypass_recorded "$url" "rotated already" alice "$log" \
    "bypass alice REMOTE_USER $repo" "$tok"

# "~/..." cannot be expanded without HOME: a bypass is refused, a clean
# push still accepted.
git --git-dir="$repo" config tokenguard.auditLog '~/tokenguard.jsonl' ||
	fail "git config"
add_commit ci/.env "NPM_TOKEN=$tok
" "token again"
push_rejected "$url" -o "tokenguard.bypass=again" main
assert_contains "$ERR" "the bypass is refused: it cannot be recorded"
assert_contains "$ERR" "'~' needs HOME, which is not set"
git reset -q --hard HEAD~1
add_commit notes.txt "notes
" "clean"
push_ok "$url" main

# A log the account cannot write.
bypass_unrecordable "$url" "$repo" ci/.env "$tok"
[ "$(wc -l <"$log")" -eq 1 ] || fail "a refused bypass was recorded"
exit 0
