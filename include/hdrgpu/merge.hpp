// Radiance-map merges: Debevec (log-domain weighted mean) and Robertson (weighted least squares).
#pragma once

#include <hdrgpu/compat.hpp>
#include <hdrgpu/cpu/merge.hpp>
#include <hdrgpu/executor.hpp>
#include <hdrgpu/exposure_stack.hpp>
#include <hdrgpu/response_curve.hpp>

namespace hdrgpu {

struct merge_debevec_options {
  compat profile = default_compat;  ///< which OpenCV hat weights to use
};

/// OpenCV MergeDebevec: out_c = exp( sum_j w_j (g_c(z_jc) - ln t_j) / sum_j w_j ), one weight per pixel
/// (mean of the channels' hats). `response` must have pixel_traits<T>::levels rows (256 for u8,
/// 65536 for u16/f32) and the stack's channel count; f32 input is clamped to [0,1] and quantised to 16 bits.
/// Synchronous on cpu_executor. Throws invalid_argument for an empty stack or a mismatched response.
template <sample_type T>
radiance_map merge_debevec(const cpu_executor& exec, const exposure_stack<T>& stack, const response_curve& response,
                           const merge_debevec_options& opts = {}) {
  return detail::cpu::merge_debevec(exec, stack, response, opts.profile);
}

/// MergeDebevec with OpenCV's default response (resp[z] = z, resp[0] = resp[1] = 1).
template <sample_type T>
radiance_map merge_debevec(const cpu_executor& exec, const exposure_stack<T>& stack,
                           const merge_debevec_options& opts = {}) {
  stack.validate();
  return merge_debevec(exec, stack,
                       response_curve::linear_debevec(stack.channels(), pixel_traits<T>::levels, stack.order()), opts);
}

/// OpenCV MergeRobertson, per channel: out = sum_j t_j w(z) resp(z) / (sum_j t_j^2 w(z) + DBL_EPSILON),
/// with Robertson's Gaussian weights. Any channel count (OpenCV only takes 3). Synchronous on cpu_executor.
template <sample_type T>
radiance_map merge_robertson(const cpu_executor& exec, const exposure_stack<T>& stack,
                             const response_curve& response) {
  return detail::cpu::merge_robertson(exec, stack, response);
}

/// MergeRobertson with OpenCV's default response resp[z] = z / (L/2).
template <sample_type T>
radiance_map merge_robertson(const cpu_executor& exec, const exposure_stack<T>& stack) {
  stack.validate();
  return merge_robertson(exec, stack,
                         response_curve::linear_robertson(stack.channels(), pixel_traits<T>::levels, stack.order()));
}

}  // namespace hdrgpu
