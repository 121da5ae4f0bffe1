# One 100 MB line (minified-bundle style, full of anchors the rules look
# at) with a checksummed token near its end: found, at the right column,
# and the scan finishes promptly (the per-line work cap).
. "$(dirname "$0")/lib.sh"

tok=$(gen_token 901) || fail "gen_token"
python3 - "$tok" >long.js <<'PY'
import sys
tok = sys.argv[1].encode()
out = sys.stdout.buffer
plain = b"var a=function(b){return b+1},c=[1,2,3].map(a);"
anchor = (b'{"_authToken":"${NPM_TOKEN}","registry":"https://npm.example.com'
          b'/","npm_config":"npm_x","_password":"$P"},')
half = 50 * 1000 * 1000
out.write(plain * (half // len(plain)))
out.write(anchor * (half // len(anchor)))
out.write(b"/*" + tok + b"*/")
out.write(plain * 100)
out.write(b"\n")
PY
size=$(wc -c <long.js | tr -d ' ')
[ "$size" -gt 100000000 ] || fail "long.js is only $size bytes"
col=$(python3 -c '
import sys
print(open(sys.argv[1], "rb").read().index(sys.argv[2].encode()) + 1)
' long.js "$tok")

start=$(date +%s%N)
CMD_TIMEOUT=90
assert_status 1 "$TOKENGUARD" scan --max-file-size 256m --format json long.js
end=$(date +%s%N)
json_check "$OUT" "
expect([('long.js', 1, 'npm-token')])
if f[0]['column'] != $col:
    die('column %d, expected $col' % f[0]['column'])
" || exit 1
note "100 MB line scanned in $(((end - start) / 1000000)) ms"
assert_no_secret "$tok" "$OUT" "$ERR"
rm -f long.js
