#!/usr/bin/env python3
"""Prints the shape of a repository's history, for comparing two.

Usage: shape.py GIT_DIR [GIT_DIR...]

Reads the objects reachable from refs/heads and refs/tags (what
tests/bench/prereceive.sh pushes) and prints, one column per repository:
refs; commits, trees, blobs and tags, with their total and on-disk
sizes; tree entries; the directories and files of the newest commit's
tree and how deep its files lie; blob sizes; delta chain depths; and
what a commit changes (files, and trees written anew). Reads with git
plumbing only; nothing is written.
"""

import collections
import subprocess
import sys


def git(gd, *args, data=None):
    return subprocess.run(["git", "--git-dir=" + gd] + list(args),
                          input=data, stdout=subprocess.PIPE,
                          check=True).stdout


def pct(xs, p):
    if not xs:
        return 0
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


def shape(gd):
    s = collections.OrderedDict()
    refs = git(gd, "for-each-ref", "--format=%(objecttype) %(refname)",
               "refs/heads", "refs/tags").decode().split("\n")
    refs = [r.split(" ", 1) for r in refs if r]
    s["refs: branches"] = sum(1 for _, r in refs
                              if r.startswith("refs/heads/"))
    s["refs: tags (annotated)"] = "%d (%d)" % (
        sum(1 for _, r in refs if r.startswith("refs/tags/")),
        sum(1 for t, _ in refs if t == "tag"))
    listing = git(gd, "rev-list", "--objects", "--branches", "--tags")
    oids = b"\n".join(line[:40] for line in listing.split(b"\n") if line)
    check = git(gd, "cat-file", "--batch-check=%(objectname) %(objecttype) "
                "%(objectsize) %(objectsize:disk) %(deltabase)",
                data=oids + b"\n").decode().split("\n")
    info = {}
    for line in check:
        f = line.split()
        if len(f) == 5:
            info[f[0]] = (f[1], int(f[2]), int(f[3]), f[4])
    by = collections.defaultdict(lambda: [0, 0, 0])
    for t, size, disk, _ in info.values():
        by[t][0] += 1
        by[t][1] += size
        by[t][2] += disk
    mb = 1 << 20
    for t in ("commit", "tree", "blob", "tag"):
        n, size, disk = by[t]
        s[t + "s: count"] = n
        s[t + "s: MB (on disk)"] = "%.1f (%.1f)" % (size / mb, disk / mb)
    # Delta chain depth of every reachable object, through any base.
    depth = {}

    def chain(o):
        d, path = 0, []
        while o in info and info[o][3] != "0" * 40 and o not in depth:
            path.append(o)
            o = info[o][3]
        d = depth.get(o, 0)
        for p in reversed(path):
            d += 1
            depth[p] = d
        return depth.get(path[0], 0) if path else d
    for t in ("tree", "blob"):
        ds = sorted(chain(o) for o, v in info.items() if v[0] == t)
        deltas = [d for d in ds if d > 0]
        s[t + "s: deltified %"] = "%.0f" % (100 * len(deltas) / max(1,
                                                                  len(ds)))
        s[t + "s: chain mean / p90 / max"] = "%.1f / %d / %d" % (
            sum(ds) / max(1, len(ds)), pct(ds, 90), ds[-1] if ds else 0)
    sizes = sorted(v[1] for v in info.values() if v[0] == "blob")
    s["blob size p10 / p50 / p90"] = "%d / %d / %d" % (
        pct(sizes, 10), pct(sizes, 50), pct(sizes, 90))
    s["blob size p99 / max"] = "%d / %d" % (pct(sizes, 99), sizes[-1])
    trees = [o for o, v in info.items() if v[0] == "tree"]
    entries = []
    out = git(gd, "cat-file", "--batch", data="\n".join(trees).encode()
              + b"\n")
    pos = 0
    while pos < len(out):
        nl = out.index(b"\n", pos)
        size = int(out[pos:nl].split()[2])
        body = out[nl + 1:nl + 1 + size]
        pos = nl + 1 + size + 1
        n, i = 0, 0
        while i < len(body):
            i = body.index(b"\0", i) + 21
            n += 1
        entries.append(n)
    entries.sort()
    s["tree entries mean / p50 / p90"] = "%.1f / %d / %d" % (
        sum(entries) / max(1, len(entries)), pct(entries, 50),
        pct(entries, 90))
    tip = git(gd, "for-each-ref", "--sort=-committerdate", "--count=1",
              "--format=%(objectname)", "refs/heads").decode().strip()
    kinds = git(gd, "ls-tree", "-r", "-t", tip).decode().split("\n")
    dirs = sum(1 for k in kinds if k.split(" ")[1:2] == ["tree"])
    paths = [k.split("\t", 1)[1] for k in kinds
             if k.split(" ")[1:2] == ["blob"]]
    dep = sorted(p.count("/") for p in paths)
    s["newest tree: dirs / files"] = "%d / %d" % (dirs, len(paths))
    s["newest tree: file depth mean / max"] = "%.1f / %d" % (
        sum(dep) / max(1, len(dep)), dep[-1] if dep else 0)
    # What a commit changes: files, and trees written anew.
    diff = git(gd, "log", "--branches", "--tags", "--no-merges",
               "--format=tformat:C", "--raw", "-r", "-t", "--no-renames",
               "--no-abbrev").decode().split("\n")
    per, tper, cur = [], [], None
    for line in diff:
        if line == "C":
            if cur is not None:
                per.append(cur[0])
                tper.append(cur[1])
            cur = [0, 0]
        elif line.startswith(":") and cur is not None:
            if line.split(" ")[1] == "040000":
                cur[1] += 1
            else:
                cur[0] += 1
    if cur is not None:
        per.append(cur[0])
        tper.append(cur[1])
    per.sort()
    tper.sort()
    s["commit: files changed p50 / p90 / mean"] = "%d / %d / %.1f" % (
        pct(per, 50), pct(per, 90), sum(per) / max(1, len(per)))
    s["commit: trees changed p50 / p90 / mean"] = "%d / %d / %.1f" % (
        pct(tper, 50), pct(tper, 90), sum(tper) / max(1, len(tper)))
    return s


def main():
    cols = [shape(gd) for gd in sys.argv[1:]]
    if not cols:
        sys.exit("usage: shape.py GIT_DIR [GIT_DIR...]")
    w = max(len(k) for k in cols[0])
    print("%-*s  %s" % (w, "", "  ".join("%-22s" % gd.rstrip("/")[-22:]
                                         for gd in sys.argv[1:])))
    for k in cols[0]:
        print("%-*s  %s" % (w, k, "  ".join("%-22s" % c[k] for c in cols)))


if __name__ == "__main__":
    main()
