#!/usr/bin/env python3
"""Differential test of dcmaudit's Siemens ASCCONV parser against nibabel's.

For every file with a Siemens CSA series header that csa_diff.py finds
(nibabel's test data, pydicom's and pydicom-data's files, Fixtures/demo), the
`MrPhoenixProtocol` (or `MrProtocol`) value is read by nibabel
(`nibabel.nicom.csareader.read`), its ASCCONV block cut out
(`### ASCCONV BEGIN` … `### ASCCONV END ###`, the text nibabel's regex wants
at its start) and parsed by `nibabel.nicom.ascconv.parse_ascconv(block,
str_delim='""')`; nibabel's nested dicts and lists are flattened back to
keys (`sPat.lAccelFactPE`, `sSliceArray.asSlice[0].dThickness`, list holes
nibabel fills with None skipped). dcmaudit's parse is the `ascconv` member of
`dcmaudit dump --csa FILE`. Compared: the BEGIN line's attributes, the set of
keys, and every value (ints as ints, reals as floats, strings as text).

Also nibabel's own ASCCONV sample (`ascconv_sample.txt`, wrapped into a CSA
series header by this script).

  .venv/bin/python Scripts/diff/ascconv_diff.py --dcmaudit .build/release/dcmaudit [-v]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import csa_diff  # noqa: E402  (discover, csa_elements, nibabel_read)

BEGIN, END = "### ASCCONV BEGIN", "### ASCCONV END ###"


def flatten(obj, prefix, out):
    if isinstance(obj, dict):
        for k, v in obj.items():
            flatten(v, f"{prefix}.{k}" if prefix else k, out)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            if v is not None:
                flatten(v, f"{prefix}[{i}]", out)
    else:
        out[prefix] = obj


def nibabel_ascconv(text: str):
    from nibabel.nicom import ascconv
    start = text.find(BEGIN)
    if start < 0:
        return None, "no ASCCONV BEGIN"
    end = text.find(END, start)
    if end < 0:
        return None, "no ASCCONV END"
    block = text[start:end + len(END)]
    try:
        d, attrs = ascconv.parse_ascconv(block, str_delim='""')
    except Exception as e:  # noqa: BLE001 — nibabel's errors are data here
        return None, f"{type(e).__name__}: {e}"
    flat: dict = {}
    flatten(d, "", flat)
    return (dict(attrs), flat), None


def same(kind: str, text: str, theirs) -> bool:
    if kind == "int":
        return isinstance(theirs, int) and int(text) == theirs
    if kind == "real":
        return isinstance(theirs, float) and float(text) == theirs
    return isinstance(theirs, str) and theirs == text


def wrap_protocol(text: str, dest: Path) -> None:
    """A minimal DICOM file whose CSA series header holds `text` as MrPhoenixProtocol."""
    import struct
    import pydicom
    from pydicom.dataset import Dataset, FileMetaDataset
    data = text.encode("latin-1") + b"\0"
    csa = b"SV10\4\3\2\1" + struct.pack("<II", 1, 77)
    csa += b"MrPhoenixProtocol".ljust(64, b"\0") + struct.pack("<i", 1) + b"UN\0\0" + struct.pack("<iii", 3, 1, 77)
    csa += struct.pack("<iiii", len(data), len(data), 77, len(data)) + data + b"\0" * ((4 - len(data) % 4) % 4)
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.4"
    ds.file_meta.MediaStorageSOPInstanceUID = "1.2.3.4"
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.4"
    ds.SOPInstanceUID = "1.2.3.4"
    ds.Modality = "MR"
    ds.add_new(0x00290010, "LO", "SIEMENS CSA HEADER")
    ds.add_new(0x00291020, "OB", csa)
    ds.save_as(dest, enforce_file_format=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dcmaudit", required=True)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    failures: list[str] = []
    files = blocks = keys = 0
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        cases = csa_diff.discover(tmp)
        import nibabel.nicom.tests as nt
        sample = Path(nt.__file__).parent / "data" / "ascconv_sample.txt"
        wrapped = tmp / "ascconv_sample.dcm"
        wrap_protocol(sample.read_text(encoding="latin-1"), wrapped)
        cases.append(("nibabel:ascconv_sample.txt", wrapped))
        seen_texts: set[str] = set()
        for label, path in cases:
            el = csa_diff.csa_elements(path)
            if not el or not el.get("series"):
                continue
            hdr, err = csa_diff.nibabel_read(el["series"])
            if hdr is None:
                continue
            tags = hdr["tags"]
            prot = tags.get("MrPhoenixProtocol") or tags.get("MrProtocol")
            if not prot or not prot["items"]:
                continue
            text = prot["items"][0]
            text = text.decode("latin-1") if isinstance(text, bytes) else str(text)
            files += 1
            theirs, err = nibabel_ascconv(text)
            proc = subprocess.run([args.dcmaudit, "dump", "--csa", str(path)], capture_output=True, timeout=60)
            if proc.returncode not in (0, 1):
                failures.append(f"{label}: dcmaudit dump --csa exit {proc.returncode}")
                continue
            d = json.loads(proc.stdout)
            ours = d.get("ascconv")
            if theirs is None:
                if ours is not None:
                    failures.append(f"{label}: nibabel rejects ({err}), dcmaudit reads {len(ours['entries'])} keys")
                elif args.verbose:
                    print(f"{label}: both reject (nibabel: {err}; dcmaudit: {d['errors'].get('ascconv')})")
                continue
            if ours is None:
                failures.append(f"{label}: dcmaudit rejects ({d['errors'].get('ascconv')}), nibabel reads {len(theirs[1])} keys")
                continue
            seen_texts.add(text)
            blocks += 1
            attrs, flat = theirs
            if ours["attributes"] != attrs:
                failures.append(f"{label}: BEGIN attributes differ: {ours['attributes']} vs {attrs}")
            mine = {k: (kind, v) for k, kind, v in ours["entries"]}
            if set(mine) != set(flat):
                only_m, only_t = sorted(set(mine) - set(flat)), sorted(set(flat) - set(mine))
                failures.append(f"{label}: keys differ: dcmaudit only {only_m[:5]}, nibabel only {only_t[:5]}")
            for k in set(mine) & set(flat):
                keys += 1
                if not same(mine[k][0], mine[k][1], flat[k]):
                    failures.append(f"{label}: {k}: dcmaudit {mine[k]} vs nibabel {flat[k]!r}")
            if args.verbose:
                print(f"{label}: {len(mine)} keys compared")
    print(f"ASCCONV differential: {files} files with a protocol, {blocks} blocks parsed by both "
          f"({len(seen_texts)} distinct), {keys} keys compared, {len(failures)} differences")
    for f in failures[:50]:
        print("  DIFF", f)
    return 1 if failures or blocks == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
