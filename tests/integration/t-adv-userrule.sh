#!/bin/sh
# t-adv-userrule: a user rule that backtracks catastrophically, on a file
# of 100,000 lines made to trigger it. Each line costs the PCRE2 match
# limit (milliseconds), so after 16 such lines in a window of the file
# the rule is left out for the rest of that window: the scan ends in
# seconds, not minutes. A warning names the rule and the file (also with
# -q); built-in rules and other user rules still find what is there; the
# exit status is the findings' (0 or 1): the warning is not trouble. The
# same in the pre-commit and pre-receive hooks, which warn and decide on
# the findings alone.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/advhelpers.sh"
. "$TESTS_DIR/recvhelpers.sh"

tok=$(gen_token 3301) || fail "gen_token"
acme=acme_k3j5h7g9f2d4s6a8q1w3e5r7
register_secret "$acme"
cat >rules.conf <<'CONF'
[rule "slow"]
	pattern = ^(a+)+$
	keyword = aaaa
[rule "acme-key"]
	pattern = acme_[a-z0-9]{24}
	keyword = acme_
[rule "slow-nokw"]
	pattern = (x+x+)+y
CONF
# 100,000 lines of 30 a's and a '!' (and x's for the rule without a
# keyword), a token and an ACME key in the middle and at the end.
python3 - "$tok" "$acme" >slow.txt <<'PY'
import sys
tok, acme = sys.argv[1], sys.argv[2]
out = sys.stdout
for i in range(100000):
    out.write("a" * 30 + "!\n" if i % 2 else "x" * 30 + "\n")
    if i == 50000:
        out.write("NPM_TOKEN=%s\n" % tok)
out.write("key: %s\n" % acme)
PY
python3 -c 'print(("a" * 30 + "!\n") * 2000, end="")' >clean.txt

CMD_TIMEOUT=60
assert_status 1 "$TOKENGUARD" scan --config rules.conf --format json \
    slow.txt
json_check "$OUT" "expect([('slow.txt', 50002, 'npm-token'),
    ('slow.txt', 100002, 'acme-key')])" || exit 1
assert_contains "$ERR" "slow.txt: warning: user rule 'slow' hit the PCRE2 match limit on "
assert_contains "$ERR" "the file was not fully checked by it"
# Warnings are not trouble; -q keeps them.
assert_status 0 "$TOKENGUARD" scan -q --config rules.conf clean.txt
assert_lines 0 "$OUT"
assert_contains "$ERR" "clean.txt: warning: user rule 'slow' hit the PCRE2"
assert_lines 1 "$ERR"
# Without the bad rules nothing is said.
assert_status 0 "$TOKENGUARD" scan clean.txt
assert_not_contains "$ERR" "PCRE2"

# The pre-commit hook: the rules in the repository's config.
git_identity
new_repo repo
git config --add include.path "$scratch/rules.conf"
cp ../clean.txt . && git add clean.txt || fail "git add"
assert_status 0 "$BUILD/tokenguard-pre-commit"
assert_contains "$ERR" "warning: user rule 'slow' hit the PCRE2 match limit on "
assert_contains "$ERR" " of clean.txt (catastrophic backtracking?)"
cp ../slow.txt . && git add slow.txt || fail "git add"
assert_status 1 "$BUILD/tokenguard-pre-commit"
assert_contains "$ERR" "commit blocked: 2 secrets"
assert_contains "$ERR" "slow.txt:50002: npm-token: "
assert_contains "$ERR" "slow.txt:100002: acme-key: "
assert_contains "$ERR" " of slow.txt (catastrophic backtracking?)"
cd "$scratch" || fail "cd"

# The pre-receive hook: the rules in the server's config.
srv=$scratch/srv.git
new_server "$srv"
git --git-dir="$srv" config --add include.path "$scratch/rules.conf"
new_repo "$scratch/w"
cp ../clean.txt . && git add clean.txt && git commit -q -m clean ||
	fail "commit"
push_ok "file://$srv" main
assert_contains "$ERR" "warning: user rule 'slow' hit the PCRE2 match limit on "
assert_contains "$ERR" " clean.txt (catastrophic backtracking?)"
cp ../slow.txt . && git add slow.txt && git commit -q -m slow ||
	fail "commit"
push_rejected "file://$srv" main
assert_recv_finding "$ERR" refs/heads/main slow.txt 50002 npm-token
assert_recv_finding "$ERR" refs/heads/main slow.txt 100002 acme-key
assert_contains "$ERR" " slow.txt (catastrophic backtracking?)"
assert_no_secret "$tok" "$OUT" "$ERR"
