# README's first command, `tokenguard scan .` in a fresh clone of this
# repository, finds nothing: every fixture that looks like a credential
# has its fingerprint in .tokenguard-allow. The tracked files (as they are
# in the work tree) are copied into a new repository and scanned there.
# On failure: check that the findings are fixtures, then add their
# fingerprints (JSON output: "fingerprint") to .tokenguard-allow.
. "$(dirname "$0")/lib.sh"

root=$(cd "$TESTS_DIR/../.." && pwd)
if ! git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	echo "SKIP: $root is not a git checkout: no list of tracked files"
	exit 0
fi
mkdir tree
git -C "$root" ls-files -z | (cd "$root" && tar --null -T - -cf -) |
    tar -C tree -xf - || fail "copying the tracked files"
[ -f tree/.tokenguard-allow ] || fail ".tokenguard-allow is not tracked"
git -C tree init -q || fail "git init"
cd tree || fail "cd tree"
assert_status 0 "$TOKENGUARD" scan .
assert_contains "$ERR" "no findings"
note "$(tail -n 2 "$ERR" | tr '\n' ' ')"
