#!/usr/bin/env python3
"""formats_bench.py: what each report format costs on a large run.

`dcmaudit check` with every built-in pack on the benchmark corpus (not
de-identified: dicom.deid-basic then reports ~35 findings per file, ~344,000
findings on 10,000 files — the largest report a run of the built-in packs
gives) once per console format, R times interleaved, plus the HTML report
(`--report html:FILE` with `--format summary`). For each: median wall and
CPU seconds (user + system), peak RSS, the report's size, and wall against
the text format's.

  Scripts/bench/formats_bench.py --dcmaudit .build/release/dcmaudit \\
      --corpus bench-out/corpus-10000 [--runs 3] [--jobs 2] [--markdown FILE]

The corpus is the one `Scripts/bench/run.sh` generates. Output goes to files
(as a CI job's reports would), in --out (default bench-out/formats).
"""
from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FORMATS = ["text", "summary", "json", "jsonl", "csv", "sarif", "junit", "github", "markdown"]


def run(cmd: list[str], out: Path, env: dict) -> tuple[float, float, int]:
    """(wall s, CPU s, peak RSS KiB) of one process writing to `out`."""
    with open(out, "wb") as fo, open(str(out) + ".err", "wb") as fe:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=fo, stderr=fe, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"formats_bench: exit {code}: {shlex.join(cmd)} (see {out}.err)")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dcmaudit", required=True)
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=0, help="--jobs of each run (0: all cores)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench-out" / "formats")
    ap.add_argument("--markdown", type=Path)
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, DCMAUDIT_RULES=str(ROOT / "Rules"))
    packs = sorted(p.stem for p in (ROOT / "Rules").glob("*.yaml"))
    base = [a.dcmaudit, "check", *[x for p in packs for x in ("--pack", p)], "--fail-on", "never", "--jobs", str(a.jobs)]
    cases: dict[str, tuple[list[str], Path]] = {}
    for f in FORMATS:
        cases[f] = (base + ["--format", f, str(a.corpus)], a.out / f"report.{f}")
    html = a.out / "report.html"
    cases["html (--report)"] = (base + ["--format", "summary", "--report", f"html:{html}", str(a.corpus)], a.out / "summary.out")

    run(cases["text"][0], cases["text"][1], env)   # warm-up: page cache, pack cache
    walls: dict[str, list[float]] = {k: [] for k in cases}
    cpus: dict[str, list[float]] = {k: [] for k in cases}
    rss: dict[str, int] = {k: 0 for k in cases}
    for r in range(a.runs):
        order = list(cases) if r % 2 == 0 else list(reversed(cases))   # interleaved, alternating
        for k in order:
            w, c, m = run(cases[k][0], cases[k][1], env)
            walls[k].append(w); cpus[k].append(c); rss[k] = max(rss[k], m)
        print(f"  run {r + 1}/{a.runs}: " + ", ".join(f"{k} {walls[k][-1]:.2f}s" for k in cases), flush=True)

    text = statistics.median(walls["text"])
    lines = [f"Every built-in pack on {a.corpus.name} (`--jobs {a.jobs or os.cpu_count()}`), {a.runs} runs each, medians:",
             "",
             "| format | wall s | vs text | CPU s | report MB | peak RSS MiB |",
             "|---|---:|---:|---:|---:|---:|"]
    for k, (_, out) in cases.items():
        size = (html if k.startswith("html") else out).stat().st_size
        w = statistics.median(walls[k])
        lines.append(f"| {k} | {w:.2f} | {w / text:.2f}x | {statistics.median(cpus[k]):.2f} | {size / 1e6:.1f} | {rss[k] / 1024:.1f} |")
    md = "\n".join(lines) + "\n"
    print(md)
    if a.markdown:
        a.markdown.write_text(md)


if __name__ == "__main__":
    main()
