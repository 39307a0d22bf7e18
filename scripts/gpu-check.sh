#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: configure for that GPU's architecture, build, run the GPU tests
# (label `gpu`, a missing device is a failure here) and the GPU benchmarks, then print a summary.
#
#   scripts/gpu-check.sh [--no-bench]
#
# Dependencies come from Debian packages (scripts/install-deps.sh) or, on a machine without them,
# from .deb files unpacked into a private prefix: run scripts/fetch-debs.sh where apt works, copy the
# .debs/ folder along, and this script unpacks it (dpkg -x) into .debs/root and points CMake there.
set -euo pipefail
cd "$(dirname "$0")/.."
bench=1
[[ "${1:-}" == "--no-bench" ]] && bench=0

command -v nvidia-smi > /dev/null || { echo "gpu-check: nvidia-smi not found: no NVIDIA driver here" >&2; exit 1; }
cc=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d ' .')
gpu=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -1)
nvcc=${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}

extra=()
if [[ -d .debs ]] && ls .debs/*.deb > /dev/null 2>&1; then
  root=$PWD/.debs/root
  if [[ ! -d $root ]]; then
    for f in .debs/*.deb; do dpkg -x "$f" "$root"; done
  fi
  multi=$root/usr/lib/x86_64-linux-gnu
  export PKG_CONFIG_PATH=$multi/pkgconfig:$root/usr/share/pkgconfig:$root/usr/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
  export PKG_CONFIG_SYSROOT_DIR=$root
  export LD_LIBRARY_PATH=$multi${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  extra+=(-DCMAKE_PREFIX_PATH="$root/usr;$multi/cmake" -DCMAKE_INCLUDE_PATH="$root/usr/include"
          -DCMAKE_LIBRARY_PATH="$multi")
elif command -v apt-get > /dev/null && [[ $(id -u) == 0 || -n "$(command -v sudo)" ]]; then
  scripts/install-deps.sh
fi

build=${HDRGPU_BUILD_DIR:-build-gpu}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHDRGPU_ENABLE_CUDA=ON \
  -DCMAKE_CUDA_COMPILER="$nvcc" -DCMAKE_CUDA_ARCHITECTURES="${cc}-real" \
  -DHDRGPU_BUILD_TESTS=ON -DHDRGPU_BUILD_BENCH=$((bench)) "${extra[@]}"
cmake --build "$build" --parallel "$(nproc)"

log=${HDRGPU_GPU_LOG:-$build/gpu-check.log}
: > "$log"
status=0
echo "== GPU tests ==" | tee -a "$log"
HDRGPU_REQUIRE_GPU=1 ctest --test-dir "$build" -L gpu --output-on-failure 2>&1 | tee -a "$log" || status=1
echo "== all other tests ==" | tee -a "$log"
ctest --test-dir "$build" -LE gpu --output-on-failure --parallel "$(nproc)" 2>&1 | tail -5 | tee -a "$log" || status=1
if (( bench )); then
  echo "== GPU benchmarks ==" | tee -a "$log"
  "$build/bench/hdrgpu_bench" --benchmark_filter="${HDRGPU_BENCH_FILTER:-.}" --benchmark_min_time=0.2 2>&1 | tee -a "$log" || status=1
fi

echo
echo "== summary =="
printf '%-12s %s\n' machine "$gpu (sm_$cc), $(nproc) CPU cores" date "$(date -u +%F)" \
  cuda "$("$nvcc" --version | tail -1)" commit "$(git rev-parse --short HEAD 2>/dev/null || echo '?')"
grep -E "tests passed|tests failed" "$log" | sed 's/^/tests        /'
if (( bench )); then
  sed -n '/^case /,$p' "$log"
fi
exit $status
