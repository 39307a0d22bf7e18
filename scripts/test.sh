#!/usr/bin/env bash
# Installs the dependencies, builds hdrgpu with its tests and runs every test (CTest), then, where the
# CUDA emulator is present, builds the CUDA backend under it and runs the GPU suite on the CPU.
#
#   scripts/test.sh [ctest args...]     extra arguments go to every ctest run
#
# Builds (each configured once, reused across test labels):
#   build/           the normal build (CUDA kernels compiled by nvcc when present; without a GPU the
#                    `gpu` cases skip): every test
#   build-emu/       the CUDA backend compiled for the cudaemu CPU emulator: every `gpu` case in three
#                    modes (label `emu`: emu-default, emu-shuffle, emu-defer) with a device required,
#                    and the rest of the suite with `--device auto` resolving to the (emulated) GPU
#   build-emu-asan/  the same under AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer): the
#                    whole suite, the `gpu` cases in the default emulator mode only
#   build-python/    the Python package, `pip install .` into a venv of Debian's python3 (whose cv2 is the
#                    reference), CUDA under the emulator when present; then pytest (tests/python)
#   build-conan/     Conan 2 in a venv: `conan create` of the recipe and its test_package, offline
# The emulator is $HDRGPU_CUDA_EMULATOR, default ../shared/tools/cudaemu beside the checkout; under
# CI=true it is required. Test data: $HDRGPU_TEST_DATA, default ../shared/data next to the checkout.
# HDRGPU_SKIP_EMU=1 runs only the normal build; HDRGPU_SKIP_PYTHON=1 skips the Python package;
# HDRGPU_SKIP_CONAN=1 skips Conan.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh || exit 1
jobs=$(nproc)
status=0
failed=()
run() {  # run NAME CMD...: runs a step, remembers its failure and goes on
  local name=$1 t0=$SECONDS
  shift
  echo "== test.sh: $name"
  if ! "$@"; then
    status=1
    failed+=("$name")
  fi
  echo "== test.sh: $name took $((SECONDS - t0)) s (total $SECONDS s)"
}
built() {  # built DIR: how long the run has taken once DIR is built (CI keeps the whole run under 45 min)
  echo "== test.sh: $1 built (total $SECONDS s)"
}

build=${HDRGPU_BUILD_DIR:-build}
# nvcc where NVIDIA's packages put it, when it is not on PATH (CMake finds it on PATH).
if ! command -v nvcc > /dev/null && [[ -x /usr/local/cuda/bin/nvcc ]]; then
  export PATH=/usr/local/cuda/bin:$PATH
fi
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
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHDRGPU_BUILD_TESTS=ON -DCMAKE_CUDA_ARCHITECTURES="$archs" &&
  cmake --build "$build" --parallel "$jobs" || exit 1
built "$build"
run "all tests ($build)" ctest --test-dir "$build" --output-on-failure --no-tests=error --parallel "$jobs" "$@"

emu=${HDRGPU_CUDA_EMULATOR:-$PWD/../shared/tools/cudaemu}
ci=false
[[ ${CI:-} == true || ${CI:-} == 1 ]] && ci=true
if [[ ${HDRGPU_SKIP_EMU:-0} == 1 ]]; then
  echo "== test.sh: emulated GPU builds skipped (HDRGPU_SKIP_EMU=1)"
elif [[ ! -x $emu/emucc ]]; then
  if $ci; then
    echo "test.sh: the CUDA emulator is required under CI and was not found at $emu (set HDRGPU_CUDA_EMULATOR)" >&2
    status=1
    failed+=("emulated GPU build: no emulator")
  else
    echo "== test.sh: no CUDA emulator at $emu: the GPU suite was not run (set HDRGPU_CUDA_EMULATOR)"
  fi
else
  emu=$(cd "$emu" && pwd)
  # The emulator runs kernels on the CPU: timings mean nothing there, so no benchmarks.
  if cmake -S . -B build-emu -G Ninja -DCMAKE_BUILD_TYPE=Release -DHDRGPU_BUILD_TESTS=ON -DHDRGPU_CUDA_EMULATOR="$emu" &&
     cmake --build build-emu --parallel "$jobs" && built build-emu; then
    run "emulated GPU: every test, gpu cases in three modes (build-emu)" \
      ctest --test-dir build-emu --output-on-failure --no-tests=error --parallel "$jobs" "$@"
  else
    status=1
    failed+=("emulated GPU build")
  fi
  san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
  # -O1 -g1: line tables are all the sanitizers' reports need, and this build compiles in half the time of
  # -O2 -g (73 s -> 33 s for one test file), which CI's time budget needs.
  if cmake -S . -B build-emu-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHDRGPU_BUILD_TESTS=ON \
       -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
       -DHDRGPU_CUDA_EMULATOR="$emu" -DCMAKE_CXX_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="$san" \
       -DCMAKE_SHARED_LINKER_FLAGS="$san" &&
     cmake --build build-emu-asan --parallel "$jobs" && built build-emu-asan; then
    # The whole suite (LeakSanitizer on), gpu cases in the default emulator mode only and the heaviest at
    # reduced size (HDRGPU_TEST_REDUCED, tests/gpu_support.hpp); the package test
    # builds an outside project and is left to the normal build.
    run "ASan+UBSan+LSan: the whole suite, gpu cases emulated once (build-emu-asan)" \
      env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 HDRGPU_TEST_REDUCED=1 \
      ctest --test-dir build-emu-asan --output-on-failure --no-tests=error --parallel "$jobs" \
        -LE '^(emu-shuffle|emu-defer|package)$' "$@"
  else
    status=1
    failed+=("emulated GPU build with sanitizers")
  fi
fi

# Python: Debian's interpreter (python3-opencv lives there), a venv that sees its packages, the build tools
# from PyPI, and the package built from this tree (its build folder kept for the next run).
python_package() {
  local venv=build-python/venv py=/usr/bin/python3
  [[ -x $py ]] || py=python3
  local defs=()
  [[ -x $emu/emucc ]] && defs=(-C "cmake.define.HDRGPU_CUDA_EMULATOR=$emu")
  [[ -x $venv/bin/python ]] || "$py" -m venv --system-site-packages "$venv" || return 1
  "$venv/bin/pip" install -q -U pip pytest scikit-build-core nanobind &&
    "$venv/bin/pip" install -q --no-build-isolation . -C build-dir=build-python/build "${defs[@]}" &&
    built build-python &&
    "$venv/bin/python" -m pytest -q tests/python
}
if [[ ${HDRGPU_SKIP_PYTHON:-0} == 1 ]]; then
  echo "== test.sh: Python package skipped (HDRGPU_SKIP_PYTHON=1)"
else
  run "python package and pytest (build-python)" python_package
fi

# Conan 2: the recipe and test_package, offline against Debian's packages (packaging/conan/debian.profile).
conan_create() {
  local venv=build-conan/venv py=/usr/bin/python3
  [[ -x $py ]] || py=python3
  [[ -x $venv/bin/conan ]] || { "$py" -m venv "$venv" && "$venv/bin/pip" install -q "conan>=2.2,<3"; } || return 1
  export CONAN_HOME=$PWD/build-conan/home
  # Offline: every requirement is a platform requirement, so no remote may be needed.
  "$venv/bin/conan" remote disable "*" > /dev/null &&
    "$venv/bin/conan" create . -pr:a packaging/conan/debian.profile --build=missing
}
if [[ ${HDRGPU_SKIP_CONAN:-0} == 1 ]]; then
  echo "== test.sh: Conan package skipped (HDRGPU_SKIP_CONAN=1)"
else
  run "conan create (build-conan)" conan_create
fi

if ((status)); then
  printf 'test.sh: FAILED: %s\n' "${failed[@]}" >&2
else
  echo "test.sh: all test runs passed"
fi
exit $status
