#!/usr/bin/env bash
# The main job on the bundled demo data (README "Try it"): builds dcmaudit in
# release and runs it over Fixtures/demo.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
swift build -c release --product dcmaudit >/dev/null 2>&1 || swift build -c release --product dcmaudit
bin="$(swift build -c release --show-bin-path)/dcmaudit"
echo "\$ dcmaudit dump --format csv --tags PatientID,StudyDate,Modality,SeriesDescription,Manufacturer,PixelSpacing,SliceThickness,RepetitionTime Fixtures/demo"
"$bin" dump --format csv --tags PatientID,StudyDate,Modality,SeriesDescription,Manufacturer,PixelSpacing,SliceThickness,RepetitionTime Fixtures/demo
