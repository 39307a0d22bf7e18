#!/usr/bin/env bash
# Downloads (does not install) the Debian packages the build and tests need into .debs/, for a GPU
# machine that has CUDA, CMake and ninja but no Debian packages; scripts/gpu-check.sh unpacks them.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .debs
pkgs=(libstb-dev libstb0 libtinyexr-dev libturbojpeg0-dev libturbojpeg0 libexif-dev libexif12 libdeflate-dev libdeflate0 doctest-dev
      libbenchmark-dev libbenchmark1debian pkg-config)
# OpenCV (the reference in tests and benchmarks) with the libraries it links against.
opencv=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
           --no-enhances libopencv-photo-dev libopencv-imgcodecs-dev libopencv-imgproc-dev libopencv-core-dev |
         grep -E '^[a-z0-9]' | grep -vE '^(libc6|libgcc|libstdc|debconf|dpkg|perl|tzdata)' | sort -u)
(cd .debs && apt-get download "${pkgs[@]}" $opencv)
du -sh .debs
