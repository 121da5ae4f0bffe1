#!/usr/bin/env python3
# tests/integration/advbig.py: writes the big text file of
# t-adv-bigfile.sh and the findings expected in it.
#
#   advbig.py OUT EXPECT SIZE LONG TOKENS
#
# OUT gets SIZE bytes: 64-byte text lines, then from 96 MiB (or a third
# of SIZE when smaller) one line of LONG bytes with no newline inside,
# then 64-byte lines again; the last line has no newline and ends with a
# token. Tokens (one per line of the file TOKENS, each used once) are
# planted at offset 0, at the end, at both ends of the long line, at
# every multiple of 4 MiB, and on both sides of every boundary between
# the windows tokenguard reads the file in (common/filescan.c, simulated
# here): in the text lines a boundary follows a newline, so tokens end
# just before it and start just after it; inside the long line windows
# end at a fixed distance from the buffer's end, and tokens straddle
# those boundaries at several offsets. EXPECT gets one JSON object:
# {"findings": [[offset, line, column], ...], "boundaries": [...]}.
import json
import sys

KEEP = 1 << 20
STEP = 4 << 20
MARGIN = 1 << 20
CAP = KEEP + STEP + MARGIN
MIB = 1 << 20
TOKLEN = 40

out_path, expect_path = sys.argv[1], sys.argv[2]
size, long_len = int(sys.argv[3]), int(sys.argv[4])
tokens = [t.strip().encode() for t in open(sys.argv[5]) if t.strip()]

a_end = min(96 * MIB, size // 3) // 64 * 64
b_end = a_end + long_len          # the long line's newline is at b_end - 1
assert long_len % 64 == 0 and (size - b_end) % 64 == 0 and size > b_end

LINES = b"".join(
    (b"%-63s\n" % s)[:64] for s in [
        b"export const value = compute(alpha, beta) + gamma;",
        b"  if (config.registry) { fetch(config.registry, opts); }",
        b"# registry=https://npm.example.com/ always-auth=false",
        b"lorem ipsum dolor sit amet, consectetur adipiscing elit",
        b"registry: ${REGISTRY_URL} # npm publish --access public",
        b"    return Object.keys(map).filter(Boolean).length;",
        b"| name | version | license | downloads | stars |",
        b"id: 3f2c1a9e-7b44-4c1e-9d0f-2a6b8c1d5e7f  # a request id",
    ])
LONG = (b'var a=function(b){return b+1},c=[1,2,3].map(a);'
        b'{"registry":"https://npm.example.com/","_x":"$P"},')


def last_nl(lo, hi):
    """The largest newline offset p with lo <= p < hi, or None."""
    best = None
    top = min(hi, a_end)
    if top > lo:
        p = (top - 1 - 63) // 64 * 64 + 63
        if p >= lo and p >= 0:
            best = p
    if lo <= b_end - 1 < hi:
        best = b_end - 1
    top = min(hi, size - 1)        # the last line has no newline
    if top > b_end and top > lo:
        p = b_end + (top - 1 - b_end - 63) // 64 * 64 + 63
        if p >= lo and p >= b_end:
            best = p
    return best


def boundaries():
    """Where filescan_fd_size() ends each window but the last."""
    res, frm, out = 0, 0, []
    while True:
        length = min(CAP, size - res)
        if res + length == size:
            return out
        p = last_nl(res + frm, res + length - MARGIN)
        to = p - res + 1 if p is not None else length - MARGIN
        out.append(res + to)
        keep = to - KEEP if to > KEEP else 0
        res += keep
        frm = to - keep


def is_nl(off):
    if off < a_end:
        return off % 64 == 63
    if off < b_end:
        return off == b_end - 1
    return off != size - 1 and (off - b_end) % 64 == 63


spans = []                          # planted [start, end) with borders


def place(start):
    """Plants the next token at start if it fits; returns whether."""
    end = start + TOKLEN
    if start < 0 or end > size:
        return False
    if any(is_nl(o) for o in range(start, end)):
        return False
    lo, hi = start - 1, end + 1     # the borders must stay free too
    for s, e in spans:
        if lo < e and s < hi:
            return False
    spans.append((start, end))
    return True


bounds = boundaries()
place(0)
place(size - TOKLEN)
place(a_end)
place(b_end - 1 - TOKLEN)
cycle = [1, 2, 20, 39, 40, 41, 0, 13]
for i, b in enumerate(bounds):
    if is_nl(b - 1):
        place(b - 1 - TOKLEN)       # ends right before the newline
        place(b)                    # starts the next window's first line
    else:
        place(b - cycle[i % len(cycle)])
for k in range(1, size // STEP + 1):
    o = k * STEP
    # In the text lines, move to the next line start when it does not fit.
    if not place(o) and o < size:
        place(o - o % 64 + 64 if not (a_end <= o < b_end) else o + 50)
spans.sort()
if len(spans) > len(tokens):
    sys.exit("advbig.py: %d tokens needed, %d given" % (len(spans),
                                                          len(tokens)))

lines_block = LINES * (CAP // len(LINES) + 2)
long_block = LONG * (CAP // len(LONG) + 2)


def content(start, end):
    """The file's bytes [start, end) before the tokens."""
    parts = []
    o = start
    while o < end:
        if o < a_end:
            e = min(end, a_end)
            ph = o % len(LINES)
            parts.append(lines_block[ph:ph + e - o])
        elif o < b_end:
            e = min(end, b_end)
            ph = (o - a_end) % len(LONG)
            chunk = bytearray(long_block[ph:ph + e - o])
            if e == b_end:
                chunk[-1:] = b"\n"
            parts.append(bytes(chunk))
        else:
            e = end
            ph = (o - b_end) % len(LINES)
            parts.append(lines_block[ph:ph + e - o])
        o = e
    return b"".join(parts)


found = []
nl_before = 0       # newlines before the chunk
col_carry = 0       # bytes of the current line before the chunk
si = 0
with open(out_path, "wb") as f:
    pos = 0
    chunk_size = 4 * MIB
    while pos < size:
        end = min(size, pos + chunk_size)
        buf = bytearray(content(pos, end))
        # Tokens overlapping this chunk, with their borders.
        for n, (s, e) in enumerate(spans):
            if e + 1 <= pos or s - 1 >= end:
                continue
            tok = tokens[n]
            for o in range(max(s, pos), min(e, end)):
                buf[o - pos] = tok[o - s]
            for o in (s - 1, e):
                if pos <= o < end and 0 <= o < size and \
                        buf[o - pos] != 0x0a:
                    buf[o - pos] = 0x20
        if end == size:
            assert buf[-1] != 0x0a
        for n, (s, e) in enumerate(spans):
            if pos <= s < end:
                line = nl_before + buf.count(b"\n", 0, s - pos) + 1
                p = buf.rfind(b"\n", 0, s - pos)
                col = s - pos - p if p >= 0 else col_carry + s - pos + 1
                found.append([s, line, col])
        nl = buf.count(b"\n")
        p = buf.rfind(b"\n")
        col_carry = len(buf) - p - 1 if p >= 0 else col_carry + len(buf)
        nl_before += nl
        f.write(buf)
        pos = end

with open(expect_path, "w") as f:
    json.dump({"findings": found, "boundaries": bounds, "a_end": a_end,
               "b_end": b_end}, f)
