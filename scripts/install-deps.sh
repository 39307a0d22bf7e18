#!/usr/bin/env bash
# Installs hdrgpu's build dependencies from Debian packages. Idempotent: installs only what is missing.
#   scripts/install-deps.sh          everything: library, CLI, tests (OpenCV as reference, OpenMPI for the
#                                    sharding test) and benchmarks (python3-opencv for the end-to-end seed)
#   scripts/install-deps.sh --core   only what the library, the CLI and the Python package (pip install .) need
set -euo pipefail

core=(cmake ninja-build g++ pkg-config libstb-dev libtinyexr-dev libturbojpeg0-dev libexif-dev libdeflate-dev nlohmann-json3-dev
      python3-dev python3-venv)
dev=(doctest-dev libbenchmark-dev libopencv-dev openmpi-bin python3-opencv)

packages=("${core[@]}")
[[ "${1:-}" == "--core" ]] || packages+=("${dev[@]}")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
