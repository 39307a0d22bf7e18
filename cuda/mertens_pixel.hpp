// The per-pixel steps of the CUDA MergeMertens (cuda/mertens.cu runs each over an image, one thread per
// pixel). Each step computes a sample with the same f32 operations as the CPU backend
// (include/hdrgpu/detail/cpu/mertens.hpp). Toolkit-free (HDRGPU_HOST_DEVICE), so the tests can run the same steps
// on the host and compare them with the CPU backend bit for bit.
//
// `Images` is anything with `int n, width, height` and `const T* row(int image, int y)` (stack_desc on the
// device).
#pragma once

#include <cstddef>

#include "pyramid.hpp"

namespace hdrgpu::detail::cuda {

/// Scaled input samples of pixel (x, y) of image i.
template <int C, class Images>
HDRGPU_HOST_DEVICE inline void load_pixel(const Images& im, int i, int x, int y, float* px) {
  const auto* r = im.row(i, y) + x * C;
  for (int c = 0; c < C; ++c) px[c] = math::mertens_input(r[c]);
}

template <int C>
HDRGPU_HOST_DEVICE inline float grey_of(const math::mertens_params& mp, const float* px) {
  if constexpr (C == 3) return math::grey3(px, mp.grey);
  else return px[0];
}

template <int C, class Images>
HDRGPU_HOST_DEVICE inline float grey_at(const Images& im, const math::mertens_params& mp, int i, int x, int y) {
  float px[C];
  load_pixel<C>(im, i, x, y, px);
  return grey_of<C>(mp, px);
}

/// Unnormalised weight of image i at (x, y), as mertens_weight_rows computes it (reflect-101 Laplacian of
/// the grey image, taps in filter2D's order).
template <int C, class Images>
HDRGPU_HOST_DEVICE inline float weight_at(const Images& im, const math::mertens_params& mp, int i, int x, int y) {
  const int W = im.width, H = im.height;
  float px[C];
  load_pixel<C>(im, i, x, y, px);
  const float top = grey_at<C>(im, mp, i, x, math::reflect101(y - 1, H));
  const float left = grey_at<C>(im, mp, i, math::reflect101(x - 1, W), y);
  const float right = grey_at<C>(im, mp, i, math::reflect101(x + 1, W), y);
  const float bottom = grey_at<C>(im, mp, i, x, math::reflect101(y + 1, H));
  return math::mertens_weight<C>(mp, px, math::mertens_contrast(top, left, grey_of<C>(mp, px), right, bottom));
}

/// wsum(x, y): the weights of all images summed in image order from 0, as the CPU does.
template <int C, class Images>
HDRGPU_HOST_DEVICE inline void weight_sum_pixel(const Images& im, const math::mertens_params& mp, float* wsum, int x,
                                                int y) {
  float s = 0.0f;
  for (int i = 0; i < im.n; ++i) s += weight_at<C>(im, mp, i, x, y);
  wsum[static_cast<std::size_t>(y) * static_cast<std::size_t>(im.width) + static_cast<std::size_t>(x)] = s;
}

/// Level 0 of image i at (x, y): its scaled samples into `img` (C channels, tight) and its normalised weight
/// into `weight`. The weight is recomputed, bit-identical to the one summed into wsum, so no per-image weight
/// planes need to be kept.
template <int C, class Images>
HDRGPU_HOST_DEVICE inline void level0_pixel(const Images& im, const math::mertens_params& mp, int i, const float* wsum,
                                            float* img, float* weight, int x, int y) {
  const std::size_t p = static_cast<std::size_t>(y) * static_cast<std::size_t>(im.width) + static_cast<std::size_t>(x);
  float px[C];
  load_pixel<C>(im, i, x, y, px);
  for (int c = 0; c < C; ++c) img[p * C + c] = px[c];
  weight[p] = weight_at<C>(im, mp, i, x, y) / wsum[p];
}

/// result(x, y) (+)= (G_l - pyrUp(G_l+1)) * w_l per channel; without a coarser level (the top) the band is
/// G_l itself. The first image assigns instead of adding to zero, as OpenCV does.
template <int C>
HDRGPU_HOST_DEVICE inline void blend_pixel(const fplane& g, const fplane& coarse, bool has_coarse, const fplane& w,
                                           const fplane& result, bool first, int x, int y) {
  float up[C] = {};
  if (has_coarse) pyr_up_at<C>(coarse, x, y, up);
  const float* gr = g.row(y) + x * C;
  const float wv = w.row(y)[x];
  float* rr = result.row(y) + x * C;
  for (int c = 0; c < C; ++c) {
    const float band = has_coarse ? gr[c] - up[c] : gr[c];
    const float v = band * wv;
    rr[c] = first ? v : rr[c] + v;
  }
}

/// fine(x, y) += pyrUp(coarse)(x, y): one collapse step.
template <int C>
HDRGPU_HOST_DEVICE inline void collapse_pixel(const fplane& coarse, const fplane& fine, int x, int y) {
  float up[C];
  pyr_up_at<C>(coarse, x, y, up);
  float* fr = fine.row(y) + x * C;
  for (int c = 0; c < C; ++c) fr[c] = fr[c] + up[c];
}

}  // namespace hdrgpu::detail::cuda
