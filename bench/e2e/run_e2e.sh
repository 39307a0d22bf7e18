#!/usr/bin/env bash
# End-to-end benchmark: the seed pipeline (OpenCV, one process per core) against `hdrgpu batch` on
# the same M synthetic 5 x 12 MP JPEG stacks, same output format, same machine, same run.
#
#   bench/e2e/run_e2e.sh [M] [hdrgpu-binary] [--device auto|cpu|cuda]
#
# Prints stacks/s of each and the ratio, plus where hdrgpu's time goes per stage (from its report).
# HDRGPU_E2E_FORMAT: hdr (default), exr or exr-half; each side writes it its own default way (OpenCV: ZIP;
# hdrgpu: its default compression for the format).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
m=${1:-4}
bin=${2:-$here/../../build/hdrgpu}
device=${3:-auto}
size=${HDRGPU_E2E_SIZE:-4000x3000}
work=${HDRGPU_E2E_DIR:-/tmp/hdrgpu-e2e}
format=${HDRGPU_E2E_FORMAT:-hdr}
mkdir -p "$work"
if [[ ! -f $work/in-$size-$m/.complete ]]; then
  rm -rf "$work/in-$size-$m"
  "$bin" synth "$work/in-$size-$m" --stacks "$m" --size "$size" --exposures 5 --format jpg > /dev/null
  touch "$work/in-$size-$m/.complete"
fi
in=$work/in-$size-$m
# Debian's python3-opencv lives with the system interpreter, which a PATH python may shadow.
py=python3
[[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c "import cv2" 2> /dev/null && py=/usr/bin/python3
rm -rf "$work/seed-out" "$work/hdrgpu-out"
sync
seed=$("$py" "$here/seed_pipeline.py" "$in" "$work/seed-out" --format "$format")
echo "$seed"
start=$(date +%s.%N)
"$bin" batch "$in" -o "$work/hdrgpu-out" --format "$format" --device "$device" --quiet 2>&1 | tail -1
end=$(date +%s.%N)
"$py" - "$seed" "$start" "$end" "$m" "$work/hdrgpu-out/report.jsonl" <<'PY'
import json, re, sys
seed, start, end, m, report = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
seed_rate = float(re.search(r"= ([0-9.]+) stacks/s", seed).group(1))
ours = m / (end - start)
stages = {"read": 0.0, "calibrate": 0.0, "merge": 0.0, "write": 0.0}
for line in open(report):
    r = json.loads(line)
    if "stack" not in r:  # the run's header and footer lines
        continue
    for k in stages:
        stages[k] += (r["ms"].get(k) or 0) / 1000
print("hdrgpu batch: %d stacks in %.2f s = %.3f stacks/s; stage seconds summed: %s" % (
    m, end - start, ours, " ".join("%s %.2f" % kv for kv in stages.items())))
print("ratio hdrgpu / seed: %.2fx" % (ours / seed_rate))
PY
