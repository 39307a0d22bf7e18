// Camera-response calibration: Debevec & Malik (1997) and Robertson et al. (1999), OpenCV-compatible.
#pragma once

#include <cstdint>

#include <hdrgpu/compat.hpp>
#include <hdrgpu/cpu/calibrate_debevec.hpp>
#include <hdrgpu/cpu/calibrate_robertson.hpp>
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

}  // namespace hdrgpu
