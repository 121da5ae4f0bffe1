#!/bin/sh
# t-adv-unreadable: what t-unreadable leaves out, run as nobody (setpriv:
# the tests run as root, who reads anything). Directories named as
# arguments that cannot be listed (--x) or whose entries cannot be
# opened (r--): each failure named, the other arguments still scanned
# (an allow file there that cannot be read used to abort the whole scan
# before it started), exit 2. The hooks with objects they cannot read:
# the pre-commit hook blocks the commit and the pre-receive hook rejects
# the push (exit 2), naming the object, never passing it as clean;
# tokenguard.onError = allow lets them through with a warning.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/advhelpers.sh"
. "$TESTS_DIR/githelpers.sh"

adv_nobody || exit 0
if [ -z "$NOBODY" ]; then
	note "not root: running as $(id -un)"
fi

tok=$(gen_token 3501) || fail "gen_token"
tok2=$(gen_token 3502) || fail "gen_token"
tok3=$(gen_token 3503) || fail "gen_token"

mkdir -p nox noread open
printf 'NPM_TOKEN=%s\n' "$tok" >nox/in.env
printf 'NPM_TOKEN=%s\n' "$tok2" >noread/in.env
printf 'NPM_TOKEN=%s\n' "$tok3" >open/ok.env
chmod 644 nox/in.env noread/in.env open/ok.env
chmod 755 open
chmod 0111 nox
chmod 0444 noread
if $NOBODY cat noread/in.env >/dev/null 2>&1; then
	note "permissions do not stop $(id -un) here: skipped"
	exit 0
fi

assert_status 2 $NOBODY "$TG_NOBODY" scan --format json nox noread \
    nox/in.env noread/in.env open
json_check "$OUT" "expect([('nox/in.env', 1, 'npm-token'),
    ('open/ok.env', 1, 'npm-token')])" || exit 1
assert_contains "$ERR" "tokenguard: nox: Permission denied"
assert_contains "$ERR" "tokenguard: noread/in.env: Permission denied"
assert_contains "$ERR" "noread/.tokenguard-allow: warning: Permission denied"
assert_contains "$ERR" "2 findings in 2 files (2 files scanned, 3 errors)"
# An allow file the scan cannot read: named, the rest still scanned.
printf '%s\n' "$(sha256_of "$tok3")" >open/.tokenguard-allow
chmod 600 open/.tokenguard-allow
assert_status 2 $NOBODY "$TG_NOBODY" scan open
assert_contains "$OUT" "open/ok.env:1:11: npm-token: "
assert_contains "$ERR" "open/.tokenguard-allow: Permission denied"
chmod 644 open/.tokenguard-allow
assert_status 0 $NOBODY "$TG_NOBODY" scan open

# The pre-commit hook: the staged blob's object cannot be read.
new_repo "$scratch/repo"
printf 'NPM_TOKEN=%s\n' "$tok" >a.env
git add a.env || fail "git add"
blob=$(git rev-parse :a.env) || fail "rev-parse"
obj=.git/objects/$(echo "$blob" | cut -c1-2)/$(echo "$blob" | cut -c3-)
[ -f "$obj" ] || fail "no loose object $obj"
chmod -R a+rX "$scratch/repo"
chmod 000 "$obj"
assert_status 2 $NOBODY "$PRECOMMIT_NOBODY"
assert_contains "$ERR" "$blob"
assert_contains "$ERR" "the commit is blocked: the staged changes could not be checked"
git config tokenguard.onError allow
chmod a+r .git/config
assert_status 0 $NOBODY "$PRECOMMIT_NOBODY"
assert_contains "$ERR" "warning: "
assert_contains "$ERR" "committing anyway (tokenguard.onError = allow)"
git config --unset tokenguard.onError
# The whole object directory.
chmod 644 "$obj"
chmod 000 .git/objects
assert_status 2 $NOBODY "$PRECOMMIT_NOBODY"
assert_contains "$ERR" "the commit is blocked"
chmod 755 .git/objects
assert_status 1 $NOBODY "$PRECOMMIT_NOBODY"
assert_contains "$ERR" "commit blocked: 1 secret"

# The pre-receive hook, as git runs it in a bare repository: the new
# commit's blob cannot be read.
cd "$scratch" || fail "cd"
git init -q --bare srv.git || fail "git init"
git -C repo commit -q -m token || fail "commit"
git -C repo push -q "$scratch/srv.git" main:refs/heads/main ||
	fail "push"
git --git-dir=srv.git update-ref -d refs/heads/main
commit=$(git -C repo rev-parse HEAD) || fail "rev-parse"
chmod -R a+rX srv.git
zero=0000000000000000000000000000000000000000
printf '%s %s refs/heads/main\n' "$zero" "$commit" >updates
cd srv.git || fail "cd"
ADV_IN=$scratch/updates
assert_status 1 $NOBODY "$PRERECEIVE_NOBODY" <"$ADV_IN"
assert_contains "$ERR" "push rejected: 1 secret"
pack=
for p in objects/pack/*.pack; do
	[ -f "$p" ] && pack=$p
done
if [ -n "$pack" ]; then
	chmod 000 "$pack"
else
	chmod 000 "objects/$(echo "$blob" | cut -c1-2)/$(echo "$blob" | cut -c3-)"
fi
assert_status 2 $NOBODY "$PRERECEIVE_NOBODY" <"$ADV_IN"
assert_contains "$ERR" "the push is rejected: what it adds could not be checked"
git config tokenguard.onError allow
chmod a+r config
assert_status 0 $NOBODY "$PRERECEIVE_NOBODY" <"$ADV_IN"
assert_contains "$ERR" "accepted anyway (tokenguard.onError = allow)"
assert_no_secret "$tok" "$OUT" "$ERR"
