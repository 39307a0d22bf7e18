// CPU backend of MergeMertens, OpenCV 4.6's order: all weights and their sum first, then per image
// (in input order) the Gaussian pyramid of its normalised weight, the Laplacian pyramid of the image and
// the blend into the result pyramid, which is collapsed at the end. Every stage runs rows in parallel;
// the per-sample operations never depend on the split, so neither does the result.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include <hdrgpu/compat.hpp>
#include <hdrgpu/detail/cpu/pyramid.hpp>
#include <hdrgpu/detail/math/mertens.hpp>
#include <hdrgpu/executor.hpp>
#include <hdrgpu/image.hpp>

namespace hdrgpu::detail::cpu {

/// Interleaved f32 planes of one pyramid level, reused for every image.
struct mertens_level {
  int w = 0, h = 0;
  std::vector<float> img, weight, result, up;  // C, 1, C, C samples per pixel
  image_view<float> view(std::vector<float>& v, int c) { return {v.data(), w, h, c}; }
};

/// Number of pyramid levels above the base, computed in f32 exactly as OpenCV does.
inline int mertens_max_level(int w, int h) {
  return int(std::log(float(std::min(w, h))) / std::log(2.0f));
}

/// Weights of every image for rows [y0, y1) into `weights`, summed into `wsum`. Images are the outer
/// loop, so each pixel's sum still runs in image order; grey rows roll through a 3-row ring.
template <sample_type T, int C>
void mertens_weight_rows(std::span<const image_view<const T>> views, const math::mertens_params& mp,
                         std::vector<float>& weights, std::vector<float>& wsum, int y0, int y1) {
  const int W = views[0].width(), H = views[0].height();
  const std::size_t plane = std::size_t(W) * H;
  std::vector<float> ring(3 * std::size_t(W));
  auto grey_row = [&](const T* src, float* g) {
    for (int x = 0; x < W; ++x) {
      float p[C];
      for (int c = 0; c < C; ++c) p[c] = math::mertens_input(src[x * C + c]);
      if constexpr (C == 3) g[x] = math::grey3(p, mp.grey);
      else g[x] = p[0];
    }
  };
  for (std::size_t i = 0; i < views.size(); ++i) {
    const image_view<const T>& v = views[i];
    int key[3] = {-1, -1, -1};
    auto grey = [&](int r) -> const float* {
      float* slot = ring.data() + std::size_t(r % 3) * W;
      if (key[r % 3] != r) {
        grey_row(v.row(r), slot);
        key[r % 3] = r;
      }
      return slot;
    };
    for (int y = y0; y < y1; ++y) {
      const float *up = grey(math::reflect101(y - 1, H)), *mid = grey(y), *down = grey(math::reflect101(y + 1, H));
      const T* src = v.row(y);
      float* out = weights.data() + i * plane + std::size_t(y) * W;
      float* sum = wsum.data() + std::size_t(y) * W;
      for (int x = 0; x < W; ++x) {
        float px[C];
        for (int c = 0; c < C; ++c) px[c] = math::mertens_input(src[x * C + c]);
        const int xl = x > 0 ? x - 1 : math::reflect101(-1, W), xr = x + 1 < W ? x + 1 : math::reflect101(W, W);
        const float contrast = math::mertens_contrast(up[x], mid[xl], mid[x], mid[xr], down[x]);
        out[x] = math::mertens_weight<C>(mp, px, contrast);
        sum[x] += out[x];
      }
    }
  }
}

/// Exposure fusion of `views` (validated: same size, C in {1, 3}, host). Returns H x W x C f32.
template <sample_type T, int C>
image<float> mertens_fuse(const cpu_executor& exec, std::span<const image_view<const T>> views,
                          const math::mertens_params& mp, channel_order order) {
  const int W = views[0].width(), H = views[0].height();
  const std::size_t n = views.size(), plane = std::size_t(W) * H;
  const std::size_t grain0 = pyr_grain(W, C);

  std::vector<float> weights(n * plane), wsum(plane, 0.0f);
  exec.parallel_ranges(std::size_t(H), grain0, [&](std::size_t a, std::size_t b) {
    mertens_weight_rows<T, C>(views, mp, weights, wsum, int(a), int(b));
  });

  const int top = mertens_max_level(W, H);
  std::vector<mertens_level> lv(top + 1);
  for (int l = 0; l <= top; ++l) {
    mertens_level& L = lv[l];
    L.w = l == 0 ? W : pyr_down_extent(lv[l - 1].w);
    L.h = l == 0 ? H : pyr_down_extent(lv[l - 1].h);
    const std::size_t px = std::size_t(L.w) * L.h;
    L.img.resize(px * C);
    L.weight.resize(l == 0 ? 0 : px);  // level 0 weights are normalised in place
    L.result.resize(l == 0 ? 0 : px * C);  // level 0 result is the output image
    if (l < top) L.up.resize(px * C);
  }
  image<float> out(W, H, C, order);
  auto weight_view = [&](int l, std::size_t i) -> image_view<float> {
    return l == 0 ? image_view<float>(weights.data() + i * plane, W, H, 1) : lv[l].view(lv[l].weight, 1);
  };
  auto result_view = [&](int l) -> image_view<float> { return l == 0 ? out.view() : lv[l].view(lv[l].result, C); };

  for (std::size_t i = 0; i < n; ++i) {
    const bool first = i == 0;  // OpenCV assigns the first image's band instead of adding it to zero
    float* w0 = weights.data() + i * plane;
    exec.parallel_ranges(std::size_t(H), grain0, [&](std::size_t a, std::size_t b) {
      for (std::size_t y = a; y < b; ++y) {
        const T* src = views[i].row(int(y));
        float* dst = lv[0].img.data() + y * W * C;
        for (std::size_t k = 0; k < std::size_t(W) * C; ++k) dst[k] = math::mertens_input(src[k]);
        for (std::size_t k = y * W; k < (y + 1) * W; ++k) w0[k] = w0[k] / wsum[k];
      }
    });
    // Gaussian pyramids of the image and of its weight.
    for (int l = 0; l < top; ++l) {
      const image_view<float> si = lv[l].view(lv[l].img, C), di = lv[l + 1].view(lv[l + 1].img, C);
      const image_view<float> sw = weight_view(l, i), dw = weight_view(l + 1, i);
      exec.parallel_ranges(std::size_t(di.height()), pyr_grain(di.width(), C), [&](std::size_t a, std::size_t b) {
        pyr_down_rows(si, di, int(a), int(b));
        pyr_down_rows(sw, dw, int(a), int(b));
      });
    }
    // Laplacian bands (G_l - pyrUp(G_l+1)) weighted and accumulated; the top band is G_top itself.
    for (int l = 0; l <= top; ++l) {
      mertens_level& L = lv[l];
      const image_view<float> g = L.view(L.img, C), w = weight_view(l, i), r = result_view(l);
      const image_view<float> up = l < top ? L.view(L.up, C) : image_view<float>();
      const image_view<const float> coarse = l < top ? lv[l + 1].view(lv[l + 1].img, C) : image_view<float>();
      auto blend = [&](int y) {
        const float *gr = g.row(y), *wr = w.row(y), *ur = l < top ? up.row(y) : nullptr;
        float* rr = r.row(y);
        for (int x = 0; x < L.w; ++x)
          for (int c = 0; c < C; ++c) {
            const float band = ur ? gr[x * C + c] - ur[x * C + c] : gr[x * C + c];
            const float v = band * wr[x];
            rr[x * C + c] = first ? v : rr[x * C + c] + v;
          }
      };
      if (l == top) {
        exec.parallel_ranges(std::size_t(L.h), pyr_grain(L.w, C), [&](std::size_t a, std::size_t b) {
          for (std::size_t y = a; y < b; ++y) blend(int(y));
        });
      } else {
        exec.parallel_ranges(std::size_t(coarse.height()), pyr_grain(L.w, C), [&](std::size_t a, std::size_t b) {
          pyr_up_rows(coarse, up, int(a), int(b));
          for (int y = 2 * int(a); y < std::min(2 * int(b), L.h); ++y) blend(y);
        });
      }
    }
  }
  // Collapse: R_l-1 += pyrUp(R_l).
  for (int l = top; l > 0; --l) {
    mertens_level& F = lv[l - 1];
    const image_view<float> coarse = result_view(l), fine = result_view(l - 1), up = F.view(F.up, C);
    exec.parallel_ranges(std::size_t(coarse.height()), pyr_grain(F.w, C), [&](std::size_t a, std::size_t b) {
      pyr_up_rows(coarse, up, int(a), int(b));
      for (int y = 2 * int(a); y < std::min(2 * int(b), F.h); ++y) {
        float* fr = fine.row(y);
        const float* ur = up.row(y);
        for (std::size_t k = 0; k < std::size_t(F.w) * C; ++k) fr[k] += ur[k];
      }
    });
  }
  return out;
}

/// Validates the inputs (naming `who` in errors) and fuses them.
template <sample_type T>
image<float> merge_mertens(const cpu_executor& exec, std::span<const image_view<const T>> views, float wc, float ws,
                           float we, grey_rule rule, const std::string& who) {
  if (views.empty()) throw invalid_argument(who + " has no images");
  const image_view<const T>& f = views.front();
  for (std::size_t i = 0; i < views.size(); ++i) {
    const image_view<const T>& v = views[i];
    const std::string which = who + ": image " + std::to_string(i);
    if (v.empty()) throw invalid_argument(which + " has no pixel data");
    if (v.space() != memory_space::host) throw invalid_argument(which + ": the CPU backend needs host images");
    if (v.width() != f.width() || v.height() != f.height() || v.channels() != f.channels())
      throw invalid_argument(which + " differs in size or channel count from image 0");
    if (v.channels() == 3 && v.order() != f.order())
      throw invalid_argument(which + " has a different channel order from image 0");
  }
  if (f.channels() != 1 && f.channels() != 3)
    throw invalid_argument(who + ": MergeMertens needs 1 or 3 channels, got " + std::to_string(f.channels()));
  const math::mertens_params mp = math::make_mertens_params(wc, ws, we, rule, f.order(), f.channels());
  return mp.channels == 1 ? mertens_fuse<T, 1>(exec, views, mp, f.order())
                          : mertens_fuse<T, 3>(exec, views, mp, f.order());
}

}  // namespace hdrgpu::detail::cpu
