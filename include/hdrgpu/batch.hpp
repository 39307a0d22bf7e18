// Many stacks per call: calibration (when asked) and merge of each, with a result or an error per
// stack, so one bad stack does not stop the others. The batch engine (pipeline.hpp) adds file I/O.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <hdrgpu/calibrate.hpp>
#include <hdrgpu/cuda_executor.hpp>
#include <hdrgpu/merge.hpp>
#include <hdrgpu/merge_method.hpp>
#include <hdrgpu/mertens.hpp>

namespace hdrgpu {

struct batch_options {
  merge_method method = merge_method::debevec;
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

namespace detail {

/// Makes sure `response` is set for a Debevec or Robertson merge of `s`: the caller's (or opts.response), or
/// the method's calibration of the stack (Debevec: o.calibration with o.profile; Robertson: defaults, exact
/// sums on the GPU). `ms`, when given, receives the calibration's milliseconds.
template <class Exec, sample_type T>
void ensure_response(const Exec& exec, const exposure_stack<T>& s, const batch_options& o, response_curve& response,
                     double* ms = nullptr) {
  if (response.empty()) response = o.response;
  if (!response.empty()) return;
  if constexpr (std::is_same_v<T, std::uint8_t>) {
    const auto t0 = std::chrono::steady_clock::now();
    if (o.method == merge_method::debevec) {
      calibrate_debevec_options c = o.calibration;
      c.profile = o.profile;
      response = calibrate_debevec(exec, s, c);
    } else {
      calibrate_robertson_options c;
      if constexpr (!std::is_same_v<Exec, cpu_executor>) c.sums = robertson_sums::exact;  // GPU sums in double
      response = calibrate_robertson(exec, s, c);
    }
    if (ms) *ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  } else {
    throw invalid_argument(s.label() + ": calibration needs 8-bit images; give a response curve");
  }
}

/// The per-stack work of process_batch and of the batch engine: unless `response` is already set (from
/// the caller or opts.response), calibrate with the method's calibration, then merge. Mertens ignores
/// the response. `ms`, when given, receives {calibration, merge} milliseconds. Throws like the algorithms.
template <class Exec, sample_type T>
image<float> calibrate_and_merge(const Exec& exec, const exposure_stack<T>& s, const batch_options& o,
                                 response_curve& response, double* ms = nullptr) {
  using clock = std::chrono::steady_clock;
  if (o.method != merge_method::mertens) ensure_response(exec, s, o, response, ms);
  const auto t0 = clock::now();
  image<float> out = o.method == merge_method::mertens  ? merge_mertens(exec, s, o.mertens)
                     : o.method == merge_method::debevec ? merge_debevec(exec, s, response, {.profile = o.profile})
                                                         : merge_robertson(exec, s, response);
  if (ms) ms[1] = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
  return out;
}

/// The batched Debevec calibration that process_batch and the batch engine run before their merges (with
/// o.calibration and o.profile). Returns nothing when the batched solve fails as a whole (e.g. out of
/// memory): each stack then calibrates on its own and gets its own result or error, not the group's.
/// A device_fault propagates: the device is unusable.
inline std::optional<std::vector<calibration_result>> calibrate_debevec_batch_or_fallback(
    const cuda_executor& exec, std::span<const exposure_stack<std::uint8_t>> stacks, const batch_options& o) {
  calibrate_debevec_options c = o.calibration;
  c.profile = o.profile;
  try {
    return calibrate_debevec_batch(exec, stacks, c);
  } catch (const device_fault&) {
    throw;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

/// calibrate_and_merge into the device image `out` (shaped like the stack): the merge is only enqueued on
/// exec's stream (a calibration, when needed, is synchronous).
template <sample_type T>
void calibrate_and_merge_into(const cuda_executor& exec, const exposure_stack<T>& s, const batch_options& o,
                              response_curve& response, image_view<float> out, double* ms = nullptr) {
  if (o.method == merge_method::mertens) {
    merge_mertens(exec, s, out, o.mertens);
    return;
  }
  ensure_response(exec, s, o, response, ms);
  if (o.method == merge_method::debevec) merge_debevec(exec, s, response, out, {.profile = o.profile});
  else merge_robertson(exec, s, response, out);
}

}  // namespace detail

/// Processes `stacks` (host views) on the CPU, one after the other, each using all of `exec`'s threads.
/// Synchronous. Never throws for a bad stack: its result carries the error.
std::vector<batch_result> process_batch(const cpu_executor& exec, std::span<const exposure_stack<std::uint8_t>> stacks,
                                        const batch_options& opts = {});

/// Processes `stacks` (host or device views) on `exec`'s device: the Debevec calibrations of all stacks
/// in one batched solve, then the merges spread over `opts.streams` streams, so one stack's upload and
/// download overlap another's kernels. Synchronous (returns host images). Never throws: a bad stack gets
/// its error; after a fault that leaves the device unusable (device_fault), every stack not yet processed
/// gets one clear error saying so, and the call returns.
std::vector<batch_result> process_batch(const cuda_executor& exec, std::span<const exposure_stack<std::uint8_t>> stacks,
                                        const batch_options& opts = {});

}  // namespace hdrgpu
