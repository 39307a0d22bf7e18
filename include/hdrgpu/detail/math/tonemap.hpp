// Per-sample maths of OpenCV's tonemaps (gamma Tonemap, TonemapDrago, TonemapReinhard, TonemapMantiuk), plus
// OpenCV's cv::pow (also used by the Mertens weights). Host-side planning turns exponents and the operators'
// scalars into small structs a kernel can take; the per-sample functions run on the host and the device.
#pragma once

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>

#include <hdrgpu/detail/macros.hpp>

namespace hdrgpu::detail::math {

/// cv::pow(x, p, x) (in place, as OpenCV's HDR code calls it), reduced to the branch OpenCV takes for p:
///  - integer p: 0 gives 1 everywhere (NaN too), 1 an exact copy, others repeated squaring, 1/a if p < 0;
///  - |p| == 0.5: sqrt or 1/sqrt;
///  - otherwise exp(p log|x|): OpenCV's in-place check reads the overwritten output, so the sign of a
///    negative x is dropped. At x == 0 OpenCV returns exp(p * cv::log(0)) = exp(-88.03 p) (4.19e-18 for
///    p = 1/2.2); `at_zero` says what we return there (the quirk for Mertens weights, 0 for tonemaps).
///    Out of place (cv::pow(expr, p, other)) OpenCV's check sees the input, so a negative x gives NaN:
///    `negative_nan` selects that.
struct pow_plan {
  enum class kind : std::uint8_t { one, copy, integer, sqrt, rsqrt, general };
  kind how = kind::copy;
  int n = 1;            ///< |p| for kind::integer
  bool invert = false;  ///< p < 0 for kind::integer
  bool negative_nan = false;  ///< kind::general: x < 0 gives NaN (out-of-place cv::pow) instead of |x|^p
  float p = 1.0f;       ///< exponent for kind::general
  float at_zero = 0.0f; ///< result at x == 0 for kind::general
};

/// cv::log(0): OpenCV's vectorised log returns this finite value instead of -inf.
inline constexpr float cv_log_zero = -88.02969193111305f;

/// Classifies p as cv::pow does (integer when |round(p) - p| < DBL_EPSILON). With `opencv_zero`, x == 0
/// in the general branch reproduces OpenCV's exp(p * cv::log(0)); otherwise it gives the exact limit.
inline pow_plan make_pow_plan(float p, bool opencv_zero) {
  pow_plan plan;
  const double pd = p;
  const double r = std::nearbyint(pd);
  if (std::fabs(r - pd) < DBL_EPSILON && std::fabs(r) < 1e9) {
    const int ip = int(r);
    plan.how = ip == 0 ? pow_plan::kind::one : ip == 1 ? pow_plan::kind::copy : pow_plan::kind::integer;
    plan.n = ip < 0 ? -ip : ip;
    plan.invert = ip < 0;
  } else if (std::fabs(std::fabs(pd) - 0.5) < DBL_EPSILON) {
    plan.how = pd > 0 ? pow_plan::kind::sqrt : pow_plan::kind::rsqrt;
  } else {
    plan.how = pow_plan::kind::general;
    plan.p = p;
    plan.at_zero = opencv_zero ? std::exp(float(double(cv_log_zero) * pd))
                               : (p > 0 ? 0.0f : std::numeric_limits<float>::infinity());
  }
  return plan;
}

HDRGPU_HOST_DEVICE inline float apply_pow(const pow_plan& plan, float x) {
  switch (plan.how) {
    case pow_plan::kind::one: return 1.0f;
    case pow_plan::kind::copy: return x;
    case pow_plan::kind::integer: {
      // OpenCV's iPow order: a accumulates the odd bits while b squares.
      float a = 1.0f, b = x;
      for (int q = plan.n; q > 1; q >>= 1) {
        if (q & 1) a *= b;
        b *= b;
      }
      a *= b;
      return plan.invert ? 1.0f / a : a;
    }
    case pow_plan::kind::sqrt: return sqrtf(x);
    case pow_plan::kind::rsqrt: return 1.0f / sqrtf(x);
    case pow_plan::kind::general:
      if (x == 0.0f) return plan.at_zero;
      if (plan.negative_nan && x < 0.0f) return std::numeric_limits<float>::quiet_NaN();
      return powf(fabsf(x), plan.p);  // NaN stays NaN (OpenCV: 3.93e17)
  }
  return x;
}

/// One Tonemap: optional min/max normalisation out = x * alpha + beta, then pow(out, 1/gamma).
struct tonemap_params {
  bool normalise = false;
  float alpha = 1.0f, beta = 0.0f;
  pow_plan pow;
};

/// OpenCV's Tonemap(gamma) given the global min and max (NaN ignored): normalise only when
/// mx - mn > DBL_EPSILON, with alpha = 1/(mx - mn) and beta = -mn * alpha formed in double, then rounded.
inline tonemap_params make_tonemap_params(double mn, double mx, float gamma) {
  tonemap_params t;
  t.normalise = mx - mn > DBL_EPSILON;
  if (t.normalise) {
    const double a = 1.0 / (mx - mn);
    t.alpha = float(a);
    t.beta = float(-mn * a);
  }
  t.pow = make_pow_plan(1.0f / gamma, false);
  return t;
}

/// OpenCV applies the normalisation with convertTo, whose (AVX2) kernel is a fused multiply-add. Fusing
/// matters: at the minimum sample the exact residual (~1e-10) survives and pow(., 1/2.2) lifts it to ~1e-4.
HDRGPU_HOST_DEVICE inline float tonemap_sample(const tonemap_params& t, float x) {
  return apply_pow(t.pow, t.normalise ? fmaf(x, t.alpha, t.beta) : x);
}

// ---- f32 log, exp and pow of the local tonemaps ----
//
// TonemapDrago, TonemapReinhard and TonemapMantiuk spend their time in log, exp and pow. OpenCV uses its own
// vectorised f32 versions (1 to 16 ulp from exact, §9 of the spec); these are ours: polynomials fitted to
// log1p and exp on the reduced range (Chebyshev fits, within 1.1 ulp of the exact values over all normal
// inputs), written with plain f32 operations, fmaf and bit casts. The CPU loops vectorise them and the
// kernels compute the same bits (no libm on either side). pow is cv::pow's general branch exactly as OpenCV
// forms it, exp(p * log|x|).
//
// Host code selects between floats through their bits (tm_select): GCC may not if-convert a `c ? a : b` whose
// arms it sinks f32 arithmetic into (the arithmetic could trap), and a loop with a branch does not vectorise.

HDRGPU_HOST_DEVICE inline int tm_bits(float x) {
#if HDRGPU_DEVICE_PASS
  return __float_as_int(x);
#else
  return std::bit_cast<int>(x);
#endif
}
HDRGPU_HOST_DEVICE inline float tm_float(int b) {
#if HDRGPU_DEVICE_PASS
  return __int_as_float(b);
#else
  return std::bit_cast<float>(b);
#endif
}
/// c ? a : b, both already computed.
HDRGPU_HOST_DEVICE inline float tm_select(bool c, float a, float b) {
#if HDRGPU_DEVICE_PASS
  return c ? a : b;
#else
  const int m = -int(c);
  return tm_float((tm_bits(a) & m) | (tm_bits(b) & ~m));
#endif
}

/// Natural log: x = 2^e m with m in [sqrt(1/2), sqrt(2)), log x = e ln2 + f + f^2 Q(f), f = m - 1 (exact).
/// Denormals are scaled up first; log(0) = -inf, log(<0) = NaN, log(inf) = inf, NaN stays NaN.
HDRGPU_HOST_DEVICE inline float tm_log(float x) {
  const bool tiny = x < FLT_MIN;
  const float xs = tm_select(tiny, x * 8388608.0f, x);  // 2^23
  // The magnitude's bits (x < 0 and NaN are resolved below), so the integer steps cannot overflow.
  const int bits = tm_bits(xs) & 0x7fffffff;
  const int e = (bits - 0x3f3504f3) >> 23;
  const float f = tm_float(bits - e * 8388608) - 1.0f;  // bits - (e << 23): m in [sqrt(1/2), sqrt(2))
  const float ef = float(e) - tm_select(tiny, 23.0f, 0.0f);
  // Q by Estrin's scheme (shorter dependency chains than Horner's, so vector loops overlap more).
  const float f2 = f * f, f4 = f2 * f2;
  const float q01 = fmaf(0.33333330028354797f, f, -0.49999997649770979f);
  const float q23 = fmaf(0.20001234461093455f, f, -0.25000781239812696f);
  const float q45 = fmaf(0.14204855952571014f, f, -0.16626645629127463f);
  const float q67 = fmaf(0.12722672788010962f, f, -0.13127555651287652f);
  const float q47 = fmaf(fmaf(-0.076736415016740257f, f2, q67), f2, q45);
  const float q = fmaf(q47, f4, fmaf(q23, f2, q01));
  const float lo = fmaf(ef, -2.12194440e-4f, fmaf(f2, q, f));
  float r = fmaf(ef, 0.693359375f, lo);  // ln 2 = 0.693359375 - 2.12194440e-4 (+ 3e-12)
  r = tm_select(x == 0.0f, -std::numeric_limits<float>::infinity(), r);
  r = tm_select(x < 0.0f, std::numeric_limits<float>::quiet_NaN(), r);
  r = tm_select(x > FLT_MAX, x, r);  // +inf
  return tm_select(x != x, x, r);
}

/// Natural exp: x = n ln2 + r, |r| <= ln2 / 2, exp r = 1 + (r + r^2 P(r)), times 2^n in two steps. Like
/// OpenCV's exp (and unlike libm's) results below FLT_MIN are flushed to 0; above FLT_MAX they are inf.
HDRGPU_HOST_DEVICE inline float tm_exp(float x) {
  // NaN is clamped too (to 0; the result is x again below): int(NaN) would be undefined.
  const float xc = tm_select(x < -88.0f, -88.0f, tm_select(x > 89.0f, 89.0f, tm_select(x != x, 0.0f, x)));
  const float magic = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  const float n = fmaf(xc, 1.44269504088896341f, magic) - magic;
  const float r = fmaf(n, 2.12194440e-4f, fmaf(n, -0.693359375f, xc));  // x - n (hi + lo)
  const float r2 = r * r;
  const float p01 = fmaf(0.16666577025597988f, r, 0.5f);
  const float p23 = fmaf(0.0083631730745137109f, r, 0.041666554662050534f);
  const float p = fmaf(fmaf(0.0013926176119935579f, r2, p23), r2, p01);  // Estrin
  const float er = 1.0f + fmaf(r2, p, r);
  const int ni = int(n), n1 = ni >> 1;
  float v = er * tm_float((n1 + 127) * 8388608) * tm_float((ni - n1 + 127) * 8388608);
  v = tm_select(x < -87.33654475f, 0.0f, v);                                     // ln FLT_MIN
  v = tm_select(x > 88.72283905f, std::numeric_limits<float>::infinity(), v);  // ln FLT_MAX
  return tm_select(x != x, x, v);
}

/// cv::pow's general branch: exp(log|x| * p) (OpenCV multiplies the f32 log by the exponent in double and
/// rounds, which is the f32 product), with the plan's result at 0 and its rule for x < 0.
HDRGPU_HOST_DEVICE inline float tm_pow_general(const pow_plan& plan, float x) {
  float r = tm_exp(tm_log(fabsf(x)) * plan.p);
  r = tm_select(x == 0.0f, plan.at_zero, r);
  return tm_select(plan.negative_nan & (x < 0.0f), std::numeric_limits<float>::quiet_NaN(), r);
}

/// apply_pow with the general branch above.
HDRGPU_HOST_DEVICE inline float tm_pow(const pow_plan& plan, float x) {
  return plan.how == pow_plan::kind::general ? tm_pow_general(plan, x) : apply_pow(plan, x);
}

/// A pow_plan as a function object, specialised for the branches hot loops take: a copy, the general branch,
/// or any plan (a branch on its kind, which keeps a loop from vectorising). pow_for calls fn with the
/// tightest one.
struct pow_copy_fn {
  HDRGPU_HOST_DEVICE float operator()(float x) const { return x; }
};
struct pow_general_fn {
  pow_plan plan;
  HDRGPU_HOST_DEVICE float operator()(float x) const { return tm_pow_general(plan, x); }
};
struct pow_any_fn {
  pow_plan plan;
  HDRGPU_HOST_DEVICE float operator()(float x) const { return tm_pow(plan, x); }
};

template <class Fn>
void pow_for(const pow_plan& plan, const Fn& fn) {
  if (plan.how == pow_plan::kind::copy)
    fn(pow_copy_fn{});
  else if (plan.how == pow_plan::kind::general)
    fn(pow_general_fn{plan});
  else
    fn(pow_any_fn{plan});
}

// ---- TonemapDrago, TonemapReinhard, TonemapMantiuk (OpenCV 4.6 photo/src/tonemap.cpp) ----
//
// Each starts with Tonemap(1) (the normalisation above, pow a copy) and the grey of the normalised image, and
// ends with Tonemap(gamma) of the mapped image. What lies between is below, per sample, in OpenCV's f32 order.

/// OpenCV's RGB2GRAY on f32 samples as these tonemaps call it: on BGR memory, so 0.299 weighs blue. `b`, `g`
/// and `r` are the pixel's blue, green and red samples wherever the view keeps them, so RGB and BGR views give
/// the same grey. OpenCV 4.6's AVX2 kernel fuses in one order in its 8-pixel body and, through GCC's
/// contraction of the scalar loop, in another for the last width % 8 pixels of each row (`tail`); both
/// reproduce OpenCV bit for bit.
HDRGPU_HOST_DEVICE inline float tonemap_grey(float b, float g, float r, bool tail) {
  const float body = fmaf(r, 0.114f, fmaf(g, 0.587f, b * 0.299f));
  const float last = fmaf(r, 0.114f, fmaf(b, 0.299f, g * 0.587f));
  return tm_select(tail, last, body);
}

/// Pixels of each row that OpenCV's grey kernel handles in its vector body; the rest are its tail.
HDRGPU_HOST_DEVICE inline int tonemap_grey_body(int width) { return width - width % 8; }

/// The normalised pixel (Tonemap(1) of the input) and its grey; `blue` is blue's memory index (0 or 2).
struct local_pixel {
  float c[3];
  float y;
};

HDRGPU_HOST_DEVICE inline local_pixel normalised_pixel(const tonemap_params& norm, const float* px, int blue, bool tail) {
  local_pixel p;
  // Without normalisation alpha = 1 and beta = 0 (make_tonemap_params), so the fused form is the copy.
  for (int k = 0; k < 3; ++k) p.c[k] = fmaf(px[k], norm.alpha, norm.beta);
  p.y = tonemap_grey(p.c[blue], p.c[1], p.c[2 - blue], tail);
  return p;
}

/// OpenCV's log_(): log(max(y, 1e-4)).
inline constexpr float tonemap_log_floor = 1e-4f;
HDRGPU_HOST_DEVICE inline float tonemap_log(float y) { return tm_log(tm_select(y > tonemap_log_floor, y, tonemap_log_floor)); }

/// The closing Tonemap(gamma) of a mapped sample, its pow as `pw`. Samples OpenCV's formulas leave undefined
/// (0 * inf, 0 / 0: a pixel of zero luminance, or no luminance anywhere) are left out of its extrema and
/// written as 0. So is a NaN from the pow itself: the normalised minimum is a rounding residual of either
/// sign (about 1e-10), and gamma 2 takes OpenCV's sqrt branch, which makes a negative one NaN.
HDRGPU_HOST_DEVICE inline bool finite_sample(float v) { return v - v == 0.0f; }  // false for NaN and +-inf
template <class Pow>
HDRGPU_HOST_DEVICE inline float finish_sample(const tonemap_params& t, const Pow& pw, float v) {
  const float r = pw(fmaf(v, t.alpha, t.beta));
  return tm_select(finite_sample(v) & finite_sample(r), r, 0.0f);
}

/// mapLuminance for one sample: pow(c * (1/lum), s) * new_lum, the reciprocal rounded first and pow in place
/// (OpenCV's pow on the channel itself).
template <class Pow>
HDRGPU_HOST_DEVICE inline float map_luminance(const Pow& saturation, float c, float inv_lum, float new_lum) {
  return saturation(c * inv_lum) * new_lum;
}

/// TonemapDrago between the normalisation and mapLuminance. `inv_mean` is float(1 / Lavg) with
/// Lavg = expf(float(sum log_(Y)) / npix) (OpenCV's `gray /= mean` multiplies by the rounded reciprocal);
/// `inv_max` is float(1 / max(Y / Lavg)); `bias` the out-of-place pow by ln(bias) / ln(0.5).
struct drago_params {
  float inv_mean = 1.0f;
  float inv_max = 1.0f;
  pow_plan bias;
  pow_plan saturation;
};

inline drago_params make_drago_params(float inv_mean, float inv_max, float bias, float saturation) {
  drago_params d;
  d.inv_mean = inv_mean;
  d.inv_max = inv_max;
  d.bias = make_pow_plan(logf(bias) / logf(0.5f), true);
  d.bias.negative_nan = true;
  d.saturation = make_pow_plan(saturation, true);
  return d;
}

/// Drago's new luminance of `yn` (the grey already divided by Lavg): log(yn + 1) * (1 / log(2 + 8 (yn/max)^e)).
template <class Pow>
HDRGPU_HOST_DEVICE inline float drago_luminance(const Pow& bias, float inv_max, float yn) {
  const float num = tm_log(yn + 1.0f);
  const float den = tm_log(fmaf(bias(yn * inv_max), 8.0f, 2.0f));
  return num * (1.0f / den);
}

/// TonemapReinhard per sample. How OpenCV's MatExpr evaluates ca * C + (1 - ca) * Y (reinhard_mix): with
/// ca == 1 scaleAdd gives fma(Y, 0, C) = C; with 1 - ca == 1 (ca == 0, or below half an f32 ulp of 1) scaleAdd
/// gives fma(C, ca, Y); any other ca goes through addWeighted, which computes in double. `shift[c]` is
/// (1 - la) * global_c in f32; the light mix is convertTo's fused multiply-add; `intensity` is
/// exp(-intensity); `key` the out-of-place pow by map_key.
enum class reinhard_mix : std::uint8_t { grey_fma, channel, weighted };

struct reinhard_params {
  reinhard_mix mix = reinhard_mix::grey_fma;
  float ca = 0.0f, cb = 1.0f;
  float la = 1.0f;
  float shift[3] = {0.0f, 0.0f, 0.0f};  ///< per memory channel
  float intensity = 1.0f;
  pow_plan key;
};

template <reinhard_mix Mix, class Pow>
HDRGPU_HOST_DEVICE inline float reinhard_sample(const reinhard_params& p, const Pow& key, float c, float y, float shift) {
  float a;
  if constexpr (Mix == reinhard_mix::grey_fma)
    a = fmaf(c, p.ca, y);
  else if constexpr (Mix == reinhard_mix::channel)
    a = fmaf(y, p.cb, c);
  else
    a = float(double(c) * double(p.ca) + double(y) * double(p.cb));
  a = fmaf(a, p.la, shift);
  a = key(fmaf(a, p.intensity, 0.0f));  // the rounded product (kept from contracting with + c below)
  return c * (1.0f / (a + c));
}

/// reinhard_sample with the mix chosen at run time (for kernels).
template <class Pow>
HDRGPU_HOST_DEVICE inline float reinhard_sample_any(const reinhard_params& p, const Pow& key, float c, float y, float shift) {
  switch (p.mix) {
    case reinhard_mix::grey_fma: return reinhard_sample<reinhard_mix::grey_fma>(p, key, c, y, shift);
    case reinhard_mix::channel: return reinhard_sample<reinhard_mix::channel>(p, key, c, y, shift);
    default: return reinhard_sample<reinhard_mix::weighted>(p, key, c, y, shift);
  }
}

/// TonemapMantiuk's mapContrast of one gradient v: signedPow(v, 0.4185), times scale, signedPow(., 1/0.4185).
/// A zero gradient maps to 0: OpenCV takes pow(0, 0.4185) = 1e-16 (its log(0) quirk) and then
/// pow(1e-16 * scale, 2.39), which its exp flushes to 0 for any scale below ~5 (and leaves below 1e-36 above).
struct mantiuk_params {
  float scale = 0.7f;
  pow_plan to_response;    ///< pow(., 0.4185f): the general branch
  pow_plan from_response;  ///< pow(., 1.0f / 0.4185f): the general branch
};

inline mantiuk_params make_mantiuk_params(float scale) {
  constexpr float response_power = 0.4185f;
  mantiuk_params m;
  m.scale = scale;
  m.to_response = make_pow_plan(response_power, true);
  m.from_response = make_pow_plan(1.0f / response_power, true);
  return m;
}

HDRGPU_HOST_DEVICE inline float mantiuk_map_contrast(const mantiuk_params& m, float v) {
  const float r = tm_pow_general(m.from_response, tm_pow_general(m.to_response, fabsf(v)) * m.scale);
  return tm_select(v == 0.0f, 0.0f, tm_select(v > 0.0f, r, -r));
}

/// The contrast pyramid's levels: (int)(logf(min(w, h)) / logf(2)), in f32 as OpenCV computes it.
inline int mantiuk_levels(int width, int height) {
  return int(logf(float(width < height ? width : height)) / logf(2.0f));
}

/// One axis of cv::resize(INTER_LINEAR) on f32, OpenCV's coefficient rule: s = (float)((d + 0.5) * scale - 0.5)
/// with scale = 1 / (dst / src) in double; i0 = floor(s), f = s - i0. Horizontally (`clamp`) an index left of
/// the source gets f = 0 at 0 and one at or right of the last sample is a copy of it; vertically f is kept and
/// only the rows are clipped. The sample is in0 * w0 + in1 * w1, unfused.
struct resize_tap {
  int i0 = 0, i1 = 0;
  float w0 = 1.0f, w1 = 0.0f;
};

HDRGPU_HOST_DEVICE inline double resize_scale(int src, int dst) { return 1.0 / (double(dst) / double(src)); }

HDRGPU_HOST_DEVICE inline resize_tap resize_tap_at(int d, double scale, int src, bool clamp) {
  float f = float((d + 0.5) * scale - 0.5);
  int i = int(floorf(f));
  f -= float(i);
  resize_tap t;
  if (clamp) {
    if (i < 0) {
      i = 0;
      f = 0.0f;
    }
    if (i + 1 >= src) {  // OpenCV's right border: S[src - 1] * 1
      t.i0 = t.i1 = src - 1;
      return t;
    }
    t.i0 = i;
    t.i1 = i + 1;
  } else {
    t.i0 = i < 0 ? 0 : (i < src ? i : src - 1);
    t.i1 = i + 1 < 0 ? 0 : (i + 1 < src ? i + 1 : src - 1);
  }
  t.w0 = 1.0f - f;
  t.w1 = f;
  return t;
}

/// cv::resize takes its INTER_AREA fast path when both scales are exactly 2 (each side halves an even length).
HDRGPU_HOST_DEVICE inline bool resize_is_area2(int sw, int sh, int dw, int dh) { return 2 * dw == sw && 2 * dh == sh; }

/// That path's 2x2 mean: ((a + b) + (c + d)) * 0.25 in its 4-lane body, (((a + b) + c) + d) * 0.25 for the
/// last dw % 4 outputs of each row (`tail`).
HDRGPU_HOST_DEVICE inline float resize_area2(float a, float b, float c, float d, bool tail) {
  return tm_select(tail, (((a + b) + c) + d) * 0.25f, ((a + b) + (c + d)) * 0.25f);
}

/// One output of TonemapMantiuk's divergence, Dx(Gx) + Dy(Gy), from the forward differences around it: `gx0` =
/// G(x-1), `gx1` = G(x) (G(w-1) = 0), likewise in y; `first_x` / `first_y` mark the first column / row,
/// where the backward difference is G itself.
HDRGPU_HOST_DEVICE inline float mantiuk_divergence(float gx0, float gx1, bool first_x, float gy0, float gy1,
                                                   bool first_y) {
  const float dx = tm_select(first_x, gx1, gx1 - gx0);
  const float dy = tm_select(first_y, gy1, gy1 - gy0);
  return dx + dy;
}

/// OpenCV's Mat::dot on f32 (dotProd_32f, AVX2 build): blocks of 8192 samples, each summed in f32 by four
/// 8-lane fused multiply-add accumulators (s0 + ((s1 + s2) + s3) per lane, then any remaining 8-sample groups
/// into that sum), the lanes reduced as ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)); the block sums are
/// added in double in block order, and the last len % 8 samples as exact double products (dot_tail).
inline constexpr int dot_block = 8192;

HDRGPU_HOST_DEVICE inline float dot_reduce_lanes(const float* v) {
  return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
}

HDRGPU_HOST_DEVICE inline float dot_block_sum(const float* a, const float* b, int len) {
  float s[4][8] = {};
  int j = 0;
  for (; j + 32 <= len; j += 32)
    for (int k = 0; k < 4; ++k)
      for (int l = 0; l < 8; ++l) s[k][l] = fmaf(a[j + 8 * k + l], b[j + 8 * k + l], s[k][l]);
  float v[8];
  for (int l = 0; l < 8; ++l) v[l] = s[0][l] + ((s[1][l] + s[2][l]) + s[3][l]);
  for (; j + 8 <= len; j += 8)
    for (int l = 0; l < 8; ++l) v[l] = fmaf(a[j + l], b[j + l], v[l]);
  return dot_reduce_lanes(v);
}

/// The last `len` (< 8) samples: OpenCV's scalar dotProd_, four products summed then added, in double.
HDRGPU_HOST_DEVICE inline double dot_tail(const float* a, const float* b, int len) {
  double r = 0.0;
  int i = 0;
  for (; i + 4 <= len; i += 4)
    r += ((double(a[i]) * b[i] + double(a[i + 1]) * b[i + 1]) + double(a[i + 2]) * b[i + 2]) + double(a[i + 3]) * b[i + 3];
  for (; i < len; ++i) r += double(a[i]) * b[i];
  return r;
}

}  // namespace hdrgpu::detail::math
