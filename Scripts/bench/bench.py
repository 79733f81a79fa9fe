#!/usr/bin/env python3
"""Throughput and memory benchmark of `dcmaudit dump` against pydicom and
dcmtk's dcmdump, on one generated corpus, in one run (see README.md).

For each tool, R timed runs (median reported) of the same job -- print ten
header attributes of every file of the corpus:
  dcmaudit -j1   dcmaudit dump --format csv --tags <10> --jobs 1 DIR
  dcmaudit       dcmaudit dump --format csv --tags <10> DIR          (all cores)
  pydicom        pydicom_dump.py --tags <10> DIR   (dcmread(stop_before_pixels=True, force=True))
  dcmdump        find | sort | xargs -n 1000 dcmdump -q -M -s +F +P <tag>... (10x +P)
Output goes to files (not a terminal) for every tool.  The page cache is
warmed (every corpus file read once) before any timing.  Peak RSS comes from
wait4() of each run (children included); dcmaudit's is also measured on the
first 1,000 files (passed as arguments) and on the whole corpus.
Prints a markdown table; --markdown FILE also writes it to a file.

--deid-corpus DIR (the same corpus written with `dcmaudit-fixtures corpus
--deidentified yes`): the "check all packs" rows again on DIR, against pydicom
reading DIR -- dicom.deid-basic then checks what it is for (data after
de-identification) instead of reporting ~140 findings per file.

Usually started through Scripts/bench/run.sh, which builds and makes the corpus.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TAGS = ["PatientID", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "Modality",
        "Manufacturer", "SeriesDescription", "PixelSpacing", "SliceThickness", "RepetitionTime"]


def corpus_files(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.rglob("*") if p.is_file() and not p.name.startswith("."))


def warm(files: list[Path]) -> float:
    t = time.monotonic()
    for p in files:
        with open(p, "rb") as f:
            while f.read(1 << 20):
                pass
    return time.monotonic() - t


CPU: dict[str, float] = {}  # command -> CPU seconds (user + system, children included) of its last run


def timed(cmd: str, out: Path, timeout: float) -> tuple[float, int, int]:
    """(seconds, peak RSS in KiB incl. children, exit code) of a shell command;
    its CPU time goes to CPU[cmd]."""
    with open(out, "wb") as fo, open(str(out) + ".err", "wb") as fe:
        t = time.perf_counter()
        p = subprocess.Popen(["/bin/bash", "-c", cmd], stdout=fo, stderr=fe)
        deadline = t + timeout
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                p.kill()
                pid, status, ru = os.wait4(p.pid, 0)
                raise SystemExit(f"bench: timeout after {timeout}s: {cmd}")
            time.sleep(0.005)
        dt = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    CPU[cmd] = ru.ru_utime + ru.ru_stime
    return dt, ru.ru_maxrss, p.returncode


def csv_rows(path: Path) -> dict[str, list[str]]:
    rows = {}
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        r = csv.reader(f)
        next(r, None)
        for row in r:
            if row:
                rows[os.path.realpath(row[0])] = row[1:]
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--dcmaudit", required=True)
    ap.add_argument("--python", default=sys.executable, help="python with pydicom (the venv's)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", type=Path, default=Path("bench-out"))
    ap.add_argument("--markdown", type=Path)
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--deid-corpus", type=Path,
                    help="the de-identified corpus (corpus --deidentified yes): all-packs rows on it too")
    ap.add_argument("--skip", default="", help="comma list of tools to skip: dcmaudit (the dump rows),pydicom,dcmdump,check,allpacks")
    a = ap.parse_args()

    files = corpus_files(a.corpus)
    n = len(files)
    if n == 0:
        sys.exit(f"bench: no files in {a.corpus}")
    a.out.mkdir(parents=True, exist_ok=True)
    tags = ",".join(TAGS)
    d = shlex.quote(str(a.corpus))
    exe = shlex.quote(a.dcmaudit)
    plus_p = " ".join(f"+P {t}" for t in TAGS)
    skip = set(filter(None, a.skip.split(",")))
    tools = {
        "dcmaudit -j1": f"{exe} dump --format csv --tags {tags} --jobs 1 {d}",
        f"dcmaudit (jobs={os.cpu_count()})": f"{exe} dump --format csv --tags {tags} {d}",
        "pydicom": f"{shlex.quote(a.python)} {shlex.quote(str(HERE / 'pydicom_dump.py'))} --tags {tags} {d}",
        "dcmdump": f"find {d} -type f ! -name '.*' -print0 | sort -z | "
                   f"xargs -0 -n 1000 dcmdump -q -M -s +F {plus_p}",
    }
    pack = shlex.quote(str(HERE.parent.parent / "Rules" / "examples" / "example.ct-mr.yaml"))
    check_tools = {
        "check -j1": f"{exe} check --rules {pack} --jobs 1 --fail-on never {d}",
        f"check (jobs={os.cpu_count()})": f"{exe} check --rules {pack} --fail-on never {d}",
        "pydicom check": f"{shlex.quote(a.python)} {shlex.quote(str(HERE / 'pydicom_check.py'))} {d}",
    }
    # Every built-in pack (Rules/*.yaml, not the examples) against pydicom reading the
    # files (the "pydicom" row): issue 5's goal is >= 20x.
    builtin = sorted(q.stem for q in (HERE.parent.parent / "Rules").glob("*.yaml"))
    all_flags = " ".join(f"--pack {shlex.quote(i)}" for i in builtin)
    all_tools = {
        "check all packs -j1": f"{exe} check {all_flags} --jobs 1 --fail-on never {d}",
        f"check all packs (jobs={os.cpu_count()})": f"{exe} check {all_flags} --fail-on never {d}",
        # dicom.deid-basic on a corpus that is not de-identified finds ~140 things per
        # file: this row shows what the other packs cost without that output
        f"check dicom.values (jobs={os.cpu_count()})": f"{exe} check --pack dicom.values --fail-on never {d}",
        f"check all but deid (jobs={os.cpu_count()})":
            f"{exe} check {' '.join(f'--pack {shlex.quote(i)}' for i in builtin if i != 'dicom.deid-basic')} --fail-on never {d}",
    }
    # The same all-packs rows on the de-identified corpus, and pydicom reading it.
    deid_tools: dict[str, str] = {}
    if a.deid_corpus:
        dd = shlex.quote(str(a.deid_corpus))
        deid_tools = {
            "check all packs -j1 (de-identified)": f"{exe} check {all_flags} --jobs 1 --fail-on never {dd}",
            f"check all packs (jobs={os.cpu_count()}) (de-identified)": f"{exe} check {all_flags} --fail-on never {dd}",
            "pydicom (reading, de-identified)":
                f"{shlex.quote(a.python)} {shlex.quote(str(HERE / 'pydicom_dump.py'))} --tags {tags} {dd}",
        }
    if "check" not in skip:
        tools.update(check_tools)
    if "allpacks" not in skip:
        tools.update(all_tools)
        tools.update(deid_tools)
    # (--skip names groups: the dump rows by their tool, "dcmaudit", "pydicom",
    # "dcmdump"; the check rows by "check" and "allpacks" — skipping "check"
    # keeps the every-pack rows, whose names also start with "check")
    dump_rows = {"dcmaudit -j1", f"dcmaudit (jobs={os.cpu_count()})", "pydicom", "dcmdump"}
    tools = {k: v for k, v in tools.items() if k not in dump_rows or k.split()[0] not in skip}
    if "pydicom" in skip:
        tools = {k: v for k, v in tools.items() if not k.startswith("pydicom")}
    unknown = skip - {"dcmaudit", "pydicom", "dcmdump", "check", "allpacks"}
    if unknown:
        sys.exit(f"bench: --skip: unknown {', '.join(sorted(unknown))} (dcmaudit, pydicom, dcmdump, check, allpacks)")

    print(f"corpus: {a.corpus} ({n} files, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB)")
    deid_files = corpus_files(a.deid_corpus) if a.deid_corpus else []
    if a.deid_corpus:
        if len(deid_files) != n:
            sys.exit(f"bench: {a.deid_corpus} has {len(deid_files)} files, {a.corpus} {n}: not the same corpus")
        print(f"de-identified corpus: {a.deid_corpus} ({len(deid_files)} files, "
              f"{sum(p.stat().st_size for p in deid_files) / 1e6:.1f} MB)")
    print(f"warming the page cache (reading every corpus file once)... ", end="", flush=True)
    print(f"{warm(files + deid_files):.1f}s")
    for name, cmd in tools.items():  # one untimed warm-up run each
        timed(cmd, a.out / "warmup.out", a.timeout)

    times: dict[str, list[float]] = {k: [] for k in tools}
    cpus: dict[str, list[float]] = {k: [] for k in tools}
    rss: dict[str, int] = {k: 0 for k in tools}
    rcs: dict[str, set] = {k: set() for k in tools}
    for r in range(a.runs):  # interleaved, so drift hits every tool alike
        for name, cmd in tools.items():
            dt, kib, rc = timed(cmd, a.out / f"{name.replace(' ', '_')}-{r}.out", a.timeout)
            times[name].append(dt)
            cpus[name].append(CPU[cmd])
            rss[name] = max(rss[name], kib)
            rcs[name].add(rc)
        print(f"  run {r + 1}/{a.runs}: " + ", ".join(f"{k} {times[k][-1]:.2f}s" for k in tools),
              flush=True)

    # Peak RSS of dcmaudit at 1,000 files and at the whole corpus.
    mem_rows = []
    first = files[:1000]
    if len(first) < n:
        arglist = a.out / "first1000.txt"
        arglist.write_text("\0".join(map(str, first)))
        cmd = (f"xargs -0 -a {shlex.quote(str(arglist))} {exe} dump --format csv --tags {tags}")
        _, kib, _ = timed(cmd, a.out / "mem-1000.out", a.timeout)
        mem_rows.append((len(first), kib))
    _, kib, _ = timed(f"{exe} dump --format csv --tags {tags} {d}", a.out / "mem-all.out", a.timeout)
    mem_rows.append((n, kib))
    check_mem = []
    if "check -j1" in tools:
        if len(first) < n:
            _, kib, _ = timed(f"xargs -0 -a {shlex.quote(str(arglist))} {exe} check --rules {pack} --fail-on never",
                              a.out / "cmem-1000.out", a.timeout)
            check_mem.append((len(first), kib))
        _, kib, _ = timed(check_tools[f"check (jobs={os.cpu_count()})"], a.out / "cmem-all.out", a.timeout)
        check_mem.append((n, kib))

    # Sanity: every tool printed a row per file, and dcmaudit agrees with pydicom.
    notes = []
    for name in tools:
        if rcs[name] - {0}:
            if (name in check_tools or name in all_tools or name in deid_tools) and name.startswith("check") and rcs[name] <= {0, 1}:
                continue
            notes.append(f"{name} exited with {sorted(rcs[name])} (see {a.out}/*.err)")
    if "pydicom" in tools and "dcmaudit -j1" in tools:
        ours, ref = csv_rows(a.out / "dcmaudit_-j1-0.out"), csv_rows(a.out / "pydicom-0.out")
        differ = [p for p in ref if ours.get(p) != ref[p]]
        as_bytes = [p for p in differ if any(c.startswith("<") and c.endswith(" bytes>")
                                             for c in ours.get(p, []))]
        if as_bytes:
            notes.append(f"{len(as_bytes)} differing rows have dcmaudit cells like '<N bytes>' "
                         "(elements encoded as explicit UN that pydicom re-types)")
        notes.append(f"csv rows: dcmaudit {len(ours)}, pydicom {len(ref)}, "
                     f"{len(differ)} rows differ" + (f" (e.g. {differ[0]}: pydicom {ref[differ[0]]} "
                                                     f"dcmaudit {ours.get(differ[0])})" if differ else ""))

    med = {k: statistics.median(v) for k, v in times.items()}
    fps = {k: n / med[k] for k in tools}
    j1 = "dcmaudit -j1"
    jn = f"dcmaudit (jobs={os.cpu_count()})"
    md = io.StringIO()
    md.write(f"Corpus: {n} files, {a.runs} runs each (median), page cache warmed, "
             f"{platform.machine()} {os.cpu_count()} cores.\n\n")
    md.write("| tool | median s | files/s | vs pydicom | vs dcmdump | peak RSS MiB |\n")
    md.write("|---|---:|---:|---:|---:|---:|\n")
    for k in tools:
        if k in check_tools or k in all_tools or k in deid_tools:
            continue
        vp = f"{fps[k] / fps['pydicom']:.1f}x" if "pydicom" in fps else "-"
        vd = f"{fps[k] / fps['dcmdump']:.1f}x" if "dcmdump" in fps else "-"
        md.write(f"| {k} | {med[k]:.3f} | {fps[k]:,.0f} | {vp} | {vd} | {rss[k] / 1024:.1f} |\n")
    if "check -j1" in fps and "pydicom check" in fps:
        md.write("\n`check` with Rules/examples/example.ct-mr.yaml against a pydicom script evaluating the same rules:\n\n")
        md.write("| tool | median s | files/s | vs pydicom check | peak RSS MiB |\n|---|---:|---:|---:|---:|\n")
        for k in check_tools:
            md.write(f"| {k} | {med[k]:.3f} | {fps[k]:,.0f} | {fps[k] / fps['pydicom check']:.1f}x | {rss[k] / 1024:.1f} |\n")
        cn = f"check (jobs={os.cpu_count()})"
        dump_x = f"dump {fps[jn] / fps[j1]:.2f}x, " if jn in fps and j1 in fps else ""
        md.write(f"\n{os.cpu_count()} cores vs 1: {dump_x}check {fps[cn] / fps['check -j1']:.2f}x\n")
        if check_mem:
            md.write("\n| dcmaudit check (default jobs) | peak RSS MiB |\n|---|---:|\n")
            for cnt, kib in check_mem:
                md.write(f"| {cnt:,} files | {kib / 1024:.1f} |\n")
    def packs_row(k, ref, pc):
        """One row of the every-pack tables: wall and CPU against `ref` (pydicom reading)."""
        vp = f"{fps[k] / fps[ref]:.1f}x" if ref in fps else "-"
        ck = statistics.median(cpus[k])
        vc = f"{pc / ck:.1f}x" if pc else "-"
        try:
            lines = sum(1 for _ in open(a.out / f"{k.replace(' ', '_')}-0.out", "rb"))
        except OSError:
            lines = 0
        md.write(f"| {k} | {med[k]:.3f} | {fps[k]:,.0f} | {vp} | {ck:.2f} | {vc} | {lines:,} | {rss[k] / 1024:.1f} |\n")

    if "check all packs -j1" in fps:
        md.write(f"\n`check` with every built-in pack ({', '.join(builtin)}) against pydicom reading the same files (the pydicom row above):\n\n")
        md.write("CPU s is user + system time (median): on a shared machine it moves less than wall time; "
                 "\"vs pydicom (CPU)\" compares it with pydicom's.\n\n")
        md.write("| tool | median s | files/s | vs pydicom | CPU s | vs pydicom (CPU) | findings lines | peak RSS MiB |\n"
                 "|---|---:|---:|---:|---:|---:|---:|---:|\n")
        pc = statistics.median(cpus["pydicom"]) if "pydicom" in cpus else None
        for k in all_tools:
            packs_row(k, "pydicom", pc)
        if pc:
            md.write(f"| pydicom (reading) | {med['pydicom']:.3f} | {fps['pydicom']:,.0f} | 1.0x | {pc:.2f} | 1.0x | | {rss['pydicom'] / 1024:.1f} |\n")
    dj1 = "check all packs -j1 (de-identified)"
    dpy = "pydicom (reading, de-identified)"
    if dj1 in fps:
        md.write(f"\nThe same on the de-identified corpus ({a.deid_corpus}: the same files written by "
                 "`dcmaudit-fixtures corpus --deidentified yes`, PS3.15 Basic Profile), against pydicom "
                 "reading that corpus:\n\n")
        md.write("| tool | median s | files/s | vs pydicom | CPU s | vs pydicom (CPU) | findings lines | peak RSS MiB |\n"
                 "|---|---:|---:|---:|---:|---:|---:|---:|\n")
        pc = statistics.median(cpus[dpy]) if dpy in cpus else None
        for k in deid_tools:
            ck = statistics.median(cpus[k])
            if k == dpy:
                md.write(f"| {k} | {med[k]:.3f} | {fps[k]:,.0f} | 1.0x | {ck:.2f} | 1.0x | | {rss[k] / 1024:.1f} |\n")
                continue
            packs_row(k, dpy, pc)
        for k in (k for k in (*all_tools, *deid_tools) if k.startswith("check all packs") and k in tools):
            try:
                last = open(a.out / f"{k.replace(' ', '_')}-0.out", "rb").read().decode("utf-8", "replace").rstrip().splitlines()[-1]
                notes.append(f"{k}: {last}")
            except (OSError, IndexError):
                pass
    if mem_rows:
        md.write("\n| dcmaudit dump (default jobs) | peak RSS MiB |\n|---|---:|\n")
        for cnt, kib in mem_rows:
            md.write(f"| {cnt:,} files | {kib / 1024:.1f} |\n")
    if notes:
        md.write("\n" + "\n".join(f"- {x}" for x in notes) + "\n")
    md.write(f"\nCommands:\n" + "".join(f"- {k}: `{v}`\n" for k, v in tools.items()))
    text = md.getvalue()
    print()
    print(text)
    if a.markdown:
        a.markdown.write_text(text)
    return 1 if any(rcs[k] - {0} for k in tools if k.startswith("dcmaudit")) or any(rcs[k] - {0, 1} for k in tools if k.startswith("check")) else 0


if __name__ == "__main__":
    sys.exit(main())
