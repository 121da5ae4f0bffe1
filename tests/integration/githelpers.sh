# tests/integration/githelpers.sh: helpers for the git hook scenarios
# (t-precommit-*.sh). Source lib.sh first, then this file:
#
#	. "$(dirname "$0")/lib.sh"
#	. "$TESTS_DIR/githelpers.sh"
#
#	HOOK                    the hook binary, $BUILD/tokenguard-pre-commit
#	new_repo DIR            (lib.sh) git init DIR (branch main) and cd
#	                        into it
#	install_hook [ARGS...]  `$TOKENGUARD install ARGS...` here; must work
#	commit_ok ARGS...       `git commit -q ARGS...` must succeed with
#	                        nothing on stderr (the hook is silent when
#	                        clean)
#	commit_warned ARGS...   ... must succeed; stderr is left in $ERR
#	commit_blocked ARGS...  ... must fail and leave HEAD where it was
#	token_blocked FILE LINE MESSAGE
#	                        writes LINE (a token's line) to FILE and
#	                        stages it; `git commit -m MESSAGE` must be
#	                        blocked (commit_blocked), naming an npm-token
#	                        on FILE's line 1 (assert_finding)
#	head_id                 HEAD's commit id, or "unborn"
#	assert_finding FILE PATH LINE RULE
#	                        FILE has the line "PATH:LINE: RULE: ... [...]"
#	                        (the hook's format, indented)
#	assert_advice FILE      FILE has the hook's advice block: removal,
#	                        revocation, allowlisting, --no-verify
#	git_quiet ARGS...       git ARGS... with its output dropped; fails
#	                        the test if git fails
#
# Every commit goes through assert_status, so a generated token printed
# anywhere fails the test.

HOOK=$BUILD/tokenguard-pre-commit
need_built "$HOOK"
export HOOK
git_identity

install_hook()
{
	assert_status 0 "$TOKENGUARD" install "$@"
}

git_quiet()
{
	git "$@" >/dev/null 2>&1 || fail "git $* failed"
}

head_id()
{
	git rev-parse -q --verify HEAD 2>/dev/null || echo unborn
}

commit_ok()
{
	assert_status 0 git commit -q "$@"
	if [ -s "$ERR" ]; then
		_show stderr "$ERR"
		fail "the hook was not silent on a clean commit: git commit $*"
	fi
}

commit_warned()
{
	assert_status 0 git commit -q "$@"
}

commit_blocked()
{
	_before=$(head_id)
	assert_status 1 git commit -q "$@"
	[ "$(head_id)" = "$_before" ] ||
		fail "a blocked commit moved HEAD: git commit $*"
}

token_blocked()
{
	printf '%s\n' "$2" >"$1" || fail "writing $1"
	git_quiet add "$1"
	commit_blocked -m "$3"
	assert_finding "$ERR" "$1" 1 npm-token
}

assert_finding()
{
	# Fixed-string prefix, then the shape of the rest of the line.
	_prefix="    $2:$3: $4: "
	if ! grep -F -e "$_prefix" "$1" | grep -q -E ' \[[^]]*\]$'; then
		_show "$(basename "$1")" "$1"
		fail "expected a finding '$2:$3: $4: ... [...]'"
	fi
}

assert_advice()
{
	assert_contains "$1" "Remove the secret from the file and from the index"
	assert_contains "$1" "npm token revoke"
	assert_contains "$1" "trusted publishing"
	assert_contains "$1" "tokenguard:allow"
	assert_contains "$1" ".tokenguard-allow"
	assert_contains "$1" "git commit --no-verify"
	grep -q -E '^        sha256:[0-9a-f]{64}  # ' "$1" ||
		fail "the advice lists no fingerprint to copy"
}
