#!/bin/sh
# The pre-receive hook under gitolite3 over OpenSSH on 127.0.0.1, keys
# made here. tokenguard is installed the supported way: into gitolite's
# hooks/common, linked into every repository by `gitolite setup
# --hooks-only` (a second run keeps it); installing into one of
# gitolite's repositories is refused, saying where instead. A token push
# is rejected with the message shown to the pusher, a clean push
# accepted, a bypass recorded with the gitolite user (GL_USER) and
# repository (GL_REPO), not the server's account; an audit log the
# account cannot write refuses the bypass.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/recvhelpers.sh"
. "$TESTS_DIR/serverhelpers.sh"

need_root
need_cmd gitolite gitolite3
need_cmd /usr/sbin/sshd openssh-server
test_user
open_scratch

tok=$(gen_token 1331) || fail "gen_token"
gl=$scratch/gl
mkdir -p "$gl/.ssh" || fail "mkdir"
for k in admin alice hostkey; do
	ssh-keygen -q -t ed25519 -N '' -C "$k" -f "$scratch/$k" ||
		fail "ssh-keygen $k"
done
cp "$scratch/admin.pub" "$gl/admin.pub" || fail "cp"
# The gitolite user's git config: push options, bypasses allowed.
cat >"$gl/.gitconfig" <<'EOF' || fail "gitconfig"
[receive]
	advertisePushOptions = true
[tokenguard]
	allowBypass = true
EOF
chown -R "$TUSER:$TGROUP" "$gl" || fail "chown"

# gl_run CMD...: run CMD as the gitolite user, as sshd would (HOME).
gl_run()
{
	runuser -u "$TUSER" -- env HOME="$gl" PATH="$PATH" "$@"
}
gl_run gitolite setup -pk "$gl/admin.pub" >"$scratch/setup.out" 2>&1 ||
	{ _show setup "$scratch/setup.out"; fail "gitolite setup"; }

[ -d /run/sshd ] || mkdir -p /run/sshd || fail "mkdir /run/sshd"
port=$(free_port) || fail "no free port"
cat >"$scratch/sshd_config" <<EOF || fail "sshd_config"
Port $port
ListenAddress 127.0.0.1
HostKey $scratch/hostkey
PidFile none
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AllowUsers $TUSER
StrictModes no
AuthorizedKeysFile $gl/.ssh/authorized_keys
SetEnv HOME=$gl
EOF
serve_bg sshd /usr/sbin/sshd -D -e -f "$scratch/sshd_config"

# ssh_as KEY: the ssh command of a client with that key.
ssh_as()
{
	echo "ssh -p $port -i $scratch/$1 -o IdentitiesOnly=yes" \
	    "-o BatchMode=yes -o StrictHostKeyChecking=no" \
	    "-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
}
GIT_SSH_COMMAND=$(ssh_as admin)
export GIT_SSH_COMMAND
wait_until 10 git ls-remote "$TUSER@127.0.0.1:gitolite-admin" || {
	_show sshd "$scratch/sshd.log"
	fail "sshd and gitolite do not answer"
}

# A repository for alice.
git clone -q "$TUSER@127.0.0.1:gitolite-admin" "$scratch/admin-wc" ||
	fail "clone gitolite-admin"
cd "$scratch/admin-wc" || fail "cd"
cp "$scratch/alice.pub" keydir/alice.pub || fail "cp"
printf '\nrepo app\n    RW+ = alice\n' >>conf/gitolite.conf || fail "conf"
git add -A && git commit -q -m "app for alice" || fail "commit"
push_ok origin HEAD:master
repo=$gl/repositories/app.git
[ -d "$repo" ] || fail "gitolite made no $repo"

# Not into a gitolite repository: told where instead.
assert_status 2 runuser -u "$TUSER" -- env HOME="$gl" "$TOKENGUARD" install \
    --server "$repo"
assert_contains "$ERR" "is a gitolite repository"
assert_contains "$ERR" "--server $gl/.gitolite/hooks/common, then gitolite setup --hooks-only"
# Into hooks/common, then linked; a second setup keeps it.
assert_status 0 runuser -u "$TUSER" -- env HOME="$gl" "$TOKENGUARD" install \
    --server "$gl/.gitolite/hooks/common"
assert_contains "$OUT" "gitolite setup --hooks-only"
for i in 1 2; do
	gl_run gitolite setup --hooks-only >"$scratch/setup.out" 2>&1 ||
		{ _show setup "$scratch/setup.out"; fail "setup --hooks-only"; }
done
[ "$(readlink "$repo/hooks/pre-receive")" = \
    "$gl/.gitolite/hooks/common/pre-receive" ] ||
	fail "the hook is not linked into $repo"

GIT_SSH_COMMAND=$(ssh_as alice)
url=$TUSER@127.0.0.1:app
server_pushes "$url" .npmrc "$tok"
bypass_recorded "$url" "revoked it" alice "$repo/tokenguard-audit.jsonl" \
    "bypass alice GL_USER app" "$tok"

# An audit log the account cannot write.
bypass_unrecordable "$url" "$repo" .env "$tok" gl_run
exit 0
