# Binary files (a NUL in the first 8 KiB) get the checksummed-token rule
# over their raw bytes only: a valid token is found, an opaque
# `_authToken=` value is not, except in .npmrc, .yarnrc*, *.tfstate and
# .env* files, which always get every rule.
. "$(dirname "$0")/lib.sh"

tok=$(gen_token 801) || fail "gen_token"
bad=$(gen_broken 802) || fail "gen_token"
opaque=Zq8vLm2Rt5Wx9Kp3Hd7Fj1Nb
mkdir -p bin

# binfile NAME CONTENT...: a NUL-laden header, then the printf arguments.
binfile()
{
	_name=$1
	shift
	{
		printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000'
		head -c 3000 /dev/zero
		printf "$@"
		head -c 100 /dev/zero
	} >"bin/$_name"
}

binfile image.bin '\001\002%s\000\003' "$tok"
binfile broken.bin '\001\002%s\000\003' "$bad"
binfile layer.tar '\n_authToken=%s\n' "$opaque"
binfile .npmrc '\n_authToken=%s\n' "$opaque"
binfile .env.production '\nNPM_TOKEN=%s\n' "$opaque"
binfile .yarnrc.yml '\nnpmAuthToken: %s\n' "$opaque"

CMD_TIMEOUT=30
assert_status 1 "$TOKENGUARD" scan --format json bin
json_check "$OUT" "
rules = sorted((d['path'], d['rule']) for d in f)
want = sorted([('bin/image.bin', 'npm-token'),
               ('bin/.npmrc', 'npmrc-authtoken'),
               ('bin/.env.production', 'env-npm-token'),
               ('bin/.yarnrc.yml', 'yarn-auth-token')])
if rules != want:
    die('binary findings %r, expected %r' % (rules, want))
" || exit 1

# One at a time, to see each verdict in the exit status.
assert_status 1 "$TOKENGUARD" scan bin/image.bin
assert_status 0 "$TOKENGUARD" scan bin/broken.bin
assert_status 0 "$TOKENGUARD" scan bin/layer.tar
assert_status 1 "$TOKENGUARD" scan bin/.npmrc

# A NUL past the first 8 KiB does not make a file binary.
{
	printf '_authToken=%s\n' "$opaque"
	python3 -c 'import sys; sys.stdout.write("x" * 10000)'
	printf '\000\n'
} >late-nul.txt
assert_status 1 "$TOKENGUARD" scan --format json late-nul.txt
json_check "$OUT" "expect([('late-nul.txt', 1, 'npmrc-authtoken')])" ||
    exit 1

# A token straddling nothing but NULs at the very start and end of a file.
{
	printf '%s' "$tok"
	printf '\000\000'
} >edge.bin
assert_status 1 "$TOKENGUARD" scan edge.bin

assert_no_secret "$tok" "$OUT" "$ERR"
assert_no_secret "$opaque" "$OUT" "$ERR"
