// CPU backend of TonemapMantiuk: OpenCV 4.6's contrast pyramid, contrast mapping and conjugate-gradient
// solve, in OpenCV's f32 order of operations.
//
// The linear operator A(X) = calculateSum(getContrast(X)): a pyramid L_0 = X, L_{i+1} = cv::resize(L_i, half
// size) (bilinear, or the 2x2 mean when both sides halve exactly), then coarse to fine S_i = resize(S_{i+1},
// size_i) + (Dx(Gx_i) + Dy(Gy_i)) with Gx, Gy the forward differences of L_i (0 in the last column / row) and
// Dx, Dy the backward differences. The right-hand side b is the same sum over the mapped contrasts of
// log_(Y). The gradients of A are formed on the fly; b's mapped ones are stored per level (they cost two
// pow each). Dot products are OpenCV's own f32-blocked Mat::dot (math::dot_block_sum), parallel over its
// 8192-sample blocks; the elementwise CG updates run over the same blocks, and the residual's dot is summed
// in the same pass. Row and block kernels run through tm_rows (the AVX2 + FMA clone where available; see
// cpu/tonemap_local.hpp): products OpenCV rounds before adding are written fmaf(a, b, 0).
#pragma once

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include <hdrgpu/detail/cpu/tonemap_local.hpp>

namespace hdrgpu::detail::cpu {

/// A packed single-channel f32 plane.
struct plane1 {
  std::unique_ptr<float[], tm_free> data;
  int w = 0, h = 0;
  plane1() = default;
  plane1(int width, int height)
      : data(static_cast<float*>(tm_alloc(std::size_t(width) * std::size_t(height) * sizeof(float)))), w(width),
        h(height) {}
  float* row(int y) { return data.get() + std::size_t(y) * std::size_t(w); }
  const float* row(int y) const { return data.get() + std::size_t(y) * std::size_t(w); }
  float* get() { return data.get(); }
  const float* get() const { return data.get(); }
  std::size_t size() const { return std::size_t(w) * std::size_t(h); }
};

/// A read-only view of a packed level (the level-0 input is a caller's buffer).
struct level_view {
  const float* data;
  int w, h;
  const float* row(int y) const { return data + std::size_t(y) * std::size_t(w); }
};

inline std::size_t mantiuk_grain(int width) { return std::max<std::size_t>(1, 16384 / std::size_t(width)); }

/// The horizontal taps of a cv::resize from sw to dw columns.
inline std::vector<math::resize_tap> resize_taps(int src, int dst, bool clamp) {
  std::vector<math::resize_tap> t(static_cast<std::size_t>(dst));
  const double scale = math::resize_scale(src, dst);
  for (int d = 0; d < dst; ++d) t[std::size_t(d)] = math::resize_tap_at(d, scale, src, clamp);
  return t;
}

inline void resize_hrow(const float* s, const math::resize_tap* tx, int n, float* out) {
  for (int x = 0; x < n; ++x) out[x] = fmaf(s[tx[x].i0], tx[x].w0, 0.0f) + fmaf(s[tx[x].i1], tx[x].w1, 0.0f);
}

/// One output row of the vertical pass: in0 * w0 + in1 * w1, unfused.
inline void resize_vrow(const float* h0, const float* h1, const math::resize_tap& ty, int n, float* out) {
  const float w0 = ty.w0, w1 = ty.w1;
  for (int x = 0; x < n; ++x) out[x] = fmaf(h0[x], w0, 0.0f) + fmaf(h1[x], w1, 0.0f);
}

/// dst = cv::resize(src, dst's size, INTER_LINEAR) for a halving step of the pyramid.
inline void resize_down(const cpu_executor& exec, level_view src, plane1& dst) {
  const int dw = dst.w, dh = dst.h;
  if (math::resize_is_area2(src.w, src.h, dw, dh)) {
    const int body = dw - dw % 4;
    tm_rows(exec, std::size_t(dh), mantiuk_grain(src.w), [&](std::size_t y) {
      const float *r0 = src.row(2 * int(y)), *r1 = src.row(2 * int(y) + 1);
      float* o = dst.row(int(y));
      for (int x = 0; x < dw; ++x)
        o[x] = math::resize_area2(r0[2 * x], r0[2 * x + 1], r1[2 * x], r1[2 * x + 1], x >= body);
    });
    return;
  }
  const std::vector<math::resize_tap> tx = resize_taps(src.w, dw, true);
  const double sy = math::resize_scale(src.h, dh);
  exec.parallel_ranges(std::size_t(dh), mantiuk_grain(src.w), [&](std::size_t a, std::size_t b) {
    std::vector<float> h0(static_cast<std::size_t>(dw)), h1(static_cast<std::size_t>(dw));
    tm_rows_here(a, b, [&](std::size_t y) {
      const math::resize_tap ty = math::resize_tap_at(int(y), sy, src.h, false);
      resize_hrow(src.row(ty.i0), tx.data(), dw, h0.data());
      resize_hrow(src.row(ty.i1), tx.data(), dw, h1.data());
      resize_vrow(h0.data(), h1.data(), ty, dw, dst.row(int(y)));
    });
  });
}

/// The level sizes: levels entries, each side halved (rounded down) from the one before.
inline std::vector<std::pair<int, int>> mantiuk_sizes(int w, int h) {
  std::vector<std::pair<int, int>> s;
  const int levels = math::mantiuk_levels(w, h);
  for (int i = 0; i < levels; ++i) {
    s.emplace_back(w, h);
    w /= 2;
    h /= 2;
  }
  return s;
}

/// S_i = resize(S_{i+1}, size_i) + div_i, row by row; `coarse` is null at the last level (OpenCV's zeros).
/// `div(y, t)` writes row y of the divergence into t.
template <class Div>
void sum_level(const cpu_executor& exec, const plane1* coarse, int w, int h, float* out, const Div& div) {
  std::vector<math::resize_tap> tx;
  double sy = 0.0;
  if (coarse) {
    tx = resize_taps(coarse->w, w, true);
    sy = math::resize_scale(coarse->h, h);
  }
  exec.parallel_ranges(std::size_t(h), mantiuk_grain(w), [&](std::size_t a, std::size_t b) {
    std::vector<float> t(static_cast<std::size_t>(w)), h0, h1, up;
    if (coarse) {
      h0.resize(std::size_t(w));
      h1.resize(std::size_t(w));
      up.resize(std::size_t(w));
    }
    tm_rows_here(a, b, [&](std::size_t y) {
      div(int(y), t.data());
      float* o = out + y * std::size_t(w);
      const float* tt = t.data();
      if (!coarse) {
        for (int x = 0; x < w; ++x) o[x] = 0.0f + tt[x];
        return;
      }
      const math::resize_tap ty = math::resize_tap_at(int(y), sy, coarse->h, false);
      resize_hrow(coarse->row(ty.i0), tx.data(), w, h0.data());
      resize_hrow(coarse->row(ty.i1), tx.data(), w, h1.data());
      resize_vrow(h0.data(), h1.data(), ty, w, up.data());
      const float* u = up.data();
      for (int x = 0; x < w; ++x) o[x] = u[x] + tt[x];
    });
  });
}

/// Row y of Dx(Gx) + Dy(Gy) for the plain contrasts of L (the operator A): forward differences formed on the
/// fly, 0 past the last column / row.
inline void divergence_row(level_view L, int y, float* t) {
  const int w = L.w, h = L.h;
  const float* r = L.row(y);
  const float* up = y > 0 ? L.row(y - 1) : r;
  const float* dn = y + 1 < h ? L.row(y + 1) : r;  // the last row's forward difference is 0
  const bool first_y = y == 0;
  // x = 0: the backward x difference is Gx(0); w >= 2 at every level.
  t[0] = math::mantiuk_divergence(0.0f, r[1] - r[0], true, r[0] - up[0], dn[0] - r[0], first_y);
  for (int x = 1; x + 1 < w; ++x)
    t[x] = math::mantiuk_divergence(r[x] - r[x - 1], r[x + 1] - r[x], false, r[x] - up[x], dn[x] - r[x], first_y);
  const int l = w - 1;  // Gx(w-1) = 0
  t[l] = math::mantiuk_divergence(r[l] - r[l - 1], 0.0f, false, r[l] - up[l], dn[l] - r[l], first_y);
}

/// The operator A and the buffers it reuses between calls.
class mantiuk_operator {
 public:
  mantiuk_operator(const cpu_executor& exec, int w, int h) : exec_(exec), sizes_(mantiuk_sizes(w, h)) {
    for (std::size_t i = 1; i < sizes_.size(); ++i) {
      L_.emplace_back(sizes_[i].first, sizes_[i].second);
      S_.emplace_back(sizes_[i].first, sizes_[i].second);
    }
  }
  int levels() const { return int(sizes_.size()); }
  const std::vector<std::pair<int, int>>& sizes() const { return sizes_; }

  /// Level i of the pyramid of `x` (level 0 is x itself), after build(x).
  level_view level(const float* x, int i) const {
    if (i == 0) return {x, sizes_[0].first, sizes_[0].second};
    return {L_[std::size_t(i - 1)].get(), sizes_[std::size_t(i)].first, sizes_[std::size_t(i)].second};
  }
  void build(const float* x) {
    for (int i = 0; i + 1 < levels(); ++i) resize_down(exec_, level(x, i), L_[std::size_t(i)]);
  }
  /// out = calculateSum with the divergence of level i given by div(i, y, t), coarse to fine.
  template <class Div>
  void sum(float* out, const Div& div) {
    for (int i = levels() - 1; i >= 0; --i) {
      const plane1* coarse = i + 1 < levels() ? &S_[std::size_t(i)] : nullptr;
      float* dst = i == 0 ? out : S_[std::size_t(i - 1)].get();
      sum_level(exec_, coarse, sizes_[std::size_t(i)].first, sizes_[std::size_t(i)].second, dst,
                [&](int y, float* t) { div(i, y, t); });
    }
  }
  /// out = A(x).
  void apply(const float* x, float* out) {
    build(x);
    sum(out, [&](int i, int y, float* t) { divergence_row(level(x, i), y, t); });
  }

 private:
  const cpu_executor& exec_;
  std::vector<std::pair<int, int>> sizes_;
  std::vector<plane1> L_;  // levels 1..n-1
  std::vector<plane1> S_;  // levels 1..n-1
};

/// Runs fn(begin, end) over [0, n) in the dot's 8192-sample blocks (the last one shorter), in parallel, in
/// the AVX2 clone where available.
template <class Fn>
void for_dot_blocks(const cpu_executor& exec, std::size_t n, const Fn& fn) {
  const std::size_t blocks = (n + math::dot_block - 1) / math::dot_block;
  tm_rows(exec, blocks, 4, [&](std::size_t k) { fn(k * math::dot_block, std::min(n, (k + 1) * math::dot_block)); });
}

/// OpenCV's Mat::dot of two packed f32 arrays of n samples (math::dot_block_sum), blocks in parallel.
inline double cv_dot(const cpu_executor& exec, const float* a, const float* b, std::size_t n) {
  const std::size_t n0 = n & ~std::size_t(7), blocks = (n0 + math::dot_block - 1) / math::dot_block;
  std::vector<float> part(blocks);
  tm_rows(exec, blocks, 4, [&](std::size_t k) {
    const std::size_t at = k * math::dot_block;
    part[k] = math::dot_block_sum(a + at, b + at, int(std::min<std::size_t>(math::dot_block, n0 - at)));
  });
  double r = 0.0;
  for (const float s : part) r += double(s);
  return r + math::dot_tail(a + n0, b + n0, int(n - n0));
}

/// What the solve did, for tests and diagnostics.
struct mantiuk_stats {
  int levels = 0;
  int iterations = 0;  ///< CG iterations run (OpenCV's loop count; at most 100)
  float residual = 0.0f, target = 0.0f;
};

/// TonemapMantiuk's log-luminance solve: x (holding log_(Y) on entry) becomes OpenCV's CG solution.
inline mantiuk_stats mantiuk_solve(const cpu_executor& exec, int w, int h, float* x, float scale) {
  mantiuk_stats st;
  mantiuk_operator A(exec, w, h);
  st.levels = A.levels();
  if (A.levels() == 0) return st;  // a single row or column: OpenCV fails; nothing to solve, x stays log_(Y)
  const std::size_t n = std::size_t(w) * std::size_t(h);
  plane1 b(w, h), r(w, h), p(w, h), q(w, h);

  // b: the sum over the mapped contrasts of the pyramid of log_(Y).
  {
    const math::mantiuk_params m = math::make_mantiuk_params(scale);
    A.build(x);
    std::vector<plane1> gx, gy;
    for (int i = 0; i < A.levels(); ++i) {
      const level_view L = A.level(x, i);
      gx.emplace_back(L.w, L.h);
      gy.emplace_back(L.w, L.h);
      plane1 &X = gx.back(), &Y = gy.back();
      tm_rows(exec, std::size_t(L.h), mantiuk_grain(L.w), [&](std::size_t y) {
        const math::mantiuk_params ml = m;
        const float* row = L.row(int(y));
        const bool last_row = int(y) + 1 == L.h;
        const float* dn = last_row ? row : L.row(int(y) + 1);
        float *ox = X.row(int(y)), *oy = Y.row(int(y));
        const int w1 = L.w - 1;
        for (int c = 0; c < w1; ++c) ox[c] = math::mantiuk_map_contrast(ml, row[c + 1] - row[c]);
        ox[w1] = 0.0f;  // mapContrast(0)
        for (int c = 0; c < L.w; ++c) oy[c] = math::mantiuk_map_contrast(ml, dn[c] - row[c]);  // last row: 0
      });
    }
    A.sum(b.get(), [&](int i, int y, float* t) {
      const plane1 &X = gx[std::size_t(i)], &Y = gy[std::size_t(i)];
      const float* gxr = X.row(y);
      const float* gyr = Y.row(y);
      const float* gyu = y > 0 ? Y.row(y - 1) : gyr;
      for (int c = 0; c < X.w; ++c)
        t[c] = math::mantiuk_divergence(c > 0 ? gxr[c - 1] : 0.0f, gxr[c], c == 0, gyu[c], gyr[c], y == 0);
    });
  }

  // r = b - A(x0); p = r.
  A.apply(x, r.get());
  for_dot_blocks(exec, n, [&](std::size_t a, std::size_t e) {
    float *rp = r.get(), *pp = p.get();
    const float* bb = b.get();
    for (std::size_t k = a; k < e; ++k) {
      const float v = bb[k] - rp[k];
      rp[k] = v;
      pp[k] = v;
    }
  });
  st.target = float(cv_dot(exec, b.get(), b.get(), n)) * powf(1e-3f, 2.0f);
  float rr = float(cv_dot(exec, r.get(), r.get(), n));

  const std::size_t n0 = n & ~std::size_t(7), blocks = (n0 + math::dot_block - 1) / math::dot_block;
  std::vector<float> part(blocks);
  for (int it = 0; it < 100; ++it) {
    A.apply(p.get(), q.get());
    const double pq = cv_dot(exec, p.get(), q.get(), n);
    if (!(std::fabs(pq) > 0.0)) break;  // OpenCV: CV_Assert(fabs(dprod) > 0)
    const float alpha = rr / float(pq);
    // r -= alpha * q; x += alpha * p (each product rounded, then the sum), and r.r over the same blocks.
    for_dot_blocks(exec, n, [&](std::size_t a, std::size_t e) {
      float *rp = r.get(), *xp = x;
      const float *qp = q.get(), *pp = p.get();
      const float al = alpha;
      for (std::size_t k = a; k < e; ++k) {  // the products rounded first, as OpenCV's temporaries are
        rp[k] = rp[k] - fmaf(qp[k], al, 0.0f);
        xp[k] = xp[k] + fmaf(pp[k], al, 0.0f);
      }
      if (a < n0) part[a / math::dot_block] = math::dot_block_sum(rp + a, rp + a, int(std::min(e, n0) - a));
    });
    ++st.iterations;
    double d = 0.0;
    for (const float s : part) d += double(s);
    const float new_rr = float(d + math::dot_tail(r.get() + n0, r.get() + n0, int(n - n0)));
    if (!(std::fabs(rr) > 0.0f)) break;  // OpenCV: CV_Assert(fabs(rr) > 0)
    const float beta = new_rr / rr;
    for_dot_blocks(exec, n, [&](std::size_t a, std::size_t e) {
      float* pp = p.get();
      const float* rp = r.get();
      const float be = beta;
      for (std::size_t k = a; k < e; ++k) pp[k] = fmaf(pp[k], be, rp[k]);  // scaleAdd
    });
    rr = new_rr;
    if (rr < st.target) break;
  }
  st.residual = rr;
  return st;
}

inline image<float> tonemap_mantiuk(const cpu_executor& exec, image_view<const float> src, float gamma, float scale,
                                    float saturation, mantiuk_stats* stats = nullptr) {
  constexpr const char* who = "tonemap_mantiuk";
  check_local_input(src, who);
  HDRGPU_EXPECTS(src.space() == memory_space::host, "tonemap_mantiuk: the CPU backend needs a host image");
  check_mantiuk(gamma, scale, saturation);
  const math::tonemap_params norm = scan_radiance(exec, src, who);
  const int w = src.width(), h = src.height(), blue = blue_index(src.order());
  const std::size_t grain = local_grain(w);

  // x = log_(Y) of the normalised image.
  plane1 x(w, h);
  tm_rows_scratch(exec, std::size_t(h), grain, std::size_t(w) * 4, [&](std::size_t y, float* buf) {
    const planar_row p = normalise_row(norm, src.row(int(y)), w, blue, buf);
    float* o = x.row(int(y));
    const float* gy = p.y;
    for (int c = 0; c < w; ++c) o[c] = math::tonemap_log(gy[c]);
  });
  const mantiuk_stats st = mantiuk_solve(exec, w, h, x.get(), scale);
  if (stats) *stats = st;

  // mapLuminance(img, Y, exp(x), saturation), then Tonemap(gamma).
  const math::pow_plan sat = math::make_pow_plan(saturation, true);
  image<float> out = tm_output(w, h, src.order());
  std::vector<float> omin(h), omax(h);
  math::pow_for(sat, [&](auto sat_pow) {
    tm_rows_scratch(exec, std::size_t(h), grain, std::size_t(w) * 9, [&, sat_pow](std::size_t y, float* buf) {
      const planar_row p = normalise_row(norm, src.row(int(y)), w, blue, buf);
      float *lum = buf + 4 * w, *inv = buf + 5 * w;
      const float* xr = x.row(int(y));
      const float* gy = p.y;
      for (int c = 0; c < w; ++c) {
        lum[c] = math::tm_exp(xr[c]);
        inv[c] = 1.0f / gy[c];
      }
      map_row_colours(sat_pow, p, inv, lum, buf, w, out.row(int(y)), omin[y], omax[y]);
    });
  });
  finish_local(exec, out, omin, omax, gamma);
  return out;
}

}  // namespace hdrgpu::detail::cpu
