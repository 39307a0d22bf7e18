#!/usr/bin/env python3
"""The seed's per-stack function (cv2.imread x5, CalibrateDebevec, MergeDebevec) with cv2 and with hdrgpu.cv,
on the same 5 x 12 MP JPEG stacks and the same cores, then hdrgpu.batch against the seed's process pool.

    bench/python/seed_vs_hdrgpu.py STACKS_DIR [--device auto|cpu|cuda] [--skip-batch]

STACKS_DIR holds stack folders with exposures.txt (`hdrgpu synth DIR --stacks N --size 4000x3000
--exposures 5 --format jpg` makes them). Prints seconds per stack of each and the ratio."""
import argparse
import os
import sys
import time

import numpy as np
import cv2

import hdrgpu
import hdrgpu.cv as hcv


def read_times(stack_dir):
    files, times = [], []
    for line in open(os.path.join(stack_dir, "exposures.txt")):
        line = line.split("#", 1)[0].split()
        if len(line) >= 2:
            num, _, den = line[1].partition("/")
            files.append(line[0])
            times.append(float(num) / float(den) if den else float(num))
    return files, np.asarray(times, dtype=np.float32)


def per_stack(cv, stack_dir):
    """The user's function, unchanged but for the module it is given."""
    files, times = read_times(stack_dir)
    images = [cv.imread(os.path.join(stack_dir, f), cv.IMREAD_COLOR) for f in files]
    response = cv.createCalibrateDebevec().process(images, times)
    return cv.createMergeDebevec().process(images, times, response)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("stacks")
    p.add_argument("--device", default="auto")
    p.add_argument("--skip-batch", action="store_true")
    a = p.parse_args()
    hcv.set_device(a.device)
    stacks = sorted(os.path.join(a.stacks, d) for d in os.listdir(a.stacks)
                    if os.path.isfile(os.path.join(a.stacks, d, "exposures.txt")))
    print("stacks: %d, cores: %d, cv2 %s threads %d, hdrgpu %s on %s" % (
        len(stacks), os.cpu_count(), cv2.__version__, cv2.getNumThreads(), hdrgpu.__version__,
        hdrgpu.device_info(a.device)))
    per_stack(hcv, stacks[0])  # warm-up (thread pool, device)
    results = {}
    for name, module in (("cv2", cv2), ("hdrgpu.cv", hcv)):
        t0 = time.perf_counter()
        for s in stacks:
            per_stack(module, s)
        results[name] = (time.perf_counter() - t0) / len(stacks)
        print("%-10s %.3f s per stack (all cores to each library)" % (name, results[name]))
    print("ratio cv2 / hdrgpu.cv: %.2fx" % (results["cv2"] / results["hdrgpu.cv"]))
    if not a.skip_batch:
        import subprocess
        import tempfile
        here = os.path.dirname(os.path.abspath(__file__))
        with tempfile.TemporaryDirectory() as out:
            seed = subprocess.run([sys.executable, os.path.join(here, "..", "e2e", "seed_pipeline.py"), a.stacks,
                                   os.path.join(out, "seed"), "--format", "hdr"], capture_output=True, text=True, check=True)
            print(seed.stdout.strip())
            t0 = time.perf_counter()
            rows = hdrgpu.batch(a.stacks, os.path.join(out, "batch"), progress=False, format="hdr", device=a.device)
            dt = time.perf_counter() - t0
            ok = sum(r["status"] == "ok" for r in rows)
            print("hdrgpu.batch: %d stacks (%d ok) in %.2f s = %.3f stacks/s" % (len(rows), ok, dt, len(rows) / dt))


if __name__ == "__main__":
    sys.exit(main())
