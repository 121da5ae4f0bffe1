#!/bin/sh
# t-precommit-chain: `tokenguard install` next to hooks that are already
# there. An existing pre-commit is kept and runs after tokenguard's
# check, with the same arguments and standard input, and only when the
# check passes; installing twice changes nothing; --uninstall restores
# exactly what was there; --force replaces (and keeps) a foreign hook;
# core.hooksPath is honoured; pre-merge-commit guards merge commits;
# --global installs into a global hooks directory that still runs each
# repository's own hook. A chained hook runs under its own name: one
# that dispatches on basename "$0" and sources files next to it (as
# husky's do) works as before.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/githelpers.sh"

tok=$(gen_token 391) || fail "gen_token"

# Prints a listing of a hooks directory: names, modes and checksums.
snapshot()
{
	(cd "$1" && for f in $(ls -A | sort); do
		printf '%s %s %s\n' "$f" "$(stat -c %a "$f")" \
		    "$(sha256sum <"$f" | cut -c1-16)"
	done)
}

new_repo repo
rm -f .git/hooks/*.sample
cat >.git/hooks/pre-commit <<'HOOK'
#!/bin/sh
echo "old pre-commit ran with $# args" >>old-hook.log
exit 0
HOOK
chmod 755 .git/hooks/pre-commit
before=$(snapshot .git/hooks)

install_hook
assert_contains "$OUT" "pre-commit: the existing hook now runs after tokenguard's check"
[ -x .git/hooks/pre-commit.tokenguard-chained ] || fail "no chained hook"
after=$(snapshot .git/hooks)

# Idempotent.
install_hook
assert_contains "$OUT" "pre-commit: already installed"
assert_contains "$OUT" "pre-merge-commit: already installed"
[ "$(snapshot .git/hooks)" = "$after" ] || fail "a second install changed the hooks"

# Clean: ours passes, then the old hook runs.
printf 'a\n' >a
git_quiet add a
commit_ok -m clean
assert_contains old-hook.log "old pre-commit ran with 0 args"
# A token: blocked by ours, the old hook does not run.
: >old-hook.log
printf 'NPM_TOKEN=%s\n' "$tok" >.env
git_quiet add .env
commit_blocked -m leak
[ ! -s old-hook.log ] || fail "the chained hook ran after a block"
# The chained hook's own verdict counts too.
printf '#!/bin/sh\necho chained says no >&2\nexit 3\n' \
    >.git/hooks/pre-commit.tokenguard-chained
git_quiet rm -q --cached .env
rm .env
printf 'b\n' >b
git_quiet add b
commit_blocked -m "the chained hook refuses"
assert_contains "$ERR" "chained says no"
cat >.git/hooks/pre-commit.tokenguard-chained <<'HOOK'
#!/bin/sh
echo "old pre-commit ran with $# args" >>old-hook.log
exit 0
HOOK

# Uninstall restores exactly what was there.
assert_status 0 "$TOKENGUARD" install --uninstall
assert_contains "$OUT" "pre-commit: restored the previous hook"
[ "$(snapshot .git/hooks)" = "$before" ] || fail "uninstall did not restore the hooks"
assert_status 0 "$TOKENGUARD" install --uninstall
[ "$(snapshot .git/hooks)" = "$before" ] || fail "a second uninstall changed something"

# --force replaces the foreign hook (kept aside, not run) ...
install_hook --force
assert_contains "$OUT" "pre-commit: replaced the existing hook"
[ -f .git/hooks/pre-commit.tokenguard-saved ] || fail "no saved hook"
: >old-hook.log
commit_ok -m "forced"
[ ! -s old-hook.log ] || fail "the replaced hook still ran"
# ... and uninstall puts it back.
assert_status 0 "$TOKENGUARD" install --uninstall
[ "$(snapshot .git/hooks)" = "$before" ] || fail "uninstall after --force"

# A hook that is not ours is left alone by --uninstall.
assert_status 0 "$TOKENGUARD" install --uninstall
assert_contains "$OUT" "not tokenguard's hook, left alone"

# pre-merge-commit: a merge that brings a token in is blocked.
install_hook
git_quiet checkout -q -b topic
printf 'registry=x\n//r/:_authToken=%s\n' "$tok" >.npmrc
git_quiet add .npmrc
assert_status 0 git commit -q --no-verify -m "topic leak"
git_quiet checkout -q main
printf 'c\n' >c
git_quiet add c
commit_ok -m "main moves on"
# The token is in the other parent already: pre-existing, not blocking.
assert_status 0 git merge -q --no-edit topic
assert_contains "$ERR" "tokenguard-pre-commit: warning: 1 secret already committed before"
assert_finding "$ERR" .npmrc 2 npm-token
git_quiet reset -q --hard HEAD~1
git config tokenguard.blockPreexisting true
_before=$(head_id)
assert_status 1 git merge -q --no-edit topic
assert_finding "$ERR" .npmrc 2 npm-token
[ "$(head_id)" = "$_before" ] || fail "the merge commit was made"
git merge --abort 2>/dev/null
# A merge that adds a new token of its own is blocked either way.
git config --unset tokenguard.blockPreexisting
printf 'merge-fix=%s\n' "$(gen_token 392)" >m.txt
git_quiet merge -q --no-commit topic
git_quiet add m.txt
commit_blocked -m "merge with a new token"
assert_finding "$ERR" m.txt 1 npm-token
git merge --abort 2>/dev/null
rm -f m.txt
git config --unset tokenguard.blockPreexisting

# core.hooksPath (relative to the top of the work tree) is honoured.
cd "$scratch" || fail "cd"
new_repo hp
git config core.hooksPath .githooks
mkdir sub
cd sub || fail "cd"
install_hook
assert_contains "$OUT" "$scratch/hp/.githooks/pre-commit"
cd .. || fail "cd"
[ -x .githooks/pre-commit ] || fail "not installed in core.hooksPath"
printf 'k=%s\n' "$tok" >k
git_quiet add k
commit_blocked -m "hooksPath"

# --global: a hooks directory for every repository, set as the user's
# core.hooksPath; a repository's own hook still runs after the check.
cd "$scratch" || fail "cd"
assert_status 0 "$TOKENGUARD" install --global
gdir=$XDG_CONFIG_HOME/tokenguard/hooks
assert_contains "$OUT" "set core.hooksPath = $gdir"
[ "$(git config --global core.hooksPath)" = "$gdir" ] || fail "core.hooksPath not set"
[ -x "$gdir/pre-commit" ] || fail "no global pre-commit"
assert_status 0 "$TOKENGUARD" install --global
assert_contains "$OUT" "pre-commit: already installed"
new_repo g
printf '#!/bin/sh\necho own hook ran >&2\n' >.git/hooks/pre-commit
chmod +x .git/hooks/pre-commit
printf 'g\n' >g
git_quiet add g
commit_warned -m "global, clean"
assert_contains "$ERR" "own hook ran"
printf 'g=%s\n' "$tok" >g
git_quiet add g
commit_blocked -m "global, leak"
assert_not_contains "$ERR" "own hook ran"
cd "$scratch" || fail "cd"
assert_status 0 "$TOKENGUARD" install --global --uninstall
assert_contains "$OUT" "unset core.hooksPath"
git config --global core.hooksPath >/dev/null && fail "core.hooksPath still set"
[ ! -e "$gdir" ] || fail "$gdir is still there"

# A dispatcher: it acts on its own name and reads a file next to it.
new_repo dispatch
cat >.git/hooks/pre-commit <<'HOOK'
#!/bin/sh -e
. "$(dirname "$0")/dispatch.sh"
echo "dispatched $(basename "$0") args=$#" >&2
HOOK
printf 'echo "dispatch.sh read" >&2\n' >.git/hooks/dispatch.sh
chmod +x .git/hooks/pre-commit
install_hook
printf 'd\n' >d
git_quiet add d
commit_warned -m "dispatcher"
assert_contains "$ERR" "dispatch.sh read"
assert_contains "$ERR" "dispatched pre-commit args=0"
printf 'd=%s\n' "$tok" >d
git_quiet add d
commit_blocked -m "dispatcher, leak"
assert_not_contains "$ERR" "dispatched"
