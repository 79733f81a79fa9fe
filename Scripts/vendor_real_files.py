#!/usr/bin/env python3
"""The vendor packs (Rules/vendor.*.yaml) over real files: pydicom's test
files, pydicom-data and Fixtures/. Compares the number of findings per rule
with the committed Tests/VendorPacks/real-files.tsv, whose every non-zero
line is explained in docs/packs.md ("On real files"): a new finding on these
files is either a false alarm to fix or a true finding to document.

  Scripts/vendor_real_files.py --dcmaudit BIN [--update]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = ROOT / "Tests" / "VendorPacks" / "real-files.tsv"


def inputs() -> list[str]:
    import pydicom
    from data_store import DataStore  # the pydicom-data package
    return [str(Path(pydicom.__file__).resolve().parent / "data" / "test_files"),
            str(Path(DataStore().data_path)), str(ROOT / "Fixtures")]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dcmaudit", required=True)
    ap.add_argument("--update", action="store_true", help="rewrite the expected counts")
    a = ap.parse_args()
    packs = sorted(p.stem for p in (ROOT / "Rules").glob("vendor.*.yaml"))
    cmd = [a.dcmaudit, "check", "--format", "json", "--fail-on", "never", "--quiet"]
    for p in packs:
        cmd += ["--pack", p]
    r = subprocess.run(cmd + inputs(), capture_output=True, text=True)
    if r.returncode not in (0, 1):
        sys.exit(f"vendor_real_files: dcmaudit exited {r.returncode}: {r.stderr[-2000:]}")
    report = json.loads(r.stdout)
    got = {x["id"]: x["findings"] for x in report["rules"] if x.get("pack", "").startswith("vendor.")}
    text = "# rule\tfindings  (Scripts/vendor_real_files.py; explained in docs/packs.md)\n" + \
        "".join(f"{k}\t{v}\n" for k, v in sorted(got.items()))
    if a.update:
        EXPECTED.write_text(text)
        print(f"wrote {EXPECTED}")
        return 0
    want = {}
    for line in EXPECTED.read_text().splitlines():
        if line and not line.startswith("#"):
            k, v = line.split("\t")
            want[k] = int(v)
    diff = [(k, want.get(k), got.get(k)) for k in sorted(set(want) | set(got)) if want.get(k) != got.get(k)]
    for k, w, g in diff:
        print(f"  {k}: expected {w} findings, got {g}")
    files = report.get("run", {}).get("files", "?")
    print(f"vendor packs on {files} real files: {sum(got.values())} findings, "
          f"{'as expected' if not diff else f'{len(diff)} rules differ from {EXPECTED.name}'}")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
