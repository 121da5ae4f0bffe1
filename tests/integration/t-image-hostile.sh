#!/bin/sh
# scan --image on images written by hand (python3 tarfile, following the
# docker-archive format): whiteouts and opaque directories in gzip and
# zstd layers, then hostile archives: path traversal, links out of the
# image root, a truncated layer, a member claiming to be huge, a
# decompression bomb, a manifest pointing outside the archive, and a tar
# that is no image. Each gives a clear error naming the image and the
# layer (exit 2), tokens found on the way are still reported, and
# nothing is written to disk.
. "$(dirname "$0")/lib.sh"

command -v zstd >/dev/null 2>&1 || fail "zstd is needed"

ta=$(gen_token 1601) || fail "gen_token"
tb=$(gen_token 1602) || fail "gen_token"
tc=$(gen_token 1603) || fail "gen_token"
td=$(gen_token 1604) || fail "gen_token"
te=$(gen_token 1605) || fail "gen_token"

# mkimage.py OUT SPEC: a docker-archive whose layers are SPEC's, each a
# list of (name, kind, data) with kind file, dir, link (symlink),
# hard (hard link) or huge (a header claiming data); compression gz,
# zstd, none or trunc (gzip cut in half).
cat >mkimage.py <<'PY'
import hashlib, io, json, subprocess, sys, tarfile
out, spec = sys.argv[1], json.loads(sys.argv[2])
def layer_tar(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for name, kind, data in entries:
            ti = tarfile.TarInfo(name)
            ti.mtime = 0
            if kind == "file":
                b = data.encode()
                ti.size = len(b)
                t.addfile(ti, io.BytesIO(b))
            elif kind == "dir":
                ti.type = tarfile.DIRTYPE
                t.addfile(ti)
            elif kind == "link":
                ti.type = tarfile.SYMTYPE
                ti.linkname = data
                t.addfile(ti)
            elif kind == "hard":
                ti.type = tarfile.LNKTYPE
                ti.linkname = data
                t.addfile(ti)
            elif kind == "huge":
                ti.size = 10 << 30
                buf.write(ti.tobuf(format=tarfile.GNU_FORMAT))
                buf.write(data.encode().ljust(1024, b"\n"))
                return buf.getvalue()
    return buf.getvalue()
def compress(raw, how):
    if how == "none":
        return raw
    if how in ("gz", "trunc"):
        import gzip
        z = gzip.compress(raw)
        return z[: len(z) // 2] if how == "trunc" else z
    return subprocess.run(["zstd", "-q", "-c"], input=raw,
                          stdout=subprocess.PIPE, check=True).stdout
layers, diff_ids, history = [], [], []
with tarfile.open(out, "w") as img:
    def add(name, b):
        ti = tarfile.TarInfo(name)
        ti.size = len(b)
        img.addfile(ti, io.BytesIO(b))
    for i, l in enumerate(spec["layers"]):
        raw = layer_tar(l["entries"])
        blob = compress(raw, l.get("compress", "none"))
        diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
        name = l.get("member", "%d/layer.tar" % i)
        if "member" not in l:
            add(name, blob)
        layers.append(name)
        history.append({"created_by": "/bin/sh -c #(nop) ENV X=%d" % i,
                        "empty_layer": True})
        history.append({"created_by": "COPY layer%d /" % (i + 1)})
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "config": {"Env": ["PATH=/bin"]},
                      "rootfs": {"type": "layers", "diff_ids": diff_ids},
                      "history": history}).encode()
    add("config.json", cfg)
    add("manifest.json", json.dumps([{"Config": "config.json",
        "RepoTags": ["hand/made:1"], "Layers": layers}]).encode())
PY
mkimage()
{
	python3 mkimage.py "$1" "$2" || fail "mkimage.py $1"
}

# Whiteouts: layer 2 (gzip) makes /etc/app opaque and deletes /srv/x;
# layer 3 (zstd) deletes /opt/y/.npmrc. /keep/.npmrc stays.
mkimage wh.tar '{"layers": [
 {"compress": "gz", "entries": [
  ["etc/app/", "dir", ""],
  ["etc/app/.npmrc", "file", "//r/:_authToken='"$ta"'\n"],
  ["srv/x/token.txt", "file", "NPM_TOKEN='"$tb"'\n"],
  ["./keep/.npmrc", "file", "//r/:_authToken='"$tc"'\n"],
  ["opt/y/.npmrc", "file", "//r/:_authToken='"$td"'\n"]]},
 {"compress": "gz", "entries": [
  ["etc/app/.wh..wh..opq", "file", ""],
  ["etc/app/new.txt", "file", "hello\n"],
  ["srv/.wh.x", "file", ""]]},
 {"compress": "zstd", "entries": [
  ["opt/y/.wh..npmrc", "file", ""]]}]}'
find . | sort >before.txt
assert_status 1 "$TOKENGUARD" scan --format json --image wh.tar
json_check "$OUT" "
got = sorted((d['path'], d['layer'], d.get('deleted_in_layer'),
              d.get('still_in_image')) for d in f)
want = sorted([('/etc/app/.npmrc', 1, 2, True), ('/srv/x/token.txt', 1, 2, True),
               ('/keep/.npmrc', 1, None, None), ('/opt/y/.npmrc', 1, 3, True)])
if got != want:
    die('got %r' % got)
for d in f:
    if d['created_by'] != 'COPY layer1 /' or d['image_name'] != 'hand/made:1':
        die('history or name: %r' % d)
"
assert_status 1 "$TOKENGUARD" scan --image wh.tar
assert_contains "$OUT" "wh.tar:layer1:/opt/y/.npmrc:1:"
assert_contains "$OUT" "    added in layer 1, deleted in layer 3: still in the image"

# A user rule that hits the PCRE2 match limit: a warning naming the
# image, the layer and the file, even with -q; not trouble.
printf '[rule "slow"]\n\tpattern = ^(a+)+$\n\tkeyword = aaaa\n' >rules.conf
slow=$(python3 -c 'print(("a" * 30 + "!\\n") * 40, end="")')
mkimage slow.tar '{"layers": [{"entries": [
  ["srv/slow.txt", "file", "'"$slow"'"]]}]}'
assert_status 0 "$TOKENGUARD" scan -q --config rules.conf --image slow.tar
assert_contains "$ERR" "slow.tar:layer1:/srv/slow.txt: warning: user rule 'slow' hit the PCRE2 match limit on "

# Path traversal: an error naming image, layer and entry; the token in it
# is still reported, and exit 2 wins over 1.
mkimage trav.tar '{"layers": [{"entries": [
  ["../../tg-evil/.npmrc", "file", "//r/:_authToken='"$te"'\n"]]}]}'
assert_status 2 "$TOKENGUARD" scan --image trav.tar
assert_contains "$ERR" "trav.tar: layer 1 (sha256:"
assert_contains "$ERR" "entry '../../tg-evil/.npmrc': name leaves the image root"
assert_contains "$OUT" "trav.tar:layer1:../../tg-evil/.npmrc:1:"
[ -e "$scratch/../../tg-evil" ] || [ -e /tg-evil ] &&
    fail "something was extracted"

# Links out of the image root.
mkimage links.tar '{"layers": [{"entries": [
  ["etc/", "dir", ""],
  ["etc/h", "hard", "../../etc/shadow"],
  ["etc/s", "link", "../../../../etc/passwd"],
  ["etc/ok", "link", "/etc/passwd"],
  ["usr/lib/ok2", "link", "../../etc/passwd"]]}]}'
assert_status 2 "$TOKENGUARD" scan --image links.tar
assert_contains "$ERR" "entry '/etc/h': hard link to a name outside the image root"
assert_contains "$ERR" "entry '/etc/s': symbolic link out of the image root"
assert_not_contains "$ERR" "/etc/ok"
assert_not_contains "$ERR" "ok2"

# A truncated layer.
mkimage trunc.tar '{"layers": [{"compress": "trunc", "entries": [
  ["a/.npmrc", "file", "//r/:_authToken='"$ta"'\n"],
  ["b/big", "file", "'"$(head -c 90000 /dev/urandom | base64 -w 76 |
    tr -d '\n/+=' | head -c 60000)"'"]]}]}'
assert_status 2 "$TOKENGUARD" scan --image trunc.tar
assert_contains "$ERR" "trunc.tar: layer 1 (sha256:"
grep -q -i "truncat\|damaged\|premature\|unexpected end" "$ERR" ||
    fail "no word of truncation: $(cat "$ERR")"

# A member claiming 10 GiB that the archive does not hold.
mkimage huge.tar '{"layers": [{"entries": [
  ["big.bin", "huge", "x"]]}]}'
assert_status 2 "$TOKENGUARD" scan --image huge.tar
assert_contains "$ERR" "huge.tar: layer 1 (sha256:"
assert_contains "$ERR" "big.bin"

# A decompression bomb: 1.2 GiB of zeros in a few kilobytes of zstd.
truncate -s 1200m zeros || fail "truncate"
tar cf - zeros | zstd -q -c >bomb.layer || fail "zstd"
rm zeros
python3 - <<'PY' || fail "bomb image"
import hashlib, io, json, tarfile
blob = open("bomb.layer", "rb").read()
with tarfile.open("bomb.tar", "w") as img:
    def add(name, b):
        ti = tarfile.TarInfo(name)
        ti.size = len(b)
        img.addfile(ti, io.BytesIO(b))
    add("l.tar.zst", blob)
    add("c.json", json.dumps({"rootfs": {"diff_ids": ["sha256:" + "0" * 64]},
                              "history": [{"created_by": "x"}]}).encode())
    add("manifest.json", json.dumps([{"Config": "c.json",
                                      "Layers": ["l.tar.zst"]}]).encode())
PY
rm bomb.layer
CMD_TIMEOUT=120 assert_status 2 "$TOKENGUARD" scan --image bomb.tar
assert_contains "$ERR" "bomb.tar: layer 1 ("
assert_contains "$ERR" "decompression bomb"

# A manifest naming a layer outside the archive.
mkimage out.tar '{"layers": [{"member": "../../etc/passwd", "entries": []}]}'
assert_status 2 "$TOKENGUARD" scan --image out.tar
assert_contains "$ERR" "out.tar: layer 1 ("
assert_contains "$ERR" "member '../../etc/passwd': not a relative path inside the archive"

# Not an image at all; a directory that is no OCI layout.
mkdir -p notimg
printf 'x\n' >notimg/file
tar cf notimg.tar notimg || fail "tar"
assert_status 2 "$TOKENGUARD" scan --image notimg.tar
assert_contains "$ERR" "notimg.tar: not a container image"
assert_status 2 "$TOKENGUARD" scan --image notimg
assert_contains "$ERR" "notimg: 'index.json'"

# Nothing was written by the scans.
find . | sort >after.txt
grep -v -x -F -f before.txt after.txt |
    grep -v -e '^\./\(slow\|rules\|trav\|links\|trunc\|huge\|bomb\|out\|notimg\)' \
    -e '^\./\(before\|after\)\.txt$' -e '^\./\.\(out\|err\)$' >new.txt
[ -s new.txt ] && fail "files appeared: $(cat new.txt)"
exit 0
