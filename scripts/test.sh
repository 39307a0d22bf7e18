#!/usr/bin/env bash
# Installs the dependencies, builds hdrgpu with its tests, and runs every test (CTest).
# Test data: $HDRGPU_TEST_DATA, default ../shared/data next to the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build=${HDRGPU_BUILD_DIR:-build}
# CUDA kernels are built when nvcc is present. With a GPU, for its architecture; without one they can
# only be compiled, not run, so one architecture (Hopper) keeps the build short. Override with
# HDRGPU_CUDA_ARCHS (e.g. "80-real;90-real"); the library's default list covers 75..120.
archs=${HDRGPU_CUDA_ARCHS:-}
if [[ -z $archs ]]; then
  if command -v nvidia-smi > /dev/null && cc=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d ' .') && [[ -n $cc ]]; then
    archs="${cc}-real"
  else
    archs="90-real"
  fi
fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHDRGPU_BUILD_TESTS=ON -DCMAKE_CUDA_ARCHITECTURES="$archs"
cmake --build "$build" --parallel "$(nproc)"
ctest --test-dir "$build" --output-on-failure --parallel "$(nproc)" "$@"
