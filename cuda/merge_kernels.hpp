// Internal entry points of the fused merge kernels (cuda/merge.cu), for other kernel files such as
// CalibrateRobertson's iteration loop. Only cuda/*.cu include this header.
#pragma once

#include <cstdint>

#include "stack_desc.hpp"

namespace hdrgpu::detail::cuda {

/// Enqueues MergeRobertson of an 8-bit stack on ctx.stream() (asynchronous; nothing is synchronised).
/// `stack.channels` must be 1, 3 or 4 and `stack.n` >= 1. Device inputs, built by the caller:
///   d_weight        256 floats, robertson_lut(256)
///   d_weighted_resp channels * 256 floats, channel-major: weighted_response_lut(resp, weight)
///                   (resp already reordered to the stack's channel order)
///   d_out           width * height * channels floats, tightly packed rows (row = width * channels)
/// Bit-identical to detail::cpu::merge_robertson_into with the same LUTs: the per-sample maths is
/// math::robertson_sample (only +, *, / and a float(double) conversion, no FMA contraction).
void launch_merge_robertson_u8(cuda_context& ctx, const stack_desc<std::uint8_t>& stack, const float* d_weight,
                               const float* d_weighted_resp, float* d_out);

}  // namespace hdrgpu::detail::cuda
