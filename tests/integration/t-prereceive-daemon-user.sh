#!/bin/sh
# The pre-receive hook behind `git daemon --user` as git-daemon(1) shows
# it: started by root, which keeps HOME=/root (0700) for the hooks the
# daemon runs as another user. git skips /root/.gitconfig there, and so
# must the hook: it used to reject every push, clean ones too ("cannot
# open the git repository"). Installed by the repository's owner (root
# is told whose repository it is); a token push is rejected with the
# message shown to the pusher, a clean push accepted, a bypass recorded
# in the default audit log (the daemon knows no pusher: the account),
# and an audit log the account cannot write refuses the bypass.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/recvhelpers.sh"
. "$TESTS_DIR/serverhelpers.sh"

need_root
test_user
open_scratch
[ "$(stat -c %a /root)" = 700 ] ||
	note "/root is not 0700 here: HOME=/root is readable, less of a test"

tok=$(gen_token 1311) || fail "gen_token"
base=$scratch/srv
repo=$base/repo.git
mkdir -p "$base" && git init -q --bare "$repo" || fail "git init"
git --git-dir="$repo" config receive.advertisePushOptions true &&
    git --git-dir="$repo" config tokenguard.allowBypass true ||
	fail "git config"
chown -R "$TUSER:$TGROUP" "$base" || fail "chown"

# root may not install into another user's repository: told why, and as
# whom to run it.
assert_status 2 "$TOKENGUARD" install --server "$repo"
assert_contains "$ERR" "belongs to '$TUSER'"
assert_contains "$ERR" "runuser -u $TUSER -- "
[ ! -e "$repo/hooks/pre-receive" ] || fail "root installed a hook anyway"
as_user "$TOKENGUARD" install --server "$repo" >"$scratch/install.out" 2>&1 ||
	{ _show install "$scratch/install.out"; fail "install as $TUSER"; }

port=$(free_port) || fail "no free port"
serve_bg daemon env -u GIT_CONFIG_GLOBAL -u XDG_CONFIG_HOME \
    -u GIT_CONFIG_NOSYSTEM HOME=/root git daemon --listen=127.0.0.1 \
    --port="$port" --reuseaddr --export-all --enable=receive-pack \
    --base-path="$base" --user="$TUSER" --group="$TGROUP" \
    --informative-errors "$base"
url=git://127.0.0.1:$port/repo.git
wait_until 10 git ls-remote "$url" ||
	{ _show daemon "$scratch/daemon.log"; fail "git daemon did not start"; }

server_pushes "$url" deploy/.npmrc "$tok"
bypass_recorded "$url" "test fixture" "$TUSER" "$repo/tokenguard-audit.jsonl" \
    "bypass $TUSER os-user $repo" "$tok"

# An audit log the account cannot write: the bypass is refused.
bypass_unrecordable "$url" "$repo" deploy/.env "$tok"
exit 0
