#!/usr/bin/env python3
"""pydicom baseline for the benchmark: the same job as
`dcmaudit dump --format csv --tags T1,...,Tn PATH...` -- one CSV row of the
given tags per file (header `path,<tags>`, multi-values joined by `\\`),
reading each file with `dcmread(stop_before_pixels=True, force=True)` (force:
dcmaudit reads files without a preamble / file meta too).  Directories are
recursed in sorted order.  Unreadable files print `PATH: error: ...` on stderr
and exit code becomes 1.  Run with the venv's python (pydicom 3.0.2).
"""
import argparse
import csv
import os
import sys
import warnings

import pydicom
from pydicom.datadict import tag_for_keyword
from pydicom.multival import MultiValue


def parse_tag(t: str) -> int:
    t = t.strip()
    if t.startswith("("):
        g, e = t.strip("()").split(",")
        return (int(g, 16) << 16) | int(e, 16)
    tag = tag_for_keyword(t)
    if tag is None:
        sys.exit(f"pydicom_dump: unknown tag {t!r}")
    return tag


def walk(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for f in sorted(files):
                    yield os.path.join(root, f)
        else:
            yield p


def fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, (list, MultiValue)):
        return "\\".join(fmt(x) for x in v)
    if isinstance(v, bytes):
        return v.hex()
    return str(v)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tags", required=True)
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args()
    names = a.tags.split(",")
    tags = [parse_tag(t) for t in names]
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["path", *names])
    failed = False
    warnings.simplefilter("ignore")
    for path in walk(a.paths):
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True, force=True)
            row = [path]
            for t in tags:
                e = ds.get(t)
                row.append("" if e is None else fmt(e.value))
        except Exception as exc:  # noqa: BLE001
            print(f"{path}: error: {exc}", file=sys.stderr)
            failed = True
            continue
        w.writerow(row)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
