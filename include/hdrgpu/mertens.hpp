// Exposure fusion (Mertens, Kautz & Van Reeth 2007), reproducing OpenCV's MergeMertens.
#pragma once

#include <span>
#include <vector>

#include <hdrgpu/backend_executor.hpp>
#include <hdrgpu/compat.hpp>
#include <hdrgpu/detail/cpu/mertens.hpp>
#include <hdrgpu/cuda_executor.hpp>
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

/// Same, for an exposure stack; the exposure times are ignored. Errors name the stack.
template <sample_type T>
image<float> merge_mertens(const cpu_executor& exec, const exposure_stack<T>& stack,
                           const mertens_options& opts = {}) {
  stack.validate();
  return detail::cpu::merge_mertens<T>(exec, std::span<const image_view<const T>>(stack.views()),
                                       opts.contrast_weight, opts.saturation_weight, opts.exposure_weight,
                                       opts.grey, stack.label());
}

// ---- CUDA backend (compiled in cuda/mertens.cu for u8, u16 and f32; backend_unavailable without CUDA) ----
//
// Same validation, messages and maths as the CPU overloads; every output sample matches the CPU backend to
// ~1e-6 (the device expf/powf may differ from the host's by an ulp, which only matters for non-default
// exponents). The input views may be host or device memory (all in the same space; device rows aligned to
// the sample size); more than 64 images are rejected. The workspace (about 7.3 W x H floats for 3 channels,
// 4 for 1, plus the upload and output of the synchronous overloads) comes from exec's memory resource.

/// Synchronous: uploads host views (device views are used in place), fuses on exec's stream, waits and
/// returns the H x W x C f32 result in the input's channel order.
template <sample_type T>
image<float> merge_mertens(const cuda_executor& exec, std::span<const image_view<const T>> images,
                           const mertens_options& opts = {});

/// Synchronous, for an exposure stack (times ignored); errors name the stack.
template <sample_type T>
image<float> merge_mertens(const cuda_executor& exec, const exposure_stack<T>& stack,
                           const mertens_options& opts = {});

/// Asynchronous: `out` is a caller-owned device view of the images' width, height and channel count (any row
/// pitch), written in the input's channel order. Returns once the work is enqueued on exec's stream; keep
/// device (and pinned host) inputs and `out` alive until the stream has finished. Pageable host images are
/// uploaded through the executor's staging before the call returns.
template <sample_type T>
void merge_mertens(const cuda_executor& exec, std::span<const image_view<const T>> images, image_view<float> out,
                   const mertens_options& opts = {});

/// Asynchronous, for a vector of views.
template <sample_type T>
void merge_mertens(const cuda_executor& exec, const std::vector<image_view<const T>>& images,
                   image_view<float> out, const mertens_options& opts = {}) {
  merge_mertens<T>(exec, std::span<const image_view<const T>>(images), out, opts);
}

/// Asynchronous, for an exposure stack (times ignored); errors name the stack.
template <sample_type T>
void merge_mertens(const cuda_executor& exec, const exposure_stack<T>& stack, image_view<float> out,
                   const mertens_options& opts = {});

/// MergeMertens of a vector of views on either backend, synchronous (a span cannot be deduced from one).
template <backend_executor Exec, sample_type T>
image<float> merge_mertens(const Exec& exec, const std::vector<image_view<const T>>& images,
                           const mertens_options& opts = {}) {
  return merge_mertens<T>(exec, std::span<const image_view<const T>>(images), opts);
}

}  // namespace hdrgpu
