#!/bin/bash
# Every built-in pack, jsonl, over the review inputs: pydicom's test files,
# pydicom-data's, Fixtures/, and 500 files (every 20th, sorted) of each
# benchmark corpus. One report per input set in OUTDIR.
# usage: all_packs_jsonl.sh BINARY OUTDIR [CORPUS_ROOT]   (CORPUS_ROOT: bench-out with corpus-10000{,-deid})
set -u
BIN=${1:?binary}; OUT=${2:?outdir}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CORPORA=${3:-$ROOT/bench-out}
export DCMAUDIT_RULES=${DCMAUDIT_RULES:-$ROOT/Rules}
SP=$(ls -d "$ROOT"/.venv/lib/python3*/site-packages | head -1)
PACKS=(--pack dicom.core --pack dicom.deid-basic --pack dicom.encoding --pack dicom.iod --pack dicom.meta
       --pack dicom.values --pack vendor.canon --pack vendor.ge --pack vendor.philips --pack vendor.private --pack vendor.siemens)
mkdir -p "$OUT"
run() {  # name, paths...
  local name=$1; shift
  "$BIN" check "$@" "${PACKS[@]}" --format jsonl --fail-on never --jobs 2 > "$OUT/$name.jsonl" 2> "$OUT/$name.err"
  echo "$name: rc=$? $(grep -c '"type": "finding"' "$OUT/$name.jsonl") findings"
}
run pydicom "$SP/pydicom/data/test_files"
run pydicom-data "$SP/data_store/data"
run fixtures "$ROOT/Fixtures"
for c in corpus-10000 corpus-10000-deid; do
  mapfile -t files < <(find "$CORPORA/$c" -type f | LC_ALL=C sort | awk 'NR % 20 == 1')
  run "$c-500" "${files[@]}"
done
