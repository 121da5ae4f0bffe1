# Symlinks inside a scanned tree are not followed: a link to a file with a
# token outside the tree yields nothing, loops and dangling links neither
# hang nor count as trouble.
. "$(dirname "$0")/lib.sh"

tok=$(gen_token 601) || fail "gen_token"
tok2=$(gen_token 602) || fail "gen_token"
mkdir -p outside tree/sub
printf 'NPM_TOKEN=%s\n' "$tok" >outside/secret.env
printf '//registry.npmjs.org/:_authToken=%s\n' "$tok" >outside/.npmrc
printf 'hello\n' >tree/ok.txt
ln -s ../outside/secret.env tree/link.env
ln -s ../../outside/.npmrc tree/sub/.npmrc
ln -s "$scratch/outside" tree/linkdir
ln -s . tree/loop
ln -s .. tree/sub/up
ln -s b tree/a
ln -s a tree/b
ln -s does-not-exist tree/dangling

CMD_TIMEOUT=20
assert_status 0 "$TOKENGUARD" scan tree
assert_lines 0 "$OUT"
assert_status 0 "$TOKENGUARD" scan -j 4 --format json tree
assert_lines 0 "$OUT"

# A real file next to the links is still found, once.
printf 'NPM_TOKEN=%s\n' "$tok2" >tree/sub/real.env
assert_status 1 "$TOKENGUARD" scan --format json tree
json_check "$OUT" "expect([('tree/sub/real.env', 1, 'npm-token')])" ||
    exit 1

# What a symlink named as an argument does is not specified; record it.
run_cmd "$TOKENGUARD" scan tree/link.env
note "symlink given as an argument: exit $STATUS"
assert_no_secret "$tok" "$OUT" "$ERR"
assert_no_secret "$tok2" "$OUT" "$ERR"
