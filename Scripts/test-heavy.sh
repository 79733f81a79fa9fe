#!/usr/bin/env bash
# The long runs, not part of the default test command: every pydicom test file
# and fixture mutated densely (truncations at every offset of the first 512
# bytes, 64 byte-flip and 64 length-field mutants each), then the benchmark.
#   Scripts/test-heavy.sh [--seed N]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
seed="${2:-1}"
bash Scripts/install-deps.sh
swift build -c release --product dcmaudit 2>&1 | tail -1
bin="$(swift build -c release --show-bin-path)/dcmaudit"
.venv/bin/python Scripts/diff/pydicom_diff.py --dcmaudit "$bin"
.venv/bin/python Scripts/robustness/mutate.py --dcmaudit "$bin" --count 64 --seed "$seed" --also-check
