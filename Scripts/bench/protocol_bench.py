#!/usr/bin/env python3
"""Protocol-audit benchmark (docs/protocols.md, "Performance"): `dcmaudit check`
with a protocol learned from the corpus against `check` with the example pack
Rules/examples/example.ct-mr.yaml (the figure docs/benchmarks.md quotes), on
the same generated corpus.

  .venv/bin/python Scripts/bench/protocol_bench.py --dcmaudit BIN --corpus DIR [--runs R]

1. learns a protocol from the whole corpus (`dcmaudit learn DIR -o
   bench-out/learned-N.yaml`: every acquisition of the corpus, with
   per-scanner overrides; its warnings are expected — the corpus is random);
2. warms the page cache, then runs, interleaved, R times each:
     example -j1   check --rules example.ct-mr.yaml --jobs 1 --fail-on never DIR
     learned -j1   check --rules learned-N.yaml      --jobs 1 --fail-on never DIR
     example       (default jobs)   learned   (default jobs)
3. prints medians, the learned/example ratio and peak RSS as a markdown table.
"""
from __future__ import annotations

import argparse
import os
import shlex
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench import corpus_files, timed, warm  # noqa: E402

REPO = HERE.parent.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dcmaudit", required=True)
    ap.add_argument("--corpus", required=True, type=Path)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", type=Path, default=REPO / "bench-out")
    ap.add_argument("--timeout", type=float, default=900)
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    runs = a.out / "runs"
    runs.mkdir(exist_ok=True)
    files = corpus_files(a.corpus)
    n = len(files)
    exe, d = shlex.quote(a.dcmaudit), shlex.quote(str(a.corpus))
    learned = a.out / f"learned-{n}.yaml"
    dt, _, rc = timed(f"{exe} learn {d} -o {shlex.quote(str(learned))}", runs / "learn.out", a.timeout)
    if rc != 0:
        print(open(str(runs / "learn.out") + ".err").read(), file=sys.stderr)
        return 1
    acq = sum(1 for line in open(learned) if line.startswith("    - name: "))
    print(f"learned {acq} acquisitions from {n} files in {dt:.2f} s ({learned})")
    example = shlex.quote(str(REPO / "Rules/examples/example.ct-mr.yaml"))
    tools = {
        "example -j1": f"{exe} check --rules {example} --jobs 1 --fail-on never {d}",
        "learned -j1": f"{exe} check --rules {shlex.quote(str(learned))} --jobs 1 --fail-on never {d}",
        f"example (jobs={os.cpu_count()})": f"{exe} check --rules {example} --fail-on never {d}",
        f"learned (jobs={os.cpu_count()})": f"{exe} check --rules {shlex.quote(str(learned))} --fail-on never {d}",
    }
    print(f"warming the page cache: {warm(files):.1f} s")
    for name, cmd in tools.items():   # one untimed run each
        timed(cmd, runs / "warm.out", a.timeout)
    times: dict[str, list[float]] = {k: [] for k in tools}
    rss: dict[str, int] = {k: 0 for k in tools}
    for r in range(a.runs):
        for name, cmd in tools.items():
            t, kib, rc = timed(cmd, runs / f"protocol-{name.split()[0]}-{r}.out", a.timeout)
            if rc not in (0, 1):
                print(f"{name}: exit {rc}", file=sys.stderr)
                return 1
            times[name].append(t)
            rss[name] = max(rss[name], kib)
    med = {k: statistics.median(v) for k, v in times.items()}
    lines = [f"Protocol audit vs example pack, {n} files, {a.runs} runs (median), {os.cpu_count()} cores, load average at start {os.getloadavg()[0]:.1f}:", "",
             "| run | median s | files/s | runs (s) | peak RSS MiB |", "|---|---:|---:|---|---:|"]
    for k in tools:
        lines.append(f"| {k} | {med[k]:.3f} | {n / med[k]:,.0f} | {', '.join(f'{x:.2f}' for x in times[k])} | {rss[k] / 1024:.1f} |")
    lines.append("")
    j = f"(jobs={os.cpu_count()})"
    lines.append(f"learned / example: -j1 {med['learned -j1'] / med['example -j1']:.2f}x, {j} {med['learned ' + j] / med['example ' + j]:.2f}x")
    text = "\n".join(lines) + "\n"
    print(text)
    (a.out / f"protocol-bench-{n}.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
