#!/usr/bin/env bash
# The main job on the bundled demo data (README "Set-up"): builds dcmaudit in
# release and checks Fixtures/demo (3 patients, 4 studies, 10 series with five
# planted defects) against the default packs and the example pack.
# dcmaudit exits 1 when it finds errors — the demo data has them on purpose —
# so this script reports that exit code and exits 0 unless something broke.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
swift build -c release --product dcmaudit >/dev/null 2>&1 || swift build -c release --product dcmaudit
bin="$(swift build -c release --show-bin-path)/dcmaudit"
demo=(Fixtures/demo/DEMO001 Fixtures/demo/DEMO002 Fixtures/demo/DEMO003)
echo "\$ dcmaudit check --pack dicom.core --pack dicom.encoding --rules Rules/examples/example.ct-mr.yaml ${demo[*]}"
set +e
"$bin" check --pack dicom.core --pack dicom.encoding --rules Rules/examples/example.ct-mr.yaml "${demo[@]}"
code=$?
set -e
echo
echo "dcmaudit check exited $code (0: no error findings, 1: error findings — expected here, 2: usage or pack error)"
[[ $code -le 1 ]]
