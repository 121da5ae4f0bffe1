#!/bin/sh
# t-adv-manyfiles: one directory of 1,000,000 files (under SAN=1, 200,000:
# the scan is several times slower there) with tokens in its first,
# middle and last files and in a file nested ten directories down among
# them: every one found, exactly once, in path order, with the right
# count of files scanned, in memory that does not grow with the
# directory's size beyond its names.
#
# The files are made by a small C program (advmkfiles.c, compiled here)
# as hard links to a few empty and one-line files, in a tmpfs the test
# mounts (no disk writes; unmounted at exit), else in the scratch
# directory.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/advhelpers.sh"

n=1000000
[ "$SAN_BUILD" = 1 ] && n=200000
adv_tmpfs "$scratch/fs" 64m $((n + 1000))
[ "$ADV_TMPFS" = 1 ] || note "no tmpfs: the $n files are on disk"
cc -O2 -o "$scratch/advmkfiles" "$TESTS_DIR/advmkfiles.c" ||
	fail "cannot compile advmkfiles.c"
mkdir "$scratch/fs/many" "$scratch/fs/base" || fail "mkdir"

t1=$(gen_token 3101) || fail "gen_token"
t2=$(gen_token 3102) || fail "gen_token"
t3=$(gen_token 3103) || fail "gen_token"
t4=$(gen_token 3104) || fail "gen_token"
t5=$(gen_token 3105) || fail "gen_token"
mid=$((n / 2))
last=$((n - 1))
printf '0 NPM_TOKEN=%s\n%d const t = "%s";\n%d x %s\n' "$t1" "$mid" "$t2" \
    "$last" "$t3" | "$scratch/advmkfiles" "$scratch/fs/many" \
    "$scratch/fs/base" "$n" 1000 || fail "advmkfiles"
deep=$scratch/fs/many/f0500000.d/a/b/c/d/e/f/g/h/i
mkdir -p "$deep" || fail "mkdir deep"
printf '//registry.npmjs.org/:_authToken=%s\n' "$t4" >"$deep/.npmrc"
printf 'ok\nNPM_TOKEN=%s\n' "$t5" >"$scratch/fs/many/f0500000.d/a/.env"

name()
{
	printf 'many/f%07d' "$1"
}

cd "$scratch/fs" || fail "cd"
CMD_TIMEOUT=240
start=$(date +%s)
assert_status 1 "$ADV_MAXRSS" "$scratch/rss" \
    "$TOKENGUARD" scan --format json many
end=$(date +%s)
json_check "$OUT" "
expect([('$(name 0)', 1, 'npm-token'), ('$(name "$mid")', 1, 'npm-token'),
    ('$(name "$last")', 1, 'npm-token'),
    ('many/f0500000.d/a/b/c/d/e/f/g/h/i/.npmrc', 1, 'npm-token'),
    ('many/f0500000.d/a/.env', 2, 'npm-token')])
order = [d['path'] for d in f]
if order != sorted(order):
    die('not in path order: %r' % order)
" || exit 1
assert_contains "$ERR" "5 findings in 5 files ($((n + 2)) files scanned)"
rss=$(sed -n 's/^maxrss //p' "$scratch/rss")
note "$n files scanned in $((end - start)) s, ${rss:-?} KB of memory"
# About 50 bytes a name, held while its directory is walked.
[ -n "$rss" ] && [ "$rss" -lt 409600 ] ||
	fail "scanning $n files took ${rss:-?} KB of memory"
