#!/usr/bin/env python3
"""Compare two dcmaudit jsonl reports of the same run: every line but the
run/summary records' timing fields must be equal, except findings removed.

usage: jsonl_diff.py BEFORE.jsonl AFTER.jsonl
Prints the findings only in BEFORE grouped by rule, any finding only in
AFTER (should be none), and the non-finding records that differ.
"""
import json, signal, sys

signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # (piped into head)
from collections import Counter

VOLATILE = {"startTime", "durationSeconds", "commandLine", "endTime"}

def records(p):
    out = []
    for line in open(p, encoding="utf-8"):
        r = json.loads(line)
        if r.get("type") in ("run", "summary"):
            r = {k: v for k, v in r.items() if k not in VOLATILE}
        out.append(json.dumps(r, sort_keys=True))
    return out

a, b = records(sys.argv[1]), records(sys.argv[2])
ca, cb = Counter(a), Counter(b)
gone, new = ca - cb, cb - ca
# order: AFTER must be BEFORE with lines removed (the summary's counts aside)
def body(ls): return [l for l in ls if json.loads(l).get("type") != "summary"]
it = iter(body(b))
ordered = all(any(x == y for y in it) for x in [l for l in body(a) if cb[l] > 0])
print(f"{sys.argv[1]}: {len(a)} lines -> {len(b)}; only before {sum(gone.values())}, only after {sum(new.values())}; after is before minus lines, in order: {ordered}")
by_rule = Counter()
for l, n in gone.items():
    r = json.loads(l)
    by_rule[(r.get("type"), r.get("rule"), r.get("attribute"))] += n
for k, n in sorted(by_rule.items(), key=lambda kv: (-kv[1], str(kv[0]))):
    print(f"  - {n} {k}")
for l, n in new.items():
    r = json.loads(l)
    print(f"  + {n} {r.get('type')} {r.get('rule')} {r.get('attribute')} {str(r)[:300]}")
