#!/bin/sh
# Secrets never leave: every program runs on inputs holding generated
# secrets of each family (npm and GitHub tokens, an _auth pair, a
# _password, a URL password, a tfstate JSON value), and no full secret
# (nor a long part of one) appears in any stdout or stderr, in the files
# written with --output, in the pre-receive audit log, in the watcher's
# log, queue, metrics and webhook payloads, or in /proc/PID/environ and
# /proc/PID/cmdline of a running scan, hook or watcher. Files the
# programs create for data are 0600 even under umask 000.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/githelpers.sh"
. "$TESTS_DIR/recvhelpers.sh"
. "$TESTS_DIR/watchlib.sh"

gen_tokens 7100 4 >tokens || fail "gen_tokens"
npm1=$(sed -n 1p tokens)
npm2=$(sed -n 2p tokens)
npm3=$(sed -n 3p tokens)
npm4=$(sed -n 4p tokens)
gh=$(gen_token 7105 ghp_) || fail "gen_token ghp_"
auth=$(printf 'ci-bot:%s' "$npm3" | base64 -w0) || fail "base64"
pass=$(printf '%s' "$npm4" | base64 -w0) || fail "base64"
urlpw=Zq8vR2nT5wX1kLp9
register_secret "$auth" "$pass" "$urlpw"

# One tree with every family, in the files where they turn up.
mkdir -p tree/env tree/infra || fail "mkdir"
cat >tree/.npmrc <<EOF || fail "write"
//registry.npmjs.org/:_authToken=$npm1
//npm.corp.internal/:_auth=$auth
//npm.corp.internal/:_password=$pass
EOF
printf 'FROM node:22\nENV NPM_TOKEN=%s\n' "$npm2" >tree/Dockerfile
printf 'github_token = "%s"\n' "$gh" >tree/infra/prod.tfvars
printf '{"outputs":{"npm":{"value":"%s"}}}\n' "$npm2" \
    >tree/infra/terraform.tfstate
printf 'registry=https://ci:%s@npm.corp.internal/\n' "$urlpw" >tree/env/url
secrets="$npm1 $npm2 $npm3 $npm4 $gh $auth $pass $urlpw"

# check_files FILE...: no secret in any FILE.
check_files()
{
	for s in $secrets; do
		assert_no_secret "$s" "$@"
	done
}

# check_proc PID WHAT: no secret in the process's environment or
# command line.
check_proc()
{
	cat "/proc/$1/environ" >"$scratch/environ.$2" 2>/dev/null ||
	    fail "$2: cannot read /proc/$1/environ"
	cat "/proc/$1/cmdline" >"$scratch/cmdline.$2" 2>/dev/null ||
	    fail "$2: cannot read /proc/$1/cmdline"
	check_files "$scratch/environ.$2" "$scratch/cmdline.$2"
}

umask 000

# The CLI, every format, to stdout and to --output files.
for fmt in text json sarif; do
	assert_status 1 "$TOKENGUARD" scan --format "$fmt" tree
	cp "$OUT" "out.$fmt" && cp "$ERR" "err.$fmt" || fail "cp"
	check_files "out.$fmt" "err.$fmt"
	n=$(grep -c . "out.$fmt")
	[ "$n" -gt 0 ] || fail "scan --format $fmt printed nothing"
done
assert_contains out.text "npm-token"
for fam in .npmrc Dockerfile prod.tfvars terraform.tfstate env/url; do
	assert_contains out.text "$fam"
done
if "$TOKENGUARD" scan --help 2>&1 | grep -q -e '--output'; then
	assert_status 1 "$TOKENGUARD" scan --format sarif --output \
	    "$scratch/report.sarif" tree
	check_files "$scratch/report.sarif"
	mode=$(stat -c %a "$scratch/report.sarif")
	[ "$mode" = 600 ] || fail "--output file mode $mode, want 600"
else
	note "scan has no --output option: reports go to stdout only"
fi

# A scan blocked on standard input (a FIFO nobody writes yet): its
# environment and command line hold nothing secret.
mkfifo fifo || fail "mkfifo"
"$TOKENGUARD" scan - <fifo >"$scratch/out.fifo" 2>"$scratch/err.fifo" &
scan_pid=$!
exec 7>fifo
printf 'NPM_TOKEN=%s\n' "$npm1" >&7
wait_for "/proc/$scan_pid/cmdline" "" 10
check_proc "$scan_pid" scan
exec 7>&-
wait "$scan_pid"
rc=$?
[ "$rc" = 1 ] || fail "scan - on a FIFO exited $rc, want 1"
check_files "$scratch/out.fifo" "$scratch/err.fifo"

# History: scan --git over commits that added and then removed them.
new_repo "$scratch/w"
cp -R "$scratch/tree/." . || fail "cp tree"
git_quiet add -A
git_quiet commit -q -m "secrets"
git_quiet rm -q -r infra env
git_quiet commit -q -m "removed"
for fmt in text json sarif; do
	assert_status 1 "$TOKENGUARD" scan --git --format "$fmt"
	check_files "$OUT" "$ERR"
done

# pre-commit: a blocked commit says where, never what.
new_repo "$scratch/c"
install_hook
cp -R "$scratch/tree/." . || fail "cp tree"
git_quiet add -A
assert_status 1 git commit -q -m "secrets"
check_files "$OUT" "$ERR"
assert_contains "$ERR" ".npmrc"

# pre-receive: a rejected push, then a bypassed one with the audit log,
# which is created 0600.
srv=$scratch/srv.git
audit=$scratch/audit/audit.jsonl
mkdir -p "$scratch/audit" || fail "mkdir"
new_server "$srv"
git --git-dir="$srv" config tokenguard.auditLog "$audit"
git --git-dir="$srv" config tokenguard.allowBypass true
new_work_pushed "$scratch/p" "file://$srv"
cp -R "$scratch/tree/." . || fail "cp tree"
git_quiet add -A
git_quiet commit -q -m "secrets"
push_rejected "file://$srv" main
check_files "$OUT" "$ERR"
push_ok "file://$srv" -o 'tokenguard.bypass=secrets test' main
check_files "$OUT" "$ERR" "$audit"
[ -s "$audit" ] || fail "the bypass was not audited"
mode=$(stat -c %a "$audit")
[ "$mode" = 600 ] || fail "audit log mode $mode, want 600"

# The hook itself while it runs: block it on a FIFO as standard input
# (the ref lines git would send) and look at its environment.
mkfifo "$scratch/refs" || fail "mkfifo"
(cd "$srv" && GIT_DIR=. exec "$RECV" <"$scratch/refs" \
    >"$scratch/out.recv" 2>"$scratch/err.recv") &
recv_pid=$!
exec 8>"$scratch/refs"
wait_for "/proc/$recv_pid/cmdline" "" 10
check_proc "$recv_pid" pre-receive
exec 8>&-
wait "$recv_pid"
check_files "$scratch/out.recv" "$scratch/err.recv"

# The watcher: the tree's findings reach the webhook redacted; nothing
# it writes holds a secret; its queue and files are private.
umask 000
start_receiver "$scratch/recv"
mkdir -p "$scratch/wt" || fail "mkdir"
watch_conf "$scratch/watch.conf" "$scratch/wt"
start_watch "$scratch/watch.conf" "$scratch/watch.log"
check_proc "$WATCH_PID" watch
cp -R "$scratch/tree/." "$scratch/wt/" || fail "cp tree"
wait_delivered "$scratch/recv" 5 60
stop_watch
for s in $secrets; do
	assert_nowhere "$s"
done
bad=$(find "$scratch/queue" \( -type f ! -perm 600 \) -o \
    \( -type d ! -perm 700 \) 2>/dev/null | head -n 5)
[ -z "$bad" ] || fail "watcher files not private: $bad"
check_files "$scratch/watch.log"
