#!/usr/bin/env python3
"""Findings that may report one defect more than once.

usage: dup_findings.py REPORT.jsonl... [--examples N]

Reads `dcmaudit check --format jsonl` reports and, per file, groups the
findings:

  same-rule   (rule, attribute) with more than one finding — one rule
              reporting one element twice (e.g. an `any` giving one finding
              per failing part);
  identical   findings equal in every field (rule, attribute, message,
              observed, expected, offset…);
  cross-rule  (attribute, severity) reported by more than one rule — two
              rules on the same element (overlap: intended when they are
              different defects, a duplicate when they are the same);
  same-pack   the cross-rule groups whose rules are of one pack;
  same-message (rule, message) with more than one finding, whatever the
              attributes — a rule's own message said twice (an `any` of two
              attributes under one message gives two findings naming
              different attributes);
  per-rule    every rule with more than one finding on a file, by its set of
              attributes (one finding per failing part of an `all`, per
              element of an element walk… — mostly fine, read for the rest).

Groups are listed by pattern (rules, the attribute with item indices made
`[i]`), with the number of files and findings and an example each, so a
reviewer reads one line per kind of group, not one per file. A finding
without an attribute is grouped under '-'.
"""
import json
import re
import sys
from collections import defaultdict, Counter

def norm_attr(a):
    return re.sub(r"\[\d+\]", "[i]", a) if a else "-"

def load(paths):
    by_file = defaultdict(list)
    for p in paths:
        with open(p, encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                if r.get("type") == "finding":
                    by_file[r["file"]].append(r)
    return by_file

def main(argv):
    n_ex = 1
    if "--examples" in argv:
        i = argv.index("--examples"); n_ex = int(argv[i + 1]); del argv[i:i + 2]
    by_file = load(argv)
    total = sum(len(v) for v in by_file.values())
    print(f"{len(by_file)} files with findings, {total} findings")
    kinds = {k: defaultdict(lambda: [0, 0, []]) for k in ("same-rule", "identical", "cross-rule", "same-pack", "same-message", "per-rule")}

    def add(kind, key, fs, f):
        g = kinds[kind][key]
        g[0] += 1; g[1] += len(fs)
        if len(g[2]) < n_ex:
            g[2].append((f, [(x["rule"], x.get("attribute"), x["message"]) for x in fs[:4]]))

    for f, fs in by_file.items():
        same = defaultdict(list)
        for x in fs:
            same[(x["rule"], x.get("attribute"))].append(x)
        for (rule, attr), xs in same.items():
            if len(xs) > 1:
                add("same-rule", (rule, norm_attr(attr)), xs, f)
        msg = defaultdict(list)
        per_rule = defaultdict(list)
        for x in fs:
            msg[(x["rule"], x["message"])].append(x)
            per_rule[x["rule"]].append(x)
        for (rule, m), xs in msg.items():
            if len(xs) > 1:
                add("same-message", (rule, re.sub(r"\[\d+\]", "[i]", m)[:120]), xs, f)
        for rule, xs in per_rule.items():
            if len(xs) > 1:
                attrs = sorted({norm_attr(x.get("attribute")) for x in xs})
                shown = ", ".join(attrs[:6]) + (f", … ({len(attrs)})" if len(attrs) > 6 else "")
                add("per-rule", (rule, shown), xs, f)
        ident = Counter(json.dumps(x, sort_keys=True) for x in fs)
        for k, c in ident.items():
            if c > 1:
                x = json.loads(k)
                add("identical", (x["rule"], norm_attr(x.get("attribute"))), [x] * c, f)
        cross = defaultdict(list)
        for x in fs:
            if x.get("attribute"):
                cross[(x["attribute"], x["severity"])].append(x)
        for (attr, sev), xs in cross.items():
            rules = sorted({x["rule"] for x in xs})
            if len(rules) > 1:
                add("cross-rule", (" + ".join(rules), norm_attr(attr), sev), xs, f)
                packs = {x["pack"] for x in xs}
                if len(packs) == 1:
                    add("same-pack", (" + ".join(rules), norm_attr(attr), sev), xs, f)

    for kind, groups in kinds.items():
        print(f"\n## {kind}: {len(groups)} patterns, {sum(g[0] for g in groups.values())} groups, "
              f"{sum(g[1] for g in groups.values())} findings")
        for key, (nfiles, nfind, ex) in sorted(groups.items(), key=lambda kv: (-kv[1][1], kv[0])):
            print(f"- {' | '.join(key)}: {nfiles} groups, {nfind} findings")
            for f, items in ex:
                print(f"    e.g. {f}")
                for rule, attr, msg in items:
                    print(f"      {rule} [{attr}] {msg[:160]}")

if __name__ == "__main__":
    main(sys.argv[1:])
