#!/usr/bin/env python3
# tests/integration/advpack.py: writes a git pack holding one blob of
# SIZE zeros (a multiple of 1 MiB) and then TAIL, and its index, into
# the pack directory DIR, and prints the blob's id: in a second or two
# whatever SIZE is, for t-adv-bigblob.sh.
#
#   advpack.py DIR SIZE TAIL
#
# A block of zeros deflated and fully flushed always compresses to the
# same bytes, so the deflate stream is one block's bytes repeated; the
# zlib trailer's Adler-32 and the object's id are computed over the
# content as it goes (git index-pack would take several seconds more
# to compute them with its collision-detecting SHA-1).
import hashlib
import os
import struct
import sys
import zlib

pack_dir, body, tail = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
BLOCK = 1 << 20
size = body + len(tail)
assert body % BLOCK == 0 and body >= 2 * BLOCK

zeros = bytes(BLOCK)
c = zlib.compressobj(9, zlib.DEFLATED, -15)
first = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
again = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
assert c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH) == again
last = c.compress(tail) + c.flush(zlib.Z_FINISH)

adler = zlib.adler32(zeros)
oid = hashlib.sha1(b"blob %d\0" % size)
oid.update(zeros)
for _ in range(body // BLOCK - 1):
    adler = zlib.adler32(zeros, adler)
    oid.update(zeros)
adler = zlib.adler32(tail, adler)
oid.update(tail)

# The pack object header: type 3 (blob), then the size, 4 bits first and
# 7 bits a byte after.
n = size
hdr = bytearray([0x30 | (n & 0x0f)])
n >>= 4
while n:
    hdr[-1] |= 0x80
    hdr.append(n & 0x7f)
    n >>= 7

h = hashlib.sha1()
tmp = os.path.join(pack_dir, "tmp-advpack.pack")
with open(tmp, "wb") as f:
    crc = 0
    def put(b):
        global crc
        h.update(b)
        crc = zlib.crc32(b, crc)
        f.write(b)
    h.update(b"PACK" + struct.pack(">II", 2, 1))
    f.write(b"PACK" + struct.pack(">II", 2, 1))
    put(bytes(hdr) + b"\x78\x01")
    put(first)
    for _ in range(body // BLOCK - 1):
        put(again)
    put(last + struct.pack(">I", adler))
    f.write(h.digest())

# A version 2 index of the one object at offset 12.
name = oid.digest()
idx = b"\xfftOc" + struct.pack(">I", 2)
idx += b"".join(struct.pack(">I", 0 if i < name[0] else 1)
                for i in range(256))
idx += name + struct.pack(">I", crc) + struct.pack(">I", 12) + h.digest()
idx += hashlib.sha1(idx).digest()
base = os.path.join(pack_dir, "pack-" + h.hexdigest())
with open(base + ".idx", "wb") as f:
    f.write(idx)
os.rename(tmp, base + ".pack")
print(oid.hexdigest())
