// The order of the CUDA MergeMertens' steps and the workspace they use, independent of how a step runs:
// cuda/mertens.cu passes a runner that launches one kernel per step, the tests one that loops on the host.
// Toolkit-free. The order is the CPU backend's (include/hdrgpu/detail/cpu/mertens.hpp): weight sums over all
// images; then per image, in input order, its level-0 image and normalised weight, their Gaussian
// pyramids and the weighted Laplacian bands; finally the collapse of the result pyramid.
#pragma once

#include <cstddef>
#include <vector>

#include <hdrgpu/detail/cpu/mertens.hpp>

#include "mertens_pixel.hpp"

namespace hdrgpu::detail::cuda {

/// Per-level extents and the float offsets of every plane inside one workspace allocation.
struct mertens_layout {
  std::vector<int> w, h;                          // level extents, level 0 = input size
  std::vector<std::size_t> img, weight, result;   // result[0] unused: level 0 of the result is the output
  std::size_t wsum = 0, total = 0;                // weight sums (level 0 size); total floats
  int top() const { return int(w.size()) - 1; }
};

inline mertens_layout plan_mertens(int W, int H, int C) {
  mertens_layout p;
  std::size_t at = 0;
  auto take = [&](std::size_t floats) {
    const std::size_t o = at;
    at += (floats + 63) / 64 * 64;  // 256-byte aligned planes
    return o;
  };
  p.wsum = take(std::size_t(W) * std::size_t(H));
  const int top = cpu::mertens_max_level(W, H);
  for (int l = 0; l <= top; ++l) {
    p.w.push_back(l == 0 ? W : cpu::pyr_down_extent(p.w.back()));
    p.h.push_back(l == 0 ? H : cpu::pyr_down_extent(p.h.back()));
    const std::size_t px = std::size_t(p.w.back()) * std::size_t(p.h.back());
    p.img.push_back(take(px * C));
    p.weight.push_back(take(px));
    p.result.push_back(l == 0 ? 0 : take(px * C));
  }
  p.total = at;
  return p;
}

/// Runs the fusion of `n` images as a sequence of whole-image steps on `run`, which provides
///   weight_sum(float* wsum)                                   // wsum over the level-0 grid
///   level0(int i, const float* wsum, float* img, float* weight)
///   down<K>(fplane src, fplane dst)                           // K channels, over dst
///   blend(fplane g, fplane coarse, bool has_coarse, fplane w, fplane result, bool first)  // over g
///   collapse(fplane coarse, fplane fine)                      // over fine
/// Steps must take effect in call order. `base` is the workspace (p.total floats); `out` is the level-0
/// result (W x H x C, any pitch).
template <int C, class Runner>
void run_mertens_steps(Runner& run, int n, const mertens_layout& p, float* base, const fplane& out) {
  const int top = p.top();
  auto plane = [&](std::size_t offset, int l, int channels) {
    return fplane{base + offset, static_cast<long long>(p.w[l]) * channels * static_cast<long long>(sizeof(float)),
                  p.w[l], p.h[l]};
  };
  auto img = [&](int l) { return plane(p.img[l], l, C); };
  auto weight = [&](int l) { return plane(p.weight[l], l, 1); };
  auto result = [&](int l) { return l == 0 ? out : plane(p.result[l], l, C); };

  run.weight_sum(base + p.wsum);
  for (int i = 0; i < n; ++i) {
    run.level0(i, base + p.wsum, img(0).data, weight(0).data);
    for (int l = 0; l < top; ++l) {  // Gaussian pyramids of the image and of its weight
      run.template down<C>(img(l), img(l + 1));
      run.template down<1>(weight(l), weight(l + 1));
    }
    for (int l = 0; l <= top; ++l)  // weighted Laplacian bands into the result pyramid
      run.blend(img(l), l < top ? img(l + 1) : fplane{}, l < top, weight(l), result(l), i == 0);
  }
  for (int l = top; l > 0; --l) run.collapse(result(l), result(l - 1));  // R_l-1 += pyrUp(R_l)
}

}  // namespace hdrgpu::detail::cuda
