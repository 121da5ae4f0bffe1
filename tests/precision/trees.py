#!/usr/bin/env python3
"""Measure `tokenguard scan` on the trees of real repositories.

    trees.py TOKENGUARD DIR...

Scans each DIR (a checkout of a public repository, never committed here)
with --show-dummies and prints, per tree, the number of files, findings
by rule and values set aside; then every finding other than private-key
(a test key pair in a repository is a finding by design), as
PATH:LINE RULE [REDACTED], to be checked by hand in the file. Ends with one line:
    trees: N findings other than private-key, M private-key, D set aside
Exit 0 (a measurement); 2 when a scan could not run.
"""
import collections, json, os, subprocess, sys


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    tg, dirs = os.path.abspath(sys.argv[1]), sys.argv[2:]
    other, keys, aside = [], 0, 0
    for d in dirs:
        p = subprocess.run([tg, "scan", "-q", "--show-dummies", "--format",
                            "json", "."], cwd=d, capture_output=True,
                           text=True)
        if p.returncode not in (0, 1):
            print(p.stderr.strip())
            print("trees: the scan of %s failed with exit status %d" %
                  (d, p.returncode))
            sys.exit(2)
        rules = collections.Counter()
        n_aside = 0
        for line in p.stdout.splitlines():
            f = json.loads(line)
            if "dummy" in f:
                n_aside += 1
                continue
            rules[f["rule"]] += 1
            if f["rule"] == "private-key":
                keys += 1
            else:
                other.append((d, f))
        aside += n_aside
        print("%-40s %s; set aside %d" % (
            os.path.basename(os.path.abspath(d)),
            ", ".join("%s %d" % kv for kv in sorted(rules.items())) or
            "no findings", n_aside))
    for d, f in other:
        print("  %s:%d %s [%s]" % (os.path.join(d, f["path"]), f["line"],
                                   f["rule"], f["redacted"]))
    print("trees: %d findings other than private-key, %d private-key, "
          "%d set aside" % (len(other), keys, aside))


main()
