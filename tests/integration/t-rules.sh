# `tokenguard rules` lists every built-in rule and the rules configured.
. "$(dirname "$0")/lib.sh"

builtin="npm-token github-token npm-legacy-token npmrc-auth npmrc-password
npmrc-authtoken yarn-auth-token yarn-auth-ident private-key url-credentials
env-npm-token"

assert_status 0 "$TOKENGUARD" rules
for id in $builtin; do
	grep -q -e "^$id\\>" -e "[[:space:]]$id\\>" "$OUT" ||
	    fail "rule $id not listed: $(cat "$OUT")"
done
[ "$(wc -l <"$OUT" | tr -d ' ')" -ge 11 ] || fail "too few lines"
cp "$OUT" builtin.out

cat >user.conf <<'CONF'
[rule "acme-key"]
	pattern = acme_[a-z0-9]{24}
	description = ACME API key: revoke it in the ACME console
	keyword = acme_
CONF
assert_status 0 "$TOKENGUARD" rules --config user.conf
assert_contains "$OUT" acme-key
assert_contains "$OUT" "ACME API key: revoke it in the ACME console"
for id in $builtin; do
	assert_contains "$OUT" "$id"
done

# Rules from the repository's configuration, seen from inside it.
mkdir repo
git -C repo init -q || fail "git init"
git -C repo config rule.corp-id.pattern 'corp-[0-9]{6}'
git -C repo config rule.corp-id.description 'corporate credential'
(cd repo && assert_status 0 "$TOKENGUARD" rules) || exit 1
assert_contains "$OUT" corp-id
# Outside it, the built-ins only.
assert_status 0 "$TOKENGUARD" rules
cmp -s "$OUT" builtin.out || fail "rules outside the repository changed"

assert_status 0 "$TOKENGUARD" rules --help
[ -s "$OUT" ] || fail "rules --help printed nothing on stdout"
