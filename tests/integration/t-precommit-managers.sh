#!/bin/sh
# t-precommit-managers: 'tokenguard install' in repositories whose hooks
# husky 9 and lefthook 2 run, both installed from the npm registry by
# this test (a visible SKIP when npm cannot install them): the user's own
# hook still runs and can still block, tokenguard blocks a token, and
# goes on blocking after husky's prepare script ('npx husky') and after a
# change to lefthook.yml (lefthook then reinstalls its hooks); installing
# again changes nothing; --uninstall takes tokenguard out and leaves the
# user's hook. An install made by an older tokenguard into .husky/_ is
# repaired.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/githelpers.sh"

command -v npm >/dev/null 2>&1 || { note "SKIP: no npm"; exit 0; }
tok=$(gen_token 1221) || fail "gen_token"
PATH=$BUILD:$PATH
npm_config_cache=$scratch/npm-cache
npm_config_update_notifier=false
npm_config_fund=false
npm_config_audit=false
export PATH npm_config_cache npm_config_update_notifier npm_config_fund \
    npm_config_audit
ran=$scratch/user-hook.log

# npm_add PACKAGE: npm install -D, or SKIP the rest of the test.
npm_add()
{
	if ! npm install --no-save-exact -D "$1" >"$scratch/npm.log" 2>&1; then
		note "SKIP: npm could not install $1 (no registry?):" \
		    "$(tail -n 1 "$scratch/npm.log")"
		exit 0
	fi
}

leak()
{
	token_blocked .npmrc "//registry.npmjs.org/:_authToken=$tok" "leak"
	git_quiet rm -q --cached .npmrc
	rm -f .npmrc
}

user_hook_ran()
{
	[ -s "$ran" ] || fail "the user's own hook did not run ($1)"
	: >"$ran"
}

clean_commit()
{
	printf '%s\n' "$1" >>README
	git_quiet add README
	assert_status 0 git commit -q -m "$1"
}

# --- husky 9 -----------------------------------------------------------
new_repo husky-repo
printf '{ "name": "h", "version": "1.0.0", "private": true }\n' >package.json
printf 'node_modules\n' >.gitignore
npm_add husky@9
assert_status 0 npx husky init
[ "$(git config core.hooksPath)" = .husky/_ ] ||
	fail "husky init did not set core.hooksPath"
# The user's own hook: records that it ran; refuses while ./block-me is
# there.
cat >.husky/pre-commit <<HOOK
echo ran >>'$ran'
if [ -e block-me ]; then echo "user hook: no" >&2; exit 1; fi
HOOK
git_quiet add -A
assert_status 0 git commit -q -m "husky set up"
user_hook_ran "before tokenguard"

install_hook
assert_contains "$OUT" "run by husky"
assert_contains "$OUT" "changed .husky/pre-commit"
assert_contains "$OUT" "created .husky/pre-merge-commit"
[ ! -e .husky/_/pre-commit.tokenguard-chained ] ||
	fail "husky's dispatcher was renamed"
clean_commit one
user_hook_ran "after install"
leak
touch block-me
commit_blocked --allow-empty -m "the user hook blocks"
assert_contains "$ERR" "user hook: no"
rm block-me

# husky's prepare script rewrites .husky/_: tokenguard still blocks.
assert_status 0 npm run prepare
leak
assert_status 0 npx husky
leak
clean_commit two
user_hook_ran "after prepare"

install_hook
assert_contains "$OUT" "already runs tokenguard-pre-commit"
git_quiet add -A
assert_status 0 git commit -q -m "tokenguard in husky's hooks"
assert_status 0 "$TOKENGUARD" install --uninstall
assert_contains "$OUT" "removed tokenguard's line from .husky/pre-commit"
printf '//registry.npmjs.org/:_authToken=%s\n' "$tok" >.npmrc
git_quiet add .npmrc
assert_status 0 git commit -q -m "uninstalled: not blocked"
user_hook_ran "after uninstall"
git_quiet reset -q --hard HEAD~1

# An older tokenguard renamed husky's dispatcher: install repairs it.
mv .husky/_/pre-commit .husky/_/pre-commit.tokenguard-chained ||
	fail "mv"
printf '#!/bin/sh\n# tokenguard-hook: pre-commit\nexit 0\n' \
    >.husky/_/pre-commit
chmod +x .husky/_/pre-commit
install_hook
assert_contains "$OUT" "restored the previous hook"
[ -e .husky/_/pre-commit ] && [ ! -e .husky/_/pre-commit.tokenguard-chained ] ||
	fail "husky's dispatcher is not back"
clean_commit three
user_hook_ran "after the repair"
leak
cd "$scratch" || fail cd

# --- lefthook 2 --------------------------------------------------------
new_repo lefthook-repo
printf '{ "name": "l", "version": "1.0.0", "private": true }\n' >package.json
printf 'node_modules\n' >.gitignore
cat >lefthook.yml <<YML
pre-commit:
  commands:
    user:
      run: echo ran >>'$ran'; test ! -e block-me
YML
npm_add lefthook@2
assert_status 0 npx lefthook install
git_quiet add -A
assert_status 0 git commit -q -m "lefthook set up"
user_hook_ran "before tokenguard"

install_hook
assert_contains "$OUT" "run by lefthook"
assert_contains "$OUT" "lefthook-local.yml"
# The clone's own file stays out of commits.
assert_contains "$OUT" "added /lefthook-local.yml to"
[ -z "$(git status --porcelain lefthook-local.yml)" ] ||
	fail "lefthook-local.yml is not ignored"
assert_status 0 npx lefthook install
clean_commit one
user_hook_ran "after install"
leak
touch block-me
printf 'more\n' >>README
git_quiet add README
commit_blocked -m "the user hook blocks"
rm block-me

# A change to lefthook.yml: lefthook reinstalls its hooks on the next
# run; tokenguard is still part of them.
cat >>lefthook.yml <<YML
    other:
      run: "true"
YML
git_quiet add lefthook.yml
assert_status 0 git commit -q -m "lefthook.yml changed"
leak
leak
clean_commit two
user_hook_ran "after the config change"
[ ! -e .git/hooks/pre-commit.old ] ||
	fail "lefthook moved a hook away: $(head -n 3 .git/hooks/pre-commit.old)"

install_hook
assert_contains "$OUT" "already runs tokenguard-pre-commit"
assert_status 0 "$TOKENGUARD" install --uninstall
assert_contains "$OUT" "removed tokenguard's commands"
printf '//registry.npmjs.org/:_authToken=%s\n' "$tok" >.npmrc
git_quiet add .npmrc
assert_status 0 git commit -q -m "uninstalled: not blocked"
user_hook_ran "after uninstall"
exit 0
