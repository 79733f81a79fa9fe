#!/usr/bin/env python3
"""Test double for `dcmaudit dump`, built on pydicom, for testing the Python
harnesses (Scripts/diff, Scripts/bench, Scripts/robustness) without the Swift
binary.  It follows the `dump` contract: --format text|json|jsonl|csv, --tags,
--bulk-threshold, --jobs (ignored), files or directories (recursed, sorted);
unreadable files print `PATH: error: <what> at offset 0` on stderr; exit 1 if
any file failed, 2 on usage error.

FAKE_DCMAUDIT_MODE=perturb changes a few values (so differences must be found),
=crash kills itself with SIGSEGV on files whose path contains "RLE", =hang
sleeps on files whose path contains "implicit" (FAKE_DCMAUDIT_ON overrides
the substring).  Run with the venv's python.
"""
import argparse
import base64
import csv
import json
import os
import signal
import sys
import time
import warnings
from pathlib import Path

import pydicom
from pydicom.datadict import tag_for_keyword
from pydicom.tag import Tag

MODE = os.environ.get("FAKE_DCMAUDIT_MODE", "")


def to_json(ds, threshold):
    out = {}
    for tag in sorted(ds.keys()):
        key = f"{int(tag):08X}"
        try:
            e = ds[tag]
        except Exception:  # noqa: BLE001
            continue
        if key == "7FE00010":
            out[key] = {"vr": e.VR if e.VR in ("OB", "OW") else "OB", "BulkDataURI": "file:pixeldata"}
        elif e.VR == "SQ":
            out[key] = {"vr": "SQ", "Value": [to_json(i, threshold) for i in e.value]}
        else:
            try:
                j = e.to_json_dict(None, 0)
            except Exception:  # noqa: BLE001
                continue
            if "InlineBinary" in j and len(base64.b64decode(j["InlineBinary"])) > threshold:
                j = {"vr": j["vr"], "BulkDataURI": f"file:{key}"}
            out[key] = j
    if MODE == "perturb" and "00100020" in out:
        out["00100020"]["Value"] = ["PERTURBED"]
    return out


def read(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(path, force=True, stop_before_pixels=False)
        if not ds.file_meta and not ds.preamble and len(ds) < 2:
            raise ValueError("not a DICOM file")
    if MODE == "crash" and os.environ.get("FAKE_DCMAUDIT_ON", "RLE") in str(path):
        os.kill(os.getpid(), signal.SIGSEGV)
    if MODE == "hang" and os.environ.get("FAKE_DCMAUDIT_ON", "implicit") in str(path):
        time.sleep(3600)
    return ds


def main():
    ap = argparse.ArgumentParser(prog="dcmaudit")
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("--format", default="text", choices=["text", "json", "jsonl", "csv"])
    d.add_argument("--tags", default="")
    d.add_argument("--bulk-threshold", type=int, default=1024)
    d.add_argument("--jobs", type=int, default=0)
    d.add_argument("paths", nargs="+")
    a = ap.parse_args()
    files = []
    for p in map(Path, a.paths):
        files += sorted(x for x in p.rglob("*") if x.is_file()) if p.is_dir() else [p]
    failed = False
    objs = []
    tags = [t for t in a.tags.split(",") if t] if a.tags else []
    w = csv.writer(sys.stdout, lineterminator="\n") if a.format == "csv" else None
    if w:
        w.writerow(["path", *tags])
    for f in files:
        try:
            ds = read(f)
        except Exception as exc:  # noqa: BLE001
            print(f"{f}: error: {exc} at offset 0", file=sys.stderr)
            failed = True
            continue
        if a.format == "csv":
            row = [str(f)]
            for t in tags:
                tag = Tag(tag_for_keyword(t)) if tag_for_keyword(t) else Tag(*(int(x, 16) for x in t.strip("()").split(",")))
                e = ds.get(tag)
                v = "" if e is None or e.value is None else e.value
                row.append("\\".join(map(str, v)) if isinstance(v, (list, pydicom.multival.MultiValue)) else str(v))
            w.writerow(row)
        elif a.format in ("json", "jsonl"):
            o = to_json(ds.file_meta, a.bulk_threshold)
            o.update(to_json(ds, a.bulk_threshold))
            if a.format == "jsonl":
                print(json.dumps(o))
            else:
                objs.append(o)
        else:
            print(ds)
    if a.format == "json" and objs:
        print(json.dumps(objs[0] if len(files) == 1 else objs))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
