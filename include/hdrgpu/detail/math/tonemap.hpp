// Per-sample maths of OpenCV's gamma Tonemap, plus OpenCV's in-place cv::pow (also used by the
// Mertens weights). Host-side planning turns the exponent into a small struct a kernel can take.
#pragma once

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
struct pow_plan {
  enum class kind : std::uint8_t { one, copy, integer, sqrt, rsqrt, general };
  kind how = kind::copy;
  int n = 1;            ///< |p| for kind::integer
  bool invert = false;  ///< p < 0 for kind::integer
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

}  // namespace hdrgpu::detail::math
