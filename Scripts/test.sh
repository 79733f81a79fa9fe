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
swift test
((unit_only)) && exit 0

echo "== release build"
swift build -c release --product dcmaudit 2>&1 | tail -1
bin="$(swift build -c release --show-bin-path)/dcmaudit"

echo "== differential test against pydicom"
.venv/bin/python Scripts/diff/pydicom_diff.py --dcmaudit "$bin"

echo "== robustness (bounded)"
.venv/bin/python Scripts/robustness/mutate.py --dcmaudit "$bin" --limit "${ROBUSTNESS_LIMIT:-3000}" --seed 1

echo "== all tests passed"
