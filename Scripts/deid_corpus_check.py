#!/usr/bin/env python3
"""Checks a corpus written by `dcmaudit-fixtures corpus --deidentified yes`
with pydicom, independently of dcmaudit (Scripts/test.sh, block deidcorpus):

- pydicom reads every file (dcmread without force: preamble and meta present);
- no private element, no identifying value of the plain corpus (the original
  Patient IDs CORP<n>, the patients' family names, the institution) in any
  element; Patient Identity Removed YES, De-identification Method Code
  Sequence 113100 (DCM, CID 7050), Burned In Annotation NO (PS3.15 E.1.1);
- every UID the profile replaces (U) is a 2.25 UID (PS3.5 B.2), the meta's
  Media Storage SOP Instance UID equals the SOP Instance UID, SOP Instance
  UIDs are unique, each series folder holds one Series Instance UID, each
  study folder one Study Instance UID, each patient folder one Patient ID
  equal to the folder's name (a pseudonym), and every Referenced SOP Instance
  UID names an instance of the corpus (UIDs replaced consistently);
- with --plain DIR (the plain corpus of the same --count and --seed): the
  same number of files, the same modality mix and the same image sizes.

Exit status 0 when all hold; prints one line per failed check otherwise.
"""
from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

import pydicom

REPLACED_UIDS = ["StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "FrameOfReferenceUID"]
ORIGINAL_VALUES = ["CORP", "Smith", "Jones", "Garcia", "Nguyen", "Kowalski", "Okafor", "Tanaka", "Rossi",
                   "Novak", "Silva", "Example General Hospital", "Springfield", "Tech^Terry"]


def files(d: Path) -> list[Path]:
    return sorted(p for p in d.rglob("*") if p.is_file() and not p.name.startswith("."))


def profile(d: Path) -> collections.Counter:
    """(Modality, Rows, Columns) of every file: the corpus' mix and sizes."""
    c = collections.Counter()
    for p in files(d):
        ds = pydicom.dcmread(p, stop_before_pixels=True)
        c[(ds.Modality, int(ds.Rows), int(ds.Columns))] += 1
    return c


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--plain", type=Path, help="the plain corpus of the same count and seed")
    a = ap.parse_args()
    bad: list[str] = []
    paths = files(a.corpus)
    if not paths:
        sys.exit(f"deid_corpus_check: no files in {a.corpus}")
    sops: dict[str, Path] = {}
    refs: list[tuple[Path, str]] = []
    by_dir = collections.defaultdict(set)   # (level, folder) -> values
    for p in paths:
        rel = p.relative_to(a.corpus)
        try:
            ds = pydicom.dcmread(p)
            _ = ds.pixel_array if ds.Modality != "US" else ds.PixelData   # values decode too
        except Exception as e:  # noqa: BLE001 - any failure to read is the finding
            bad.append(f"{rel}: pydicom cannot read it: {e}")
            continue

        def fail(msg: str) -> None:
            bad.append(f"{rel}: {msg}")

        for elem in ds.iterall():
            if elem.tag.is_private:
                fail(f"private element {elem.tag} is present")
            if elem.VR in ("PN", "LO", "SH", "ST", "LT", "UT", "CS", "DA", "TM", "UI"):
                v = str(elem.value)
                for o in ORIGINAL_VALUES:
                    if o in v:
                        fail(f"{elem.keyword or elem.tag} = {v!r} carries an original value")
        if ds.get("PatientIdentityRemoved") != "YES":
            fail("Patient Identity Removed is not YES")
        codes = [(i.get("CodeValue"), i.get("CodingSchemeDesignator")) for i in ds.get("DeidentificationMethodCodeSequence", [])]
        if ("113100", "DCM") not in codes:
            fail(f"no 113100 (DCM) in De-identification Method Code Sequence: {codes}")
        if ds.get("BurnedInAnnotation") != "NO":
            fail("Burned In Annotation is not NO")
        for k in REPLACED_UIDS:
            v = ds.get(k)
            if v is not None and not str(v).startswith("2.25."):
                fail(f"{k} {v} is not a 2.25 UID")
        if ds.file_meta.MediaStorageSOPInstanceUID != ds.SOPInstanceUID:
            fail("Media Storage SOP Instance UID differs from SOP Instance UID")
        if ds.SOPInstanceUID in sops:
            fail(f"SOP Instance UID also in {sops[ds.SOPInstanceUID]}")
        sops[ds.SOPInstanceUID] = rel
        for item in ds.get("ReferencedImageSequence", []):
            refs.append((rel, item.ReferencedSOPInstanceUID))
        patient, study, series = rel.parts[0], "/".join(rel.parts[:2]), "/".join(rel.parts[:3])
        by_dir[("Patient ID", patient)].add(ds.PatientID)
        by_dir[("Study Instance UID", study)].add(ds.StudyInstanceUID)
        by_dir[("Series Instance UID", series)].add(ds.SeriesInstanceUID)
        if ds.PatientID != patient:
            fail(f"Patient ID {ds.PatientID} is not the folder's name {patient}")
    for (what, folder), values in sorted(by_dir.items()):
        if len(values) != 1:
            bad.append(f"{folder}: {len(values)} different {what}s")
    for rel, uid in refs:
        if uid not in sops:
            bad.append(f"{rel}: Referenced SOP Instance UID {uid} is no instance of the corpus")
    if a.plain:
        mine, theirs = profile(a.corpus), profile(a.plain)
        if mine != theirs:
            bad.append(f"modality mix / image sizes differ from {a.plain}: {sorted(mine.items())} vs {sorted(theirs.items())}")
    for b in bad[:50]:
        print(b)
    if len(bad) > 50:
        print(f"... {len(bad) - 50} more")
    print(f"deid_corpus_check: {len(paths)} files read by pydicom {pydicom.__version__}, "
          f"{len(sops)} instances, {len(refs)} references, {len(bad)} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
