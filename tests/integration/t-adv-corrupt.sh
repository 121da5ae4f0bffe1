#!/bin/sh
# t-adv-corrupt: corrupt and malformed objects never pass for clean, and
# never hang. Pushed for real (git, without receive.fsckObjects, takes
# them): commits whose author, committer or date libgit2 cannot parse
# are rejected as trouble, naming the object, and so is a tree naming a
# subtree as a blob; trees git accepts but that are odd (duplicate,
# unsorted, ".git", "..", "x/y" names) still have their blobs scanned.
# Loose objects corrupted on disk (not zlib, another object's content,
# cut short) make the pre-receive hook reject, the pre-commit hook block
# and `tokenguard scan --git` fail, each with a message naming the
# object (or, for HEAD's tree, HEAD). A loose object cut short used to
# hang all three forever: libgit2 1.5 loops on a zlib stream that ends
# early (common/odbguard.c works around it).
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/advhelpers.sh"
. "$TESTS_DIR/recvhelpers.sh"

tok=$(gen_token 3601) || fail "gen_token"
CMD_TIMEOUT=30
srv=$scratch/srv.git
new_server "$srv"
new_work_pushed "$scratch/w" "file://$srv"
head=$(git rev-parse HEAD) || fail "rev-parse"
blob=$(printf 'NPM_TOKEN=%s\n' "$tok" | git hash-object -w --stdin) ||
	fail "hash-object"
clean=$(printf 'clean\n' | git hash-object -w --stdin) || fail "hash-object"
tree=$( (git ls-tree HEAD; printf '100644 blob %s\tt.env\n' "$blob") |
    git mktree) || fail "mktree"

# Malformed commits, written as they are (git hash-object --literally).
bad_commit()
{
	printf "$1" "$tree" "$head" |
	    git hash-object -t commit --literally -w --stdin
}
for body in \
    'tree %s\nparent %s\nauthor nobody\ncommitter a <a@b.c> 1700000000 +0000\n\nm\n' \
    'tree %s\nparent %s\nauthor a <a@b.c> 1700000000 +0000\n\nm\n' \
    'tree %s\nparent %s\nauthor a <a@b.c> soon +0000\ncommitter a <a@b.c> 1700000000 +0000\n\nm\n'
do
	c=$(bad_commit "$body") || fail "hash-object"
	push_rejected "file://$srv" "$c:refs/heads/main"
	assert_contains "$ERR" "object $c: failed to parse"
	assert_contains "$ERR" "the push is rejected: what it adds could not be checked"
done

# Raw trees: "MODE NAME\0" and the 20-byte id, entry after entry.
raw_tree()
{
	python3 -c '
import binascii, sys
a = sys.argv[1:]
sys.stdout.buffer.write(b"".join(
    a[i].encode() + b" " + a[i + 1].encode() + b"\0" +
    binascii.unhexlify(a[i + 2]) for i in range(0, len(a), 3)))' "$@" |
	    git hash-object -t tree --literally -w --stdin
}
# A subtree named as a blob (git sends it; libgit2 refuses to read a
# tree as a blob).
sub=$(printf '100644 blob %s\tt.env\n' "$blob" | git mktree) || fail "mktree"
t=$(raw_tree 100644 README.md "$clean" 100644 d "$sub") || fail "tree"
c=$(git commit-tree -p "$head" -m "tree as blob" "$t") || fail "commit-tree"
push_rejected "file://$srv" "$c:refs/heads/main"
assert_contains "$ERR" "the push is rejected: what it adds could not be checked"
# Odd names: the token is found whatever the tree looks like.
for spec in "a.env a.env" "z.env a.env" ".git .git" ".. .." "x/y x/y"; do
	first=${spec% *}
	second=${spec#* }
	t=$(raw_tree 100644 "$first" "$clean" 100644 "$second" "$blob") ||
		fail "tree"
	c=$(git commit-tree -p "$head" -m "odd names" "$t") ||
		fail "commit-tree"
	push_rejected "file://$srv" "$c:refs/heads/main"
	assert_contains "$ERR" "push rejected: 1 secret"
	assert_contains "$ERR" " $second:1: npm-token: "
done

# Loose objects corrupted on disk, in the server's repository: the hook
# is run as git runs it, on a new ref at a commit whose blob is broken.
# corrupt HOW ID: damages the loose object ID of the current repository.
corrupt()
{
	_f=$(git rev-parse --git-path "objects/$(echo "$2" | cut -c1-2)/$(echo "$2" | cut -c3-)")
	[ -f "$_f" ] || fail "no loose object $2"
	chmod u+w "$_f"
	case $1 in
	garbage)
		printf 'not zlib at all' >"$_f" ;;
	other)
		python3 -c 'import sys, zlib
sys.stdout.buffer.write(zlib.compress(b"blob 6\0hello\n"))' >"$_f" ;;
	cut)
		head -c 24 "$_f" >"$_f.cut" && mv "$_f.cut" "$_f" ;;
	esac || fail "corrupting $2"
}

zero=0000000000000000000000000000000000000000
i=0
for how in garbage other cut; do
	i=$((i + 1))
	git init -q --bare "$scratch/b$i.git" || fail "git init"
	cd "$scratch/b$i.git" || fail "cd"
	b=$(printf 'NPM_TOKEN=%s\n%d\n' "$tok" "$i" |
	    git hash-object -w --stdin) || fail "hash-object"
	t=$(printf '100644 blob %s\tt.env\n' "$b" | git mktree) ||
		fail "mktree"
	c=$(git commit-tree -m "$how" "$t") || fail "commit-tree"
	printf '%s %s refs/heads/x\n' "$zero" "$c" >"$scratch/in"
	assert_status 1 "$RECV" <"$scratch/in"
	corrupt "$how" "$b"
	assert_status 2 "$RECV" <"$scratch/in"
	assert_contains "$ERR" "$b"
	assert_contains "$ERR" "the push is rejected"
	assert_not_contains "$ERR" "push rejected: 1 secret"
done
assert_contains "$ERR" "is truncated (run 'git fsck')"
# A commit and a tree cut short (read by the walk and the tree diff).
git init -q --bare "$scratch/c.git" || fail "git init"
cd "$scratch/c.git" || fail "cd"
b=$(printf 'x\n' | git hash-object -w --stdin) || fail "hash-object"
t=$(printf '100644 blob %s\tt.env\n' "$b" | git mktree) || fail "mktree"
c=$(git commit-tree -m "a commit message long enough to be cut" "$t") ||
	fail "commit-tree"
printf '%s %s refs/heads/x\n' "$zero" "$c" >"$scratch/in"
corrupt cut "$t"
assert_status 2 "$RECV" <"$scratch/in"
assert_contains "$ERR" "$t"
assert_contains "$ERR" "is truncated"
corrupt cut "$c"
assert_status 2 "$RECV" <"$scratch/in"
assert_contains "$ERR" "is truncated"

# The pre-commit hook: a staged blob cut short, then HEAD's tree.
cd "$scratch" || fail "cd"
git init -q repo && cd repo || fail "git init"
printf 'base\n' >README && git add README && git commit -q -m base ||
	fail "commit"
printf 'NPM_TOKEN=%s\n' "$tok" >t.env && git add t.env || fail "git add"
assert_status 1 "$BUILD/tokenguard-pre-commit"
corrupt cut "$(git rev-parse :t.env)"
assert_status 2 "$BUILD/tokenguard-pre-commit"
assert_contains "$ERR" "is truncated"
assert_contains "$ERR" "the commit is blocked"
git rm -q --cached t.env || fail "git rm"
printf 'other\n' >o.txt && git add o.txt || fail "git add"
corrupt cut "$(git rev-parse 'HEAD^{tree}')"
assert_status 2 "$BUILD/tokenguard-pre-commit"
# (libgit2 reports the failed peel of HEAD, not the truncation.)
assert_contains "$ERR" "the commit is blocked"

# History scans: the same object, the same message, exit 2.
assert_status 2 "$TOKENGUARD" scan --git
assert_contains "$ERR" "is truncated"
assert_no_secret "$tok" "$OUT" "$ERR"
