// cv::pyrDown / cv::pyrUp for interleaved f32 images (1, 3 or 4 channels, reflect-101 borders),
// rows spread over a cpu_executor. Each output sample is computed by the same f32 operations whatever
// the row split, so results do not depend on the thread count.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include <hdrgpu/detail/math/mertens.hpp>
#include <hdrgpu/executor.hpp>
#include <hdrgpu/image.hpp>

namespace hdrgpu::detail::cpu {

/// pyrDown's output extent along one axis.
inline int pyr_down_extent(int n) { return (n + 1) / 2; }

/// Rows per task so that tiny pyramid levels run on one thread instead of paying for the pool.
inline std::size_t pyr_grain(int width, int channels) {
  return std::max<std::size_t>(1, 16384 / (std::size_t(width) * std::size_t(channels)));
}

/// Horizontal pyrDown taps of one source row into `out` (dst width * C); C fixed for tight loops.
template <int C>
void pyr_down_row_c(const float* src, int sw, int dw, float* out) {
  auto edge = [&](int x) {
    int i[5];
    for (int k = 0; k < 5; ++k) i[k] = math::reflect101(2 * x - 2 + k, sw) * C;
    for (int c = 0; c < C; ++c)
      out[x * C + c] = math::pyr_down_tap(src[i[0] + c], src[i[1] + c], src[i[2] + c], src[i[3] + c], src[i[4] + c]);
  };
  // Outputs whose five taps are all inside the row (OpenCV's width0), then the border ones.
  const int inner_end = sw >= 3 ? std::min(dw, (sw - 3) / 2 + 1) : 0;
  edge(0);
  for (int x = 1; x < inner_end; ++x) {
    const float* s = src + (2 * x) * C;
    for (int c = 0; c < C; ++c)
      out[x * C + c] = math::pyr_down_tap(s[c - 2 * C], s[c - C], s[c], s[c + C], s[c + 2 * C]);
  }
  for (int x = std::max(1, inner_end); x < dw; ++x) edge(x);
}

inline void pyr_down_row(const float* src, int sw, int dw, int C, float* out) {
  switch (C) {
    case 1: return pyr_down_row_c<1>(src, sw, dw, out);
    case 3: return pyr_down_row_c<3>(src, sw, dw, out);
    default: return pyr_down_row_c<4>(src, sw, dw, out);  // views have 1, 3 or 4 channels
  }
}

/// Output rows [y0, y1) of pyrDown(src) into dst; dst must be pyr_down_extent of src in both axes.
inline void pyr_down_rows(image_view<const float> src, image_view<float> dst, int y0, int y1) {
  const int sw = src.width(), sh = src.height(), dw = dst.width(), C = src.channels();
  const std::size_t row_len = std::size_t(dw) * C;
  // A ring of 5 horizontally filtered source rows, keyed by source row: consecutive output rows share 3.
  std::vector<float> ring(5 * row_len);
  int key[5] = {-1, -1, -1, -1, -1};
  auto hrow = [&](int sy) -> const float* {
    const int r = math::reflect101(sy, sh);
    float* slot = ring.data() + std::size_t(r % 5) * row_len;
    if (key[r % 5] != r) {
      pyr_down_row(src.row(r), sw, dw, C, slot);
      key[r % 5] = r;
    }
    return slot;
  };
  for (int y = y0; y < y1; ++y) {
    const float *r0 = hrow(2 * y - 2), *r1 = hrow(2 * y - 1), *r2 = hrow(2 * y), *r3 = hrow(2 * y + 1),
                *r4 = hrow(2 * y + 2);
    float* out = dst.row(y);
    for (std::size_t i = 0; i < row_len; ++i)
      out[i] = math::pyr_down_tap(r0[i], r1[i], r2[i], r3[i], r4[i]) * math::pyr_down_norm;
  }
}

/// Horizontal pyrUp of one source row (sw samples) into `out` (dw = 2 sw or 2 sw - 1 samples, * C).
template <int C>
void pyr_up_row_c(const float* src, int sw, int dw, float* out) {
  auto put = [&](int dx, int c, float v) {
    if (dx < dw) out[dx * C + c] = v;
  };
  if (sw == 1) {
    for (int c = 0; c < C; ++c) {
      put(0, c, math::pyr_up_single(src[c]));
      put(1, c, math::pyr_up_single(src[c]));
    }
    return;
  }
  for (int c = 0; c < C; ++c) {
    put(0, c, math::pyr_up_even_first(src[c], src[C + c]));
    put(1, c, math::pyr_up_odd(src[c], src[C + c]));
  }
  for (int x = 1; x < sw - 1; ++x) {
    const float* s = src + x * C;
    float* o = out + 2 * x * C;
    for (int c = 0; c < C; ++c) {
      o[c] = math::pyr_up_even(s[c - C], s[c], s[c + C]);
      o[C + c] = math::pyr_up_odd(s[c], s[c + C]);
    }
  }
  const int x = sw - 1;
  for (int c = 0; c < C; ++c) {
    put(2 * x, c, math::pyr_up_even_last(src[(x - 1) * C + c], src[x * C + c]));
    put(2 * x + 1, c, math::pyr_up_single(src[x * C + c]));
  }
}

inline void pyr_up_row(const float* src, int sw, int dw, int C, float* out) {
  switch (C) {
    case 1: return pyr_up_row_c<1>(src, sw, dw, out);
    case 3: return pyr_up_row_c<3>(src, sw, dw, out);
    default: return pyr_up_row_c<4>(src, sw, dw, out);
  }
}

/// pyrUp of source rows [y0, y1) into dst rows 2y and 2y+1 (when inside dst). dst is 2w or 2w-1 wide
/// and 2h or 2h-1 tall. Vertically the first row reflects and the last one replicates, as in OpenCV.
inline void pyr_up_rows(image_view<const float> src, image_view<float> dst, int y0, int y1) {
  const int sw = src.width(), sh = src.height(), dw = dst.width(), dh = dst.height(), C = src.channels();
  const std::size_t row_len = std::size_t(dw) * C;
  std::vector<float> ring(3 * row_len);
  int key[3] = {-1, -1, -1};
  auto hrow = [&](int r) -> const float* {
    float* slot = ring.data() + std::size_t(r % 3) * row_len;
    if (key[r % 3] != r) {
      pyr_up_row(src.row(r), sw, dw, C, slot);
      key[r % 3] = r;
    }
    return slot;
  };
  for (int y = y0; y < y1; ++y) {
    const int above = y > 0 ? y - 1 : (sh > 1 ? 1 : 0), below = y + 1 < sh ? y + 1 : sh - 1;
    const float *r0 = hrow(above), *r1 = hrow(y), *r2 = hrow(below);
    float* even = dst.row(2 * y);
    for (std::size_t i = 0; i < row_len; ++i) even[i] = math::pyr_up_even(r0[i], r1[i], r2[i]) * math::pyr_up_norm;
    if (2 * y + 1 < dh) {
      float* odd = dst.row(2 * y + 1);
      for (std::size_t i = 0; i < row_len; ++i) odd[i] = math::pyr_up_odd(r1[i], r2[i]) * math::pyr_up_norm;
    }
  }
}

inline void check_pyr_pair(image_view<const float> src, image_view<float> dst, bool up) {
  HDRGPU_EXPECTS(!src.empty() && !dst.empty(), "pyramid: empty image");
  HDRGPU_EXPECTS(src.space() == memory_space::host && dst.space() == memory_space::host,
                 "pyramid: the CPU backend needs host images");
  HDRGPU_EXPECTS(src.channels() == dst.channels(), "pyramid: source and destination channel counts differ");
  const bool ok = up ? (dst.width() == 2 * src.width() || dst.width() == 2 * src.width() - 1) &&
                           (dst.height() == 2 * src.height() || dst.height() == 2 * src.height() - 1)
                     : dst.width() == pyr_down_extent(src.width()) && dst.height() == pyr_down_extent(src.height());
  HDRGPU_EXPECTS(ok, up ? "pyr_up: destination must be 2w or 2w-1 wide and 2h or 2h-1 tall"
                        : "pyr_down: destination must be ((w+1)/2, (h+1)/2)");
}

/// cv::pyrDown(src, dst) with BORDER_DEFAULT; dst is ((w+1)/2, (h+1)/2) with src's channel count.
inline void pyr_down(const cpu_executor& exec, image_view<const float> src, image_view<float> dst) {
  check_pyr_pair(src, dst, false);
  exec.parallel_ranges(std::size_t(dst.height()), pyr_grain(dst.width(), dst.channels()),
                       [&](std::size_t a, std::size_t b) { pyr_down_rows(src, dst, int(a), int(b)); });
}

inline image<float> pyr_down(const cpu_executor& exec, image_view<const float> src) {
  image<float> dst(pyr_down_extent(src.width()), pyr_down_extent(src.height()), src.channels(), src.order());
  pyr_down(exec, src, dst.view());
  return dst;
}

/// cv::pyrUp(src, dst, dst size) for a destination 2w or 2w-1 wide and 2h or 2h-1 tall.
inline void pyr_up(const cpu_executor& exec, image_view<const float> src, image_view<float> dst) {
  check_pyr_pair(src, dst, true);
  exec.parallel_ranges(std::size_t(src.height()), pyr_grain(dst.width(), dst.channels()),
                       [&](std::size_t a, std::size_t b) { pyr_up_rows(src, dst, int(a), int(b)); });
}

inline image<float> pyr_up(const cpu_executor& exec, image_view<const float> src, int width, int height) {
  image<float> dst(width, height, src.channels(), src.order());
  pyr_up(exec, src, dst.view());
  return dst;
}

}  // namespace hdrgpu::detail::cpu
