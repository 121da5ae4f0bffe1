#!/bin/sh
# install.sh --hook-server PATH installs the pre-receive hook (through
# tokenguard install --server) after installing the programs, and says
# which kind of server PATH is: a bare repository (hooks/pre-receive;
# a push with a token is rejected, a clean one accepted), a GitLab
# repository (gitlab.fullpath in its config: custom_hooks/pre-receive.d),
# a Gitea one (hooks/pre-receive.d), GitLab's server-wide custom hooks
# directory. Run as root on the repository of another account, it
# installs as that account. Installing twice changes nothing;
# --uninstall --hook-server removes the hook.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/recvhelpers.sh"
. "$TESTS_DIR/installlib.sh"

prefix=$scratch/prefix
srv=$scratch/srv.git
git init -q --bare "$srv" || fail "init"
install_ok --no-deps --prefix "$prefix" --hook-server "$srv"
assert_installed "$prefix"
assert_contains "$IOUT" "$srv: a repository"
[ -x "$srv/hooks/pre-receive" ] || fail "no hooks/pre-receive"
assert_contains "$srv/hooks/pre-receive" "$prefix/bin/tokenguard-pre-receive"

tok=$(gen_token 5150) || fail "gen_token"
new_work_pushed "$scratch/w" "file://$srv"
add_commit .npmrc "//registry.npmjs.org/:_authToken=$tok
" "token"
push_rejected "file://$srv" main
assert_recv_finding "$ERR" refs/heads/main .npmrc 1 npm-token
cd "$scratch" || fail "cd"

install_ok --no-deps --prefix "$prefix" --hook-server "$srv"
assert_contains "$IOUT" "already installed"
[ ! -e "$srv/hooks/pre-receive.tokenguard-chained" ] ||
    fail "the second run chained its own hook"

# GitLab: a repository with gitlab.fullpath in its config.
gl=$scratch/gitlab/@hashed/ab/cd/abcd.git
git init -q --bare "$gl" &&
    git config -f "$gl/config" gitlab.fullpath group/project || fail "init"
install_ok --no-deps --prefix "$prefix" --hook-server "$gl"
assert_contains "$IOUT" "a GitLab repository"
[ -x "$gl/custom_hooks/pre-receive.d/tokenguard" ] || fail "gitlab hook"
[ ! -e "$gl/hooks/pre-receive" ] || fail "gitlab: hooks/pre-receive"
# GitLab's server-wide directory (gitaly custom_hooks_dir).
install_ok --no-deps --prefix "$prefix" \
    --hook-server "$scratch/gitlab-hooks/pre-receive.d"
[ -x "$scratch/gitlab-hooks/pre-receive.d/tokenguard" ] ||
    fail "server-wide hook"
# Gitea: hooks/pre-receive.d.
gt=$scratch/gitea/user/repo.git
git init -q --bare "$gt" && mkdir -p "$gt/hooks/pre-receive.d" ||
    fail "init"
install_ok --no-deps --prefix "$prefix" --hook-server "$gt"
assert_contains "$IOUT" "a Gitea or Forgejo repository"
[ -x "$gt/hooks/pre-receive.d/tokenguard" ] || fail "gitea hook"
[ ! -e "$gt/hooks/pre-receive" ] || fail "gitea: hooks/pre-receive"

# Run as root on the repository of a server's account: installed as that
# account (the installer refuses root there), its files the account's.
if [ "$(id -u)" = 0 ]; then
	. "$TESTS_DIR/serverhelpers.sh"
	test_user
	open_scratch
	gu=$scratch/gitlab-user/@hashed/ef/01/ef01.git
	git init -q --bare "$gu" &&
	    git config -f "$gu/config" gitlab.fullpath group/other &&
	    chown -R "$TUSER:$TGROUP" "$scratch/gitlab-user" || fail "init"
	install_ok --no-deps --prefix "$prefix" --hook-server "$gu"
	[ "$(stat -c %U "$gu/custom_hooks/pre-receive.d/tokenguard")" = \
	    "$TUSER" ] || fail "the hook is not the account's"
	assert_status 2 "$prefix/bin/tokenguard" install --server "$gu"
	assert_contains "$ERR" "belongs to '$TUSER', not to 'root'"
else
	note "not root: installing as a repository's owner not tried"
fi

# Not a repository: exit 1, nothing written.
run_install --no-deps --prefix "$prefix" --hook-server "$scratch/nothing"
[ "$STATUS" = 1 ] || fail "no such directory: exit $STATUS"
mkdir "$scratch/plain-dir"
run_install --no-deps --prefix "$prefix" --hook-server "$scratch/plain-dir"
[ "$STATUS" = 1 ] || fail "not a repository: exit $STATUS"
assert_contains "$IERR" "not a git repository"

# --uninstall --hook-server: the hook goes with the programs.
install_ok --uninstall --prefix "$prefix" --hook-server "$srv"
[ ! -e "$srv/hooks/pre-receive" ] || fail "the hook is still there"
assert_not_installed "$prefix"
exit 0
