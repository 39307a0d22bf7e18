#!/usr/bin/env bash
# Shows that the emulated GPU suite can fail: each mutant below breaks the CUDA code the way real bugs
# do (a barrier removed, an off-by-one, a missing wait for the stream), is built under the CPU emulator
# with ASan+UBSan, and the `emu` cases that cover it must fail in at least one of the emulator's modes
# (emu-default, emu-shuffle, emu-defer). A mutant that survives fails this script.
#
#   scripts/mutation-check.sh [MUTANT...]     default: every mutant
#
# The sources are copied to build-mutation/src and mutated there; the working tree is never touched.
# Needs the emulator ($HDRGPU_CUDA_EMULATOR, default ../shared/tools/cudaemu) and what scripts/test.sh
# installs. Takes about 12 minutes on 2 cores; not part of CI (docs/testing.md has the last result).
set -uo pipefail
cd "$(dirname "$0")/.."
emu=${HDRGPU_CUDA_EMULATOR:-$PWD/../shared/tools/cudaemu}
[[ -x $emu/emucc ]] || { echo "mutation-check: no CUDA emulator at $emu (set HDRGPU_CUDA_EMULATOR)" >&2; exit 1; }
emu=$(cd "$emu" && pwd)
work=$PWD/build-mutation
src=$work/src
build=$work/build

# name | file | text to find (exactly once) | replacement | ctest -R regex of the cases that must catch it
mutants=(
  "merge-lut-barrier|cuda/merge.cu|    __syncthreads();
    log_resp = lut;|    log_resp = lut;|^gpu merges"
  "merge-tail-off-by-one|cuda/merge.cu|  for (long long p = done + first; p < npix; p += stride) {
    const int y = int(p / s.width);
    const int x = int(p - (long long)y * s.width);
    const T* px[|  for (long long p = done + first; p < npix - 1; p += stride) {
    const int y = int(p / s.width);
    const int x = int(p - (long long)y * s.width);
    const T* px[|^gpu merges"
  "rgbe-past-the-end|cuda/convert.cu|p < npix; p += stride) {
    const int y = int(p / width);|p <= npix; p += stride) {
    const int y = int(p / width);|^gpu conversions"
  "robertson-count-barrier|cuda/calibrate_robertson.cu|  for (int b = threadIdx.x; b < bins; b += blockDim.x) hist[b] = 0;
  __syncthreads();|  for (int b = threadIdx.x; b < bins; b += blockDim.x) hist[b] = 0;|^CalibrateRobertson on CUDA"
  "robertson-sum-barrier|cuda/calibrate_robertson.cu|  for (int b = threadIdx.x; b < bins; b += blockDim.x) acc[b] = 0.0;
  __syncthreads();|  for (int b = threadIdx.x; b < bins; b += blockDim.x) acc[b] = 0.0;|^CalibrateRobertson on CUDA"
  "cholesky-barrier|cuda/calibrate_kernels.hpp|    __syncthreads();
    if (tid == 0) a.at(j, j) = ljj;|    if (tid == 0) a.at(j, j) = ljj;|^CalibrateDebevec on CUDA equals"
  "staging-reused-before-copy|cuda/staging.hpp|      HDRGPU_CUDA_CHECK(cudaEventSynchronize(done_[h]));
    }|    }|^cuda executor: pinned staging"
  "download-without-wait|cuda/staging.hpp|    HDRGPU_CUDA_CHECK(cudaStreamSynchronize(stream));
  }

  /// Waits|  }

  /// Waits|^cuda executor: pinned staging"
)

selected=("$@")
want() {
  ((${#selected[@]} == 0)) && return 0
  local m
  for m in "${selected[@]}"; do [[ $m == "$1" ]] && return 0; done
  return 1
}

echo "mutation-check: copying the sources to $src"
rm -rf "$src"
mkdir -p "$src"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -C "$src" -xf -
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHDRGPU_BUILD_TESTS=ON \
  -DHDRGPU_CUDA_EMULATOR="$emu" -DCMAKE_CXX_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="$san" \
  -DCMAKE_SHARED_LINKER_FLAGS="$san" > /dev/null &&
  cmake --build "$build" --parallel "$(nproc)" --target hdrgpu_tests hdrgpu_cli > /dev/null || exit 1
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1  # leaks are not what the mutants break
# The copy is not beside ../shared: point the tests at the data, and make missing data a failure.
export HDRGPU_TEST_DATA=${HDRGPU_TEST_DATA:-$(cd .. && pwd)/shared/data} CI=true

printf '%-28s %-8s %s\n' mutant verdict "failed cases (of those run in the three modes)" | tee "$work/result.txt"
survivors=0
for spec in "${mutants[@]}"; do
  field() { python3 -c 'import sys; print(sys.argv[1].split("|")[int(sys.argv[2])])' "$spec" "$1"; }
  name=$(field 0)
  file=$(field 1)
  cases=$(field 4)
  want "$name" || continue
  cp "$src/$file" "$work/original"
  if ! python3 - "$src" "$spec" <<'PY'
import sys
root, spec = sys.argv[1:3]
name, file, find, replace, cases = spec.split("|")
path = root + "/" + file
text = open(path).read()
if text.count(find) != 1:
    sys.exit("mutation-check: the text to mutate occurs %d times in %s" % (text.count(find), path))
open(path, "w").write(text.replace(find, replace))
PY
  then
    echo "mutation-check: $name no longer applies; update the mutant" >&2
    exit 1
  fi
  verdict=survived
  detail="build failed"
  if cmake --build "$build" --parallel "$(nproc)" --target hdrgpu_tests hdrgpu_cli > "$work/$name.build.log" 2>&1; then
    ctest --test-dir "$build" -L emu -R "$cases" --no-tests=error --parallel "$(nproc)" --timeout 300 \
      > "$work/$name.log" 2>&1
    ran=$(grep -cE "Test +#[0-9]+:" "$work/$name.log")
    failed_list=$(grep -E "\*\*\*(Failed|Exception)|Timeout" "$work/$name.log" | sed -E 's/.*Test +#[0-9]+: (.*) \.+.*/\1/' |
                  sed -E 's/^(.{0,60}).* \[(emu-[a-z]+)\]/\1… [\2]/' | paste -sd ';' -)
    nfail=$(grep -cE "\*\*\*(Failed|Exception)|Timeout" "$work/$name.log")
    if ((nfail > 0)); then verdict=killed; fi
    detail="$nfail of $ran: ${failed_list:-none}"
  fi
  [[ $verdict == survived ]] && survivors=$((survivors + 1))
  printf '%-28s %-8s %s\n' "$name" "$verdict" "$detail" | tee -a "$work/result.txt"
  cp "$work/original" "$src/$file"
done
# Leave the copy unmutated and built for the next run.
cmake --build "$build" --parallel "$(nproc)" --target hdrgpu_tests hdrgpu_cli > /dev/null
if ((survivors)); then
  echo "mutation-check: $survivors mutant(s) survived: the emulated suite does not catch them" >&2
  exit 1
fi
echo "mutation-check: every mutant was caught ($work/result.txt)"
