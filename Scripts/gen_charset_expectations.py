#!/usr/bin/env python3
"""Writes Fixtures/charsets/expected.json: the text values pydicom decodes from
the character-set example files in Fixtures/charsets/ (copied from pydicom's
pydicom/data/charset_files, see Fixtures/charsets/README.md).

For every file, every text element whose VR uses the Specific Character Set
(SH, LO, ST, LT, UT, PN, UC) and whose decoded value is not plain ASCII is
recorded, also inside sequence items, with:

  path        attribute path, e.g. "RequestedProcedureCodeSequence[0].PatientName"
  vr          the element's VR
  raw_hex     the value bytes as stored in the file (for reports on differences)
  values      pydicom's decoded values (multi-valued elements split at '\\');
              for PN: str(PersonName), i.e. the component groups joined by '='
              with trailing empty groups dropped (PS3.5 §6.2.1.1 allows that)
  decoded     PN only: each value decoded group by group *without* dropping
              trailing empty groups, i.e. the decoded value as encoded
  components  PN only: [alphabetic, ideographic, phonetic] per value, missing
              groups as ""

plus "charset": the Specific Character Set terms of the top-level data set.

Usage:
  Scripts/gen_charset_expectations.py           # (re)write expected.json
  Scripts/gen_charset_expectations.py --check   # exit 1 if it is stale

Needs pydicom 3.0.2 (Scripts/python-env.sh creates .venv with it); when pydicom
is not importable the script re-executes itself with .venv/bin/python.
"""

import glob
import json
import os
import subprocess
import sys

PYDICOM_VERSION = "3.0.2"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Fixtures", "charsets")
OUT = os.path.join(FIXTURES, "expected.json")
TEXT_VRS = {"SH", "LO", "ST", "LT", "UT", "PN", "UC"}

try:
    import pydicom
    from pydicom.charset import decode_bytes, convert_encodings
    from pydicom.valuerep import PN_DELIMS
except ImportError:
    venv_python = os.path.join(ROOT, ".venv", "bin", "python")
    if os.path.abspath(sys.executable) == os.path.abspath(venv_python):
        raise
    subprocess.check_call([os.path.join(ROOT, "Scripts", "python-env.sh")])
    os.execv(venv_python, [venv_python] + sys.argv)


def terms(value):
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def entries(ds, prefix, inherited_charset):
    """Yields the expectation records of `ds` (a decoded data set) in file order."""
    own = ds.get("SpecificCharacterSet")
    charset = terms(own) if own is not None else inherited_charset
    encodings = convert_encodings(charset or ["ISO_IR 6"])
    for tag in list(ds.keys()):
        raw = ds.get_item(tag)  # before ds[tag] converts it: the bytes as stored
        raw_bytes = raw.value if isinstance(getattr(raw, "value", None), bytes) else None
        elem = ds[tag]
        if elem.VR == "SQ":
            for i, item in enumerate(elem.value):
                yield from entries(item, f"{prefix}{elem.keyword}[{i}].", charset)
            continue
        if elem.VR not in TEXT_VRS:
            continue
        value = elem.value
        multi = isinstance(value, (list, pydicom.multival.MultiValue))
        vals = list(value) if multi else [value]
        strs = [str(v) for v in vals]
        if all(c < "\x80" for s in strs for c in s):
            continue
        rec = {
            "path": prefix + elem.keyword,
            "vr": elem.VR,
            "raw_hex": raw_bytes.hex() if raw_bytes is not None else None,
            "values": strs,
        }
        if elem.VR == "PN":
            rec["components"] = [list(v.components) + [""] * (3 - len(v.components)) for v in vals]
            # decode each value group by group, keeping trailing empty groups
            assert raw_bytes is not None
            decoded = []
            for v in raw_bytes.rstrip(b" \x00").split(b"\\"):
                decoded.append("=".join(decode_bytes(g, encodings, PN_DELIMS) for g in v.split(b"=")))
            rec["decoded"] = decoded
        yield rec


def build():
    out = {
        "generator": "Scripts/gen_charset_expectations.py",
        "pydicom": pydicom.__version__,
        "files": {},
    }
    for path in sorted(glob.glob(os.path.join(FIXTURES, "*.dcm"))):
        ds = pydicom.dcmread(path)
        charset = terms(ds.get("SpecificCharacterSet"))
        out["files"][os.path.basename(path)] = {
            "charset": charset,
            "elements": list(entries(ds, "", charset)),
        }
    return json.dumps(out, indent=1, ensure_ascii=False, sort_keys=False) + "\n"


def main():
    if pydicom.__version__ != PYDICOM_VERSION:
        sys.exit(f"want pydicom {PYDICOM_VERSION}, found {pydicom.__version__}")
    text = build()
    if "--check" in sys.argv:
        with open(OUT, encoding="utf-8") as f:
            if f.read() != text:
                sys.exit(f"{OUT} is stale: run {sys.argv[0]}")
        return
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
