// MergeRobertson per-pixel maths (OpenCV merge.cpp), f32, in OpenCV's order of operations.
#pragma once

#include <hdrgpu/detail/macros.hpp>

namespace hdrgpu::detail::math {

/// Per channel: R += t * (w(z) * resp(z)), T += t^2 * w(z); radiance = R * 1/(T + DBL_EPSILON).
struct robertson_sample {
  float r = 0.0f;
  float t = 0.0f;

  /// `weighted_resp` is the precomputed product w(z) * resp_c(z); `weight` is w(z).
  HDRGPU_HOST_DEVICE void add(float weighted_resp, float weight, float time, float time_sq) {
    r += time * weighted_resp;
    t += time_sq * weight;
  }
  /// DBL_EPSILON only matters when T == 0 (all samples clipped): the result is then 0, not NaN.
  HDRGPU_HOST_DEVICE float radiance() const {
    const float denom = float(double(t) + 2.220446049250313e-16);
    return r * (1.0f / denom);
  }
};

}  // namespace hdrgpu::detail::math
