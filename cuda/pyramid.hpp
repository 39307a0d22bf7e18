// cv::pyrDown / cv::pyrUp one output sample at a time, for the CUDA kernels. Each function recomputes, in
// registers, exactly the f32 values the CPU backend (include/hdrgpu/detail/cpu/pyramid.hpp) keeps in its row
// rings: the horizontal taps of each source row, then the vertical taps over those, in the same order with
// the same border rules, so every output sample carries the CPU's bits whatever the thread layout.
// Toolkit-free (HDRGPU_HOST_DEVICE): the tests run these functions on the host against the CPU backend.
#pragma once

#include <hdrgpu/detail/macros.hpp>
#include <hdrgpu/detail/math/mertens.hpp>

namespace hdrgpu::detail::cuda {

/// An interleaved f32 image: `pitch` bytes between rows; the channel count is the caller's.
struct fplane {
  float* data = nullptr;
  long long pitch = 0;
  int width = 0, height = 0;

  HDRGPU_HOST_DEVICE float* row(int y) const {
    return reinterpret_cast<float*>(reinterpret_cast<char*>(data) + pitch * static_cast<long long>(y));
  }
};

/// pyrDown output sample (x, y) of `src`, all C channels: horizontal taps of the five reflected source rows
/// 2y-2..2y+2 (columns 2x-2..2x+2, reflected), then the vertical tap, then * 1/256.
template <int C>
HDRGPU_HOST_DEVICE inline void pyr_down_at(const fplane& src, int x, int y, float* out) {
  int col[5], row[5];
  for (int k = 0; k < 5; ++k) {
    col[k] = math::reflect101(2 * x - 2 + k, src.width) * C;
    row[k] = math::reflect101(2 * y - 2 + k, src.height);
  }
  for (int c = 0; c < C; ++c) {
    float h[5];
    for (int k = 0; k < 5; ++k) {
      const float* r = src.row(row[k]);
      h[k] = math::pyr_down_tap(r[col[0] + c], r[col[1] + c], r[col[2] + c], r[col[3] + c], r[col[4] + c]);
    }
    out[c] = math::pyr_down_tap(h[0], h[1], h[2], h[3], h[4]) * math::pyr_down_norm;
  }
}

/// Horizontal pyrUp of one source row `r` (sw pixels of C channels) at destination column dx, channel c, as
/// pyr_up_row_c computes it: the first and last source samples have their own formulas; one sample gives 8c.
template <int C>
HDRGPU_HOST_DEVICE inline float pyr_up_h(const float* r, int sw, int dx, int c) {
  if (sw == 1) return math::pyr_up_single(r[c]);
  const int x = dx >> 1;
  const float* s = r + x * C + c;
  if ((dx & 1) == 0) {
    if (x == 0) return math::pyr_up_even_first(s[0], s[C]);
    if (x < sw - 1) return math::pyr_up_even(s[-C], s[0], s[C]);
    return math::pyr_up_even_last(s[-C], s[0]);
  }
  if (x < sw - 1) return math::pyr_up_odd(s[0], s[C]);
  return math::pyr_up_single(s[0]);
}

/// pyrUp output sample (dx, dy) of `src`, all C channels, for a destination 2w or 2w-1 wide and 2h or 2h-1
/// tall. Vertically the generic even/odd taps run over rows reflected at the top and replicated at the
/// bottom, as pyr_up_rows does.
template <int C>
HDRGPU_HOST_DEVICE inline void pyr_up_at(const fplane& src, int dx, int dy, float* out) {
  const int sw = src.width, sh = src.height, y = dy >> 1;
  const int above = y > 0 ? y - 1 : (sh > 1 ? 1 : 0), below = y + 1 < sh ? y + 1 : sh - 1;
  const float *r0 = src.row(above), *r1 = src.row(y), *r2 = src.row(below);
  for (int c = 0; c < C; ++c) {
    if (dy & 1) {
      out[c] = math::pyr_up_odd(pyr_up_h<C>(r1, sw, dx, c), pyr_up_h<C>(r2, sw, dx, c)) * math::pyr_up_norm;
    } else {
      out[c] = math::pyr_up_even(pyr_up_h<C>(r0, sw, dx, c), pyr_up_h<C>(r1, sw, dx, c), pyr_up_h<C>(r2, sw, dx, c)) *
               math::pyr_up_norm;
    }
  }
}

/// dst(x, y) = pyrDown(src)(x, y).
template <int C>
HDRGPU_HOST_DEVICE inline void pyr_down_pixel(const fplane& src, const fplane& dst, int x, int y) {
  float v[C];
  pyr_down_at<C>(src, x, y, v);
  float* o = dst.row(y) + x * C;
  for (int c = 0; c < C; ++c) o[c] = v[c];
}

}  // namespace hdrgpu::detail::cuda
