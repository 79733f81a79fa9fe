#!/usr/bin/env bash
# The project's test command (README "Run the tests", called by .ci/run).
#
#   Scripts/test.sh            # everything CI runs
#   Scripts/test.sh --unit     # only `swift test`
#
# 1. installs what the tests need (Debian packages, the pinned Python venv);
# 2. runs the unit tests (`swift test`);
# 3. builds dcmaudit in release and runs the differential test against pydicom
#    on every file pydicom and pydicom-data ship (Scripts/diff/pydicom_diff.py);
# 4. runs a bounded robustness run: mutated files (truncations, flipped bytes,
#    corrupted lengths) must never crash or hang the reader
#    (Scripts/robustness/mutate.py; the long run is Scripts/test-heavy.sh).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
unit_only=0
[[ "${1:-}" == "--unit" ]] && unit_only=1

echo "== install dependencies"
bash Scripts/install-deps.sh

echo "== unit tests"
set +e
swift test 2>&1 | tee "${TMPDIR:-/tmp}/dcmaudit-swift-test.log"
status=${PIPESTATUS[0]}
set -e
summary=$(grep -E "^[[:space:]]*Executed [0-9]+ tests?, with " "${TMPDIR:-/tmp}/dcmaudit-swift-test.log" | tail -1 || true)
total=$(sed -nE 's/.*Executed ([0-9]+) tests?.*/\1/p' <<<"$summary")
failures=$(sed -nE 's/.* ([0-9]+) failures?.*/\1/p' <<<"$summary")
skipped=$(sed -nE 's/.*with ([0-9]+) tests? skipped.*/\1/p' <<<"$summary")
total=${total:-0}; failures=${failures:-0}; skipped=${skipped:-0}
if [[ $status -ne 0 ]]; then
    echo "tests: $((total - failures - skipped)) passed, $(( failures > 0 ? failures : 1 )) failed"
    exit "$status"
fi
if [[ -z "$summary" || "$total" -eq 0 ]]; then echo "swift test ran no XCTest test"; exit 1; fi
unit_summary="$((total - failures - skipped)) passed, $failures failed, $skipped skipped"
if ((unit_only)); then echo "tests: $unit_summary"; exit 0; fi

echo "== release build"
swift build -c release --product dcmaudit 2>&1 | tail -1
bin="$(swift build -c release --show-bin-path)/dcmaudit"

echo "== differential test against pydicom"
.venv/bin/python Scripts/diff/pydicom_diff.py --dcmaudit "$bin"

# ---- reports (branch reports): JUnit parsed by junitparser, SARIF validated
# against the OASIS SARIF 2.1.0 schema, CSV/JSONL parsed back (Scripts/validate-reports.py)
echo "== report validation (junitparser, SARIF 2.1.0 schema)"
.venv/bin/python Scripts/validate-reports.py --dcmaudit "$bin"
# ---- end reports

echo "== robustness (bounded)"
.venv/bin/python Scripts/robustness/mutate.py --dcmaudit "$bin" --limit "${ROBUSTNESS_LIMIT:-60}" --count 16 --dense-step 4 --seed "${ROBUSTNESS_SEED:-1}" --also-check
echo "== --jobs 2 under an address-space limit (ulimit -v) wherever --jobs 1 runs"
.venv/bin/python Scripts/robustness/address_space.py --dcmaudit "$bin" \
    --pack dicom.core --pack dicom.encoding --pack dicom.meta --pack dicom.values --pack dicom.deid-basic --pack dicom.iod \
    --pack vendor.private --pack vendor.siemens --pack vendor.ge --pack vendor.philips --pack vendor.canon \
    "$(.venv/bin/python -c 'import os, pydicom; print(os.path.join(os.path.dirname(pydicom.__file__), "data", "test_files"))')"

# --- Siemens CSA headers: differential test against nibabel -------------------
# Every CSA image/series header of nibabel's test data, pydicom's and
# pydicom-data's files and Fixtures/demo, parsed by nibabel's csareader and by
# `dcmaudit dump --csa`, compared tag by tag (docs/siemens-csa.md).
echo "== differential test of the CSA parser against nibabel"
.venv/bin/python -W ignore Scripts/diff/csa_diff.py --dcmaudit "$bin"
# --- end Siemens CSA ------------------------------------------------------------

# --- Generated rule packs and agreement with dciodvfy -------------------------
# The committed dicom.values / dicom.deid-basic / dicom.iod packs are what the pinned
# sources generate; dciodvfy agreement is measured (docs/dciodvfy-agreement.md
# is the committed copy; this run prints the recall line only).
echo "== generated packs up to date"
.venv/bin/python Scripts/gen_packs.py --check
echo "== agreement with dciodvfy"
# (fails if a category's recall drops below its figure — missing Type 1/2, empty Type 1C,
# enumerated values, defined terms, explicit VR, values invalid for the VR — or a miss has no reason)
.venv/bin/python Scripts/compare_dciodvfy.py --dcmaudit "$bin" --with-data --output "${TMPDIR:-/tmp}/dciodvfy-agreement.md" \
    --require type1=99 --require type2=81 --require type1-empty=100 --require enum=78 --require term=81 --require explicit-vr=100 --require vr-value=96
echo "== functional groups: agreement with dciodvfy on Enhanced MR mutants"
# (511 mutants of Fixtures/iod/EnhancedMR.dcm and of an Enhanced CT made from it, a few seconds;
# docs/dciodvfy-enhanced.md is the committed copy. Fails if missing Type 1/1C or empty Type 1 recall drops
# below its figure — 80.1 % (dciodvfy wants ORIGINAL-only attributes in DERIVED frames: 58 of the 61
# misses), 100 % — or a disagreement has no reason)
.venv/bin/python Scripts/enhanced_mutants.py --dcmaudit "$bin" --output "${TMPDIR:-/tmp}/dciodvfy-enhanced.md" \
    --require type1=80 --require type1-empty=100
# --- end generated packs --------------------------------------------------------

# --- protocol audits (branch protocol): fixtures reproducible, learn → check ----
# Fixtures/protocol is what `dcmaudit-fixtures protocol` writes (byte for byte);
# a protocol learned from siteA-sub01 finds the planted deviations of the other
# sessions (docs/protocols.md; the exact list is in ProtocolCheckTests).
echo "== protocol fixtures reproducible, learn then check"
swift build -c release --product dcmaudit-fixtures 2>&1 | tail -1
ptmp="$(mktemp -d)"
"$(swift build -c release --show-bin-path)/dcmaudit-fixtures" protocol --out "$ptmp/protocol" >/dev/null
diff -r Fixtures/protocol "$ptmp/protocol"
"$bin" learn Fixtures/protocol/siteA-sub01 -o "$ptmp/learned.yaml" --strict 2>/dev/null
set +e; "$bin" check --rules "$ptmp/learned.yaml" Fixtures/protocol --format jsonl > "$ptmp/findings.jsonl"; prc=$?; set -e
test "$prc" = 1
test "$(grep -c '"type": "finding"' "$ptmp/findings.jsonl")" = 7
rm -rf "$ptmp"
# --- end protocol audits ----------------------------------------------------------

# --- privhdr: Siemens ASCCONV vs nibabel, GE/Philips private values vs pydicom ---
# docs/vendor-headers.md
echo "== differential test of the ASCCONV parser against nibabel; GE/Philips values against pydicom"
.venv/bin/python -W ignore Scripts/diff/ascconv_diff.py --dcmaudit "$bin"
.venv/bin/python -W ignore Scripts/diff/vendor_values.py --dcmaudit "$bin"
# --- end privhdr -------------------------------------------------------------------

# --- vendor packs on real files ------------------------------------------------
# Findings per rule of Rules/vendor.*.yaml on pydicom's and pydicom-data's files
# and Fixtures/, against Tests/VendorPacks/real-files.tsv (docs/packs.md explains each).
echo "== vendor packs on real files"
.venv/bin/python Scripts/vendor_real_files.py --dcmaudit "$bin"
# --- end vendor packs -------------------------------------------------------------

# --- deidcorpus: the de-identified benchmark corpus passes dicom.deid-basic -----
# `dcmaudit-fixtures corpus --deidentified yes` (Scripts/FixtureGenerator/Deidentify.swift,
# PS3.15 Annex E Basic Profile) on 200 files: the same bytes twice; dicom.deid-basic
# finds no error or warning, and as info only the pseudonymous Patient ID (a Z
# attribute given a dummy: listed for review); pydicom reads every file and checks
# the de-identification, UID consistency and modality mix (Scripts/deid_corpus_check.py).
echo "== de-identified corpus: dicom.deid-basic, pydicom"
swift build -c release --product dcmaudit-fixtures 2>&1 | tail -1
dtmp="$(mktemp -d)"
fx="$(swift build -c release --show-bin-path)/dcmaudit-fixtures"
"$fx" corpus --count 200 --out "$dtmp/deid" --deidentified yes >/dev/null
"$fx" corpus --count 200 --out "$dtmp/deid2" --deidentified yes >/dev/null
"$fx" corpus --count 200 --out "$dtmp/plain" >/dev/null
diff -r "$dtmp/deid" "$dtmp/deid2"
"$bin" check --pack dicom.deid-basic --fail-on warning --format jsonl "$dtmp/deid" > "$dtmp/deid.jsonl"
.venv/bin/python - "$dtmp/deid.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
found = [(r["rule"], r.get("attribute")) for r in recs if r["type"] == "finding"]
summary = next(r for r in recs if r["type"] == "summary")
assert (summary["files"], summary["error"], summary["warning"]) == (200, 0, 0), summary
assert found == [("deid.dummy", "PatientID")] * 200, sorted(set(found))
PY
.venv/bin/python Scripts/deid_corpus_check.py "$dtmp/deid" --plain "$dtmp/plain"
# --- shape memo: the same reports with the memo of file shapes and without ----------
# (docs/architecture.md, ShapeMemo): every pack, text and JSON with the not-evaluated
# list, on the two 200-file corpora (series: most files replayed), pydicom's test
# files and Fixtures/; `DCMAUDIT_SHAPE_MEMO=0` evaluates every rule on every file.
echo "== shape memo: reports identical with and without it"
allpacks=(--pack dicom.core --pack dicom.encoding --pack dicom.meta --pack dicom.values --pack dicom.deid-basic --pack dicom.iod
          --pack vendor.private --pack vendor.siemens --pack vendor.ge --pack vendor.philips --pack vendor.canon)
pdfiles="$(.venv/bin/python -c 'import os, pydicom; print(os.path.join(os.path.dirname(pydicom.__file__), "data", "test_files"))')"
for d in "$dtmp/deid" "$dtmp/plain" "$pdfiles" Fixtures; do
    for memo in 1 0; do
        DCMAUDIT_SHAPE_MEMO=$memo "$bin" check "${allpacks[@]}" --fail-on never "$d" > "$dtmp/memo$memo.txt" 2>&1
        DCMAUDIT_SHAPE_MEMO=$memo "$bin" check "${allpacks[@]}" --fail-on never --format json --not-evaluated list "$d" 2>/dev/null |
            grep -v '"commandLine"' | sed -E 's/"startTime": "[^"]*"//; s/"(elapsed|durationSeconds|seconds)": [0-9.e-]+//g' > "$dtmp/memo$memo.json"
    done
    cmp "$dtmp/memo1.txt" "$dtmp/memo0.txt" && cmp "$dtmp/memo1.json" "$dtmp/memo0.json" ||
        { echo "shape memo changes the report on $d"; diff "$dtmp/memo1.json" "$dtmp/memo0.json" | head -20; exit 1; }
done
DCMAUDIT_SHAPE_MEMO=stats "$bin" check "${allpacks[@]}" --fail-on never "$dtmp/deid" 2>&1 >/dev/null | grep "shape memo"
rm -rf "$dtmp"
# --- end deidcorpus ------------------------------------------------------------------

# --- deiddiff: dicom.deid-basic against independent de-identifiers ---------------
# dicognito and deid (pydicom/deid, default recipe) de-identify pydicom's, pydicom-data's
# and Fixtures/demo files and 300 files of the benchmark corpus; dcmaudit checks originals and
# outputs (~25 s; docs/deid-differential.md is the committed copy). Fails if the share of the
# tools' changes dcmaudit reports on the originals drops below its figure (dicognito 74.6 %,
# deid 57.9 %: the rest are changes beyond
# Table E.1-1, replaced UIDs not under a vendor root, values already empty), or a disagreement
# has no reason: a change to a Table E.1-1 attribute not reported, a finding on an output
# pydicom does not confirm, two findings of one file-level rule, or what Table E.1-1 read
# with pydicom calls for on an original or an output and dcmaudit does not report (or the reverse).
echo "== dicom.deid-basic against dicognito and deid"
.venv/bin/python Scripts/deid_differential.py --dcmaudit "$bin" --output "${TMPDIR:-/tmp}/deid-differential.md" \
    --fixtures "$(swift build -c release --show-bin-path)/dcmaudit-fixtures" --corpus-count 300 \
    --require dicognito=74.5 --require deid=57.8
# --- end deiddiff --------------------------------------------------------------------

echo "== all tests passed"
echo "tests: $unit_summary"
