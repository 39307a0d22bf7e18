// Global tonemapping operators, reproducing OpenCV's photo module.
#pragma once

#include <hdrgpu/cpu/tonemap.hpp>
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

}  // namespace hdrgpu
