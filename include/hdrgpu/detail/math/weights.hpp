// Per-level weights and sample quantisation, shared by the CPU loops and the CUDA kernels.
// Plain arithmetic only, so one definition serves host and device.
#pragma once

#include <cmath>
#include <cstdint>

#include <hdrgpu/compat.hpp>
#include <hdrgpu/detail/macros.hpp>

namespace hdrgpu::detail::math {

/// Debevec's triangle ("hat") weight of level z out of `levels` (OpenCV triangleWeights).
HDRGPU_HOST_DEVICE inline float hat_weight(int z, int levels, compat profile) {
  const int half = levels / 2;
  if (profile == compat::opencv_4_6) return float(z < half ? z + 1 : levels - z);
  if (z == 0 || z == levels - 1) return 1e-6f;  // OpenCV 4.13: epsilon ends avoid 0/0 on saturated pixels
  return float(z < half ? z : levels - 1 - z);
}

/// Robertson's Gaussian weight, rescaled so that w(0) = w(L-1) = 0 (OpenCV RobertsonWeights),
/// evaluated in f32 in OpenCV's order of operations.
HDRGPU_HOST_DEVICE inline float robertson_weight(int z, int levels) {
  const float q = float(levels - 1) / 4.0f;
  const float e4 = expf(4.0f);
  const float scale = e4 / (e4 - 1.0f);
  const float shift = 1.0f / (1.0f - e4);
  const float v = float(z) / q - 2.0f;
  return scale * expf(-v * v) + shift;
}

/// log() of a response value as OpenCV's cv::log sees it: non-positive values map to cv::log(0),
/// which is the finite -88.0297 rather than -inf (so a zero in a user curve never makes NaN).
HDRGPU_HOST_DEVICE inline float log_response(float r) {
  return r > 0.0f ? logf(r) : -88.02969193111305f;
}

/// LUT index of a sample. u8/u16 index directly; f32 is clamped to [0, 1] and scaled to 16 bits,
/// rounding half to even as OpenCV's convertTo does (NaN maps to 0).
HDRGPU_HOST_DEVICE inline int level_of(std::uint8_t v) { return v; }
HDRGPU_HOST_DEVICE inline int level_of(std::uint16_t v) { return v; }
HDRGPU_HOST_DEVICE inline int level_of(float v) {
  if (!(v > 0.0f)) return 0;
  if (v >= 1.0f) return 65535;
#if HDRGPU_DEVICE_PASS
  return __float2int_rn(v * 65535.0f);
#else
  return int(std::nearbyint(v * 65535.0f));
#endif
}

}  // namespace hdrgpu::detail::math
