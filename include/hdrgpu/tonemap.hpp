// Tonemapping operators, reproducing OpenCV's photo module: Tonemap (gamma), TonemapDrago, TonemapReinhard
// and TonemapMantiuk.
#pragma once

#include <hdrgpu/detail/cpu/tonemap.hpp>
#include <hdrgpu/detail/cpu/tonemap_local.hpp>
#include <hdrgpu/detail/cpu/tonemap_mantiuk.hpp>
#include <hdrgpu/cuda_executor.hpp>
#include <hdrgpu/executor.hpp>
#include <hdrgpu/image.hpp>

namespace hdrgpu {

struct tonemap_options {
  float gamma = 1.0f;  ///< output = normalised^(1/gamma); must be finite and > 0
};

/// OpenCV Tonemap(gamma): min/max over all samples and channels (NaN ignored); if max - min > DBL_EPSILON
/// every sample becomes (x - min) / (max - min), otherwise the image is left as is (a constant image of 5
/// gives 5^(1/gamma)); then pow(., 1/gamma), an exact copy for gamma == 1. Any channel count (OpenCV takes
/// only 3); output has the input's size, channels and order.
///
/// Where OpenCV's cv::pow has quirks we choose: pow(0, 1/gamma) is 0 (OpenCV: exp(-88.03/gamma), 4.19e-18 for
/// 2.2, so gammas above ~7.6 differ by more than 1e-5 at the minimum); NaN stays NaN (OpenCV: 3.93e17). Like
/// OpenCV's in-place pow, a negative value (un-normalised input, or the ~1e-10 rounding residual at the
/// minimum) gives |x|^(1/gamma); exponents 1/gamma that are integers or +-0.5 follow OpenCV's exact branches
/// (so gamma == 2 takes sqrt, and sqrt of a negative is NaN). Throws invalid_argument for a bad gamma or a
/// device view.
inline image<float> tonemap_gamma(const cpu_executor& exec, image_view<const float> src,
                                  const tonemap_options& opts = {}) {
  return detail::cpu::tonemap_gamma(exec, src, opts.gamma);
}

/// The same Tonemap on a cuda_executor, synchronous: `src` may be a host or a device view; the result is a
/// host image. The min/max is a device reduction (NaN ignored, -0 normalised to +0 as on the CPU) and the
/// normalisation constants are formed in double exactly as on the CPU, so the normalised values are bit-
/// identical; the pow of the general branch (device powf) may differ from the host's by a few ulp. Same
/// exceptions as the CPU overload, plus backend_unavailable in a build without CUDA.
image<float> tonemap_gamma(const cuda_executor& exec, image_view<const float> src, const tonemap_options& opts = {});

/// Tonemap of the device image `src` into the device image `dst` (same size and channel count; it may be
/// `src` itself), asynchronous: min/max, parameters and output all stay on the device, the work is enqueued
/// on exec's stream and the call returns. Synchronise before reading `dst`. Throws invalid_argument for host
/// views, a shape mismatch or a bad gamma.
void tonemap_gamma(const cuda_executor& exec, image_view<const float> src, image_view<float> dst,
                   const tonemap_options& opts = {});

// ---- TonemapDrago, TonemapReinhard, TonemapMantiuk (OpenCV 4.6) ----
//
// Common to the three (and to OpenCV's implementations, which they reproduce step by step in OpenCV's f32
// order of operations):
//  - Input: f32 radiance with 3 channels, BGR or RGB (the view's channel order). OpenCV applies RGB2GRAY to
//    BGR memory, so its grey gives 0.299 to blue; here the grey's weights follow the view's order, so a BGR
//    view reproduces OpenCV and an RGB view of the same pixels gives the same picture (bit for bit, channels
//    swapped). Output: same size and order, values in [0, 1].
//  - The image is first normalised as by Tonemap(1) (tonemap_gamma above, gamma 1) and its grey Y taken; the
//    operator maps it; then Tonemap(gamma) normalises the result by its min/max and applies 1/gamma.
//  - Throws invalid_argument for an empty image, a channel count other than 3, a NaN or infinite sample
//    (OpenCV silently produces garbage; the message names the first such sample), a bad option, or (CPU) a
//    device view.
//  - Where OpenCV's formulas divide zero by zero or multiply zero by infinity (a pixel of zero luminance in
//    Drago and Mantiuk, a zero sample of a zero-luminance pixel in Reinhard) OpenCV returns NaN (or 3.93e17
//    through its pow quirk); such samples are left out of the closing min/max, as OpenCV's NaN is, and come
//    out as 0. An image with no positive luminance (all black) gives all 0 (OpenCV's Drago asserts).
//  - Agreement with OpenCV 4.6: max abs difference 2e-5 asserted, at most 4.7e-6 measured
//    (tests/tonemap_ops_test.cpp). Everything but log, exp and pow is OpenCV's own f32 arithmetic bit for
//    bit; for those OpenCV uses its vectorised versions (1 to 16 ulp from exact), hdrgpu its own (within
//    1.1 ulp; detail/math/tonemap.hpp), the same on the CPU and in the kernels.
//  - CPU: parallel over rows on the executor, vectorised; on x86-64 with GCC the row loops also have an
//    AVX2 + FMA clone chosen at run time (same results). Deterministic for any thread count.

struct tonemap_drago_options {
  float gamma = 1.0f;       ///< closing gamma; finite and > 0
  float saturation = 1.0f;  ///< colour saturation exponent; finite and >= 0 (0 gives grey)
  float bias = 0.85f;       ///< Drago's bias; finite, in (0, 1] (the paper's useful range is 0.7 to 0.9)
};

/// OpenCV TonemapDrago: Y_n = Y / Lavg with Lavg = exp(mean(log(max(Y, 1e-4)))), the new luminance
/// L = log(Y_n + 1) / log(2 + 8 (Y_n / max Y_n)^(ln bias / ln 0.5)), each channel (C / Y_n)^saturation * L,
/// then Tonemap(gamma). See above for what all three share.
inline image<float> tonemap_drago(const cpu_executor& exec, image_view<const float> src,
                                  const tonemap_drago_options& opts = {}) {
  return detail::cpu::tonemap_drago(exec, src, opts.gamma, opts.saturation, opts.bias);
}

/// The same on a cuda_executor, synchronous: `src` may be a host or a device view (f32 rows 4-byte aligned);
/// the result is a host image. Kernels compute every sample with the CPU's operations (our log/exp/pow,
/// explicit fmaf), so the results equal the CPU's except where the statistics' double sums, added in another
/// order, round to a different last f32 bit. Same exceptions as the CPU overload, plus backend_unavailable
/// without CUDA.
image<float> tonemap_drago(const cuda_executor& exec, image_view<const float> src, const tonemap_drago_options& opts = {});

struct tonemap_reinhard_options {
  float gamma = 1.0f;        ///< closing gamma; finite and > 0
  float intensity = 0.0f;    ///< brightness; finite, in [-8, 8] (the image is scaled by exp(-intensity))
  float light_adapt = 1.0f;  ///< light adaptation: 1 per pixel, 0 global; in [0, 1]
  float color_adapt = 0.0f;  ///< chromatic adaptation: 1 per channel, 0 by luminance; in [0, 1]
};

/// OpenCV TonemapReinhard (Reinhard and Devlin 2005): key k = (lmax - lmean) / (lmax - lmin) of l = log(max(Y,
/// 1e-4)), m = 0.3 + 0.7 k^1.4; per channel adapt = la (ca C + (1-ca) Y) + (1-la) (ca mean(C) + (1-ca) mean(Y)),
/// C / (C + (exp(-intensity) adapt)^m), then Tonemap(gamma). OpenCV's process() also overwrites the object's
/// intensity with exp(-intensity), so a second call on the same OpenCV object differs; here every call is
/// like a fresh object's. A uniform luminance (lmax == lmin) makes OpenCV's key 0/0: all samples NaN there,
/// all 0 here.
inline image<float> tonemap_reinhard(const cpu_executor& exec, image_view<const float> src,
                                     const tonemap_reinhard_options& opts = {}) {
  return detail::cpu::tonemap_reinhard(exec, src, opts.gamma, opts.intensity, opts.light_adapt, opts.color_adapt);
}

/// The same on a cuda_executor, synchronous (host or device `src`, host result; see tonemap_drago).
image<float> tonemap_reinhard(const cuda_executor& exec, image_view<const float> src,
                              const tonemap_reinhard_options& opts = {});

struct tonemap_mantiuk_options {
  float gamma = 1.0f;       ///< closing gamma; finite and > 0
  float scale = 0.7f;       ///< contrast scale; finite and > 0 (0.6 to 0.9 work best)
  float saturation = 1.0f;  ///< colour saturation exponent; finite and >= 0
};

/// OpenCV TonemapMantiuk (Mantiuk et al. 2006): the gradients of log(max(Y, 1e-4)) over OpenCV's pyramid
/// (floor(log2(min(w, h))) levels, each cv::resize to half size) are mapped to sign(g) (scale |g|^0.4185)^(1/
/// 0.4185); the log luminance whose pyramid divergence matches theirs is found by OpenCV's conjugate gradients
/// from log(max(Y, 1e-4)) (at most 100 iterations, stop when |r|^2 < 1e-6 |b|^2, OpenCV's blocked f32 dot
/// products), and each channel becomes (C / Y)^saturation * exp(x), then Tonemap(gamma). An image one pixel
/// high or wide has no pyramid (OpenCV fails): x stays log(max(Y, 1e-4)). A uniform luminance has nothing to
/// solve (OpenCV asserts on the zero step): the same.
inline image<float> tonemap_mantiuk(const cpu_executor& exec, image_view<const float> src,
                                    const tonemap_mantiuk_options& opts = {}) {
  return detail::cpu::tonemap_mantiuk(exec, src, opts.gamma, opts.scale, opts.saturation);
}

/// The same on a cuda_executor, synchronous (host or device `src`, host result): every step, the CG solve
/// included, runs as kernels; the dot products are OpenCV's f32 blocking as on the CPU (bit for bit), and the
/// host reads two of them per iteration to form OpenCV's scalars and stop test.
image<float> tonemap_mantiuk(const cuda_executor& exec, image_view<const float> src,
                             const tonemap_mantiuk_options& opts = {});

}  // namespace hdrgpu
