#!/usr/bin/env python3
"""Cross-check of dcmaudit's `ge.*` and `philips.*` derived attributes against pydicom.

For each file — nibabel's Philips MPRAGE (`philips_mprage.dcm.gz`), pydicom's
GE `CT_small.dcm`, and GE files this script writes with pydicom (the GEMS
blocks reserved at other block numbers than usual, (0043,0011) →
(0043,11xx), in explicit and implicit VR little endian, so the reader has to
resolve the creator and, for implicit VR, decode a UN value by the block's
VR) — pydicom reads each value by private creator
(`Dataset.private_block(group, creator)[byte]`), and a generated pack
expects dcmaudit to see the same: `{NAME: {equals: V, tolerance: …}}` where
pydicom has a value, `{NAME: absent}` where it has none. Any finding is a
difference. A control rule with a wrong value must give a finding (so the
rules did run).

  .venv/bin/python Scripts/diff/vendor_values.py --dcmaudit .build/release/dcmaudit
"""
from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
from pathlib import Path

# name → (group, creator, element byte, index or None) — Sources/DcmRules/VendorDerived.swift
NAMES = {
    "ge.ParallelReductionFactorInPlane": (0x0043, "GEMS_PARM_01", 0x83, 0),
    "ge.AssetRFactors": (0x0043, "GEMS_PARM_01", 0x83, None),
    "ge.PulseSequenceName": (0x0019, "GEMS_ACQU_01", 0x9C, None),
    "ge.InternalPulseSequenceName": (0x0019, "GEMS_ACQU_01", 0x9E, None),
    "ge.EffectiveEchoSpacing": (0x0043, "GEMS_PARM_01", 0x2C, None),
    "philips.ScaleSlope": (0x2005, "Philips MR Imaging DD 001", 0x0E, None),
    "philips.EPIFactor": (0x2001, "Philips Imaging DD 001", 0x13, None),
    "philips.WaterFatShift": (0x2001, "Philips Imaging DD 001", 0x22, None),
}


def pydicom_value(ds, group, creator, byte, index):
    try:
        block = ds.private_block(group, creator)
        el = block[byte]
    except KeyError:
        return None
    v = el.value
    if isinstance(v, bytes):  # UN in implicit VR: pydicom leaves it raw
        return "raw"
    vals = list(v) if isinstance(v, (list, tuple)) or type(v).__name__ == "MultiValue" else [v]
    if index is not None:
        return vals[index] if index < len(vals) else None
    return vals


def ge_file(dest: Path, implicit: bool) -> None:
    import pydicom
    from pydicom.dataset import Dataset, FileMetaDataset
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian if implicit else pydicom.uid.ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.4"
    ds.file_meta.MediaStorageSOPInstanceUID = "1.2.3.4.5"
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.4"
    ds.SOPInstanceUID = "1.2.3.4.5"
    ds.Modality = "MR"
    ds.Manufacturer = "GE MEDICAL SYSTEMS"
    ds.add_new(0x00190010, "LO", "SOMEONE ELSE")  # block 10 taken by another creator
    ds.add_new(0x00191083, "LO", "not GE")
    ds.add_new(0x00190011, "LO", "GEMS_ACQU_01")
    ds.add_new(0x0019119C, "LO", "epiRT")
    ds.add_new(0x0019119E, "LO", "epi2")
    ds.add_new(0x00430010, "LO", "SOMEONE ELSE")
    ds.add_new(0x00430011, "LO", "GEMS_PARM_01")
    ds.add_new(0x00431183, "DS", ["2", "1"])
    ds.add_new(0x0043112C, "SS", 492)
    ds.save_as(dest, enforce_file_format=True)


def main() -> int:
    import pydicom
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dcmaudit", required=True)
    args = ap.parse_args()
    import nibabel.nicom.tests as nt
    failures: list[str] = []
    checked = 0
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        philips = tmp / "philips_mprage.dcm"
        philips.write_bytes(gzip.decompress((Path(nt.__file__).parent / "data" / "philips_mprage.dcm.gz").read_bytes()))
        files = [("nibabel:philips_mprage.dcm", philips),
                 ("pydicom:CT_small.dcm", Path(pydicom.data.get_testdata_file("CT_small.dcm")))]
        for implicit in (False, True):
            p = tmp / f"ge_{'implicit' if implicit else 'explicit'}.dcm"
            ge_file(p, implicit)
            files.append((f"written:{p.name}", p))
        for label, path in files:
            ds = pydicom.dcmread(path)
            rules = []
            for name, (g, c, b, idx) in NAMES.items():
                v = pydicom_value(ds, g, c, b, idx)
                rid = f"t.{name.replace('.', '-')}"
                if v is None:
                    check = f"{{{name}: absent}}"
                elif v == "raw":
                    check = f"{{{name}: present}}"
                else:
                    vals = v if isinstance(v, list) else [v]
                    if all(isinstance(x, (int, float)) or _num(x) for x in vals):
                        if len(vals) == 1:
                            check = "{" + name + ": {equals: " + str(float(vals[0])) + ", tolerance: 1e-6}}"
                        else:
                            check = "{" + name + ": {equals: [" + ", ".join(str(float(x)) for x in vals) + "]}}"
                    else:
                        check = "{" + name + ": {equals: [" + ", ".join(json.dumps(str(x).strip()) for x in vals) + "]}}"
                rules.append(f"  - id: {rid}\n    check: {check}\n")
                checked += 1
            rules.append("  - id: t.control\n    check: {philips.EPIFactor: {equals: -12345}}\n")
            pack = tmp / "vendor.yaml"
            pack.write_text("pack: t.vendor\nversion: 1\nrules:\n" + "".join(rules))
            proc = subprocess.run([args.dcmaudit, "check", "--rules", str(pack), "--format", "json", str(path)],
                                  capture_output=True, timeout=60)
            if proc.returncode not in (0, 1):
                failures.append(f"{label}: dcmaudit check exit {proc.returncode}: {proc.stderr.decode()[:300]}")
                continue
            report = json.loads(proc.stdout)
            findings = [f for f in report.get("findings", [])]
            ids = [f.get("rule") or f.get("ruleID") or f.get("rule_id") for f in findings]
            for f, rid in zip(findings, ids):
                if rid != "t.control":
                    failures.append(f"{label}: {rid}: {f.get('message')}")
            if "t.control" not in ids:
                failures.append(f"{label}: the control rule gave no finding")
    print(f"vendor values: {len(files)} files, {checked} values compared with pydicom, {len(failures)} differences")
    for f in failures:
        print("  DIFF", f)
    return 1 if failures else 0


def _num(x) -> bool:
    try:
        float(x)
        return True
    except (TypeError, ValueError):
        return False


if __name__ == "__main__":
    sys.exit(main())
