#!/usr/bin/env python3
"""Compiler launcher for the emulated CUDA build (HDRGPU_CUDA_EMULATOR).

CMake runs `emucc_launcher.py EMUCC CXX ARGS...` for every cuda/*.cu file: the file is compiled by the
emulator's `emucc` with CXX as its g++ (EMU_CXX). emucc compiles a rewritten copy from a temporary folder
that it deletes afterwards, so the dependency file g++ writes names that copy; it is rewritten here to
name the .cu source (and to drop other temporaries), or Ninja would rebuild the object every time.
"""
import os
import re
import subprocess
import sys


def main(argv):
    emucc, cxx, args = argv[0], argv[1], argv[2:]
    env = dict(os.environ, EMU_CXX=cxx)
    rc = subprocess.call([emucc] + args, env=env)
    if rc != 0:
        return rc
    dep = next((args[i + 1] for i, a in enumerate(args[:-1]) if a == "-MF"), None)
    src = next((a for a in args if a.endswith(".cu")), None)
    if dep and src and os.path.isfile(dep):
        src = os.path.abspath(src)
        base = re.escape(os.path.basename(src)[:-3] + ".cpp")
        with open(dep) as f:
            text = f.read()
        tmp = r"(?:/[^\s:]*)?/emucc[^/\s]*"  # mkdtemp(prefix="emucc")
        text = re.sub(tmp + "/" + base + r"(?=\s)", src.replace("\\", "\\\\"), text)
        text = re.sub(r"[ \t]*" + tmp + r"/\S+[ \t]*(\\\n)?", lambda m: " " + (m.group(1) or ""), text)
        with open(dep, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
