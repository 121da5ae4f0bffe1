#!/bin/sh
# t-precommit-framework: the pre-commit framework (Debian 12's pre-commit
# 3.0.4, or whichever is installed) with the project's own
# .pre-commit-hooks.yaml from a local repository: the manifest loads, a
# clean commit passes, a token blocks, warnings (a file too big to scan)
# are shown on a passing commit, and 'pre-commit run --all-files',
# '--files' and '--from-ref/--to-ref' find a token already committed.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/githelpers.sh"

command -v pre-commit >/dev/null 2>&1 ||
	fail "pre-commit is not installed (apt-get install pre-commit)"

tok=$(gen_token 1211) || fail "gen_token"
SRC=$(cd "$TESTS_DIR/../.." && pwd)
PRE_COMMIT_HOME=$scratch/pre-commit-cache
PATH=$BUILD:$PATH
export PRE_COMMIT_HOME PATH

# The hooks repository: the manifest as it is in this tree, committed.
mkdir hooksrepo || fail mkdir
cp "$SRC/.pre-commit-hooks.yaml" hooksrepo/ || fail "no manifest"
(cd hooksrepo && git init -q . && git add .pre-commit-hooks.yaml &&
    git commit -q -m manifest) || fail "hooks repository"
rev=$(git -C hooksrepo rev-parse HEAD)

new_repo repo
cat >.pre-commit-config.yaml <<CONF
repos:
  - repo: $scratch/hooksrepo
    rev: $rev
    hooks:
      - id: tokenguard
CONF
git_quiet add .pre-commit-config.yaml
assert_status 0 pre-commit install --hook-type pre-commit \
    --hook-type pre-merge-commit
assert_contains "$OUT" "pre-commit installed at .git/hooks/pre-commit"

# git shows a hook's output on its standard error.
# Clean commits pass (the first one also loads the manifest).
printf 'hello\n' >README
git_quiet add README
assert_status 0 git commit -q -m clean
assert_contains "$ERR" "Passed"
assert_not_contains "$OUT$ERR" "InvalidManifestError"
[ "$(git rev-list --count HEAD)" = 1 ] || fail "the clean commit is missing"

# A staged token blocks; the unstaged work tree does not matter.
printf '//registry.npmjs.org/:_authToken=%s\n' "$tok" >.npmrc
git_quiet add .npmrc
printf 'nothing here now\n' >.npmrc
assert_status 1 git commit -q -m leak
assert_contains "$ERR" "Failed"
assert_contains "$ERR" "commit blocked: 1 secret in the staged changes"
assert_contains "$ERR" ".npmrc:1: npm-token"
[ "$(git rev-list --count HEAD)" = 1 ] || fail "a blocked commit went in"
git_quiet checkout .npmrc

# A token committed with --no-verify: --all-files, --files and
# --from-ref/--to-ref find it (working-tree content).
git_quiet commit -q --no-verify -m "token, unchecked"
assert_status 1 pre-commit run --all-files
assert_contains "$OUT" "Failed"
assert_contains "$OUT" "1 secret in the files checked"
assert_contains "$OUT" ".npmrc:1: npm-token"
assert_status 1 pre-commit run --files .npmrc README
assert_contains "$OUT" ".npmrc:1: npm-token"
assert_status 0 pre-commit run --files README
assert_status 1 pre-commit run --from-ref HEAD~1 --to-ref HEAD
assert_contains "$OUT" ".npmrc:1: npm-token"

# A pre-existing token: the commit passes, and the warning is shown.
printf '//registry.npmjs.org/:_authToken=%s\nalways-auth=true\n' "$tok" \
    >.npmrc
git_quiet add .npmrc
assert_status 0 git commit -q -m "touch .npmrc"
assert_contains "$ERR" "warning: 1 secret already committed before"
# A file too big to scan: passes, with its warning shown.
git_quiet config tokenguard.maxFileSize 1k
head -c 4096 /dev/zero | tr '\0' a >big.txt
git_quiet add big.txt
assert_status 0 git commit -q -m big
assert_contains "$ERR" "big.txt not scanned"
exit 0
