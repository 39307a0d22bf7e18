#!/usr/bin/env python3
"""The pipeline hdrgpu replaces, as its users run it today: for every stack folder, OpenCV reads the
images, runs CalibrateDebevec then MergeDebevec and writes the result, one process per core.

    seed_pipeline.py INPUT_DIR OUT_DIR [--processes N] [--format hdr|exr|exr-half]

exr is OpenCV's default EXR (float, ZIP); exr-half asks imwrite for half channels (also ZIP).

Prints one line: stacks, seconds, stacks/s, and the per-stage seconds summed over stacks."""
import argparse
import multiprocessing as mp
import os
import sys
import time

import cv2


def read_times(stack_dir):
    files, times = [], []
    with open(os.path.join(stack_dir, "exposures.txt")) as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if len(line) < 2:
                continue
            num, _, den = line[1].partition("/")
            files.append(line[0])
            times.append(float(num) / float(den) if den else float(num))
    return files, times


def process(args):
    stack_dir, out_path, params = args
    cv2.setNumThreads(1)  # one process per core, as the user's pool does
    import numpy as np
    t0 = time.perf_counter()
    files, times = read_times(stack_dir)
    images = [cv2.imread(os.path.join(stack_dir, f), cv2.IMREAD_COLOR) for f in files]
    t1 = time.perf_counter()
    times = np.asarray(times, dtype=np.float32)
    response = cv2.createCalibrateDebevec().process(images, times)
    t2 = time.perf_counter()
    hdr = cv2.createMergeDebevec().process(images, times, response)
    t3 = time.perf_counter()
    cv2.imwrite(out_path, hdr, params)
    t4 = time.perf_counter()
    return (t1 - t0, t2 - t1, t3 - t2, t4 - t3)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--processes", type=int, default=os.cpu_count())
    p.add_argument("--format", default="hdr", choices=["hdr", "exr", "exr-half"])
    a = p.parse_args()
    params = []
    if a.format.startswith("exr"):
        os.environ["OPENCV_IO_ENABLE_OPENEXR"] = "1"
    if a.format == "exr-half":
        params = [cv2.IMWRITE_EXR_TYPE, cv2.IMWRITE_EXR_TYPE_HALF]
    ext = "hdr" if a.format == "hdr" else "exr"
    os.makedirs(a.output, exist_ok=True)
    stacks = sorted(d for d in os.listdir(a.input) if os.path.isfile(os.path.join(a.input, d, "exposures.txt")))
    jobs = [(os.path.join(a.input, d), os.path.join(a.output, d + "." + ext), params) for d in stacks]
    start = time.perf_counter()
    with mp.Pool(a.processes) as pool:
        stages = pool.map(process, jobs, chunksize=1)
    elapsed = time.perf_counter() - start
    sums = [sum(s[i] for s in stages) for i in range(4)]
    print("seed: %d stacks in %.2f s = %.3f stacks/s (%d processes); stage seconds summed: read %.2f calibrate %.2f "
          "merge %.2f write %.2f" % (len(jobs), elapsed, len(jobs) / elapsed, a.processes, *sums))


if __name__ == "__main__":
    sys.exit(main())
