#!/bin/sh
# t-precommit-onerror: trouble blocks the commit with a clear message
# (exit 2) unless tokenguard.onError = allow, which lets it through with
# a warning: a corrupt index (git itself refuses one before running the
# hook, so the hook is run as git runs it, with GIT_INDEX_FILE), a bad
# setting, outside a repository, and an installed hook whose binary is
# gone. Indexes the reader does not know are listed by git instead: a
# split index and a sparse index still block a token.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/githelpers.sh"

tok=$(gen_token 401) || fail "gen_token"

new_repo repo
install_hook
printf 'a\n' >a
git_quiet add a
commit_ok -m base

# A corrupt index.
printf 'DIRC\000\000\000\002this is not an index, whatever it says' >bad-index
assert_status 2 env GIT_INDEX_FILE=bad-index "$HOOK"
assert_contains "$ERR" "cannot read the index"
assert_contains "$ERR" "bad-index"
assert_contains "$ERR" "the commit is blocked"
assert_contains "$ERR" "tokenguard.onError = allow"
head -c 100 .git/index >short-index
assert_status 2 env GIT_INDEX_FILE=short-index "$HOOK"
assert_contains "$ERR" "cannot read the index"
git config tokenguard.onError allow
assert_status 0 env GIT_INDEX_FILE=bad-index "$HOOK"
assert_contains "$ERR" "warning: "
assert_contains "$ERR" "not checked, committing anyway (tokenguard.onError = allow)"
# onError never lets a finding through.
token_blocked t.env "NPM_TOKEN=$tok" "allow errors, not tokens"
git_quiet rm -q --cached t.env
git config --unset tokenguard.onError

# A bad setting is trouble too, and names the key.
git config tokenguard.onSkip sometimes
printf 'b\n' >b
git_quiet add b
commit_blocked -m "bad setting"
assert_contains "$ERR" "tokenguard.onSkip"
assert_contains "$ERR" "the commit is blocked"
git config tokenguard.onError allow
commit_warned -m "bad setting, allowed"
assert_contains "$ERR" "tokenguard.onSkip"
git config --unset tokenguard.onError
git config --unset tokenguard.onSkip

# Outside a repository.
mkdir "$scratch/plain"
assert_status 2 sh -c 'cd "$1" && exec "$2"' sh "$scratch/plain" "$HOOK"
assert_contains "$ERR" "not in a git repository"
assert_contains "$ERR" "the commit is blocked"

# The installed hook when tokenguard-pre-commit is gone.
if command -v tokenguard-pre-commit >/dev/null 2>&1; then
	note "tokenguard-pre-commit is in PATH: skipping the missing-binary case"
else
	mkdir "$scratch/bin"
	cp "$TOKENGUARD" "$scratch/bin/tokenguard"
	assert_status 0 "$scratch/bin/tokenguard" install
	assert_contains "$OUT" "pre-commit: updated"
	assert_contains "$OUT" "look for tokenguard-pre-commit in PATH"
	printf 'c\n' >c
	git_quiet add c
	commit_blocked -m "no binary"
	assert_contains "$ERR" "tokenguard-pre-commit not found"
	assert_contains "$ERR" "git commit --no-verify"
	git config tokenguard.onError allow
	commit_warned -m "no binary, allowed"
	assert_contains "$ERR" "not checked"
	git config --unset tokenguard.onError
	# Found in PATH again.
	mkdir "$scratch/path"
	ln -s "$HOOK" "$scratch/path/tokenguard-pre-commit"
	printf 'k=%s\n' "$tok" >k
	git_quiet add k
	PATH=$scratch/path:$PATH commit_blocked -m "binary from PATH"
	assert_finding "$ERR" k 1 npm-token
	git_quiet rm -q --cached k
	install_hook
fi

# A split index: git lists the staged blobs, the hook scans them.
git config core.splitIndex true
git_quiet update-index --split-index
ls .git/sharedindex.* >/dev/null 2>&1 || fail "no split index"
token_blocked split.txt "split=$tok" "split index"
git_quiet rm -q --cached split.txt
rm split.txt
printf 'fine\n' >fine.txt
git_quiet add fine.txt
commit_ok -m "split index, clean"
git config --unset core.splitIndex
git_quiet update-index --no-split-index

# A sparse index, outside and inside the cone.
mkdir -p in out/deep
printf '1\n' >in/1
printf '2\n' >out/deep/2
git_quiet add in out
commit_ok -m "for the cone"
git_quiet sparse-checkout init --cone --sparse-index
git_quiet sparse-checkout set in
token_blocked in/t "sparse=$tok" "sparse index"
git_quiet rm -q --cached in/t
printf 'ok\n' >in/ok
git_quiet add in/ok
commit_ok -m "sparse index, clean"
