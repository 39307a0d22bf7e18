// MergeDebevec per-pixel maths (OpenCV merge.cpp), f32, in OpenCV's order of operations.
#pragma once

#include <cmath>

#include <hdrgpu/detail/macros.hpp>

namespace hdrgpu::detail::math {

/// Running sums of one pixel: S_c = sum_j w_j (g_c(z_jc) - ln t_j), W = sum_j w_j.
template <int MaxC = 4>
struct debevec_pixel {
  float s[MaxC] = {};
  float wsum = 0.0f;

  /// Adds exposure j. `z` holds the C levels of the pixel, `hat` the weight LUT,
  /// `log_resp` the per-channel log-response LUTs (channel c at log_resp + c * levels).
  HDRGPU_HOST_DEVICE void add(const int* z, int channels, float inv_channels, const float* hat,
                              const float* log_resp, int levels, float log_time) {
    float hz[MaxC];
    for (int c = 0; c < channels; ++c) hz[c] = hat[z[c]];
    add_weighted(z, hz, channels, inv_channels, log_resp, levels, log_time);
  }

  /// add() with the channels' hat weights `hz` already looked up (or computed: kernels use hat_weight).
  HDRGPU_HOST_DEVICE void add_weighted(const int* z, const float* hz, int channels, float inv_channels,
                                       const float* log_resp, int levels, float log_time) {
    // One weight per pixel: the mean of the channels' hats (summed in channel order, then * 1/C).
    float w = 0.0f;
    for (int c = 0; c < channels; ++c) w += hz[c];
    w *= inv_channels;
    for (int c = 0; c < channels; ++c) s[c] += w * (log_resp[c * levels + z[c]] - log_time);
    wsum += w;
  }

  /// Radiance of channel c: exp(S_c * (1 / W)). The reciprocal is taken first, as OpenCV does.
  HDRGPU_HOST_DEVICE float radiance(int c) const {
    const float inv = 1.0f / wsum;
    return expf(s[c] * inv);
  }
};

}  // namespace hdrgpu::detail::math
