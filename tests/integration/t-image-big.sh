#!/bin/sh
# scan --image on a 1 GiB image (256 MiB under sanitizers) with one token
# at its very end: a zstd layer holding one big text file whose last
# line has the token, under a small gzip layer, in an OCI layout written
# by python3. The token is found at its line, and the scan's peak memory
# (maximum resident set) stays far below the layer's size: layers are
# streamed, never held whole. --max-file-size larger than the file, so
# that it is read to the end.
. "$(dirname "$0")/lib.sh"

command -v zstd >/dev/null 2>&1 || fail "zstd is needed"
tok=$(gen_token 1701) || fail "gen_token"
mib=1024
[ "$SAN_BUILD" = 1 ] && mib=256

lines=$(python3 - "$mib" "$tok" <<'PY'

import gzip, hashlib, io, json, os, subprocess, sys, tarfile
mib, tok = int(sys.argv[1]), sys.argv[2]
line = b"  const config = { retries: 3, registry: 'https://registry.npmjs.org/' };\n"
last = ("//registry.npmjs.org/:_authToken=%s\n" % tok).encode()
size = mib << 20
body_lines = (size - len(last)) // len(line)
size = body_lines * len(line) + len(last)
class Body:
    """The file's bytes, read in pieces: lines, then the token's."""
    def __init__(self):
        self.left = body_lines
        self.tail = last
        self.buf = b""
    def read(self, n):
        while len(self.buf) < n and (self.left > 0 or self.tail):
            if self.left > 0:
                k = min(self.left, n // len(line) + 1)
                self.left -= k
                self.buf += line * k
            else:
                self.buf += self.tail
                self.tail = b""
        out, self.buf = self.buf[:n], self.buf[n:]
        return out
os.makedirs("oci/blobs/sha256")
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    open("oci/blobs/sha256/" + d, "wb").write(data)
    return {"digest": "sha256:" + d, "size": len(data)}
small = io.BytesIO()
with tarfile.open(fileobj=small, mode="w") as t:
    ti = tarfile.TarInfo("etc/motd")
    ti.size = 6
    t.addfile(ti, io.BytesIO(b"hello\n"))
l1 = blob(gzip.compress(small.getvalue()))
l1["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
z = subprocess.Popen(["zstd", "-q", "-1", "-c"], stdin=subprocess.PIPE,
                     stdout=open("big.zst", "wb"))
with tarfile.open(fileobj=z.stdin, mode="w|") as t:
    ti = tarfile.TarInfo("srv/app/big.js")
    ti.size = size
    t.addfile(ti, Body())
z.stdin.close()
if z.wait() != 0:
    sys.exit("zstd failed")
h = hashlib.sha256()
with open("big.zst", "rb") as f:
    for b in iter(lambda: f.read(1 << 20), b""):
        h.update(b)
d = h.hexdigest()
os.rename("big.zst", "oci/blobs/sha256/" + d)
l2 = {"mediaType": "application/vnd.oci.image.layer.v1.tar+zstd",
      "digest": "sha256:" + d, "size": os.path.getsize("oci/blobs/sha256/" + d)}
cfg = blob(json.dumps({"rootfs": {"type": "layers", "diff_ids": []},
    "history": [{"created_by": "COPY motd /etc/"},
                {"created_by": "COPY big.js /srv/app/"}]}).encode())
cfg["mediaType"] = "application/vnd.oci.image.config.v1+json"
man = blob(json.dumps({"schemaVersion": 2, "config": cfg,
                       "layers": [l1, l2]}).encode())
man["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
json.dump({"schemaVersion": 2, "manifests": [man]}, open("oci/index.json", "w"))
open("oci/oci-layout", "w").write('{"imageLayoutVersion": "1.0.0"}')
print(body_lines + 1)
PY
) || fail "cannot write the image"

# Peak memory of the scan: the maximum resident set of the child.
cat >rss.py <<'PY'
import resource, subprocess, sys
with open(sys.argv[1], "wb") as out, open(sys.argv[2], "wb") as err:
    rc = subprocess.run(sys.argv[3:], stdout=out, stderr=err).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)
PY
CMD_TIMEOUT=600 assert_status 1 python3 rss.py out.json err.txt \
    "$TOKENGUARD" scan --format json --max-file-size 2g --image oci
rss_kib=$(cat "$OUT")
json_check out.json "
if len(f) != 1:
    die('want one finding, got %r' % f)
d = f[0]
if (d['path'], d['layer'], d['line']) != ('/srv/app/big.js', 2, $lines):
    die('finding %r, want line $lines of /srv/app/big.js in layer 2' % d)
"
note "peak RSS ${rss_kib} KiB scanning a $mib MiB layer"
limit=65536
[ "$SAN_BUILD" = 1 ] && limit=524288
[ "$rss_kib" -lt "$limit" ] ||
    fail "peak RSS ${rss_kib} KiB: the layer seems held in memory"
exit 0
