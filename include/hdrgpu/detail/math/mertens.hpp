// MergeMertens per-pixel maths (OpenCV merge.cpp and pyramids.cpp), f32 in OpenCV's order of
// operations, shared by the CPU loops and (later) the CUDA kernels.
#pragma once

#include <cmath>

#include <hdrgpu/compat.hpp>
#include <hdrgpu/detail/macros.hpp>
#include <hdrgpu/detail/math/tonemap.hpp>
#include <hdrgpu/image.hpp>

namespace hdrgpu::detail::math {

/// OpenCV converts every input depth with x * (1/255), so 16-bit and float inputs are mis-scaled alike.
inline constexpr float mertens_input_scale = 1.0f / 255.0f;
inline constexpr float mertens_epsilon = 1e-12f;

template <class T>
HDRGPU_HOST_DEVICE inline float mertens_input(T v) {
  return float(v) * mertens_input_scale;
}

/// Grey coefficients in memory order. 0.587 always weighs channel 1 (green); 0.299 goes to the red
/// channel (rec601) or, as OpenCV's RGB2GRAY on imread data does, to the blue one (opencv_bgr).
struct grey_coeffs {
  float k[3];
};

inline grey_coeffs make_grey_coeffs(grey_rule rule, channel_order order) {
  const int red = order == channel_order::rgb ? 0 : 2;
  const int heavy = rule == grey_rule::rec601 ? red : 2 - red;  // channel that gets 0.299
  grey_coeffs g{};
  g.k[heavy] = 0.299f;
  g.k[1] = 0.587f;
  g.k[2 - heavy] = 0.114f;
  return g;
}

/// RGB2GRAY on f32 data in memory order, fused as OpenCV's AVX2 cvtColor kernel does. The fusing matters:
/// near-flat areas have contrast ~1e-8 from grey rounding alone, and with wc = 0.5 (sqrt) that moved the
/// memorial result by 5e-5; fused, it agrees to 5e-7.
HDRGPU_HOST_DEVICE inline float grey3(const float* px, const grey_coeffs& g) {
  return fmaf(px[2], g.k[2], fmaf(px[1], g.k[1], px[0] * g.k[0]));
}

/// |Laplacian| with the 3x3 kernel [0 1 0; 1 -4 1; 0 1 0], accumulated in filter2D's tap order
/// (top, left, centre, right, bottom); the neighbours are already border-resolved (reflect-101).
HDRGPU_HOST_DEVICE inline float mertens_contrast(float top, float left, float centre, float right, float bottom) {
  return fabsf((((top + left) + centre * -4.0f) + right) + bottom);
}

/// sqrt(sum_c (I_c - mean)^2): the L2 deviation, not divided by C. Three channels only.
HDRGPU_HOST_DEVICE inline float mertens_saturation(const float* px) {
  const float mean = ((px[0] + px[1]) + px[2]) * (1.0f / 3.0f);
  const float d0 = px[0] - mean, d1 = px[1] - mean, d2 = px[2] - mean;
  return sqrtf((d0 * d0 + d1 * d1) + d2 * d2);
}

/// prod_c exp(-(I_c - 0.5)^2 / 0.08). OpenCV folds "-x / 0.08f" into a single scale, which rounds to -12.5f.
HDRGPU_HOST_DEVICE inline float mertens_well_exposedness(const float* px, int channels) {
  float w = 1.0f;
  for (int c = 0; c < channels; ++c) {
    const float d = px[c] - 0.5f;
    w *= expf(d * d * -12.5f);
  }
  return w;
}

/// The three exponents of the weight, each as OpenCV's pow branch (x^1 is a copy, x^0 is 1, 0^0 too).
struct mertens_params {
  pow_plan contrast, saturation, exposure;
  grey_coeffs grey;
  int channels = 3;
};

inline mertens_params make_mertens_params(float wc, float ws, float we, grey_rule rule, channel_order order,
                                          int channels) {
  return {make_pow_plan(wc, true), make_pow_plan(ws, true), make_pow_plan(we, true), make_grey_coeffs(rule, order),
          channels};
}

/// W = contrast^wc * [saturation^ws if C == 3] * wellexp^we + 1e-12, multiplied in that order.
/// `px` is the pixel's scaled input (C samples), `contrast` its |Laplacian| of grey.
template <int C>
HDRGPU_HOST_DEVICE inline float mertens_weight(const mertens_params& m, const float* px, float contrast) {
  float w = apply_pow(m.contrast, contrast);
  if constexpr (C == 3)
    w *= m.saturation.how == pow_plan::kind::one ? 1.0f : apply_pow(m.saturation, mertens_saturation(px));
  w *= m.exposure.how == pow_plan::kind::one ? 1.0f : apply_pow(m.exposure, mertens_well_exposedness(px, C));
  return w + mertens_epsilon;
}

// ---- Pyramid taps (cv::pyrDown / cv::pyrUp on f32, generic row code, kernel [1 4 6 4 1]) ----

/// pyrDown, one axis: 6 s0 + 4 (s-1 + s1) + s-2 + s2, left to right.
HDRGPU_HOST_DEVICE inline float pyr_down_tap(float m2, float m1, float c, float p1, float p2) {
  return ((c * 6.0f + (m1 + p1) * 4.0f) + m2) + p2;
}
inline constexpr float pyr_down_norm = 1.0f / 256.0f;

/// pyrUp, one axis, for the output samples 2x (even) and 2x+1 (odd) from source samples l, c, r.
/// Interior: even = l + 6c + r, odd = 4 (c + r). The first sample reflects (l = r): even = 6c + 2r; the last
/// replicates (r = c): even = l + 7c, odd = 8c; a one-sample axis gives 8c for both.
HDRGPU_HOST_DEVICE inline float pyr_up_even(float l, float c, float r) { return (l + c * 6.0f) + r; }
HDRGPU_HOST_DEVICE inline float pyr_up_odd(float c, float r) { return (c + r) * 4.0f; }
HDRGPU_HOST_DEVICE inline float pyr_up_even_first(float c, float r) { return c * 6.0f + r * 2.0f; }
HDRGPU_HOST_DEVICE inline float pyr_up_even_last(float l, float c) { return l + c * 7.0f; }
HDRGPU_HOST_DEVICE inline float pyr_up_single(float c) { return c * 8.0f; }
inline constexpr float pyr_up_norm = 1.0f / 64.0f;

/// OpenCV BORDER_REFLECT_101 (gfedcb|abcdefgh|gfedcba); a one-sample axis always maps to 0.
HDRGPU_HOST_DEVICE inline int reflect101(int p, int n) {
  if (n == 1) return 0;
  while (p < 0 || p >= n) p = p < 0 ? -p : 2 * n - 2 - p;
  return p;
}

}  // namespace hdrgpu::detail::math
