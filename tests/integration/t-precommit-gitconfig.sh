#!/bin/sh
# t-precommit-gitconfig: the hook and the scan read the configuration git
# reads: 'git -c' (GIT_CONFIG_PARAMETERS), GIT_CONFIG_COUNT/KEY_n/VALUE_n,
# GIT_CONFIG_GLOBAL, the worktree's config.worktree; a value that is set
# but malformed blocks (it is never taken as unset); an unset HOME is no
# trouble.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/githelpers.sh"

tok=$(gen_token 1201) || fail "gen_token"
fp=$(sha256_of "$tok")

new_repo repo
install_hook
printf 'hello\n' >README
git_quiet add README
commit_ok -m clean

token_blocked .npmrc "//registry.npmjs.org/:_authToken=$tok" "leak"

# git -c reaches the hook through GIT_CONFIG_PARAMETERS.
assert_status 1 git -c tokenguard.allow=sha256:0000 commit -q -m leak
assert_contains "$ERR" "config 'tokenguard.allow': bad fingerprint"
assert_status 0 git -c tokenguard.allow="$fp" commit -q -m allowed-by-c
git_quiet reset -q --soft HEAD~1
# A malformed value set with -c blocks, naming the key.
assert_status 1 git -c tokenguard.maxFileSize=lots commit -q -m bad
assert_contains "$ERR" "tokenguard.maxFileSize"
assert_contains "$ERR" "commit is blocked"

# GIT_CONFIG_COUNT (git --config-env and scripts use it).
GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=tokenguard.allow GIT_CONFIG_VALUE_0=$fp \
    assert_status 0 git commit -q -m allowed-by-count
git_quiet reset -q --soft HEAD~1
# git refuses to start with a broken one; so does the hook run by hand.
GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=tokenguard.allow \
    assert_status 2 "$HOOK"
assert_contains "$ERR" "missing config value GIT_CONFIG_VALUE_0"

# GIT_CONFIG_GLOBAL: that file alone is the global level.
printf '[tokenguard]\n\tallow = %s\n' "$fp" >"$scratch/other-global"
GIT_CONFIG_GLOBAL=$scratch/other-global \
    assert_status 0 git commit -q -m allowed-by-global
git_quiet reset -q --soft HEAD~1
commit_blocked -m "~/.gitconfig does not allow it"

# The worktree's config.worktree, with extensions.worktreeConfig.
git_quiet config extensions.worktreeConfig true
git_quiet config --worktree tokenguard.allow "$fp"
[ -f .git/config.worktree ] || fail "git wrote no .git/config.worktree"
assert_status 0 git commit -q -m allowed-by-worktree-config
git_quiet reset -q --soft HEAD~1
git_quiet config --worktree --unset tokenguard.allow
commit_blocked -m leak

# No HOME: git and the hook skip the global files; the commit is judged
# as usual, with a note.
(unset HOME GIT_CONFIG_GLOBAL XDG_CONFIG_HOME
    assert_status 1 git commit -q -m no-home) || exit 1
assert_contains "$ERR" "note: HOME is not set"
assert_finding "$ERR" .npmrc 1 npm-token

# A HOME the committer may not read: as another user (root only).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	mkdir -p "$scratch/roothome" || fail mkdir
	printf '[tokenguard]\n\tallow = %s\n' "$fp" >"$scratch/roothome/.gitconfig"
	chmod 700 "$scratch/roothome" || fail chmod
	chmod 755 "$scratch" || fail chmod
	git init -q "$scratch/other" || fail "git init"
	cp "$scratch/repo/.npmrc" "$scratch/other/" || fail cp
	(cd "$scratch/other" && "$TOKENGUARD" install >/dev/null &&
	    git add .npmrc) || fail "set-up"
	chown -R nobody "$scratch/other" || fail chown
	(cd "$scratch/other" &&
	    unset GIT_CONFIG_GLOBAL XDG_CONFIG_HOME &&
	    HOME=$scratch/roothome assert_status 1 setpriv --reuid=nobody \
	    --regid=nogroup --clear-groups git commit -q -m leak) || exit 1
	assert_contains "$ERR" "global config '$scratch/roothome/.gitconfig' skipped: Permission denied"
	assert_finding "$ERR" .npmrc 1 npm-token
	assert_not_contains "$ERR" "failed to stat"
else
	note "not root: the unreadable-HOME case is not run"
fi

# The scan command honours the same variables.
assert_status 1 "$TOKENGUARD" scan .npmrc
GIT_CONFIG_PARAMETERS="'tokenguard.allow'='$fp'" \
    assert_status 0 "$TOKENGUARD" scan .npmrc
GIT_CONFIG_PARAMETERS="'tokenguard.allow" \
    assert_status 2 "$TOKENGUARD" scan .npmrc
assert_contains "$ERR" "bogus format in GIT_CONFIG_PARAMETERS"
exit 0
