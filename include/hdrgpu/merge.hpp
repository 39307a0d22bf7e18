// Radiance-map merges: Debevec (log-domain weighted mean) and Robertson (weighted least squares).
#pragma once

#include <hdrgpu/backend_executor.hpp>
#include <hdrgpu/compat.hpp>
#include <hdrgpu/detail/cpu/merge.hpp>
#include <hdrgpu/cuda_executor.hpp>
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

/// OpenCV MergeRobertson, per channel: out = sum_j t_j w(z) resp(z) / (sum_j t_j^2 w(z) + DBL_EPSILON),
/// with Robertson's Gaussian weights. Any channel count (OpenCV only takes 3). Synchronous on cpu_executor.
template <sample_type T>
radiance_map merge_robertson(const cpu_executor& exec, const exposure_stack<T>& stack,
                             const response_curve& response) {
  return detail::cpu::merge_robertson(exec, stack, response);
}

// ---- CUDA backend --------------------------------------------------------------------------------------
// The same merges on a cuda_executor, with the CPU overloads' validation and messages and the same per-pixel
// maths and LUTs (one fused pass: one thread per pixel walks the N exposures; <= 64 exposures). Results
// match the CPU backend within f32 rounding of expf (Debevec) and bit for bit (Robertson). Instantiated for
// std::uint8_t, std::uint16_t and float; a build without CUDA throws backend_unavailable.
//
// Overloads returning a radiance_map are synchronous: host views are uploaded (pinned memory directly, pageable
// memory through the executor's bounded pinned staging; device views are read in place), and the call returns
// the finished map, allocated by cuda_executor::options::result_allocator.
// Overloads writing `out` (a device image_view<float> shaped like the stack, in its channel order) are
// asynchronous: the work is enqueued on exec's stream and the call returns; synchronise the stream
// (exec.synchronize()) before reading `out`. Device views must stay valid until then; host views are uploaded
// in stream order: pageable ones are read before the call returns, pinned ones must stay valid until the stream
// has finished too. The device tables built from a response (LUTs) are cached per executor, so a stream of
// calls with one response uploads them once.

/// MergeDebevec on the GPU, synchronous (see above).
template <sample_type T>
radiance_map merge_debevec(const cuda_executor& exec, const exposure_stack<T>& stack, const response_curve& response,
                           const merge_debevec_options& opts = {});

/// MergeDebevec on the GPU into the device image `out`, asynchronous (see above).
template <sample_type T>
void merge_debevec(const cuda_executor& exec, const exposure_stack<T>& stack, const response_curve& response,
                   image_view<float> out, const merge_debevec_options& opts = {});

/// MergeDebevec on the GPU with OpenCV's default response into the device image `out`, asynchronous.
template <sample_type T>
void merge_debevec(const cuda_executor& exec, const exposure_stack<T>& stack, image_view<float> out,
                   const merge_debevec_options& opts = {}) {
  stack.validate();
  merge_debevec(exec, stack, response_curve::linear_debevec(stack.channels(), pixel_traits<T>::levels, stack.order()),
                out, opts);
}

/// MergeRobertson on the GPU, synchronous.
template <sample_type T>
radiance_map merge_robertson(const cuda_executor& exec, const exposure_stack<T>& stack, const response_curve& response);

/// MergeRobertson on the GPU into the device image `out`, asynchronous.
template <sample_type T>
void merge_robertson(const cuda_executor& exec, const exposure_stack<T>& stack, const response_curve& response,
                     image_view<float> out);

/// MergeRobertson on the GPU with the default response into the device image `out`, asynchronous.
template <sample_type T>
void merge_robertson(const cuda_executor& exec, const exposure_stack<T>& stack, image_view<float> out) {
  stack.validate();
  merge_robertson(exec, stack,
                  response_curve::linear_robertson(stack.channels(), pixel_traits<T>::levels, stack.order()), out);
}

// ---- Either backend ----------------------------------------------------------------------------------

/// MergeDebevec with OpenCV's default response (resp[z] = z, resp[0] = resp[1] = 1); synchronous.
template <backend_executor Exec, sample_type T>
radiance_map merge_debevec(const Exec& exec, const exposure_stack<T>& stack, const merge_debevec_options& opts = {}) {
  stack.validate();
  return merge_debevec(exec, stack,
                       response_curve::linear_debevec(stack.channels(), pixel_traits<T>::levels, stack.order()), opts);
}

/// MergeRobertson with OpenCV's default response resp[z] = z / (L/2); synchronous.
template <backend_executor Exec, sample_type T>
radiance_map merge_robertson(const Exec& exec, const exposure_stack<T>& stack) {
  stack.validate();
  return merge_robertson(exec, stack,
                         response_curve::linear_robertson(stack.channels(), pixel_traits<T>::levels, stack.order()));
}

}  // namespace hdrgpu
