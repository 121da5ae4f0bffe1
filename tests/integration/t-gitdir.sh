# .git directories are skipped, at the top and nested; names that merely
# start with .git (.github, .gitignore, .gitlab-ci.yml) are scanned.
. "$(dirname "$0")/lib.sh"

tok=$(gen_token 1301) || fail "gen_token"
tok2=$(gen_token 1302) || fail "gen_token"
mkdir repo
git -C repo init -q || fail "git init"
printf 'NPM_TOKEN=%s\n' "$tok" >repo/.git/leaked-note
printf '[remote "origin"]\n\turl = https://u:%s@git.corp.internal/r.git\n' \
    "$tok" >>repo/.git/config
mkdir -p repo/vendor/lib/.git repo/.github/workflows
printf 'NPM_TOKEN=%s\n' "$tok" >repo/vendor/lib/.git/HEAD
printf 'env:\n  NODE_AUTH_TOKEN: %s\n' "$tok2" \
    >repo/.github/workflows/ci.yml
printf '.env\n' >repo/.gitignore
printf 'publish:\n  script: echo "NPM_TOKEN=%s"\n' "$tok2" \
    >repo/.gitlab-ci.yml

assert_status 1 "$TOKENGUARD" scan --format json repo
json_check "$OUT" "expect([
    ('repo/.github/workflows/ci.yml', 2, 'npm-token'),
    ('repo/.gitlab-ci.yml', 2, 'npm-token')])" || exit 1

# Scanning from inside the repository.
(cd repo && assert_status 1 "$TOKENGUARD" scan --format json .) || exit 1
assert_lines 2 "$OUT"
assert_no_secret "$tok" "$OUT" "$ERR"
assert_no_secret "$tok2" "$OUT" "$ERR"
