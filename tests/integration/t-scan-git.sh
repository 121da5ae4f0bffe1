#!/bin/sh
# tokenguard scan --git: every ref by default, or revision ranges; a token
# added and removed later is found once, in the commit that added it;
# commit and tag messages; JSON and SARIF name the commit and the ref; no
# progress when standard error is not a terminal. No output holds a whole
# token.
. "$(dirname "$0")/lib.sh"

tok=$(gen_token 801) || fail "gen_token"
tok2=$(gen_token 802) || fail "gen_token"
git config --global user.name t
git config --global user.email t@example.invalid
git init -q -b main repo && cd repo || fail "init"
printf 'hello\n' >README.md && git add . && git commit -qm one || fail "c1"
printf '//r/:_authToken=%s\n' "$tok" >.npmrc && git add .npmrc &&
    git commit -qm two || fail "c2"
added=$(git rev-parse HEAD)
git rm -q .npmrc && git commit -qm three || fail "c3"
git checkout -q -b side main~2 || fail "side"
printf 'x\n' >x && git add x && git commit -qm "side with $tok2" || fail "c4"
side=$(git rev-parse HEAD)
git checkout -q main
git tag -a v1 -m "release" main || fail "tag"

# Every ref: the .npmrc blob once, and the side commit's message.
assert_status 1 "$TOKENGUARD" scan --git
assert_lines 2 "$OUT"
assert_contains "$OUT" "$added:.npmrc:1:"
assert_contains "$OUT" "$side:(commit message):1:"
assert_contains "$ERR" "2 findings (4 commits"
assert_not_contains "$ERR" "/4 commits"

# JSON: commit and ref.
assert_status 1 "$TOKENGUARD" scan --git --format json
json_check "$OUT" '
by = {d["path"]: d for d in f}
assert by[".npmrc"]["commit"] == "'"$added"'", by
assert by[".npmrc"]["ref"] in ("refs/heads/main", "refs/tags/v1"), by
assert by["(commit message)"]["ref"] == "refs/heads/side", by
'
# A range: only what main~1..main adds, which is the removal.
assert_status 0 "$TOKENGUARD" scan --git main~1..main
assert_contains "$ERR" "no findings (1 commit"
assert_status 1 "$TOKENGUARD" scan --git --format json main~2..main
json_check "$OUT" 'assert [d["ref"] for d in f] == ["refs/heads/main"], f'
assert_status 0 "$TOKENGUARD" scan --git side ^main ^side
# SARIF: properties commit and ref.
assert_status 1 "$TOKENGUARD" scan --git --format sarif side
python3 - "$OUT" "$side" <<'PY' || fail "SARIF properties"
import json, sys
d = json.load(open(sys.argv[1]))
res = d["runs"][0]["results"]
assert len(res) == 1, res
assert res[0]["properties"] == {"commit": sys.argv[2],
                                "ref": "refs/heads/side"}, res
PY
# Trouble: a bad revision, and outside a repository.
assert_status 2 "$TOKENGUARD" scan --git no-such-rev
assert_contains "$ERR" "no-such-rev"
mkdir "$scratch/empty" && cd "$scratch/empty" || fail "cd"
assert_status 2 "$TOKENGUARD" scan --git
exit 0
