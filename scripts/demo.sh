#!/usr/bin/env bash
# Installs the dependencies, builds the hdrgpu CLI, synthesises a few exposure stacks with known
# radiance, merges each into an HDR file plus a tonemapped preview, and prints where they are.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --core
build=${HDRGPU_BUILD_DIR:-build-demo}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHDRGPU_BUILD_TESTS=OFF > /dev/null
cmake --build "$build" --parallel "$(nproc)" --target hdrgpu_cli
hdrgpu="$build/hdrgpu"
out=${1:-out/demo}
rm -rf "$out"
"$hdrgpu" synth "$out/stacks" --stacks 3 --size 1024x768 --exposures 5 --seed 7 --format jpg
mkdir -p "$out/hdr"
for stack in "$out"/stacks/*/; do
  name=$(basename "$stack")
  "$hdrgpu" merge "$stack" -o "$out/hdr/$name.exr" --method debevec --response calibrate
  "$hdrgpu" merge "$stack" -o "$out/hdr/$name.png" --method debevec --response calibrate --tonemap gamma:2.2
done
echo
echo "demo: stacks (with ground truth truth.pfm, truth_response.csv) in $out/stacks"
echo "demo: HDR radiance maps and tonemapped previews in $out/hdr:"
ls -1 "$out/hdr"
