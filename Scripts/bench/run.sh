#!/usr/bin/env bash
# One-command benchmark: dcmaudit dump vs pydicom vs dcmdump (see README.md).
#   Scripts/bench/run.sh [--files N] [--runs R] [--corpus DIR] [--no-build]
#                        [--dcmaudit BIN] [--fixtures BIN] [--scratch-path DIR]
#                        [--deidentified [--deid-corpus DIR]]
# (a) builds dcmaudit and dcmaudit-fixtures in release (unless --no-build),
# (b) generates a corpus of N files (default 10000) with
#     `dcmaudit-fixtures corpus --count N --out DIR` unless DIR is already complete,
# (c)-(e) runs Scripts/bench/bench.py: R timed runs (default 5) of each tool,
#     medians, peak RSS, markdown table (also written to bench-out/bench-N.md).
# --deidentified: also generates the same corpus de-identified (`corpus
#     --deidentified yes`, PS3.15 Basic Profile) in bench-out/corpus-N-deid and
#     measures the "check all packs" rows on it against pydicom reading it.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
files=10000 runs=5 build=1 corpus="" dcmaudit="" fixtures="" deid=0 deidcorpus=""
scratch="${SWIFT_SCRATCH_PATH:-$repo/.build}"
while (($#)); do
    case "$1" in
        --files) files="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        --corpus) corpus="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        --dcmaudit) dcmaudit="$2"; shift 2 ;;
        --fixtures) fixtures="$2"; shift 2 ;;
        --scratch-path) scratch="$2"; shift 2 ;;
        --deidentified) deid=1; shift ;;
        --deid-corpus) deidcorpus="$2"; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ $files =~ ^[1-9][0-9]*$ && $runs =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --files/--runs need positive integers" >&2; exit 2; }

out="$repo/bench-out"
corpus="${corpus:-$out/corpus-$files}"
mkdir -p "$out"

if ((build)); then
    echo "building dcmaudit and dcmaudit-fixtures (release, scratch $scratch)..."
    (cd "$repo" && swift build -c release --scratch-path "$scratch" --product dcmaudit >"$out/build.log" 2>&1 &&
        swift build -c release --scratch-path "$scratch" --product dcmaudit-fixtures >>"$out/build.log" 2>&1) ||
        { tail -30 "$out/build.log" >&2; echo "run.sh: build failed (log: $out/build.log)" >&2; exit 1; }
fi
bindir="$(cd "$repo" && swift build -c release --scratch-path "$scratch" --show-bin-path 2>/dev/null || echo "$scratch/release")"
dcmaudit="${dcmaudit:-$bindir/dcmaudit}"
fixtures="${fixtures:-$bindir/dcmaudit-fixtures}"
[[ -x $dcmaudit ]] || { echo "run.sh: no dcmaudit at $dcmaudit" >&2; exit 1; }

command -v dcmdump >/dev/null || { echo "run.sh: dcmdump missing: run Scripts/install-deps.sh" >&2; exit 1; }
py="$repo/.venv/bin/python"
if [[ ! -x $py ]]; then
    [[ -f $repo/Scripts/python-env.sh ]] && bash "$repo/Scripts/python-env.sh"
    [[ -x $py ]] || { echo "run.sh: no $py: run Scripts/python-env.sh" >&2; exit 1; }
fi

# A corpus is complete when the generator finished (stamp written afterwards,
# beside the corpus so that no tool reads it).
stamp="${corpus%/}.complete-$files"
if [[ ! -f $stamp ]]; then
    [[ -x $fixtures ]] || { echo "run.sh: no dcmaudit-fixtures at $fixtures" >&2; exit 1; }
    echo "generating a corpus of $files files in $corpus..."
    rm -rf "$corpus"
    "$fixtures" corpus --count "$files" --out "$corpus" >"$out/corpus.log" 2>&1 ||
        { tail -20 "$out/corpus.log" >&2; echo "run.sh: corpus generation failed" >&2; exit 1; }
    touch "$stamp"
fi

deidargs=()
if ((deid)); then
    deidcorpus="${deidcorpus:-$out/corpus-$files-deid}"
    dstamp="${deidcorpus%/}.complete-$files"
    if [[ ! -f $dstamp ]]; then
        [[ -x $fixtures ]] || { echo "run.sh: no dcmaudit-fixtures at $fixtures" >&2; exit 1; }
        echo "generating a de-identified corpus of $files files in $deidcorpus..."
        rm -rf "$deidcorpus"
        "$fixtures" corpus --count "$files" --out "$deidcorpus" --deidentified yes >"$out/corpus-deid.log" 2>&1 ||
            { tail -20 "$out/corpus-deid.log" >&2; echo "run.sh: de-identified corpus generation failed" >&2; exit 1; }
        touch "$dstamp"
    fi
    deidargs=(--deid-corpus "$deidcorpus")
elif [[ -n $deidcorpus ]]; then
    echo "run.sh: --deid-corpus needs --deidentified" >&2; exit 2
fi

exec python3 "$repo/Scripts/bench/bench.py" --corpus "$corpus" --dcmaudit "$dcmaudit" \
    --python "$py" --runs "$runs" --out "$out/runs" --markdown "$out/bench-$files.md" "${deidargs[@]}"
