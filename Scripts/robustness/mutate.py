#!/usr/bin/env python3
"""Robustness driver for `dcmaudit dump`: mutate real DICOM files and check
that the reader fails *cleanly* on every one of them.

Why: a reader of untrusted files must never crash, hang or run away with
memory, whatever the bytes; rejecting a file (exit 1 + `PATH: error: ... at
offset N`) is fine, so is reading it.  Mutants per input file (seeded):
  trunc   truncations at every 1/64 of the file and at every offset of the
          first 512 bytes (--dense-step to thin those out)
  flip    --count mutants with 1-8 random bytes replaced or bit-flipped
  len     up to --count mutants with one 32-bit length field (explicit VR long
          form OB/OW/OF/OD/OL/OV/SQ/UT/UN/UC/UR/SV/UV, item / delimiter tags,
          implicit VR elements) overwritten with 0, 1, odd, huge, 0x7FFFFFFF,
          0x80000000, 0xFFFFFFFE or 0xFFFFFFFF (undefined length)
Mutants are written to a temp dir one input at a time and run through
`dcmaudit dump --format json` in batches, under a timeout (CPU time, with a
wall-clock backstop ten times longer: see WALL_FACTOR) and an address-space
limit (RLIMIT_AS = 20 x largest file in the batch + 200 MB).  A batch that
misbehaves is re-run file by file to name the culprit.  Failure (exit 1):
a signal or an exit code other than 0/1, a timeout, stdout that is not JSON,
or output that doesn't account for every file (one object or one
`PATH: error: ... at offset N` line each; exit 1 iff some file failed).
Failing mutants are copied to --keep DIR for reproduction.

Inputs default to pydicom's test files (the venv's pydicom, or any pydicom
on sys.path) and the repository's Fixtures/.
  python3 Scripts/robustness/mutate.py --dcmaudit .build/release/dcmaudit
  python3 Scripts/robustness/mutate.py --limit 8 --count 8 --dense-step 8   # CI
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import random
import re
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LONG_VRS = [b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"SQ", b"UT", b"UN", b"UC", b"UR", b"SV", b"UV"]
LONG_VR_RE = re.compile(b"(?s)(?=....(" + b"|".join(LONG_VRS) + b")\x00\x00)")
ITEM_RE = re.compile(b"\xfe\xff(?:\x00\xe0|\x0d\xe0|\xdd\xe0)|\xff\xfe(?:\xe0\x00|\xe0\x0d|\xe0\xdd)")


def default_inputs() -> list[Path]:
    roots = []
    venv_sp = sorted((REPO / ".venv" / "lib").glob("python3*/site-packages/pydicom/data/test_files"))
    if venv_sp:
        roots.append(venv_sp[0])
    else:
        try:
            import pydicom
            roots.append(Path(pydicom.__file__).parent / "data" / "test_files")
        except ImportError:
            print("mutate: pydicom not found (no .venv); using Fixtures/ only", file=sys.stderr)
    roots.append(REPO / "Fixtures")
    return roots


def expand(paths: list[Path]) -> list[Path]:
    out = []
    for p in paths:
        if p.is_dir():
            out += sorted(x for x in p.rglob("*") if x.is_file() and "__pycache__" not in x.parts)
        elif p.is_file():
            out.append(p)
    return out


def length_offsets(data: bytes) -> list[int]:
    """Offsets of plausible 32-bit length fields at element / item boundaries."""
    offs = set()
    for m in LONG_VR_RE.finditer(data):
        offs.add(m.start() + 8)           # tag(4) VR(2) reserved(2) | length(4)
    for m in ITEM_RE.finditer(data):
        offs.add(m.start() + 4)           # item tag(4) | length(4)
    # Implicit VR (LE): tag(4) length(4) where the tag group is a plausible,
    # even, dictionary-ish group and the length fits in the file.
    for pos in range(0, len(data) - 8, 2):
        g, e, n = struct.unpack_from("<HHI", data, pos)
        if g in (0x0008, 0x0010, 0x0018, 0x0020, 0x0028, 0x0032, 0x0040, 0x0054, 0x3006, 0x300A) \
                and n < len(data) and n % 2 == 0 and e < 0x2000:
            offs.add(pos + 4)
    return sorted(o for o in offs if o + 4 <= len(data))


def mutants(data: bytes, rng: random.Random, count: int, dense_step: int):
    """Yield (name, bytes)."""
    size = len(data)
    cuts = sorted({size * k // 64 for k in range(1, 64)} | set(range(0, min(512, size), dense_step)))
    for c in cuts:
        yield f"trunc-{c:08d}", data[:c]
    for i in range(count):
        b = bytearray(data)
        if not b:
            break
        for _ in range(rng.randint(1, 8)):
            p = rng.randrange(len(b))
            b[p] = rng.randrange(256) if rng.random() < 0.5 else b[p] ^ (1 << rng.randrange(8))
        yield f"flip-{i:04d}", bytes(b)
    offs = length_offsets(data)
    for i, off in enumerate(rng.sample(offs, min(count, len(offs)))):
        old = struct.unpack_from("<I", data, off)[0]
        new = rng.choice([0, 1, old + 1, old | 1, size + 1, 0x7FFFFFFF, 0x80000000,
                          0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFF0, size * 1000]) & 0xFFFFFFFF
        b = bytearray(data)
        struct.pack_into("<I", b, off, new)
        yield f"len-{off:08x}-{new:08x}", bytes(b)


# The timeout is CPU time (RLIMIT_CPU, all threads: timeout x cores), with a
# wall-clock backstop WALL_FACTOR times longer for a process that blocks
# without computing. Measured in wall time, a batch needing half a second of
# CPU "hung" when the run was at low priority on a loaded machine (nice 19 on
# 2 cores at load 5-7 gets under 1% of a core): batch-only timeouts that no
# re-run reproduced.
WALL_FACTOR = 10


def limit_as(nbytes: int, cpu_seconds: float | None = None):
    def f():
        resource.setrlimit(resource.RLIMIT_AS, (nbytes, nbytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if cpu_seconds is not None:
            cpu = max(1, int(cpu_seconds + 0.999))
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    return f


def run(cmd, timeout, mem):
    """(exit code, stdout, stderr); exit code None when the run took more
    than `timeout` seconds of CPU per core, or WALL_FACTOR x that of wall time."""
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout * WALL_FACTOR,
                           preexec_fn=limit_as(mem, timeout * (os.cpu_count() or 1)))
        if p.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
            return None, b"", ""
        return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return None, b"", ""


def rc_text(rc):
    if rc is None:
        return "timeout"
    if rc < 0:
        try:
            return f"signal {signal.Signals(-rc).name}"
        except ValueError:
            return f"signal {-rc}"
    return f"exit {rc}"


def check(paths: list[Path], rc, out: bytes, err: str) -> tuple[str, str] | None:
    """None if the run behaved, else (kind, detail)."""
    if rc is None:
        return "hang", "timeout"
    if rc not in (0, 1):
        return "crash", f"{rc_text(rc)}; stderr tail: {err.strip()[-300:]!r}"
    errs = 0
    for p in paths:
        lines = [l for l in err.splitlines() if l.startswith(f"{p}: error:")]
        if len(lines) > 1:
            return "accounting", f"{len(lines)} error lines for {p.name}"
        if lines:
            errs += 1
            if not re.search(r" at offset \d+$", lines[0]):
                return "error-format", lines[0][-200:]
    if (rc == 1) != (errs > 0):
        return "accounting", f"exit {rc} with {errs} error lines"
    text = out.strip()
    if not text:
        n = 0
    else:
        try:
            doc = json.loads(text)
        except ValueError as exc:
            return "bad-json", f"{exc}; stdout head {text[:120]!r}"
        if isinstance(doc, dict):
            n = 1
        elif isinstance(doc, list) and all(isinstance(o, dict) for o in doc):
            n = len(doc)
        else:
            return "bad-json", "neither an object nor an array of objects"
    if n + errs != len(paths):
        return "accounting", f"{n} objects + {errs} errors for {len(paths)} files"
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="*", type=Path, help="files/dirs (default: pydicom test files, Fixtures/)")
    ap.add_argument("--dcmaudit", default=str(REPO / ".build" / "release" / "dcmaudit"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=32, help="random flips and length mutants per input (each)")
    ap.add_argument("--limit", type=int, help="use only N inputs (deterministic, seeded)")
    ap.add_argument("--dense-step", type=int, default=1, help="step of the dense truncations in the first 512 bytes")
    ap.add_argument("--batch", type=int, default=200, help="mutants per dcmaudit process")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per file (batch: + 0.05 s per file)")
    ap.add_argument("--jobs", type=int, help="pass --jobs N to dcmaudit")
    ap.add_argument("--also-check", action="store_true",
                    help="also run `dcmaudit check --format json` (default packs and the example pack) on every batch")
    ap.add_argument("--all-packs", action="store_true",
                    help="with --also-check: every built-in pack of Rules/*.yaml (each as --pack) instead of the default ones")
    ap.add_argument("--also-csv", action="store_true",
                    help="also run `dcmaudit dump --format csv` of a few attributes (top level, nested, private) on every batch")
    ap.add_argument("--keep", type=Path, default=REPO / "bench-out" / "robustness-failures",
                    help="where failing mutants are copied")
    a = ap.parse_args()

    if not os.access(a.dcmaudit, os.X_OK):
        print(f"mutate: no dcmaudit binary at {a.dcmaudit} (build it or pass --dcmaudit)", file=sys.stderr)
        return 2
    inputs = expand(a.inputs or default_inputs())
    if a.limit is not None:
        inputs = sorted(inputs, key=lambda p: hashlib.sha1(f"{a.seed}:{p.name}".encode()).hexdigest())[:a.limit]
        inputs.sort()
    if not inputs:
        print("mutate: no input files", file=sys.stderr)
        return 2
    base = [a.dcmaudit, "dump", "--format", "json"] + (["--jobs", str(a.jobs)] if a.jobs else [])
    # (--allow-no-files: a chunk of mutated files may hold no DICOM file at all)
    check_base = [a.dcmaudit, "check", "--format", "json", "--allow-no-files", "--pack", "dicom.core", "--pack", "dicom.encoding",
                  "--rules", str(REPO / "Rules" / "examples" / "example.ct-mr.yaml"),
                  "--rules", str(REPO / "Rules" / "examples" / "siemens.mr-protocol.yaml")] + \
                 (["--jobs", str(a.jobs)] if a.jobs else [])
    if a.all_packs:
        ids = sorted(re.search(r"(?m)^pack:\s*(\S+)", f.read_text()).group(1) for f in (REPO / "Rules").glob("*.yaml"))
        check_base = [a.dcmaudit, "check", "--format", "json", "--allow-no-files", "--fail-on", "error"] + \
                     [x for i in ids for x in ("--pack", i)] + (["--jobs", str(a.jobs)] if a.jobs else [])
    csv_base = [a.dcmaudit, "dump", "--format", "csv", "--tags",
                "PatientName,ImageType[1],ReferencedImageSequence[*].ReferencedSOPInstanceUID,(0029,\"SIEMENS CSA HEADER\",10),PixelSpacing"] + \
               (["--jobs", str(a.jobs)] if a.jobs else [])

    t0 = time.monotonic()
    made = collections.Counter()
    outcome = collections.Counter()
    failures: list[tuple[str, str, str, Path]] = []  # kind, input, mutant, detail
    procs = 0
    silent_trunc: collections.Counter = collections.Counter()
    with tempfile.TemporaryDirectory(prefix="dcmaudit-mutants-") as tmp:
        tmpd = Path(tmp)
        for src in inputs:
            data = src.read_bytes()
            rng = random.Random(f"{a.seed}:{src.name}:{len(data)}")
            d = tmpd / "cur"
            shutil.rmtree(d, ignore_errors=True)
            d.mkdir()
            files = []
            for name, blob in mutants(data, rng, a.count, a.dense_step):
                p = d / f"{name}.dcm"
                p.write_bytes(blob)
                files.append(p)
                made[name.split("-")[0]] += 1
            for i in range(0, len(files), a.batch):
                chunk = files[i:i + a.batch]
                mem = 20 * max(p.stat().st_size for p in chunk) + 200 * 2**20
                rc, out, err = run(base + [str(p) for p in chunk], a.timeout + 0.05 * len(chunk), mem)
                procs += 1
                bad = check(chunk, rc, out, err)
                if bad is None and a.also_check:
                    crc, cout, cerr = run(check_base + [str(p) for p in chunk], a.timeout + 0.05 * len(chunk), mem)
                    procs += 1
                    if crc is None:
                        bad = ("check-hang", "timeout")
                    elif crc not in (0, 1):
                        bad = ("check-crash", f"{rc_text(crc)}; stderr tail: {cerr.strip()[-300:]!r}")
                    else:
                        try:
                            json.loads(cout)
                        except ValueError as exc:
                            bad = ("check-bad-json", f"{exc}; stdout head {cout[:120]!r}")
                if bad is None and a.also_csv:
                    vrc, vout, verr = run(csv_base + [str(p) for p in chunk], a.timeout + 0.05 * len(chunk), mem)
                    procs += 1
                    if vrc is None:
                        bad = ("csv-hang", "timeout")
                    elif vrc not in (0, 1):
                        bad = ("csv-crash", f"{rc_text(vrc)}; stderr tail: {verr.strip()[-300:]!r}")
                if bad is None:
                    for p in chunk:
                        rejected = f"{p}: error:" in err
                        outcome["rejected" if rejected else "read"] += 1
                        # Informational: a file cut inside its data set that
                        # still reads without any error (values may be lost).
                        if not rejected and p.name.startswith("trunc-") and \
                                512 <= int(p.name[6:14]) < len(data):
                            silent_trunc[src.name] += 1
                    continue
                found = False
                for p in chunk:  # find the culprit(s)
                    mem1 = 20 * p.stat().st_size + 200 * 2**20
                    rc1, out1, err1 = run(base + [str(p)], a.timeout, mem1)
                    procs += 1
                    bad1 = check([p], rc1, out1, err1)
                    if bad1 is None:
                        outcome["rejected" if rc1 == 1 else "read"] += 1
                        continue
                    outcome[bad1[0]] += 1
                    found = True
                    a.keep.mkdir(parents=True, exist_ok=True)
                    kept = a.keep / f"{src.name}.{p.name}"
                    shutil.copyfile(p, kept)
                    failures.append((bad1[0], str(src), kept.name, bad1[1]))
                    print(f"FAIL {bad1[0]}: {src.name} {p.name}: {bad1[1]}", flush=True)
                if not found:
                    # the batch misbehaved but no single file does: report the batch
                    outcome[bad[0] + "-batch-only"] += 1
                    failures.append((bad[0] + "-batch-only", str(src), f"batch of {len(chunk)}", bad[1]))
                    print(f"FAIL {bad[0]} (batch only): {src.name}: {bad[1]}", flush=True)

    dt = time.monotonic() - t0
    total = sum(made.values())
    print(f"\ninputs: {len(inputs)}; mutants: {total} ("
          + ", ".join(f"{k} {v}" for k, v in sorted(made.items())) + f"); seed {a.seed}")
    print(f"dcmaudit processes: {procs}; {dt:.1f}s ({total / dt:,.0f} mutants/s)")
    print("outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcome.items())))
    if silent_trunc:
        top = ", ".join(f"{k} {v}" for k, v in silent_trunc.most_common(3))
        print(f"note: {sum(silent_trunc.values())} truncated mutants (cut at >= 512 bytes) were read "
              f"with exit 0 and no error, from {len(silent_trunc)} inputs (most: {top}); some cut "
              f"only Pixel Data, which dump does not read")
    if failures:
        kinds = collections.Counter(f[0] for f in failures)
        print(f"FAIL: {len(failures)} failures (" + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
              + f"); mutants kept in {a.keep}")
        return 1
    print("OK: no crash, hang or invalid output")
    return 0


if __name__ == "__main__":
    sys.exit(main())
