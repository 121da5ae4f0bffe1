#!/bin/sh
# scan --image on images built by podman (FROM scratch, vfs storage,
# chroot isolation: no daemon, no network) and converted by skopeo:
# docker-archive (podman save), oci-archive, an OCI layout directory, and
# one with zstd layers. The image holds a token in an .npmrc that a later
# layer deletes, one in ENV, one in a build argument (kept in the
# history of the RUN steps), one in a file that stays, and one in a
# LABEL. Every format gives the same findings; the deleted file is
# reported as still in the image; output formats, allowlist, -j and the
# exit statuses are those of the file scan.
. "$(dirname "$0")/lib.sh"

for t in podman skopeo busybox; do
	command -v "$t" >/dev/null 2>&1 ||
	    fail "$t is needed (install.sh TEST_PACKAGES)"
done

t_npmrc=$(gen_token 1501) || fail "gen_token"
t_env=$(gen_token 1502) || fail "gen_token"
t_arg=$(gen_token 1503) || fail "gen_token"
t_app=$(gen_token 1504 ghp_) || fail "gen_token"
t_label=$(gen_token 1505) || fail "gen_token"

TMPDIR=$scratch/tmp
export TMPDIR
mkdir -p "$TMPDIR" ctx clean bin
# podman on PATH names this test's store: the system's is left alone.
printf '#!/bin/sh\nexec "%s" --storage-driver vfs --root "%s" --runroot "%s" "$@"\n' \
    "$(command -v podman)" "$scratch/store" "$scratch/run" >bin/podman
chmod +x bin/podman
PATH=$scratch/bin:$PATH
export PATH
# tool WHAT CMD...: runs a build tool, whose output shows the tokens (the
# build steps): not through run_cmd, and its log redacted on failure.
tool()
{
	_what=$1
	shift
	if ! timeout -k 5 300 "$@" >tool.log 2>&1; then
		sed 's/\([a-z]\{3\}_[A-Za-z0-9]\{4\}\)[A-Za-z0-9]*/\1.../g' \
		    tool.log | tail -20 >&2
		fail "$_what failed"
	fi
}

cp "$(command -v busybox)" ctx/busybox
mkdir -p ctx/app/config
printf '//registry.npmjs.org/:_authToken=%s\n' "$t_npmrc" >ctx/npmrc
printf 'module.exports = {\n  token: "%s",\n};\n' "$t_app" \
    >ctx/app/config/publish.js
printf 'hello\n' >ctx/app/README
cat >ctx/Containerfile <<EOF
FROM scratch
COPY busybox /bin/sh
COPY npmrc /root/.npmrc
ENV NPM_TOKEN=$t_env
LABEL org.example.publish=$t_label
ARG NPM_TOKEN2
RUN /bin/sh -c "echo built > /built"
COPY app/ /app/
RUN /bin/sh -c "rm /root/.npmrc"
CMD ["/bin/sh"]
EOF
tool "podman build" podman build --isolation chroot \
    --build-arg "NPM_TOKEN2=$t_arg" -t tg-image-test ctx
tool "podman save" podman save -o img.tar tg-image-test

# A clean image: exit 0.
cp ctx/busybox clean/busybox
printf 'FROM scratch\nCOPY busybox /bin/sh\nENV A=1\n' >clean/Containerfile
tool "podman build (clean)" podman build --isolation chroot -t tg-clean clean
tool "podman save (clean)" podman save -o clean.tar tg-clean
assert_status 0 "$TOKENGUARD" scan --image clean.tar
assert_contains "$ERR" "no findings"

# Conversions with skopeo.
tool "skopeo to oci-archive" skopeo copy -q docker-archive:img.tar \
    oci-archive:img-oci.tar
tool "skopeo to oci" skopeo copy -q docker-archive:img.tar \
    oci:img-oci:latest
tool "skopeo to oci (zstd)" skopeo copy -q --dest-compress-format zstd \
    docker-archive:img.tar oci:img-zstd:latest
python3 - img-zstd <<'PY' || fail "img-zstd has no zstd layer"
import json, sys
d = sys.argv[1]
idx = json.load(open(d + "/index.json"))
dg = idx["manifests"][0]["digest"].replace(":", "/")
m = json.load(open(d + "/blobs/" + dg))
if not any(l["mediaType"].endswith("+zstd") for l in m["layers"]):
    sys.exit("no +zstd layer: %r" % [l["mediaType"] for l in m["layers"]])
PY

# Layers, bottom first: 1 /bin/sh, 2 /root/.npmrc, 3 /built,
# 4 /app, 5 the whiteout of /root/.npmrc.
for img in img.tar img-oci.tar img-oci img-zstd; do
	assert_status 1 "$TOKENGUARD" scan --format json --image "$img"
	cp "$OUT" "$img.json"
	json_check "$img.json" "
img = '$img'
fmt = {'img.tar': 'docker-archive', 'img-oci.tar': 'oci-archive',
       'img-oci': 'oci', 'img-zstd': 'oci'}[img]
got = sorted((d['path'], d['line'], d.get('layer'),
              d.get('deleted_in_layer'), d.get('config')) for d in f)
want = sorted([
    ('/root/.npmrc', 1, 2, 5, None),
    ('/app/config/publish.js', 2, 4, None, None),
    ('config.Env', 2, None, None, 'Env'),
    ('config.Labels', 2, None, None, 'Labels'),
    # history: 3 ENV, 4 LABEL (no layer), and the build argument in
    # both RUN steps (6 made layer 3, 8 layer 5)
    ('history', 3, None, None, 'history'),
    ('history', 4, None, None, 'history'),
    ('history', 6, 3, None, 'history'),
    ('history', 8, 5, None, 'history'),
])
if got != want:
    die('findings of %s:\n got  %r\n want %r' % (img, got, want))
for d in f:
    if d['image'] != img or d['image_format'] != fmt:
        die('image fields: %r' % d)
    if 'layer' in d and not d.get('layer_digest', '').startswith('sha256:'):
        die('no layer digest: %r' % d)
npmrc = [d for d in f if d['path'] == '/root/.npmrc'][0]
if npmrc.get('still_in_image') is not True:
    die('deleted .npmrc not still_in_image: %r' % npmrc)
if 'COPY' not in npmrc.get('created_by', ''):
    die('no COPY instruction for the .npmrc layer: %r' % npmrc)
app = [d for d in f if d['path'] == '/app/config/publish.js'][0]
if 'still_in_image' in app:
    die('a file still present marked deleted: %r' % app)
"
done

# The same findings, fingerprints and digests of uncompressed layers
# whatever the format (the zstd layers have their own digests).
python3 - <<'PY' || fail "formats disagree"
import json
def load(n):
    return sorted((d['path'], d['line'], d['fingerprint'],
                   d.get('layer'), d.get('deleted_in_layer'))
                  for d in map(json.loads, open(n)))
a = load('img.tar.json')
for n in ('img-oci.tar.json', 'img-oci.json', 'img-zstd.json'):
    if load(n) != a:
        raise SystemExit('%s differs from img.tar.json' % n)
PY

# Text: the layer, its instruction and the deletion, indented.
assert_status 1 "$TOKENGUARD" scan --image img.tar
assert_contains "$OUT" "img.tar:layer2:/root/.npmrc:1:"
assert_contains "$OUT" "    added in layer 2, deleted in layer 5: still in the image"
assert_contains "$OUT" "img.tar:config.Env:2:"
assert_contains "$OUT" "img.tar:history:6:"
assert_contains "$OUT" "    this history entry made layer 3 (sha256:"
grep -q '^    layer 2 (sha256:[0-9a-f]\{64\}) made by: .*COPY' "$OUT" ||
    fail "no layer line with its instruction"
# The history holds the build argument: never shown as an instruction.
grep 'made by:' "$OUT" | grep -q 'NPM_TOKEN2' &&
    fail "an instruction holding a secret was shown"
assert_contains "$ERR" "8 findings in 5 files"
assert_no_secret "$t_arg" "$OUT" "$ERR"

# -j does not change the output.
assert_status 1 "$TOKENGUARD" scan -j 1 --image img-oci
cp "$OUT" j1.txt
assert_status 1 "$TOKENGUARD" scan -j 8 --image img-oci
cmp -s j1.txt "$OUT" || fail "-j 1 and -j 8 differ"

# SARIF: the location names the image, the layer and the path.
assert_status 1 "$TOKENGUARD" scan --format sarif --image img-zstd
python3 - "$OUT" "$TESTS_DIR/sarif-schema-2.1.0.json" <<'PY' ||
import json, sys
doc = json.load(open(sys.argv[1]))
try:
    import jsonschema
except ImportError:
    jsonschema = None
if jsonschema is not None:
    jsonschema.validate(doc, json.load(open(sys.argv[2])))
res = doc['runs'][0]['results']
if len(res) != 8:
    raise SystemExit('%d results' % len(res))
r = [x for x in res if x['properties'].get('layer') == 2 and
     'config' not in x['properties']][0]
loc = r['locations'][0]
if loc['logicalLocations'][0]['fullyQualifiedName'] != \
        'img-zstd:layer2:/root/.npmrc':
    raise SystemExit('logical location %r' % loc['logicalLocations'])
if 'layer2' not in loc['physicalLocation']['artifactLocation']['uri']:
    raise SystemExit('uri %r' % loc['physicalLocation'])
if r['properties'].get('deleted_in_layer') != 5:
    raise SystemExit('properties %r' % r['properties'])
PY
    fail "SARIF check"

# An allowlist by fingerprint applies as in the file scan.
fp=$(sha256_of "$t_env") || fail "sha256_of"
printf '%s\n' "$fp" >.tokenguard-allow
assert_status 1 "$TOKENGUARD" scan --format json --image img.tar
assert_not_contains "$OUT" "config.Env"
assert_not_contains "$OUT" '"line":3,'
assert_lines 6 "$OUT"
rm .tokenguard-allow

# Several images: findings of both, exit 1; a missing one: exit 2.
assert_status 1 "$TOKENGUARD" scan -q --image clean.tar img-oci.tar
assert_contains "$OUT" "img-oci.tar:layer2:/root/.npmrc"
assert_status 2 "$TOKENGUARD" scan -q --image img.tar missing.tar
assert_contains "$ERR" "missing.tar: cannot open"
assert_contains "$OUT" "img.tar:layer2:/root/.npmrc"

# Progress on a terminal (standard error on a pseudo-terminal): a line
# naming the image and its layers, erased; standard output unchanged.
command -v script >/dev/null 2>&1 || fail "script(1) is needed"
assert_status 1 "$TOKENGUARD" scan -q --image img-oci
cp "$OUT" plain.txt
TOKENGUARD_PROGRESS_DELAY=0 TERM=xterm assert_status 1 script -qfec \
    "'$TOKENGUARD' scan --image img-oci >tty.txt" /dev/null
assert_contains "$OUT" "tokenguard: img-oci: 0/5 layers, 0 B scanned"
printf '\r\033[K' >erase.txt
assert_contains "$OUT" "$(cat erase.txt)"
cmp -s plain.txt tty.txt || fail "standard output differs on a terminal"
TOKENGUARD_PROGRESS_DELAY=0 TERM=xterm assert_status 1 script -qfec \
    "'$TOKENGUARD' scan -q --image img-oci >tty.txt" /dev/null
assert_not_contains "$OUT" "layers,"

# The loop over a host's images of docs/scan.md (podman save to a
# temporary file), run as it is on this test's store (podman on PATH names
# it; tokenguard is the build's).
python3 - "$TESTS_DIR/../../docs/scan.md" >loop.sh <<'PY' ||
import sys
text = open(sys.argv[1]).read()
part = text.split("### All the images on a host", 1)[1]
code = part.split("```sh\n", 1)[1].split("```", 1)[0]
sys.stdout.write(code)
PY
    fail "no loop in docs/scan.md"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$TOKENGUARD" >bin/tokenguard
chmod +x bin/tokenguard
CMD_TIMEOUT=300 assert_status 1 sh loop.sh
assert_contains "$OUT" "== localhost/tg-image-test:latest"
assert_contains "$OUT" "== localhost/tg-clean:latest"
assert_contains "$OUT" ":layer2:/root/.npmrc:1:"

# Usage.
assert_status 2 "$TOKENGUARD" scan --image
assert_contains "$ERR" "--image needs an image PATH"
assert_status 2 "$TOKENGUARD" scan --image --git img.tar
assert_status 2 "$TOKENGUARD" scan --image - <img.tar
assert_contains "$ERR" "-: an image is not read from standard input"
exit 0
