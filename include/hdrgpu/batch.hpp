// Many stacks per call: calibration (when asked) and merge of each, with a result or an error per
// stack, so one bad stack does not stop the others. The batch engine (pipeline.hpp) adds file I/O.
#pragma once

#include <span>
#include <string>
#include <vector>

#include <hdrgpu/calibrate.hpp>
#include <hdrgpu/cuda_executor.hpp>
#include <hdrgpu/merge.hpp>
#include <hdrgpu/mertens.hpp>

namespace hdrgpu {

enum class batch_method { debevec, robertson, mertens };

struct batch_options {
  batch_method method = batch_method::debevec;
  /// Used for every stack when not empty; otherwise each stack is calibrated with the method's own
  /// calibration (Debevec: calibration options below; Robertson: defaults, exact sums on the GPU).
  response_curve response;
  calibrate_debevec_options calibration{};
  compat profile = default_compat;  ///< hat weights of the Debevec calibration and merge
  mertens_options mertens{};
  int streams = 4;  ///< CUDA: streams (each with its own host thread) the stacks are spread over
};

struct batch_result {
  image<float> output;       ///< the radiance map (Mertens: the fused image); empty on error
  response_curve response;   ///< the response used (empty for Mertens)
  std::string error;         ///< what went wrong, naming the stack; empty when ok
  bool ok() const noexcept { return error.empty(); }
};

/// Processes `stacks` (host views) on the CPU, one after the other, each using all of `exec`'s threads.
/// Synchronous. Never throws for a bad stack: its result carries the error.
std::vector<batch_result> process_batch(const cpu_executor& exec, std::span<const exposure_stack<std::uint8_t>> stacks,
                                        const batch_options& opts = {});

/// Processes `stacks` (host or device views) on `exec`'s device: the Debevec calibrations of all stacks
/// in one batched solve, then the merges spread over `opts.streams` streams, so one stack's upload and
/// download overlap another's kernels. Synchronous (returns host images). Never throws for a bad stack.
std::vector<batch_result> process_batch(const cuda_executor& exec, std::span<const exposure_stack<std::uint8_t>> stacks,
                                        const batch_options& opts = {});

}  // namespace hdrgpu
