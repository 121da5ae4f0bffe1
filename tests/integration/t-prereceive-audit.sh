#!/bin/sh
# The pre-receive hook's audit log never fails open: with no
# tokenguard.auditLog, bypasses and honoured inline markers go to
# tokenguard-audit.jsonl in the git directory (0600); the pusher is the
# one the server names (gitolite, GitLab, GitHub Enterprise, Gitea,
# Bitbucket, HTTP authentication), not the server's account, and the
# repository is the server's name for it. A log that cannot be written,
# or "~/..." with no HOME (a CGI), refuses the bypass and the marker but
# not a clean push. Also the output: a push rejected for a finding with
# onTimeout = allow does not say "accepted anyway", and bytes 0x80 to
# 0x9f of a file name that is not UTF-8 reach the pusher escaped.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/recvhelpers.sh"

tok=$(gen_token 1301) || fail "gen_token"
tok2=$(gen_token 1302) || fail "gen_token"
srv=$scratch/srv.git
deflog=$srv/tokenguard-audit.jsonl
new_server "$srv"
git --git-dir="$srv" config tokenguard.allowBypass true
new_work_pushed "$scratch/w" "file://$srv"
[ ! -e "$deflog" ] || fail "a clean push wrote an audit record"

# hook_env VAR=VALUE...: the server's hook runs with these set (and, for
# "-u VAR", unset), as a git server would run it.
hook_env()
{
	{
		printf '#!/bin/sh\nexec env'
		for _a in "$@"; do
			printf " '%s'" "$_a"
		done
		printf ' "%s"\n' "$RECV"
	} >"$srv/hooks/pre-receive" || fail "writing the hook"
	chmod +x "$srv/hooks/pre-receive" || fail "chmod"
}

# last_record FIELD...: print the last audit record's FIELDs, one a line.
last_record()
{
	python3 - "$deflog" "$@" <<'PY' || fail "reading $deflog"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
for k in sys.argv[2:]:
    print(recs[-1][k])
PY
}

audit_pushers()
{
	python3 -c 'import json, sys
for l in open(sys.argv[1]):
    print(json.loads(l)["pusher"])' "$1" 2>/dev/null
}

# Each server's pusher and repository variables; the bypassed commit is
# reset away so that the next one is new again.
n=0
for spec in \
    "GL_USER=alice GL_REPO=team/app|alice|GL_USER|team/app" \
    "GL_USERNAME=bob GL_PROJECT_PATH=grp/proj|bob|GL_USERNAME|grp/proj" \
    "GITHUB_USER_LOGIN=carol GITHUB_REPO_NAME=org/r|carol|GITHUB_USER_LOGIN|org/r" \
    "GITEA_PUSHER_NAME=dave GITEA_REPO_USER_NAME=own GITEA_REPO_NAME=rep|dave|GITEA_PUSHER_NAME|own/rep" \
    "BB_USER_NAME=erin BB_PROJECT_KEY=PK BB_REPO_SLUG=slug|erin|BB_USER_NAME|PK/slug" \
    "REMOTE_USER=frank|frank|REMOTE_USER|$srv"
do
	n=$((n + 1))
	vars=${spec%%|*}
	rest=${spec#*|}
	who=${rest%%|*}
	rest=${rest#*|}
	from=${rest%%|*}
	repo=${rest#*|}
	# shellcheck disable=SC2086
	hook_env $vars
	add_commit "t$n.env" "NPM_TOKEN=$tok
" "token $n"
	push_ok "file://$srv" -o "tokenguard.bypass=case $n" main
	assert_contains "$ERR" "bypass requested by '$who'"
	assert_contains "$ERR" "(recorded in the audit log)"
	got=$(last_record event pusher pusher_from repository reason path |
	    tr '\n' '|') || fail "audit record"
	want="bypass|$who|$from|$repo|case $n|t$n.env|"
	[ "$got" = "$want" ] ||
		fail "audit record: got '$got', want '$want'"
done
[ "$(wc -l <"$deflog")" -eq "$n" ] || fail "expected $n audit records"
assert_no_secret "$tok" "$deflog"
# The default log is the repository user's alone.
[ "$(stat -c %a "$deflog")" = 600 ] || fail "audit log mode $(stat -c %a "$deflog")"

# No server variable: the operating system's account, said to be that.
hook_env -u GL_USER
add_commit os.env "NPM_TOKEN=$tok
" "os user"
push_ok "file://$srv" -o "tokenguard.bypass=os" main
[ "$(last_record pusher_from)" = os-user ] || fail "pusher_from"
[ "$(last_record pusher)" = "$(id -un)" ] || fail "os pusher"

# An inline marker honoured is recorded in the default log too.
add_commit ci.yml "NPM_TOKEN: $tok2 # tokenguard:allow
" "inline"
push_ok "file://$srv" main
[ "$(last_record event)" = inline-allow ] || fail "inline marker not audited"

# "~/..." is the HOME of the hook's environment, as in git.
git --git-dir="$srv" config tokenguard.auditLog '~/audit.jsonl'
mkdir "$scratch/h" || fail "mkdir"
hook_env HOME="$scratch/h" GL_USER=alice
add_commit home1.env "NPM_TOKEN=$tok
" "home"
push_ok "file://$srv" -o "tokenguard.bypass=home" main
[ "$(audit_pushers "$scratch/h/audit.jsonl")" = alice ] ||
	fail "no record in ~/audit.jsonl"

# "~/..." with no HOME (git http-backend under a CGI server): a clean
# push goes in, a bypass is refused and says why, nothing is written.
git --git-dir="$srv" config tokenguard.auditLog '~/audit.jsonl'
hook_env -u HOME GL_USER=alice
add_commit clean.txt "clean
" "clean"
push_ok "file://$srv" main
add_commit home.env "NPM_TOKEN=$tok
" "no home"
push_rejected "file://$srv" -o "tokenguard.bypass=no home" main
assert_contains "$ERR" "the bypass is refused: it cannot be recorded"
assert_contains "$ERR" "'~' needs HOME, which is not set"
assert_recv_finding "$ERR" refs/heads/main home.env 1 npm-token
# onError = allow changes nothing: this is no error of the scan.
git --git-dir="$srv" config tokenguard.onError allow
push_rejected "file://$srv" -o "tokenguard.bypass=no home" main
git --git-dir="$srv" config --unset tokenguard.onError
git reset -q --hard HEAD~1

# A log that cannot be written: the bypass is refused, the marker is not
# honoured (its finding blocks), a clean push is accepted.
mkdir "$scratch/ro" || fail "mkdir"
git --git-dir="$srv" config tokenguard.auditLog "$scratch/ro/audit.jsonl"
if [ "$(id -u)" = 0 ]; then
	# root writes anywhere: a directory in the path's place fails for all.
	mkdir "$scratch/ro/audit.jsonl" || fail "mkdir"
else
	chmod 555 "$scratch/ro" || fail "chmod"
fi
hook_env GL_USER=alice
add_commit ro.env "NPM_TOKEN=$tok
" "unwritable"
push_rejected "file://$srv" -o "tokenguard.bypass=unwritable" main
assert_contains "$ERR" "the bypass is refused: it cannot be recorded: audit log '$scratch/ro/audit.jsonl'"
git reset -q --hard HEAD~1
add_commit ci2.yml "NPM_TOKEN: $tok2 # tokenguard:allow
" "inline, unwritable"
push_rejected "file://$srv" main
assert_contains "$ERR" "tokenguard:allow markers are not honoured: they cannot be recorded"
assert_recv_finding "$ERR" refs/heads/main ci2.yml 1 npm-token
git reset -q --hard HEAD~1
push_ok "file://$srv" main
git --git-dir="$srv" config --unset tokenguard.auditLog

# A finding with the time budget spent and onTimeout = allow: rejected,
# and nothing says "accepted anyway". The budget runs out in the files
# after the token: a server rule that backtracks catastrophically costs
# the PCRE2 match limit on each of their lines.
git --git-dir="$srv" config rule.slow.pattern '^(a+)+$'
git --git-dir="$srv" config rule.slow.keyword aaaa
git checkout -q -b slow main || fail "checkout"
add_commit a.env "NPM_TOKEN=$tok2
" "token first"
i=0
while [ "$i" -lt 40 ]; do
	i=$((i + 1))
	python3 -c 'import sys
print(("a" * 30 + "!\n") * 16 + sys.argv[1], end="")' "$i" >"s$i.txt" ||
		fail "python3"
done
git add . && git commit -q -m "slow files" || fail "commit"
git --git-dir="$srv" config tokenguard.timeout 300ms
git --git-dir="$srv" config tokenguard.onTimeout allow
git --git-dir="$srv" config tokenguard.allowBypass false
push_rejected "file://$srv" slow
assert_recv_finding "$ERR" refs/heads/slow a.env 1 npm-token
assert_contains "$ERR" "was spent after 1 of 2 new commits"
assert_contains "$ERR" "the rest of this push was not checked"
assert_not_contains "$ERR" "accepted anyway"
git --git-dir="$srv" config --unset tokenguard.timeout
git --git-dir="$srv" config --remove-section rule.slow
git checkout -q main || fail "checkout"

# A file name that is not UTF-8, holding C1 bytes (0x9b is a CSI on
# terminals that take 8-bit controls): escaped in the pusher's output.
name=$(printf 'x\233[2J\205\351.env')
printf 'NPM_TOKEN=%s\n' "$tok" >"$name" || fail "writing the file"
git add . && git commit -q -m "c1 name" || fail "commit"
push_rejected "file://$srv" main
assert_contains "$ERR" 'x\x9b[2J\x85'
if LC_ALL=C grep -q "$(printf '\233')" "$ERR"; then
	fail "a raw 0x9b byte reached the pusher"
fi
exit 0
