// Exposure fusion (Mertens, Kautz & Van Reeth 2007), reproducing OpenCV's MergeMertens.
#pragma once

#include <span>
#include <vector>

#include <hdrgpu/compat.hpp>
#include <hdrgpu/cpu/mertens.hpp>
#include <hdrgpu/executor.hpp>
#include <hdrgpu/exposure_stack.hpp>
#include <hdrgpu/image.hpp>

namespace hdrgpu {

/// Exponents of the three quality measures (OpenCV's defaults: well-exposedness off) and the grey rule
/// used for the contrast measure. An exponent of 1 uses the measure as is, 0 ignores it.
struct mertens_options {
  float contrast_weight = 1, saturation_weight = 1, exposure_weight = 0;
  grey_rule grey = grey_rule::rec601;  ///< opencv_bgr reproduces OpenCV on imread (BGR) data
};

/// OpenCV MergeMertens: per image W = |Laplacian(grey)|^wc * saturation^ws * wellexp^we + 1e-12 (saturation
/// only for 3 channels), weights normalised over the images, then the Laplacian pyramids of the images are
/// blended with the Gaussian pyramids of the weights and collapsed. Output: H x W x C f32 in the input's
/// channel order, not clamped (roughly [-0.2, 1.8] on real stacks).
///
/// Every sample type is scaled by 1/255 first, as OpenCV does for any depth, so u16 and f32 inputs come
/// out mis-scaled exactly like OpenCV's (pre-scale u16 to 0..255 yourself if that is not wanted).
/// Needs >= 1 image, all the same size, 1 or 3 channels, host memory; throws invalid_argument otherwise.
/// Synchronous; the result does not depend on the executor's thread count.
template <sample_type T>
image<float> merge_mertens(const cpu_executor& exec, std::span<const image_view<const T>> images,
                           const mertens_options& opts = {}) {
  return detail::cpu::merge_mertens<T>(exec, images, opts.contrast_weight, opts.saturation_weight,
                                       opts.exposure_weight, opts.grey, "merge_mertens");
}

/// Same, for a vector of views (a span cannot be deduced from one).
template <sample_type T>
image<float> merge_mertens(const cpu_executor& exec, const std::vector<image_view<const T>>& images,
                           const mertens_options& opts = {}) {
  return merge_mertens<T>(exec, std::span<const image_view<const T>>(images), opts);
}

/// Same, for an exposure stack; the exposure times are ignored. Errors name the stack.
template <sample_type T>
image<float> merge_mertens(const cpu_executor& exec, const exposure_stack<T>& stack,
                           const mertens_options& opts = {}) {
  stack.validate();
  return detail::cpu::merge_mertens<T>(exec, std::span<const image_view<const T>>(stack.views()),
                                       opts.contrast_weight, opts.saturation_weight, opts.exposure_weight,
                                       opts.grey, stack.label());
}

}  // namespace hdrgpu
