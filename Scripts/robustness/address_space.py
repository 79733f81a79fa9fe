#!/usr/bin/env python3
"""`--jobs 2` runs wherever `--jobs 1` runs under an address-space limit.

Batch systems limit a job's virtual memory (`ulimit -v`, RLIMIT_AS: SGE's
h_vmem). glibc reserves 64-128 MiB of address space for each thread's malloc
arena, so a second thread could need twice the address space of one: dcmaudit
keeps one arena when a limit is set (Sources/DcmAudit/MallocArenas.swift).

This finds, by bisection in 8 MiB steps, the smallest limit under which
`check --jobs 1` with the given packs completes on the input (exit 0 or 1),
then runs `--jobs 2` under that limit plus 16 MiB: it must complete with the
same exit code and the same report. (Without the single arena it needed
~130 MiB more and died in malloc.) With one core, `--jobs 2` runs one thread
and the comparison is trivially equal: said so, not failed.

Usage: address_space.py --dcmaudit BIN [--pack ID ...] PATH...
"""
import argparse
import os
import resource
import subprocess
import sys

MIB = 1 << 20


def run(binary, args, limit):
    def preexec():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    p = subprocess.run([binary] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=preexec)
    return p.returncode, p.stdout, p.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dcmaudit", required=True)
    ap.add_argument("--pack", action="append", default=[])
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args()
    args = ["check"] + sum((["--pack", p] for p in a.pack), []) + ["--fail-on", "error"]

    def ok(jobs, limit):
        rc, out, err = run(a.dcmaudit, args + ["--jobs", str(jobs)] + a.paths, limit)
        return rc in (0, 1), rc, out, err

    lo, hi = 16 * MIB, 2048 * MIB   # lo fails, hi passes
    if not ok(1, hi)[0]:
        sys.exit(f"address_space: --jobs 1 fails even under {hi // MIB} MiB")
    if ok(1, lo)[0]:
        sys.exit(f"address_space: --jobs 1 passes under {lo // MIB} MiB: no limit to test")
    while hi - lo > 8 * MIB:
        mid = (lo + hi) // 2 // MIB * MIB
        if ok(1, mid)[0]:
            hi = mid
        else:
            lo = mid
    limit = hi + 16 * MIB
    good1, rc1, out1, _ = ok(1, limit)
    good2, rc2, out2, err2 = ok(2, limit)
    cores = os.cpu_count() or 1
    print(f"address_space: --jobs 1 needs {hi // MIB} MiB of address space; under {limit // MIB} MiB "
          f"--jobs 1 exit {rc1}, --jobs 2 exit {rc2}" + ("" if cores > 1 else " (one core: --jobs 2 runs one thread)"))
    if not (good1 and good2):
        sys.exit(f"address_space: FAILED: --jobs 2 exit {rc2} under {limit // MIB} MiB:\n{err2.decode(errors='replace')[-2000:]}")
    if rc1 != rc2 or out1 != out2:
        sys.exit("address_space: FAILED: --jobs 1 and --jobs 2 reports differ under the limit")


if __name__ == "__main__":
    main()
