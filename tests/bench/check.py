#!/usr/bin/env python3
"""Checks tokenguard's JSON findings against a gencorpus manifest.

Usage: check.py MANIFEST FINDINGS ROOT

MANIFEST holds "E kind line column fingerprint path" lines (planted
secrets) and "D kind line path" lines (near misses); FINDINGS holds
`tokenguard scan --format json` output, one object a line; paths in both
are relative to ROOT. Prints how many planted secrets were found, every
one missed, and every finding beyond them (by rule, with examples).
Secrets are never printed: only redacted values, fingerprints, and the
text of lines that hold no planted secret.

Exit status: 0 when every planted secret was found, 1 when one was
missed, 2 on bad input.
"""

import collections
import json
import sys

# Kinds whose value the manifest fingerprints exactly: a finding on the
# line must carry that fingerprint. Other kinds (URL credentials, _auth,
# opaque values) match on the line; a fingerprint difference is a note.
EXACT = {"npm", "github", "npm-base64"}
EXAMPLES = 5


def load_manifest(path):
    expected, decoys = [], {}
    with open(path, encoding="utf-8") as fh:
        for n, raw in enumerate(fh, 1):
            f = raw.rstrip("\n").split(" ", 5)
            if f[0] == "E" and len(f) == 6:
                expected.append({"kind": f[1], "line": int(f[2]),
                                 "column": int(f[3]), "fp": f[4],
                                 "path": f[5]})
            elif f[0] == "D":
                g = raw.rstrip("\n").split(" ", 3)
                decoys[(g[3], int(g[2]))] = g[1]
            else:
                sys.exit("check.py: %s:%d: bad manifest line" % (path, n))
    return expected, decoys


def load_findings(path):
    out = []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for n, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                f = json.loads(raw)
                f["line"] = int(f["line"])
                f["column"] = int(f["column"])
                f["path"], f["rule"], f["fingerprint"]
            except (ValueError, KeyError, TypeError) as ex:
                sys.exit("check.py: %s:%d: not a finding: %s" %
                         (path, n, ex))
            out.append(f)
    return out


def line_texts(root, wanted):
    """The text of the lines wanted ({path: set(line)}), 120 bytes each."""
    texts = {}
    for path, lines in wanted.items():
        last = max(lines)
        try:
            with open("%s/%s" % (root, path), "rb") as fh:
                for n, raw in enumerate(fh, 1):
                    if n in lines:
                        t = raw.rstrip(b"\r\n").decode("utf-8", "replace")
                        texts[(path, n)] = t[:120] + \
                            ("..." if len(t) > 120 else "")
                    if n >= last:
                        break
        except OSError:
            pass
    return texts


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: check.py MANIFEST FINDINGS ROOT")
    expected, decoys = load_manifest(sys.argv[1])
    findings = load_findings(sys.argv[2])
    root = sys.argv[3]

    by_line = collections.defaultdict(list)
    by_path = collections.defaultdict(list)
    for i, f in enumerate(findings):
        by_line[(f["path"], f["line"])].append(i)
        by_path[f["path"]].append(i)

    planted_lines = set()
    explained = set()
    missing, col_notes, fp_notes = [], [], []
    kinds = collections.Counter()
    found_kinds = collections.Counter()
    for e in expected:
        kinds[e["kind"]] += 1
        if e["line"] == 0:
            cands = [i for i in by_path[e["path"]]
                     if findings[i]["fingerprint"] == e["fp"]]
        else:
            planted_lines.add((e["path"], e["line"]))
            cands = by_line[(e["path"], e["line"])]
        exact = [i for i in cands if findings[i]["fingerprint"] == e["fp"]]
        if e["kind"] in EXACT or e["line"] == 0:
            hits = exact
        else:
            hits = exact or cands
            if cands and not exact:
                fp_notes.append((e, findings[cands[0]]))
        if not hits:
            missing.append(e)
            continue
        found_kinds[e["kind"]] += 1
        explained.update(hits)
        if e["line"] != 0 and \
                all(findings[i]["column"] != e["column"] for i in hits):
            col_notes.append((e, findings[hits[0]]))

    total = len(expected)
    print("  planted: %d (%s)" % (total, ", ".join(
        "%s %d/%d" % (k, found_kinds[k], kinds[k]) for k in sorted(kinds))))
    print("  found:   %d of %d; findings in all: %d" %
          (total - len(missing), total, len(findings)))
    for e in missing:
        print("  MISSING  %s:%d:%d  %s  %s" % (e["path"], e["line"],
              e["column"], e["kind"], e["fp"]))
    for e, f in col_notes[:EXAMPLES]:
        print("  note: %s:%d: %s planted at column %d, reported at %d" %
              (e["path"], e["line"], e["kind"], e["column"], f["column"]))
    if len(col_notes) > EXAMPLES:
        print("  note: %d column differences in all" % len(col_notes))
    for e, f in fp_notes[:EXAMPLES]:
        print("  note: %s:%d: %s found (%s) with another fingerprint" %
              (e["path"], e["line"], e["kind"], f["rule"]))

    # Findings beyond the planted ones.
    extra = [i for i in range(len(findings)) if i not in explained]
    groups = collections.defaultdict(list)
    for i in extra:
        f = findings[i]
        key = (f["path"], f["line"])
        if key in planted_lines:
            where = "duplicate on a planted line"
        elif key in decoys:
            where = "on a near miss (%s)" % decoys[key]
        else:
            where = "elsewhere"
        groups[(f["rule"], where)].append(f)
    print("  extra findings: %d" % len(extra))
    wanted = collections.defaultdict(set)
    for (rule, where), fs in groups.items():
        for f in fs[:EXAMPLES]:
            key = (f["path"], f["line"])
            if key not in planted_lines and \
                    decoys.get(key) != "boundary":
                wanted[f["path"]].add(f["line"])
    texts = line_texts(root, wanted) if wanted else {}
    for (rule, where), fs in sorted(groups.items(),
                                    key=lambda kv: -len(kv[1])):
        print("    %6d  %-20s %s" % (len(fs), rule, where))
        for f in fs[:EXAMPLES]:
            key = (f["path"], f["line"])
            text = texts.get(key)
            print("            %s:%d:%d [%s]%s" % (
                f["path"], f["line"], f["column"], f.get("redacted", ""),
                "  | " + text if text is not None else ""))
    ndecoys = collections.Counter(decoys.values())
    print("  near misses planted: %d (%s)" % (sum(ndecoys.values()), ", ".join(
        "%s %d" % kv for kv in sorted(ndecoys.items()))))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
