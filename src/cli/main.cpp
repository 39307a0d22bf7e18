// hdrgpu command-line tool. Exit codes: 0 ok, 1 processing error (the message names the stack and
// file), 2 usage error, 128 + N after signal N (130 for SIGINT, 143 for SIGTERM).
#include <cstdio>
#include <exception>
#include <string>

#include <hdrgpu/config.hpp>
#include <hdrgpu/error.hpp>

#include "args.hpp"
#include "signals.hpp"

namespace {

const char* const usage_text = R"(usage:
  hdrgpu merge STACK_DIR -o OUT [--method debevec|robertson|mertens]
               [--response calibrate|linear|FILE.csv] [--compat opencv-4.6|opencv-latest]
               [--tonemap TONEMAP] [--device auto|cpu|cuda[:N]] [--half] [--threads N]
               [--exr-compression none|rle|zips|zip|piz] [--keep-nonfinite] [--ignore-orientation]
               [--max-pixels N] [--align mtb]
  hdrgpu calibrate STACK_DIR -o response.csv [--method debevec|robertson] [--samples N]
               [--lambda L] [--compat opencv-4.6|opencv-latest] [--threads N]
               [--device auto|cpu|cuda[:N]] [--ignore-orientation] [--max-pixels N]
  hdrgpu batch INPUT -o OUT_DIR [--method debevec|robertson|mertens]
               [--response per-stack|calibrate-once|FILE.csv] [--format exr|exr-half|hdr|pfm]
               [--device auto|cpu|cuda[:N]|all] [--report FILE] [--shard i/n] [--overwrite]
               [--memory SIZE] [--ignore-orientation] [--preview] [--exr-compression none|rle|zips|zip|piz]
               [--threads N] [--readers N] [--gpu-lanes N] [--keep-nonfinite] [--max-pixels N] [--align mtb] [--quiet]
               [--tonemap TONEMAP]
  hdrgpu synth OUT_DIR [--stacks N] [--size WxH] [--exposures K] [--seed S] [--format jpg|png]
  hdrgpu --version

STACK_DIR holds the images and exposures.txt (`<file> <seconds>` per line; 1/250 allowed); without
exposures.txt every image of the folder is used, in name order, with its EXIF ExposureTime.
JPEGs are turned upright by their EXIF orientation, as OpenCV's imread does (--ignore-orientation).
OUT's extension picks the format: .exr (float; --half for half), .hdr, .pfm, or .png/.jpg (8-bit).
EXR compression: none for float and piz for half unless --exr-compression says otherwise; all are
lossless. Half stores finite samples above 65504 as 65504 (counted as "clamped", with a warning).
batch INPUT: a folder of stack folders, one stack folder, or a manifest (.csv or .jsonl); stacks
without exposures.txt take their times from EXIF. Each stack ID becomes OUT_DIR/ID.<ext>; existing
outputs are skipped (--overwrite redoes them). Report: OUT_DIR/report.jsonl, appended by each run.
TONEMAP: gamma[:G] | drago | reinhard | mantiuk, with OpenCV's parameters as :key=value,... (for
example drago:bias=0.9, reinhard:intensity=0.5,light_adapt=0.8, mantiuk:scale=0.9). merge applies it
to its output (default for .png/.jpg of a radiance map: gamma:2.2); batch to its --preview PNGs.
Images whose header claims more than --max-pixels (default 268435456; 0: no limit) are refused.
Exit 1 if any stack failed; 130/143 after SIGINT/SIGTERM (a batch finishes the stacks in flight).
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(usage_text, stderr);
    return 2;
  }
  const std::string cmd = argv[1];
  hdrgpu::cli::install_signal_handlers();
  try {
    if (cmd == "merge") return hdrgpu::cli::run_merge(argc, argv);
    if (cmd == "calibrate") return hdrgpu::cli::run_calibrate(argc, argv);
    if (cmd == "synth") return hdrgpu::cli::run_synth(argc, argv);
    if (cmd == "batch") return hdrgpu::cli::run_batch(argc, argv);
    if (cmd == "--version") {
      std::printf("hdrgpu %s (CUDA backend in build: %s)\n", HDRGPU_VERSION_STRING,
                  hdrgpu::build_cuda_emulated ? "emulated on the CPU, for tests" : hdrgpu::build_has_cuda ? "yes" : "no");
      return 0;
    }
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      std::fputs(usage_text, stdout);
      return 0;
    }
    throw hdrgpu::cli::usage_error("unknown command '" + cmd + "'");
  } catch (const hdrgpu::cli::usage_error& e) {
    std::fprintf(stderr, "hdrgpu: %s\n\n%s", e.what(), usage_text);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hdrgpu %s: error: %s\n", cmd.c_str(), e.what());
    return 1;
  }
}
