// Camera-response calibration: Debevec & Malik (1997) and Robertson et al. (1999), OpenCV-compatible.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <hdrgpu/compat.hpp>
#include <hdrgpu/detail/cpu/calibrate_debevec.hpp>
#include <hdrgpu/detail/cpu/calibrate_robertson.hpp>
#include <hdrgpu/cuda_executor.hpp>
#include <hdrgpu/executor.hpp>
#include <hdrgpu/exposure_stack.hpp>
#include <hdrgpu/response_curve.hpp>

namespace hdrgpu {

struct calibrate_debevec_options {
  int samples = 70;           ///< sample points (OpenCV's grid, or random when `random`)
  float lambda = 10.0f;       ///< smoothness weight
  bool random = false;        ///< random sample points instead of OpenCV's grid
  std::uint64_t seed = 0;     ///< seed of the deterministic generator used when `random`
  compat profile = default_compat;  ///< which OpenCV hat weights to use
};

/// CalibrateDebevec on 8-bit input: OpenCV's sample grid and least-squares system (data, anchor
/// g(128) = 0 and hat-weighted smoothness rows), solved exactly in double precision. The per-sample
/// unknowns are eliminated (Schur complement), leaving one 255x255 SPD system per channel with g(128)
/// fixed at 0; the result is exp(g), 256 rows x C channels in the stack's order. Unlike OpenCV's
/// f32 SVD the answer does not depend on the build. Synchronous. Throws invalid_argument for an
/// empty stack, samples < 1 or a sample grid that does not fit the image.
inline response_curve calibrate_debevec(const cpu_executor& exec, const exposure_stack<std::uint8_t>& stack,
                                        const calibrate_debevec_options& opts = {}) {
  return detail::cpu::calibrate_debevec(exec, stack, opts.samples, opts.lambda, opts.random, opts.seed, opts.profile);
}

/// Pooled CalibrateDebevec: one curve from several stacks of the same camera, for merging all of them
/// (`hdrgpu batch --response calibrate-once`). One least-squares system whose data rows are every
/// stack's opts.samples points (each stack with its own ln E unknowns and times) and one set of
/// smoothness rows; lambda is scaled by sqrt(K) for K stacks, which keeps one stack's balance between fit
/// and smoothness. One stack gives exactly calibrate_debevec's curve. Stacks may differ in size, exposure
/// count and colour order (channels are matched by meaning); the curve has the first stack's order.
/// Synchronous. Throws invalid_argument for no stacks, a bad stack (naming it) or differing channel counts.
inline response_curve calibrate_debevec_pooled(const cpu_executor& exec,
                                               std::span<const exposure_stack<std::uint8_t>> stacks,
                                               const calibrate_debevec_options& opts = {}) {
  return detail::cpu::calibrate_debevec_pooled(exec, stacks, opts.samples, opts.lambda, opts.random, opts.seed,
                                               opts.profile);
}

/// One stack's outcome in a batch calibration: the curve, or why there is none (the message names the
/// stack). A bad stack never stops the others.
struct calibration_result {
  response_curve response;
  std::string error;
  bool ok() const { return error.empty(); }
};

/// CalibrateDebevec on the CUDA backend: the CPU overload's sample points, weights and reduced 255x255
/// system (g(128) = 0 fixed), built on the device in the CPU's summation order and factored by a
/// Cholesky kernel in double whose factor is bit-identical to the CPU's; only the back-substitution
/// sums in another order, so curves agree to ~1e-12 relative. Host or device views (device views are
/// read in place; only the sample pixels are gathered). Synchronous. Same exceptions and messages as
/// the CPU overload, plus invalid_argument for more than 64 exposures.
response_curve calibrate_debevec(const cuda_executor& exec, const exposure_stack<std::uint8_t>& stack,
                                 const calibrate_debevec_options& opts = {});

/// CalibrateDebevec of many stacks at once (sizes and exposure counts may differ; host or device views):
/// the samples of all stacks are gathered in one pass and every (stack, channel) system is solved by one
/// batched launch. Result i belongs to stacks[i]. A stack that fails validation, has too few pixels for
/// the sample grid, more than 64 exposures or a singular system gets its error text and no curve; the
/// others are still solved. Synchronous. CUDA runtime failures (cuda_error, out_of_memory) throw.
std::vector<calibration_result> calibrate_debevec_batch(const cuda_executor& exec,
                                                        std::span<const exposure_stack<std::uint8_t>> stacks,
                                                        const calibrate_debevec_options& opts = {});

namespace detail {
/// The text of a per-stack failure: the exception's message, prefixed with the stack's label when the
/// message does not name it already (e.g. response_curve's own checks).
inline std::string stack_error_text(const exposure_stack<std::uint8_t>& stack, const std::exception& e) {
  std::string what = e.what();
  const std::string label = stack.label();
  return what.find(label) == std::string::npos ? label + ": " + what : what;
}
}  // namespace detail

/// The CPU version of the batch: calibrate_debevec on each stack in turn (each call uses all threads).
inline std::vector<calibration_result> calibrate_debevec_batch(const cpu_executor& exec,
                                                               std::span<const exposure_stack<std::uint8_t>> stacks,
                                                               const calibrate_debevec_options& opts = {}) {
  std::vector<calibration_result> out(stacks.size());
  for (std::size_t i = 0; i < stacks.size(); ++i) {
    try {
      out[i].response = calibrate_debevec(exec, stacks[i], opts);
    } catch (const invalid_argument& e) {
      out[i].error = detail::stack_error_text(stacks[i], e);
    }
  }
  return out;
}

/// How CalibrateRobertson sums t_j * E per level.
///  - opencv_f32: in f32, in OpenCV's sequential order (one task per channel). Reproduces OpenCV bit for
///    bit; its rounding error grows with the number of samples per level (~3e-3 relative on Memorial).
///  - exact: in double, in fixed row chunks (parallel, deterministic; what the GPU backend computes).
enum class robertson_sums { opencv_f32, exact };

struct calibrate_robertson_options {
  int max_iter = 30;         ///< iteration cap
  float threshold = 0.01f;   ///< stop when the mean absolute change of the curve falls below this
  robertson_sums sums = robertson_sums::opencv_f32;
};

/// CalibrateRobertson on 8-bit input, any channel count (OpenCV 4.6 corrupts memory with 1 channel).
/// Starts from z/128 and alternates MergeRobertson with the per-level mean of t_j * E.
/// Never-observed levels: OpenCV leaves NaN there; hdrgpu fills them by linear interpolation between
/// the nearest observed levels of the same channel (constant beyond the first/last observed level),
/// before normalising by level 128. As in OpenCV, a stack with never-observed levels does not stop
/// early (OpenCV's change is NaN then), so results match OpenCV's iteration count.
/// If `radiance` is given it receives the last radiance map. Synchronous.
inline response_curve calibrate_robertson(const cpu_executor& exec, const exposure_stack<std::uint8_t>& stack,
                                          const calibrate_robertson_options& opts = {},
                                          radiance_map* radiance = nullptr) {
  return detail::cpu::calibrate_robertson(exec, stack, opts.max_iter, opts.threshold,
                                          opts.sums == robertson_sums::opencv_f32, radiance);
}

/// CalibrateRobertson on the CUDA backend: per iteration a device MergeRobertson and a per-level sum of
/// t_j * E in double (atomics, so the order varies: ~1e-15 relative), then the CPU's update, interpolation
/// of never-observed levels, normalisation and stopping rule on the host. Equals the CPU overload with
/// `sums = robertson_sums::exact` to ~1e-12 relative. Only exact sums exist on the GPU: the default
/// `robertson_sums::opencv_f32` (OpenCV's sequential f32 order) throws invalid_argument, so pass
/// `{.sums = robertson_sums::exact}`. Host or device views; channels 1, 3 or 4; at most 64 exposures.
/// If `radiance` is given it receives the last radiance map (host). Synchronous.
response_curve calibrate_robertson(const cuda_executor& exec, const exposure_stack<std::uint8_t>& stack,
                                   const calibrate_robertson_options& opts = {}, radiance_map* radiance = nullptr);

/// Pooled CalibrateRobertson: Robertson's iteration is per scene, so the stacks' curves (each 1 at level
/// 128) are pooled by their geometric mean per level and channel. The curve has the first stack's colour
/// order; the others are matched by meaning. Synchronous. Throws invalid_argument for no stacks, a bad
/// stack or differing channel counts.
inline response_curve calibrate_robertson_pooled(const cpu_executor& exec,
                                                 std::span<const exposure_stack<std::uint8_t>> stacks,
                                                 const calibrate_robertson_options& opts = {}) {
  if (stacks.empty()) throw invalid_argument("pooled CalibrateRobertson needs at least one stack");
  response_curve mean(256, stacks.front().channels(), stacks.front().order());  // zero-filled
  for (const auto& s : stacks) {
    if (s.channels() != mean.channels())
      throw invalid_argument(s.label() + ": pooled calibration needs the same channel count in every stack");
    const response_curve r = calibrate_robertson(exec, s, opts).reordered(mean.order());
    for (std::size_t i = 0; i < r.values().size(); ++i) mean.values()[i] += std::log(r.values()[i]);
  }
  for (float& v : mean.values()) v = std::exp(v / float(stacks.size()));
  return mean;
}

}  // namespace hdrgpu
