#!/usr/bin/env bash
# Installs the dependencies, builds the hdrgpu CLI, synthesises a few exposure stacks with known
# radiance, and runs the batch engine on them (`hdrgpu batch`): one HDR file and one tonemapped
# preview per stack, plus a JSON Lines report. Runs on the GPU when one is present, else on the CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --core
build=${HDRGPU_BUILD_DIR:-build-demo}
# CUDA kernels for this machine's GPU only; without a GPU the demo runs on the CPU, so none are built.
cuda=(-DHDRGPU_ENABLE_CUDA=OFF)
if command -v nvidia-smi > /dev/null && cc=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d ' .') &&
   [[ -n $cc ]]; then
  cuda=(-DHDRGPU_ENABLE_CUDA=AUTO "-DCMAKE_CUDA_ARCHITECTURES=${cc}-real")
fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHDRGPU_BUILD_TESTS=OFF "${cuda[@]}" > /dev/null
cmake --build "$build" --parallel "$(nproc)" --target hdrgpu_cli
hdrgpu="$build/hdrgpu"
out=${1:-out/demo}
rm -rf "$out"
"$hdrgpu" synth "$out/stacks" --stacks 4 --size 1024x768 --exposures 5 --seed 7 --format jpg
# Per-stack CalibrateDebevec + MergeDebevec, as OpenCV users run it today.
"$hdrgpu" batch "$out/stacks" -o "$out/hdr" --method debevec --response per-stack --format exr --preview
echo
echo "demo: stacks (with ground truth truth.pfm, truth_response.csv) in $out/stacks"
echo "demo: HDR radiance maps, tonemapped previews and report.jsonl in $out/hdr:"
ls -1 "$out/hdr"
