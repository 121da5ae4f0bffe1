#!/bin/sh
# The pre-receive hook's server-side policy: a bypass push option with
# and without tokenguard.allowBypass, inline markers with inlineAllow on
# and off, the audit log's records, a pre-existing token in an edited
# file, the server's fingerprint allowlist (and a .tokenguard-allow in
# the pushed commits, which must not count), maxBlobSize with onSkip,
# and the time budget with onTimeout. No output holds a whole token.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/recvhelpers.sh"

tok=$(gen_token 501) || fail "gen_token"
tok2=$(gen_token 502) || fail "gen_token"
fp=$(sha256_of "$tok")
srv=$scratch/srv.git
log=$scratch/audit.jsonl
new_server "$srv"
git --git-dir="$srv" config tokenguard.auditLog "$log"
new_work_pushed "$scratch/w" "file://$srv"

# A bypass is refused while the server does not allow it.
add_commit .npmrc "//registry.npmjs.org/:_authToken=$tok
" "token"
push_rejected "file://$srv" -o 'tokenguard.bypass=emergency fix' main
assert_contains "$ERR" "does not allow bypasses"
assert_not_contains "$ERR" "tokenguard.bypass=\"REASON\""
[ ! -s "$log" ] || fail "a refused bypass was audited"

# Allowed: the push goes in, and the audit log says who, what and why.
git --git-dir="$srv" config tokenguard.allowBypass true
push_rejected "file://$srv" main
assert_contains "$ERR" "git push -o tokenguard.bypass="
cat >"$srv/hooks/pre-receive" <<EOS || fail "wrapper"
#!/bin/sh
GL_USERNAME=alice exec "$RECV"
EOS
chmod +x "$srv/hooks/pre-receive"
push_ok "file://$srv" -o 'tokenguard.bypass=emergency fix' main
assert_contains "$ERR" "bypass requested by 'alice'"
commit=$(git rev-parse HEAD)
python3 - "$log" "$fp" "$commit" "$srv" <<'PY' || fail "audit log content"
import json, sys
log, fp, commit, srv = sys.argv[1:]
recs = [json.loads(l) for l in open(log)]
assert len(recs) == 1, recs
r = recs[0]
want = {"time", "event", "pusher", "pusher_from", "os_user", "repository",
        "ref", "commit", "path", "rule", "fingerprint", "reason"}
assert set(r) == want, sorted(r)
assert r["event"] == "bypass" and r["pusher"] == "alice", r
assert r["pusher_from"] == "GL_USERNAME" and r["os_user"], r
assert r["ref"] == "refs/heads/main" and r["commit"] == commit, r
assert r["path"] == ".npmrc" and r["rule"] == "npm-token", r
assert r["fingerprint"] == fp and r["reason"] == "emergency fix", r
assert r["repository"].rstrip("/") == srv, r
assert r["time"].endswith("Z") and len(r["time"]) == 20, r
PY
assert_no_secret "$tok" "$log"
cp "$RECV" "$srv/hooks/pre-receive"

# Inline markers: honoured and audited, then refused with inlineAllow off.
add_commit ci.yml "NPM_TOKEN: $tok2 # tokenguard:allow
" "inline"
push_ok "file://$srv" main
assert_contains "$ERR" "allowed by a tokenguard:allow marker"
grep -q '"event":"inline-allow"' "$log" || fail "inline marker not audited"
grep -q "\"fingerprint\":\"$(sha256_of "$tok2")\"" "$log" ||
	fail "inline audit record without the fingerprint"
git --git-dir="$srv" config tokenguard.inlineAllow false
add_commit ci2.yml "NPM_TOKEN: $tok2 # tokenguard:allow
" "inline 2"
push_rejected "file://$srv" main
assert_recv_finding "$ERR" refs/heads/main ci2.yml 1 npm-token
git reset -q --hard HEAD~1
git --git-dir="$srv" config --unset tokenguard.inlineAllow

# A pre-existing token (the bypassed one) in an edited file: a warning.
add_commit .npmrc "//registry.npmjs.org/:_authToken=$tok
always-auth=true
" "edit npmrc"
push_ok "file://$srv" main
assert_contains "$ERR" "warning: 1 secret already in the parent"
git --git-dir="$srv" config tokenguard.blockPreexisting true
add_commit .npmrc "//registry.npmjs.org/:_authToken=$tok
always-auth=false
" "edit npmrc again"
push_rejected "file://$srv" main
git reset -q --hard HEAD~1
git --git-dir="$srv" config --unset tokenguard.blockPreexisting

# A .tokenguard-allow inside the pushed commits does not count; the
# server's tokenguard.allow does.
tok3=$(gen_token 503) || fail "gen_token"
printf '%s\n' "$(sha256_of "$tok3")" >.tokenguard-allow
printf 'NPM_TOKEN=%s\n' "$tok3" >.env
git add .tokenguard-allow .env && git commit -q -m "self-allow" ||
	fail "commit"
push_rejected "file://$srv" main
assert_recv_finding "$ERR" refs/heads/main .env 1 npm-token
git --git-dir="$srv" config --add tokenguard.allow "$(sha256_of "$tok3")"
push_ok "file://$srv" main

# A blob over maxBlobSize is named; onSkip = reject rejects.
git --git-dir="$srv" config tokenguard.maxBlobSize 1k
head -c 4096 /dev/zero | tr '\0' 'a' >big.txt
git add big.txt && git commit -q -m big || fail "commit"
push_ok "file://$srv" main
assert_contains "$ERR" "big.txt not scanned"
git --git-dir="$srv" config tokenguard.onSkip reject
head -c 4096 /dev/zero | tr '\0' 'b' >big.txt
git add big.txt && git commit -q -m big2 || fail "commit"
push_rejected "file://$srv" main
assert_contains "$ERR" "tokenguard.onSkip = reject"
git reset -q --hard HEAD~1
git --git-dir="$srv" config --unset tokenguard.onSkip
git --git-dir="$srv" config --unset tokenguard.maxBlobSize

# The time budget: spent at once, the push is rejected (default) saying
# how far it got, or accepted with onTimeout = allow.
add_commit t.txt "t
" "timed"
git --git-dir="$srv" config tokenguard.timeout 0.000001
push_rejected "file://$srv" main
assert_contains "$ERR" "time budget of"
assert_contains "$ERR" "0 of 1 new commits"
git --git-dir="$srv" config tokenguard.onTimeout allow
push_ok "file://$srv" main
assert_contains "$ERR" "NOT checked"
git --git-dir="$srv" config --unset tokenguard.timeout
git --git-dir="$srv" config --unset tokenguard.onTimeout

# Trouble: bad config rejects (exit 2); onError = allow lets it through.
add_commit u.txt "u
" "after bad config"
git --git-dir="$srv" config tokenguard.timeout soon
push_rejected "file://$srv" main
assert_contains "$ERR" "tokenguard.timeout"
git --git-dir="$srv" config tokenguard.onError allow
push_ok "file://$srv" main
assert_contains "$ERR" "tokenguard.onError = allow"
exit 0
