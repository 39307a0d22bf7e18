#!/usr/bin/env bash
# Installs the dependencies, builds hdrgpu with its tests, and runs every test (CTest).
# Test data: $HDRGPU_TEST_DATA, default ../shared/data next to the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build=${HDRGPU_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHDRGPU_BUILD_TESTS=ON
cmake --build "$build" --parallel "$(nproc)"
ctest --test-dir "$build" --output-on-failure --parallel "$(nproc)" "$@"
