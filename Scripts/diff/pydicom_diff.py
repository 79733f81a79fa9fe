#!/usr/bin/env python3
"""Differential test: `dcmaudit dump --format json` against pydicom.

Why: nobody on this project wrote pydicom or its test data, so it is an
independent reference for what a DICOM reader should produce.  For every file
in pydicom's bundled data (test_files/**, charset_files/**, palettes/** -- all
files, not only *.dcm) and in pydicom-data's data directory, this script

  1. reads the file with pydicom (`dcmread(force=True)`) and builds the DICOM
     JSON model (PS3.18 Annex F) element by element, file meta included;
     elements pydicom itself cannot convert are recorded, not fatal;
  2. runs `dcmaudit dump --format json --bulk-threshold 1000000000` on batches
     of files (falling back to one process per file when a batch's output
     cannot be mapped back), each run under a timeout;
  3. compares the two recursively (sequences included): tag set, VR, values.
     Normalisation: numbers numerically (relative tolerance), strings with
     insignificant padding stripped, PN per component group, InlineBinary as
     bytes; Pixel Data and anything dcmaudit emits as BulkDataURI is skipped.

Differences listed in Tests/Differential/known-differences.tsv (columns: file,
tag-path, kind, reason; fnmatch globs allowed in the first three) are reported
but do not fail.  Exit 1 on any unlisted difference, on any crash / signal /
timeout / unparsable output of dcmaudit, and on a file pydicom reads that
dcmaudit cannot read (unless listed with kind `read-failure`).  Crashes and
timeouts can never be listed.  There is deliberately no --update-known: each
difference must be reviewed by hand.

File labels (used in the report and in known-differences.tsv):
  pydicom:test_files/<rel>, pydicom:charset_files/<rel>, pydicom:palettes/<rel>,
  pydicom-data:<rel>
Tag paths: 8-hex-digit tags, sequence items by index: 300A00B0/0/300A0111/2/300A011A

Run with the venv's python (pydicom==3.0.2, pydicom-data==1.0.0):
  .venv/bin/python Scripts/diff/pydicom_diff.py --dcmaudit .build/release/dcmaudit
  .venv/bin/python Scripts/diff/pydicom_diff.py --limit 40          # bounded CI run
  .venv/bin/python Scripts/diff/pydicom_diff.py --pydicom-only      # check our side only
"""
from __future__ import annotations

import argparse
import base64
import binascii
import collections
import fnmatch
import hashlib
import json
import math
import os
import signal
import struct
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_KNOWN = REPO / "Tests" / "Differential" / "known-differences.tsv"
DEFAULT_REPORT = REPO / "bench-out" / "pydicom-diff-report.txt"
PIXEL_DATA = "7FE00010"
# pydicom by default re-types explicit-VR UN elements whose tag it knows
# (config.replace_un_with_known_vr) and reads a UN sequence's value as items;
# dcmaudit's reader does the same (PS3.5 6.2.2 Note 2; dump's JSON gives the
# dictionary's VR), so the reference keeps pydicom's default unless --pydicom-keep-un.
REPLACE_UN = True
BINARY_VRS = {"OB", "OW", "OD", "OF", "OL", "OV", "UN"}
INT_VRS = {"IS", "SL", "SS", "UL", "US", "SV", "UV"}
FLOAT_VRS = {"DS", "FL", "FD"}
# PS3.5 6.2: leading *and* trailing spaces are insignificant for these VRs;
# for the other text VRs only trailing padding is.
STRIP_BOTH = {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "SH", "TM", "UI"}
# Files exercised first by --limit: the hard cases (big endian, deflate, no
# preamble/meta, implicit VR, encapsulated JPEG/J2K/RLE, truncation, nested
# and undefined-length sequences, private/UN sequences, character sets).
HARD_FILES = [
    "pydicom:test_files/MR_small_bigendian.dcm",
    "pydicom:test_files/ExplVR_BigEnd.dcm",
    "pydicom:test_files/ExplVR_BigEndNoMeta.dcm",
    "pydicom:test_files/dicomdirtests/DICOMDIR-bigEnd",
    "pydicom:test_files/image_dfl.dcm",
    "pydicom:test_files/no_meta.dcm",
    "pydicom:test_files/ExplVR_LitEndNoMeta.dcm",
    "pydicom:test_files/no_meta_group_length.dcm",
    "pydicom:test_files/meta_missing_tsyntax.dcm",
    "pydicom:test_files/MR_small_implicit.dcm",
    "pydicom:test_files/JPEG-lossy.dcm",
    "pydicom:test_files/SC_rgb_jpeg_dcmtk.dcm",
    "pydicom:test_files/JPEG2000.dcm",
    "pydicom:test_files/JPEG2000-embedded-sequence-delimiter.dcm",
    "pydicom:test_files/MR_small_RLE.dcm",
    "pydicom:test_files/rtplan.dcm",
    "pydicom:test_files/rtplan_truncated.dcm",
    "pydicom:test_files/MR_truncated.dcm",
    "pydicom:test_files/nested_priv_SQ.dcm",
    "pydicom:test_files/priv_SQ.dcm",
    "pydicom:test_files/UN_sequence.dcm",
    "pydicom:test_files/badVR.dcm",
    "pydicom:test_files/reportsi_with_empty_number_tags.dcm",
    "pydicom:test_files/CT_small.dcm",
    "pydicom:charset_files/chrH31.dcm",
    "pydicom:charset_files/chrSQEncoding.dcm",
    "pydicom:charset_files/chrX1.dcm",
    "pydicom-data:emri_small_big_endian.dcm",
    "pydicom-data:explicit_VR-UN.dcm",
    "pydicom-data:bad_sequence.dcm",
]


# ----------------------------------------------------------------------------
# Input discovery


def discover_files() -> list[tuple[str, Path]]:
    """(label, path) for every file of pydicom's data and pydicom-data's store."""
    import pydicom

    out: list[tuple[str, Path]] = []
    pdata = Path(pydicom.__file__).resolve().parent / "data"
    for sub in ("test_files", "charset_files", "palettes"):
        root = pdata / sub
        for p in sorted(root.rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                out.append((f"pydicom:{sub}/{p.relative_to(root).as_posix()}", p))
    try:
        from data_store import DataStore  # the pydicom-data package

        droot = Path(DataStore().data_path)
    except ImportError:
        sys.exit("error: pydicom-data is not installed in this interpreter "
                 "(run Scripts/python-env.sh and use .venv/bin/python)")
    if not droot.is_dir():
        sys.exit(f"error: pydicom-data's data directory {droot} is missing")
    for p in sorted(droot.rglob("*")):
        if p.is_file():
            out.append((f"pydicom-data:{p.relative_to(droot).as_posix()}", p))
    return out


def limited_subset(files: list[tuple[str, Path]], n: int) -> list[tuple[str, Path]]:
    """Deterministic subset: the hard files first, then a hash-ordered sample."""
    by_label = dict(files)
    chosen = [l for l in HARD_FILES if l in by_label][:n]
    rest = sorted((l for l in by_label if l not in chosen),
                  key=lambda l: hashlib.sha1(l.encode()).hexdigest())
    chosen += rest[: max(0, n - len(chosen))]
    keep = set(chosen)
    return [(l, p) for l, p in files if l in keep]


# ----------------------------------------------------------------------------
# pydicom side


@dataclass
class PydicomResult:
    ok: bool
    json: dict | None = None
    error: str | None = None
    unconvertible: list[str] = field(default_factory=list)  # tag paths


def _dataset_to_json(ds, path: str, unconvertible: list[str]) -> dict:
    """Like Dataset.to_json_dict, but per element, recording what fails."""
    out: dict = {}
    for tag in sorted(ds.keys()):
        key = f"{int(tag):08X}"
        tpath = f"{path}/{key}" if path else key
        try:
            elem = ds[tag]
            if elem.VR == "SQ":
                items = [_dataset_to_json(item, f"{tpath}/{i}", unconvertible)
                         for i, item in enumerate(elem.value or [])]
                out[key] = {"vr": "SQ", "Value": items}
            else:
                out[key] = elem.to_json_dict(None, 0)
        except Exception as exc:  # noqa: BLE001 - pydicom raises many types
            unconvertible.append(f"{tpath} ({type(exc).__name__}: {exc})"[:300])
    return out


def pydicom_json(path: Path) -> PydicomResult:
    import pydicom
    from pydicom.errors import InvalidDicomError

    res = _pydicom_json(path, REPLACE_UN)
    if not res.ok and not REPLACE_UN and res.error and not res.error.startswith("not DICOM"):
        # pydicom 3.0.2 fails on some files without UN replacement
        # (explicit_VR-UN.dcm: TypeError); fall back to its default mode.
        retry = _pydicom_json(path, True)
        if retry.ok:
            retry.unconvertible.append(f"* (read with replace_un_with_known_vr=True: {res.error})")
            return retry
    return res


def _pydicom_json(path: Path, replace_un: bool) -> PydicomResult:
    import pydicom
    from pydicom.errors import InvalidDicomError

    pydicom.config.replace_un_with_known_vr = replace_un
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(path, force=True)
            unconv: list[str] = []
            meta = getattr(ds, "file_meta", None)
            obj = _dataset_to_json(meta, "", unconv) if meta is not None else {}
            obj.update(_dataset_to_json(ds, "", unconv))
    except (InvalidDicomError, Exception) as exc:  # noqa: BLE001
        return PydicomResult(False, error=f"{type(exc).__name__}: {exc}"[:300])
    if not obj:
        return PydicomResult(False, error="no elements")
    if not (meta or ds.preamble) and len(ds) < 2:
        # force=True turns any byte soup (README.txt, *.gz, *.icc) into one
        # bogus element; that is not a read.
        return PydicomResult(False, error=f"not DICOM: force-read gives only {list(obj)}")
    return PydicomResult(True, json=obj, unconvertible=unconv)


# ----------------------------------------------------------------------------
# dcmaudit side


@dataclass
class RunResult:
    status: str  # ok | read-error | crash | timeout | bad-output
    json: dict | None = None
    detail: str = ""


def _run(cmd: list[str], timeout: float):
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return None, b"", "timeout"


def _describe_rc(rc: int) -> str:
    if rc < 0:
        try:
            return f"killed by signal {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exit code {rc}"


def run_dcmaudit(binary: str, paths: list[Path], timeout: float,
                 batch: int) -> list[RunResult]:
    """Batch runs; any batch whose output can't be mapped back is redone per file."""
    results: list[RunResult] = []
    for i in range(0, len(paths), batch):
        chunk = paths[i:i + batch]
        mapped = _run_batch(binary, chunk, timeout) if len(chunk) > 1 else None
        if mapped is None:
            mapped = [_run_one(binary, p, timeout) for p in chunk]
        results.extend(mapped)
    return results


def _dump_cmd(binary: str, paths: list[Path]) -> list[str]:
    return [binary, "dump", "--format", "json", "--bulk-threshold", "1000000000",
            *map(str, paths)]


def _run_batch(binary: str, chunk: list[Path], timeout: float):
    rc, out, err = _run(_dump_cmd(binary, chunk), max(timeout, 2.0 * len(chunk)))
    if rc not in (0, 1):
        return None
    failed = {}
    for p in chunk:
        prefix = f"{p}: error:"
        for line in err.splitlines():
            if line.startswith(prefix):
                failed[p] = line
                break
    if (rc == 1) != bool(failed):
        return None
    try:
        doc = json.loads(out)
    except ValueError:
        return None
    objs = [doc] if isinstance(doc, dict) else doc
    ok_paths = [p for p in chunk if p not in failed]
    if not isinstance(objs, list) or len(objs) != len(ok_paths):
        return None
    mapped = {}
    for p, o in zip(ok_paths, objs):
        if not isinstance(o, dict):
            return None
        mapped[p] = RunResult("ok", o)
    for p, line in failed.items():
        mapped[p] = RunResult("read-error", detail=line)
    return [mapped[p] for p in chunk]


def _run_one(binary: str, p: Path, timeout: float) -> RunResult:
    rc, out, err = _run(_dump_cmd(binary, [p]), timeout)
    if rc is None:
        return RunResult("timeout", detail=f"no result after {timeout:.0f}s")
    if rc not in (0, 1):
        return RunResult("crash", detail=f"{_describe_rc(rc)}; stderr: {err.strip()[-400:]}")
    if rc == 1:
        line = next((l for l in err.splitlines() if ": error:" in l), err.strip()[-300:])
        if out.strip():
            return RunResult("bad-output", detail=f"exit 1 but stdout not empty; {line}")
        return RunResult("read-error", detail=line)
    try:
        doc = json.loads(out)
    except ValueError as exc:
        return RunResult("bad-output", detail=f"stdout is not JSON: {exc}")
    if isinstance(doc, list) and len(doc) == 1:
        doc = doc[0]
    if not isinstance(doc, dict):
        return RunResult("bad-output", detail="expected one JSON object")
    return RunResult("ok", doc)


# ----------------------------------------------------------------------------
# Comparison


@dataclass
class Diff:
    path: str
    kind: str
    detail: str
    known: str | None = None  # reason, when listed


@dataclass
class Stats:
    compared: int = 0
    identical: int = 0
    skipped_bulk: int = 0


def _is_num(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _to_num(x, vr):
    if _is_num(x):
        return x
    if isinstance(x, str):
        s = x.strip()
        try:
            return int(s) if vr in INT_VRS else float(s)
        except ValueError:
            try:
                return float(s)
            except ValueError:
                return None
    return None


def _num_eq(a, b, vr) -> bool:
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    a, b = float(a), float(b)
    if math.isnan(a) and math.isnan(b):
        return True
    if vr in ("FL", "OF"):
        # float32: "1e-45" and 1.401298464324817e-45 are the same float32
        try:
            return struct.pack("<f", a) == struct.pack("<f", b)
        except OverflowError:
            pass
    tol = 1e-6 if vr in ("FL", "OF") else 1e-12
    return math.isclose(a, b, rel_tol=tol, abs_tol=1e-300)


def _norm_str(s, vr) -> str:
    if s is None:
        return ""
    s = str(s)
    s = s.rstrip(" \x00")
    if vr in STRIP_BOTH:
        s = s.lstrip(" ")
    return s


def _empty(v) -> bool:
    return v is None or v == "" or v == {} or (isinstance(v, dict) and
                                               all(not x for x in v.values()))


def _values(e: dict) -> list:
    v = e.get("Value")
    if v is None:
        return []
    if not isinstance(v, list):
        return [v]
    if e.get("vr") != "SQ" and all(_empty(x) for x in v):
        return []  # ["", null] and an absent Value all mean "empty"
    return v


def _fmt(v, limit=120) -> str:
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= limit else s[:limit] + "..."


def _swap(b: bytes, width: int) -> bytes:
    if width <= 1 or len(b) % width:
        return b
    return b"".join(b[i:i + width][::-1] for i in range(0, len(b), width))


def _b64(s) -> bytes | None:
    try:
        return base64.b64decode(s or "", validate=False)
    except (binascii.Error, ValueError, TypeError):
        return None


def compare_datasets(ref: dict, ours: dict, path: str, stats: Stats, diffs: list[Diff]):
    for key in sorted(set(ref) | set(ours)):
        tpath = f"{path}/{key}" if path else key
        if key == PIXEL_DATA or (key in ours and isinstance(ours[key], dict)
                                 and "BulkDataURI" in ours[key]):
            stats.skipped_bulk += 1
            continue
        stats.compared += 1
        if key not in ours:
            kind = "group-length-missing" if key.endswith("0000") else "missing-in-dcmaudit"
            diffs.append(Diff(tpath, kind, f"pydicom: {_fmt(ref[key])}"))
            continue
        if key not in ref:
            kind = "group-length-extra" if key.endswith("0000") else "extra-in-dcmaudit"
            diffs.append(Diff(tpath, kind, f"dcmaudit: {_fmt(ours[key])}"))
            continue
        before = len(diffs)
        compare_element(ref[key], ours[key], tpath, stats, diffs)
        if len(diffs) == before:
            stats.identical += 1


def compare_element(r: dict, o: dict, tpath: str, stats: Stats, diffs: list[Diff]):
    if not isinstance(o, dict):
        diffs.append(Diff(tpath, "malformed", f"dcmaudit element is not an object: {_fmt(o)}"))
        return
    rvr, ovr = r.get("vr"), o.get("vr")
    vr = rvr
    if ovr in BINARY_VRS and "Value" in o:
        # PS3.18 F.2.3: binary VRs carry InlineBinary or BulkDataURI, never Value
        diffs.append(Diff(tpath, "json-model", f"dcmaudit {ovr} element has a Value "
                                              f"({_fmt(o.get('Value'), 60)}); pydicom {rvr}"))
        if rvr == "SQ" and isinstance(o.get("Value"), list):
            o = dict(o, vr="SQ")
            ovr = "SQ"
        else:
            return
    if rvr != ovr and "UN" in (rvr, ovr):
        other = o if ovr == "UN" else r
        raw = _b64(other.get("InlineBinary")) or b""
        who = "dcmaudit" if ovr == "UN" else "pydicom"
        diffs.append(Diff(tpath, "vr-un", f"pydicom {rvr} dcmaudit {ovr}; {who}'s UN bytes "
                                          f"{raw[:40].decode('latin-1')!r}; other: "
                                          f"{_fmt((r if ovr == 'UN' else o).get('Value'), 80)}"))
        return
    if rvr != ovr:
        if isinstance(rvr, str) and " or " in rvr and ovr in rvr.split(" or "):
            vr = ovr  # pydicom left an ambiguous VR unresolved; ours picked one
        else:
            diffs.append(Diff(tpath, "vr", f"pydicom {rvr} dcmaudit {ovr}"))
            if {rvr, ovr} & {"SQ"}:
                return
            vr = ovr if ovr in BINARY_VRS else rvr
    if vr == "SQ":
        ri, oi = r.get("Value") or [], o.get("Value") or []
        if len(ri) != len(oi):
            diffs.append(Diff(tpath, "item-count", f"pydicom {len(ri)} dcmaudit {len(oi)}"))
        for i, (a, b) in enumerate(zip(ri, oi)):
            if not isinstance(b, dict):
                diffs.append(Diff(f"{tpath}/{i}", "malformed", "item is not an object"))
                continue
            compare_datasets(a, b, f"{tpath}/{i}", stats, diffs)
        return
    if "InlineBinary" in r or "InlineBinary" in o or vr in BINARY_VRS:
        rb = _b64(r.get("InlineBinary")) if "InlineBinary" in r else b""
        if "InlineBinary" in o:
            ob = _b64(o.get("InlineBinary"))
        elif "Value" in o:
            diffs.append(Diff(tpath, "binary-form", f"dcmaudit gave Value {_fmt(o.get('Value'))} for {vr}"))
            return
        else:
            ob = b""
        if ob is None:
            diffs.append(Diff(tpath, "binary-form", "dcmaudit InlineBinary is not base64"))
        elif rb != ob:
            width = {"OW": 2, "OL": 4, "OF": 4, "OD": 8, "OV": 8}.get(vr, 1)
            if _swap(rb, width) == ob:
                kind = "binary-byte-order"
            elif rb.rstrip(b"\0") == ob.rstrip(b"\0") or rb.rstrip(b" ") == ob.rstrip(b" "):
                kind = "binary-padding"
            else:
                kind = "binary"
            diffs.append(Diff(tpath, kind, f"pydicom {len(rb)} bytes {rb[:16].hex()} "
                                            f"dcmaudit {len(ob)} bytes {ob[:16].hex()}"))
        return
    rv, ov = _values(r), _values(o)
    if len(rv) != len(ov):
        diffs.append(Diff(tpath, "value-count",
                          f"pydicom {len(rv)} {_fmt(rv)} dcmaudit {len(ov)} {_fmt(ov)}"))
        return
    for i, (a, b) in enumerate(zip(rv, ov)):
        kind = compare_value(a, b, vr)
        if kind:
            diffs.append(Diff(tpath, kind, f"{vr}{'' if len(rv) == 1 else f' value {i}'}: "
                                           f"pydicom {_fmt(a)} dcmaudit {_fmt(b)}"))
            return


def compare_value(a, b, vr) -> str | None:
    """None when equal after normalisation, else a difference kind."""
    if _empty(a) and _empty(b):
        return None
    if vr == "PN":
        if not isinstance(b, dict):
            return "pn-form"
        ra = a if isinstance(a, dict) else {"Alphabetic": a}
        for g in ("Alphabetic", "Ideographic", "Phonetic"):
            if _norm_str(ra.get(g), "PN") != _norm_str(b.get(g), "PN"):
                return "pn"
        extra = set(b) - {"Alphabetic", "Ideographic", "Phonetic"}
        return "pn-form" if extra else None
    if vr == "AT":
        return None if str(a).upper() == str(b).upper() else "value"
    if vr in INT_VRS or vr in FLOAT_VRS:
        na, nb = _to_num(a, vr), _to_num(b, vr)
        if na is not None and nb is not None:
            if (na == 0 and nb == 0 and isinstance(na, float) and isinstance(nb, (int, float))
                    and math.copysign(1, na) != math.copysign(1, nb)):
                return "negative-zero"
            if _num_eq(na, nb, vr):
                # the standard wants a JSON number where the string parses
                return "number-as-string" if (_is_num(a) and isinstance(b, str)) else None
            return "number"
        if na is None and nb is None:
            return None if _norm_str(a, vr) == _norm_str(b, vr) else "value"
        return "number-type"
    if _is_num(a) or _is_num(b):
        return None if str(a) == str(b) else "value-type"
    return None if _norm_str(a, vr) == _norm_str(b, vr) else "value"


# ----------------------------------------------------------------------------
# Known differences


@dataclass
class Known:
    file: str
    tag: str
    kind: str
    reason: str
    line: int
    used: int = 0


def load_known(path: Path) -> list[Known]:
    out = []
    if not path.exists():
        return out
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 4 or not cols[3].strip():
            sys.exit(f"error: {path}:{n}: need 4 tab-separated columns "
                     "(file, tag-path, kind, reason) and a non-empty reason")
        if cols[:3] == ["file", "tag-path", "kind"]:
            continue
        if cols[2] in ("crash", "timeout", "bad-output"):
            sys.exit(f"error: {path}:{n}: a {cols[2]} can never be a known difference")
        out.append(Known(cols[0], cols[1], cols[2], cols[3].strip(), n))
    return out


def match_known(known: list[Known], label: str, tpath: str, kind: str) -> Known | None:
    for k in known:
        if (fnmatch.fnmatchcase(label, k.file) and fnmatch.fnmatchcase(tpath, k.tag)
                and fnmatch.fnmatchcase(kind, k.kind)):
            k.used += 1
            return k
    return None


# ----------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dcmaudit", default=str(REPO / ".build" / "release" / "dcmaudit"),
                    help="dcmaudit binary (default: .build/release/dcmaudit)")
    ap.add_argument("--limit", type=int, help="deterministic subset of N files incl. the hard ones")
    ap.add_argument("--report", type=Path, default=DEFAULT_REPORT, help="detailed per-file report")
    ap.add_argument("--known", type=Path, default=DEFAULT_KNOWN, help="known-differences TSV")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per file (default 30)")
    ap.add_argument("--batch", type=int, default=25, help="files per dcmaudit process (default 25)")
    ap.add_argument("--pydicom-only", action="store_true",
                    help="only read everything with pydicom and check the normaliser (no dcmaudit)")
    ap.add_argument("--pydicom-keep-un", action="store_true",
                    help="keep explicit UN elements as UN in pydicom's reading (replace_un_with_known_vr=False)")
    args = ap.parse_args()
    global REPLACE_UN
    REPLACE_UN = not args.pydicom_keep_un

    files = discover_files()
    if args.limit:
        files = limited_subset(files, args.limit)
    known = load_known(args.known)

    t0 = time.monotonic()
    ref = {label: pydicom_json(p) for label, p in files}
    n_py = sum(r.ok for r in ref.values())
    print(f"{len(files)} files; pydicom read {n_py}, could not read {len(files) - n_py} "
          f"({time.monotonic() - t0:.1f}s)")

    if args.pydicom_only:
        # Self-check of the comparator: each pydicom JSON against its own JSON
        # round trip must compare identical, and every file must be findable.
        bad = 0
        for label, r in ref.items():
            if not r.ok:
                print(f"  pydicom cannot read {label}: {r.error}")
                continue
            st, d = Stats(), []
            compare_datasets(r.json, json.loads(json.dumps(r.json)), "", st, d)
            if d:
                bad += 1
                print(f"  self-compare differs for {label}: {d[0]}")
            for u in r.unconvertible:
                print(f"  pydicom cannot convert {label} {u}")
        print(f"self-compare: {bad} files differ")
        return 1 if bad else 0

    if not os.access(args.dcmaudit, os.X_OK):
        print(f"error: dcmaudit binary {args.dcmaudit} not found (build it or pass --dcmaudit)",
              file=sys.stderr)
        return 2

    t1 = time.monotonic()
    runs = dict(zip([l for l, _ in files],
                    run_dcmaudit(args.dcmaudit, [p for _, p in files], args.timeout, args.batch)))
    t_run = time.monotonic() - t1

    totals = Stats()
    kinds = collections.Counter()       # (kind, known?) -> count
    files_identical = n_ours = 0
    failing: list[str] = []
    args.report.parent.mkdir(parents=True, exist_ok=True)
    with args.report.open("w", encoding="utf-8") as rep:
        rep.write(f"# pydicom vs dcmaudit ({args.dcmaudit})\n")
        for label, _ in files:
            r, o = ref[label], runs[label]
            lines: list[str] = []
            file_fail = False
            if o.status in ("crash", "timeout", "bad-output"):
                kinds[(o.status, False)] += 1
                lines.append(f"  [{o.status}] {o.detail}")
                file_fail = True
            elif o.status == "read-error":
                if r.ok:
                    k = match_known(known, label, "*", "read-failure")
                    kinds[("read-failure", bool(k))] += 1
                    lines.append(f"  [read-failure] pydicom reads it, dcmaudit: {o.detail}"
                                 + (f"  (known: {k.reason})" if k else ""))
                    file_fail = not k
                else:
                    lines.append(f"  both fail. pydicom: {r.error}; dcmaudit: {o.detail}")
            else:
                n_ours += 1
                if not r.ok:
                    lines.append(f"  dcmaudit reads it, pydicom does not ({r.error})")
                else:
                    st, diffs = Stats(), []
                    compare_datasets(r.json, o.json, "", st, diffs)
                    totals.compared += st.compared
                    totals.identical += st.identical
                    totals.skipped_bulk += st.skipped_bulk
                    unconv = {u.split(" ")[0] for u in r.unconvertible}
                    for d in diffs:
                        if d.path in unconv:
                            d.kind = "pydicom-unconvertible"
                        k = match_known(known, label, d.path, d.kind)
                        d.known = k.reason if k else None
                        kinds[(d.kind, bool(k))] += 1
                        file_fail |= not k
                        lines.append(f"  [{d.kind}] {d.path}: {d.detail}"
                                     + (f"  (known: {d.known})" if d.known else ""))
                    for u in r.unconvertible:
                        lines.append(f"  (pydicom note: {u})")
                    if not diffs:
                        files_identical += 1
            if file_fail:
                failing.append(label)
            if lines:
                rep.write(f"\n== {label}{'  FAIL' if file_fail else ''}\n" + "\n".join(lines) + "\n")
        stale = [k for k in known if k.used == 0]
        if stale:
            rep.write("\n# known differences that matched nothing (remove them?)\n")
            for k in stale:
                rep.write(f"  {args.known.name}:{k.line}: {k.file}\t{k.tag}\t{k.kind}\n")

    n_unreadable_py = len(files) - n_py
    print(f"dcmaudit: {len(files)} files in {t_run:.1f}s; read {n_ours}")
    print(f"files pydicom read:          {n_py}  (pydicom cannot read {n_unreadable_py})")
    print(f"files dcmaudit read:         {n_ours}")
    print(f"files identical:             {files_identical}")
    print(f"elements compared:           {totals.compared}")
    print(f"elements identical:          {totals.identical}")
    print(f"elements skipped (bulk/PD):  {totals.skipped_bulk}")
    if kinds:
        print("differences by kind:         unlisted  known")
        for kind in sorted({k for k, _ in kinds}):
            print(f"  {kind:<26} {kinds[(kind, False)]:>8} {kinds[(kind, True)]:>6}")
    stale = [k for k in known if k.used == 0]
    if stale and not args.limit:
        print(f"{len(stale)} known-differences entries matched nothing (see report)")
    print(f"report: {args.report}")
    if failing:
        print(f"FAIL: {len(failing)} files with unlisted differences or dcmaudit failures, e.g. "
              + ", ".join(failing[:5]))
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
