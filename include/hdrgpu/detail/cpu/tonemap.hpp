// CPU backend of the gamma Tonemap: a parallel min/max pass, then a parallel per-sample pass.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <hdrgpu/detail/math/tonemap.hpp>
#include <hdrgpu/executor.hpp>
#include <hdrgpu/image.hpp>

namespace hdrgpu::detail::cpu {

inline image<float> tonemap_gamma(const cpu_executor& exec, image_view<const float> src, float gamma) {
  HDRGPU_EXPECTS(!src.empty(), "tonemap_gamma: empty image");
  HDRGPU_EXPECTS(src.space() == memory_space::host, "tonemap_gamma: the CPU backend needs a host image");
  if (!std::isfinite(gamma) || !(gamma > 0.0f))
    throw invalid_argument("tonemap_gamma: gamma must be finite and > 0, got " + std::to_string(gamma));
  const int w = src.width(), h = src.height(), C = src.channels();
  const std::size_t row_len = std::size_t(w) * C;
  const std::size_t grain = std::max<std::size_t>(1, 16384 / row_len);

  // Per-row extrema, combined in row order afterwards: min/max are order-independent anyway, and the
  // comparisons skip NaN as minMaxLoc does.
  constexpr float inf = std::numeric_limits<float>::infinity();
  std::vector<float> rmin(h, inf), rmax(h, -inf);
  exec.parallel_ranges(std::size_t(h), grain, [&](std::size_t a, std::size_t b) {
    for (std::size_t y = a; y < b; ++y) {
      const float* r = src.row(int(y));
      float mn = inf, mx = -inf;
      for (std::size_t k = 0; k < row_len; ++k) {
        if (r[k] < mn) mn = r[k];
        if (r[k] > mx) mx = r[k];
      }
      rmin[y] = mn;
      rmax[y] = mx;
    }
  });
  float mn = inf, mx = -inf;
  for (int y = 0; y < h; ++y) {
    mn = std::min(mn, rmin[y]);
    mx = std::max(mx, rmax[y]);
  }
  if (mn == 0.0f) mn = 0.0f;  // -0 and +0 compare equal; fix the sign so beta's sign never depends on the scan
  const math::tonemap_params tp = math::make_tonemap_params(mn, mx, gamma);

  image<float> out(w, h, C, src.order());
  exec.parallel_ranges(std::size_t(h), grain, [&](std::size_t a, std::size_t b) {
    for (std::size_t y = a; y < b; ++y) {
      const float* r = src.row(int(y));
      float* o = out.row(int(y));
      for (std::size_t k = 0; k < row_len; ++k) o[k] = math::tonemap_sample(tp, r[k]);
    }
  });
  return out;
}

}  // namespace hdrgpu::detail::cpu
