"""The example pack's rules (Rules/examples/example.ct-mr.yaml) evaluated with
pydicom, for the benchmark (Scripts/bench/bench.py): the same reading
(`dcmread(stop_before_pixels=True)`), the same checks written the way a pydicom
script would write them. A timing reference: its finding counts approximate
dcmaudit's (no 'not applicable' bookkeeping, no messages)."""
import os, re, sys, time
import pydicom
from pydicom.errors import InvalidDicomError

siemens = re.compile(r"(?i)siemens")
uid_re = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$")

def files(paths):
    for p in paths:
        if os.path.isdir(p):
            for d, dirs, fs in os.walk(p):
                dirs.sort()
                for f in sorted(fs):
                    yield os.path.join(d, f)
        else:
            yield p

def num(v):
    try:
        return float(v)
    except Exception:
        return None

def main(paths):
    findings = 0; n = 0
    series = {}; sops = set()
    t0 = time.time()
    for path in files(paths):
        n += 1
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True)
        except Exception:
            findings += 1; continue
        mod = ds.get("Modality", None)
        pid = ds.get("PatientID", None)
        if not pid: findings += 1
        if mod == "MR":
            tr = num(ds.get("RepetitionTime", None))
            if tr is None or not (300 <= tr <= 12000): findings += 1
            if siemens.search(str(ds.get("Manufacturer", ""))):
                found = False
                for blk in range(0x10, 0x100):
                    el = ds.get((0x0029, blk))
                    if el is not None and str(el.value).strip() == "SIEMENS CSA HEADER":
                        found = (0x0029, (blk << 8) | 0x10) in ds
                        break
                if not found: findings += 1
        if mod == "CT":
            kvp = num(ds.get("KVP", None))
            if kvp is None or not (70 <= kvp <= 140): findings += 1
        ps = ds.get("PixelSpacing", None)
        if ps is None or len(ps) != 2 or any((num(x) or 0) <= 0 for x in ps): findings += 1
        for it in ds.get("ReferencedImageSequence", []) or []:
            u = it.get("ReferencedSOPClassUID", None)
            if u is None or not uid_re.match(str(u)) or len(str(u)) > 64: findings += 1; break
        s = ds.get("SeriesInstanceUID", None)
        if s:
            key = (str(ds.get("PixelSpacing", "")), str(ds.get("Rows", "")), str(ds.get("Columns", "")))
            series.setdefault(s, set()).add(key)
        sop = ds.get("SOPInstanceUID", None)
        if sop:
            if sop in sops: findings += 1
            sops.add(sop)
    findings += sum(1 for v in series.values() if len(v) > 1)
    dt = time.time() - t0
    print(f"{n} files, {findings} findings, {dt:.2f} s, {n/dt:.0f} files/s")

main(sys.argv[1:])
