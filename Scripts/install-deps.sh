#!/usr/bin/env bash
# Install what dcmaudit's build, tests and tools need on a fresh Debian machine
# (run as root; idempotent, quiet, fails loudly):
#   zlib1g-dev   - headers for the CZlib module (Deflated Explicit VR LE)
#   dcmtk        - dcmdump, a reference reader (benchmarks, cross-checks)
#   dicom3tools  - dciodvfy, a reference IOD validator
#   time         - /usr/bin/time -v for peak-RSS measurements (Scripts/bench)
#   chromium     - headless browser for the HTML report tests (HTMLReportTests)
#   python3-venv - only when the python3 on PATH cannot create a venv
# then runs Scripts/python-env.sh (the pinned pydicom venv) if it exists.
# `apt-get update` runs only when a package is missing and the package lists
# are absent or older than a day, or when the first install attempt fails.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DEBIAN_FRONTEND=noninteractive

die() { echo "install-deps: error: $*" >&2; exit 1; }

pkgs=(zlib1g-dev dcmtk dicom3tools time chromium)
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    pkgs+=(python3 python3-venv)
fi

missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$p")
    fi
done

if ((${#missing[@]})); then
    [[ $(id -u) -eq 0 ]] || die "need root to install: ${missing[*]}"
    command -v apt-get >/dev/null || die "apt-get not found (Debian/Ubuntu only)"
    log=$(mktemp); trap 'rm -f "$log"' EXIT
    lists_fresh() {
        compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null &&
            [[ -z $(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin +1440 -print -quit) ]]
    }
    update() { apt-get update -qq >"$log" 2>&1 || { cat "$log" >&2; die "apt-get update failed"; }; }
    install() { apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$log" 2>&1; }
    lists_fresh || update
    if ! install; then
        update
        install || { cat "$log" >&2; die "apt-get install ${missing[*]} failed"; }
    fi
    echo "install-deps: installed ${missing[*]}"
fi

for tool in dcmdump dciodvfy; do
    command -v "$tool" >/dev/null || die "$tool still not on PATH after install"
done

if [[ -x "$repo/Scripts/python-env.sh" || -f "$repo/Scripts/python-env.sh" ]]; then
    bash "$repo/Scripts/python-env.sh" || die "Scripts/python-env.sh failed"
fi
echo "install-deps: ok"
