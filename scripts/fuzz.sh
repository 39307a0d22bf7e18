#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang, ASan and UBSan, and fuzzes each target in turn.
#
#   scripts/fuzz.sh [MINUTES] [TARGET...]
#
# MINUTES per target (default 10); TARGETs default to all of them: jpeg png exif exposures manifest_csv
# manifest_jsonl response_csv. Installs nothing: needs clang/clang++ with libFuzzer (clang >= 6), cmake,
# ninja and the library's usual dependencies (scripts/install-deps.sh). The configure command is:
#
#   CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
#     -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
#     -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
#     -DHDRGPU_BUILD_FUZZ=ON -DHDRGPU_BUILD_TESTS=ON -DHDRGPU_ENABLE_CUDA=OFF -DBUILD_SHARED_LIBS=OFF
#   cmake --build build-fuzz --target hdrgpu_fuzzers
#
# (RelWithDebInfo with -O1 -g and without -DNDEBUG: assertions stay on.) Then, per target, with nice -n 19,
# one fuzzing process at a time:
#
#   build-fuzz/fuzz/hdrgpu_fuzz_T -max_total_time=SECONDS -rss_limit_mb=2048 -timeout=10 \
#     -artifact_prefix=build-fuzz/artifacts/T/ -print_final_stats=1 [-max_len=N] \
#     build-fuzz/corpus/T build-fuzz/seeds/T
#
# build-fuzz/corpus/T is the working corpus (seeded from fuzz/corpus/T, kept between runs; new inputs go
# here); build-fuzz/seeds/T holds links to the matching files of the shared data ($HDRGPU_TEST_DATA,
# default ../shared/data): JPEGs for jpeg and exif, PNGs for png, exposures.txt/list.txt, exif.csv,
# the golden response CSVs. The image targets cap inputs with -max_len (the camera JPEGs are megabytes;
# their first 64 KiB keep every header and the whole EXIF block) so mutation stays fast.
# Crash, timeout and OOM inputs are written to build-fuzz/artifacts/T/; logs to build-fuzz/logs/T.log.
# A crash ends that target's run (libFuzzer's default); HDRGPU_FUZZ_KEEP_GOING=1 restarts it for the
# rest of its time. Prints a summary: target, seconds run, executions, corpus size, crash artifacts.
#
# Environment: HDRGPU_FUZZ_BUILD_DIR (default build-fuzz), HDRGPU_FUZZ_JOBS (build jobs, default 1),
# HDRGPU_FUZZ_ARGS (extra libFuzzer arguments), HDRGPU_FUZZ_SKIP_BUILD=1 (use the existing binaries),
# TMPDIR (where the targets' per-process temporary folder goes; default /dev/shm when writable).
#
# To reproduce an artifact: build-fuzz/fuzz/hdrgpu_fuzz_T build-fuzz/artifacts/T/crash-...; to shrink it:
# add -minimize_crash=1 -runs=10000. Any build (GCC included) replays files through
# hdrgpu_fuzz_replay_T FILE|DIR... (what the CTest entries fuzz.replay.T do).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

all_targets=(jpeg png exif exposures manifest_csv manifest_jsonl response_csv)
minutes=${1:-10}
[[ $# -gt 0 ]] && shift
if ! [[ $minutes =~ ^[0-9]+([.][0-9]+)?$ ]]; then
  echo "usage: scripts/fuzz.sh [MINUTES] [TARGET...]  (targets: ${all_targets[*]})" >&2
  exit 2
fi
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  if ! [[ " ${all_targets[*]} " == *" $t "* ]]; then
    echo "fuzz.sh: unknown target '$t' (targets: ${all_targets[*]})" >&2
    exit 2
  fi
done
seconds=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')

for tool in clang clang++ cmake ninja; do
  if ! command -v "$tool" >/dev/null; then
    echo "fuzz.sh: '$tool' not found (libFuzzer needs clang: apt-get install clang)" >&2
    exit 2
  fi
done

build=${HDRGPU_FUZZ_BUILD_DIR:-build-fuzz}
data=${HDRGPU_TEST_DATA:-$PWD/../shared/data}
jobs=${HDRGPU_FUZZ_JOBS:-1}
san="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"

if [[ ${HDRGPU_FUZZ_SKIP_BUILD:-0} != 1 ]]; then
  CC=clang CXX=clang++ nice -n 19 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_CXX_FLAGS="$san" \
    -DHDRGPU_BUILD_FUZZ=ON -DHDRGPU_BUILD_TESTS=ON -DHDRGPU_ENABLE_CUDA=OFF -DBUILD_SHARED_LIBS=OFF \
    || exit 1
  nice -n 19 cmake --build "$build" -j "$jobs" --target "${targets[@]/#/hdrgpu_fuzz_}" || exit 1
fi

# Shared-data files per target (shell globs relative to $data).
seed_globs() {
  case $1 in
    jpeg | exif) echo "*/*.jpg */*.JPG */*.jpeg */*.JPEG" ;;
    png) echo "*/*.png */*.PNG" ;;
    exposures) echo "*/exposures.txt opencv-golden/list.txt" ;;
    manifest_csv) echo "*/exif.csv" ;;
    response_csv) echo "opencv-golden/*.csv opencv-golden/versions/*.csv" ;;
    *) echo "" ;;
  esac
}
max_len() {
  case $1 in
    jpeg | png) echo "-max_len=65536" ;;
    exif) echo "-max_len=131072" ;;
    *) echo "" ;;
  esac
}

# The path-taking targets write every input to a file: on tmpfs that is several times faster than on
# a journaled disk (exposures: 3000 runs in 1.5 s instead of 11.8 s on the 2-core VM).
if [[ -z ${TMPDIR:-} && -d /dev/shm && -w /dev/shm ]]; then
  export TMPDIR=/dev/shm
fi

summary=()
status=0
for t in "${targets[@]}"; do
  bin=$build/fuzz/hdrgpu_fuzz_$t
  work=$build/corpus/$t
  seeds=$build/seeds/$t
  art=$build/artifacts/$t
  log=$build/logs/$t.log
  if [[ ! -x $bin ]]; then
    echo "fuzz.sh: $bin is missing" >&2
    exit 1
  fi
  mkdir -p "$work" "$seeds" "$art" "$build/logs"
  cp -n fuzz/corpus/"$t"/* "$work"/ 2>/dev/null || true
  rm -f "$seeds"/*
  if [[ -d $data ]]; then
    read -r -a globs <<<"$(seed_globs "$t")"  # not expanded here: relative to $data below
    shopt -s nullglob
    for g in "${globs[@]}"; do
      for f in "$data"/$g; do
        rel=${f#"$data"/}
        ln -sf "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")" "$seeds/${rel//\//_}"
      done
    done
    shopt -u nullglob
  fi
  crashes_before=$(find "$art" -type f | wc -l)
  : >"$log"
  start=$(date +%s)
  execs=0
  left=$seconds
  rc=0
  while ((left > 0)); do
    echo "== fuzz.sh: $t for ${left}s (log: $log)"
    # shellcheck disable=SC2046,SC2086
    nice -n 19 "$bin" -max_total_time="$left" -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$art/" \
      -print_final_stats=1 $(max_len "$t") ${HDRGPU_FUZZ_ARGS:-} "$work" "$seeds" >>"$log" 2>&1
    rc=$?
    n=$(grep -a "^stat::number_of_executed_units:" "$log" | awk '{ s += $2 } END { print s + 0 }')
    execs=$n
    left=$((seconds - ($(date +%s) - start)))
    if ((rc != 0)); then
      echo "   $t: libFuzzer exited with $rc; see $log and $art/" >&2
      status=1
      [[ ${HDRGPU_FUZZ_KEEP_GOING:-0} == 1 ]] || break
    else
      break
    fi
  done
  ran=$(($(date +%s) - start))
  crashes=$(($(find "$art" -type f | wc -l) - crashes_before))
  corpus=$(find "$work" -type f | wc -l)
  cov=$(grep -a -o 'cov: [0-9]*' "$log" | tail -n 1 | awk '{ print $2 }')
  summary+=("$(printf '%-15s %8s %12s %8s %6s %8s' "$t" "$ran" "$execs" "$corpus" "${cov:--}" "$crashes")")
done

echo
echo "== fuzz.sh summary ($(date -u +%Y-%m-%dT%H:%M:%SZ), ${minutes} min per target)"
printf '%-15s %8s %12s %8s %6s %8s\n' target seconds execs corpus cov crashes
printf '%s\n' "${summary[@]}"
exit $status
