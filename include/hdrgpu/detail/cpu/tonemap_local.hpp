// CPU backend of TonemapDrago and TonemapReinhard, and what every OpenCV tonemap built on Tonemap(1) shares
// (TonemapMantiuk too, cpu/tonemap_mantiuk.hpp): checks, the input's min/max (which also finds non-finite
// samples), and the closing Tonemap(gamma) of the mapped image.
//
// Passes over the image, each parallel over rows with per-row results combined in row order (so the result
// does not depend on the thread count): (1) min/max of the radiance; (2) the operator's statistics of the
// normalised image and its grey; (3) the mapped image into the output, with its finite min/max; (4) the
// closing normalisation and pow in place. The normalised pixel and its grey are recomputed from the input
// (three fused multiply-adds) rather than stored.
//
// Speed: the row kernels are plain loops over the shared per-sample maths (detail/math/tonemap.hpp), written
// to vectorise. On x86-64 with GCC they are also compiled for AVX2 + FMA (a `target` clone chosen at run time
// when the CPU has both), where fmaf is one instruction instead of a libm call. The results are the same
// either way: every fused multiply-add is an explicit fmaf, and every product that OpenCV rounds before an
// addition is written fmaf(a, b, 0) so that GCC cannot contract it in the FMA clone.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include <hdrgpu/detail/math/tonemap.hpp>
#include <hdrgpu/executor.hpp>
#include <hdrgpu/image.hpp>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__CUDACC__) && \
    !defined(HDRGPU_NO_AVX2_CLONES)
#define HDRGPU_TM_AVX2_CLONES 1
#else
#define HDRGPU_TM_AVX2_CLONES 0
#endif
#if defined(__GNUC__) && !defined(__CUDACC__)
#define HDRGPU_TM_FLATTEN __attribute__((flatten))
#define HDRGPU_TM_VECTOR_EXT 1
#else
#define HDRGPU_TM_FLATTEN
#define HDRGPU_TM_VECTOR_EXT 0
#endif

namespace hdrgpu::detail {

/// Checks shared by every backend (the messages are the same everywhere).
inline void check_local_input(image_view<const float> src, const char* who) {
  if (src.empty()) throw invalid_argument(std::string(who) + ": empty image");
  if (src.channels() != 3)
    throw invalid_argument(std::string(who) + ": needs a 3-channel image (BGR or RGB, as OpenCV's CV_32FC3), got " +
                           std::to_string(src.channels()) + " channel(s)");
}

inline void check_finite_in(const char* who, const char* name, float v, float lo, float hi, bool open_lo = false) {
  if (!std::isfinite(v) || v < lo || v > hi || (open_lo && v == lo)) {
    const std::string range = hi == std::numeric_limits<float>::max()
                                  ? std::string(open_lo ? "> " : ">= ") + std::to_string(lo)
                                  : std::string("in ") + (open_lo ? "(" : "[") + std::to_string(lo) + ", " +
                                        std::to_string(hi) + "]";
    throw invalid_argument(std::string(who) + ": " + name + " must be finite and " + range + ", got " +
                           std::to_string(v));
  }
}

inline void check_drago(float gamma, float saturation, float bias) {
  check_finite_in("tonemap_drago", "gamma", gamma, 0.0f, std::numeric_limits<float>::max(), true);
  check_finite_in("tonemap_drago", "saturation", saturation, 0.0f, std::numeric_limits<float>::max());
  check_finite_in("tonemap_drago", "bias", bias, 0.0f, 1.0f, true);
}

inline void check_reinhard(float gamma, float intensity, float light_adapt, float color_adapt) {
  check_finite_in("tonemap_reinhard", "gamma", gamma, 0.0f, std::numeric_limits<float>::max(), true);
  check_finite_in("tonemap_reinhard", "intensity", intensity, -8.0f, 8.0f);
  check_finite_in("tonemap_reinhard", "light_adapt", light_adapt, 0.0f, 1.0f);
  check_finite_in("tonemap_reinhard", "color_adapt", color_adapt, 0.0f, 1.0f);
}

inline void check_mantiuk(float gamma, float scale, float saturation) {
  check_finite_in("tonemap_mantiuk", "gamma", gamma, 0.0f, std::numeric_limits<float>::max(), true);
  check_finite_in("tonemap_mantiuk", "scale", scale, 0.0f, std::numeric_limits<float>::max(), true);
  check_finite_in("tonemap_mantiuk", "saturation", saturation, 0.0f, std::numeric_limits<float>::max());
}

/// "WHO: the radiance must be finite ...; sample (x=.., y=.., channel ..) is nan" for the first non-finite
/// sample in row-major order (`index` counts samples from the top-left).
inline invalid_argument non_finite_error(const char* who, long long index, int width, float value) {
  const long long row_len = 3LL * width;
  const long long y = index / row_len, x = (index % row_len) / 3, c = index % 3;
  const char* what = std::isnan(value) ? "nan" : (value > 0 ? "inf" : "-inf");
  return invalid_argument(std::string(who) + ": the radiance must be finite (NaN and infinity are refused); sample (x=" +
                          std::to_string(x) + ", y=" + std::to_string(y) + ", channel " + std::to_string(c) + ") is " +
                          what);
}

/// Blue's memory index: the grey gives 0.299 to blue, as OpenCV's RGB2GRAY on BGR memory does.
inline int blue_index(channel_order order) { return order == channel_order::bgr ? 0 : 2; }

/// Tonemap(gamma)'s parameters from extrema scanned with non-finite samples skipped (start values +inf /
/// -inf), a minimum of -0 normalised to +0 as the gamma Tonemap does.
inline math::tonemap_params tonemap_params_from(float mn, float mx, float gamma) {
  if (mn == 0.0f) mn = 0.0f;
  return math::make_tonemap_params(mn, mx, gamma);
}

/// Reinhard's parameters from the statistics of pass 2, as OpenCV derives them (host scalars in OpenCV's
/// f32 / double mix; cv::mean multiplies a sum by 1 / count).
inline math::reinhard_params make_reinhard_params(double sum_log, float log_min, float log_max, double sum_y,
                                                  const double* sum_c, std::size_t npix, float intensity,
                                                  float light_adapt, float color_adapt) {
  const float log_mean = float(sum_log / double(npix));
  const double key = float((double(log_max) - double(log_mean)) / (double(log_max) - double(log_min)));
  const float map_key = 0.3f + 0.7f * std::pow(float(key), 1.4f);
  const double inv_n = 1.0 / double(npix);
  const float gray_mean = float(sum_y * inv_n);
  math::reinhard_params p;
  // MatOp_AddEx::assign of ca * C + (1 - ca) * Y: alpha == 1 and beta == 1 go to scaleAdd, else addWeighted.
  const double alpha = color_adapt, beta = double(1.0f - color_adapt);
  p.mix = alpha == 1.0 ? math::reinhard_mix::channel
                       : (beta == 1.0 ? math::reinhard_mix::grey_fma : math::reinhard_mix::weighted);
  p.ca = color_adapt;
  p.cb = 1.0f - color_adapt;
  p.la = light_adapt;
  for (int k = 0; k < 3; ++k) {
    const float global = color_adapt * float(sum_c[k] * inv_n) + (1.0f - color_adapt) * gray_mean;
    p.shift[k] = (1.0f - light_adapt) * global;
  }
  p.intensity = std::exp(-intensity);
  p.key = math::make_pow_plan(map_key, true);
  p.key.negative_nan = true;  // pow(intensity * adapt, map_key, adapt): not in place
  return p;
}

}  // namespace hdrgpu::detail

namespace hdrgpu::detail::cpu {

// ---- Large buffers ----

/// Memory for the local tonemaps' large buffers (outputs, Mantiuk's planes). From 4 MiB up on Linux it is
/// 2 MiB-aligned and advised for transparent huge pages: first touching a fresh 144 MB output (a 12 MP
/// image) cost 95 ms of page faults in 4 KiB pages on the 2-core test VM, 15 ms in huge pages. Free with
/// std::free.
inline void* tm_alloc(std::size_t bytes) {
  constexpr std::size_t big = std::size_t(4) << 20, huge = std::size_t(2) << 20;
  void* p = nullptr;
  if (bytes >= big) {
    p = std::aligned_alloc(huge, (bytes + huge - 1) / huge * huge);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (p) (void)madvise(p, (bytes + huge - 1) / huge * huge, MADV_HUGEPAGE);  // advice only
#endif
  } else {
    p = std::malloc(bytes ? bytes : 1);
  }
  if (!p) throw std::bad_alloc();
  return p;
}

struct tm_free {
  void operator()(float* p) const noexcept { std::free(p); }
};

/// An uninitialised packed 3-channel output image in tm_alloc memory.
inline image<float> tm_output(int w, int h, channel_order order) {
  const std::size_t n = std::size_t(w) * std::size_t(h) * 3;
  return image<float>::adopt(static_cast<float*>(tm_alloc(n * sizeof(float))), w, h, 3, order, tm_free{});
}

// ---- Row dispatch ----

inline bool tm_avx2_fma() noexcept {
#if HDRGPU_TM_AVX2_CLONES
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok;
#else
  return false;
#endif
}

#if HDRGPU_TM_AVX2_CLONES
template <class F>
__attribute__((target("avx2,fma"), flatten)) void tm_rows_avx2(const F& f, std::size_t a, std::size_t b) {
  for (std::size_t y = a; y < b; ++y) f(y);
}
#endif
template <class F>
HDRGPU_TM_FLATTEN void tm_rows_plain(const F& f, std::size_t a, std::size_t b) {
  for (std::size_t y = a; y < b; ++y) f(y);
}

/// Runs f(y) for y in [a, b) on the calling thread, in the AVX2 + FMA clone where the CPU has it.
template <class F>
void tm_rows_here(std::size_t a, std::size_t b, const F& f) {
#if HDRGPU_TM_AVX2_CLONES
  if (tm_avx2_fma()) return tm_rows_avx2(f, a, b);
#endif
  tm_rows_plain(f, a, b);
}

/// Runs f(y) for every row y in [0, n) on the executor, chunks of at least `grain` rows (tm_rows_here).
template <class F>
void tm_rows(const cpu_executor& exec, std::size_t n, std::size_t grain, const F& f) {
  exec.parallel_ranges(n, grain, [&](std::size_t a, std::size_t b) { tm_rows_here(a, b, f); });
}

/// tm_rows with `floats` floats of scratch per chunk, passed as f(y, scratch).
template <class F>
void tm_rows_scratch(const cpu_executor& exec, std::size_t n, std::size_t grain, std::size_t floats, const F& f) {
  exec.parallel_ranges(n, grain, [&](std::size_t a, std::size_t b) {
    std::vector<float> scratch(floats);
    float* buf = scratch.data();
    tm_rows_here(a, b, [&, buf](std::size_t y) { f(y, buf); });
  });
}

inline std::size_t local_grain(int width) { return std::max<std::size_t>(1, 16384 / (std::size_t(width) * 3)); }

/// A row of the normalised image in planes: c0, c1, c2 (memory channels) and the grey y, each `w` floats of
/// `buf`. The heavy per-pixel maths then runs over unit-stride arrays, which GCC vectorises; interleaved
/// samples it often finds unprofitable.
struct planar_row {
  float *c0, *c1, *c2, *y;
};

inline planar_row normalise_row(const math::tonemap_params& norm, const float* r, int w, int blue, float* buf) {
  planar_row p{buf, buf + w, buf + 2 * w, buf + 3 * w};
  const float alpha = norm.alpha, beta = norm.beta;
  float *c0 = p.c0, *c1 = p.c1, *c2 = p.c2, *gy = p.y;
  for (int x = 0; x < w; ++x) {
    c0[x] = fmaf(r[3 * x], alpha, beta);
    c1[x] = fmaf(r[3 * x + 1], alpha, beta);
    c2[x] = fmaf(r[3 * x + 2], alpha, beta);
  }
  const int body = math::tonemap_grey_body(w);
  const float* b = blue == 0 ? c0 : c2;
  const float* red = blue == 0 ? c2 : c0;
  for (int x = 0; x < w; ++x) gy[x] = math::tonemap_grey(b[x], c1[x], red[x], x >= body);
  return p;
}

/// The sum of n floats in double, in eight lanes (x % 8), tails in order, lanes folded as
/// ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)): a fixed order (so the same for any thread count) that
/// vectorises, where one running sum would be a chain of dependent additions. The backends differ only in
/// where they split the sums, which moves a sum by ~1e-16 relative.
inline double lane_sum(const float* v, int n) {
  double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int k = 0;
  for (; k + 8 <= n; k += 8)
    for (int l = 0; l < 8; ++l) a[l] += double(v[k + l]);
  for (int l = 0; k < n; ++k, ++l) a[l] += double(v[k]);
  return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

/// o[3x + k] = plane_k[x].
inline void interleave_row(const float* a, const float* b, const float* c, int w, float* o) {
  for (int x = 0; x < w; ++x) {
    o[3 * x] = a[x];
    o[3 * x + 1] = b[x];
    o[3 * x + 2] = c[x];
  }
}

/// Finite min/max of n samples folded into mn / mx; returns whether all were finite. Eight lanes in GCC's
/// vector extension (GCC does not vectorise a select-based f32 min/max reduction by itself); min/max are
/// order-independent, so the result is the plain loop's.
inline bool finite_extrema(const float* v, std::size_t n, float& mn, float& mx) {
  std::size_t k = 0;
  int any_bad = 0;
#if HDRGPU_TM_VECTOR_EXT
  constexpr float inf = std::numeric_limits<float>::infinity();
  typedef float v8f __attribute__((vector_size(32)));
  typedef int v8i __attribute__((vector_size(32)));
  v8f lo = {inf, inf, inf, inf, inf, inf, inf, inf}, hi = -lo;
  v8i bad = {0, 0, 0, 0, 0, 0, 0, 0};
  for (; k + 8 <= n; k += 8) {
    v8f s;
    std::memcpy(&s, v + k, sizeof s);
    const v8i ok = (s - s) == 0.0f;  // -1 where finite
    lo = (ok & (s < lo)) ? s : lo;
    hi = (ok & (s > hi)) ? s : hi;
    bad |= ~ok;
  }
  for (int l = 0; l < 8; ++l) {
    mn = std::min(mn, lo[l]);
    mx = std::max(mx, hi[l]);
    any_bad |= bad[l];
  }
#endif
  for (; k < n; ++k) {
    if (math::finite_sample(v[k])) {
      mn = std::min(mn, v[k]);
      mx = std::max(mx, v[k]);
    } else {
      any_bad = 1;
    }
  }
  return any_bad == 0;
}

/// Pass 1: min/max over all samples; throws invalid_argument naming the first non-finite sample. Returns
/// Tonemap(1)'s normalisation (alpha = 1, beta = 0 when the image is constant).
inline math::tonemap_params scan_radiance(const cpu_executor& exec, image_view<const float> src, const char* who) {
  const int w = src.width(), h = src.height();
  const std::size_t row_len = std::size_t(w) * 3;
  constexpr float inf = std::numeric_limits<float>::infinity();
  std::vector<float> rmin(h, inf), rmax(h, -inf);
  std::vector<char> finite(h, 1);
  tm_rows(exec, std::size_t(h), local_grain(w), [&](std::size_t y) {
    float mn = inf, mx = -inf;
    finite[y] = char(finite_extrema(src.row(int(y)), row_len, mn, mx));
    rmin[y] = mn;
    rmax[y] = mx;
  });
  float mn = inf, mx = -inf;
  for (int y = 0; y < h; ++y) {
    if (!finite[y]) {
      const float* r = src.row(y);
      std::size_t k = 0;
      while (std::isfinite(r[k])) ++k;
      throw non_finite_error(who, (long long)y * (long long)row_len + (long long)k, w, r[k]);
    }
    mn = std::min(mn, rmin[y]);
    mx = std::max(mx, rmax[y]);
  }
  return tonemap_params_from(mn, mx, 1.0f);
}

/// Pass 4: `out` (whose rows' finite extrema are rmin/rmax) becomes Tonemap(gamma) of itself; non-finite
/// samples become 0.
inline void finish_local(const cpu_executor& exec, image<float>& out, const std::vector<float>& rmin,
                         const std::vector<float>& rmax, float gamma) {
  float mn = std::numeric_limits<float>::infinity(), mx = -mn;
  for (std::size_t y = 0; y < rmin.size(); ++y) {
    mn = std::min(mn, rmin[y]);
    mx = std::max(mx, rmax[y]);
  }
  const math::tonemap_params t = tonemap_params_from(mn, mx, gamma);
  const std::size_t row_len = std::size_t(out.width()) * 3;
  math::pow_for(t.pow, [&](auto pw) {
    tm_rows(exec, std::size_t(out.height()), local_grain(out.width()), [&, pw](std::size_t y) {
      const math::tonemap_params tl = t;
      float* o = out.row(int(y));
      for (std::size_t k = 0; k < row_len; ++k) o[k] = math::finish_sample(tl, pw, o[k]);
    });
  });
}

/// mapLuminance's last step for one row, shared by Drago and Mantiuk: each channel (C / Y)^saturation * L
/// from the row's planes `p`, 1 / Y in `inv` and the new luminance L in `lum`, interleaved into `o`, and
/// the row's finite extrema. Uses buf[6w, 9w).
template <class SatPow>
inline void map_row_colours(const SatPow& sat_pow, const planar_row& p, const float* inv, const float* lum, float* buf,
                            int w, float* o, float& row_min, float& row_max) {
  float* oc[3] = {buf + 6 * w, buf + 7 * w, buf + 8 * w};
  const float* cc[3] = {p.c0, p.c1, p.c2};
  for (int k = 0; k < 3; ++k) {
    const float* c = cc[k];
    float* ok = oc[k];
    for (int x = 0; x < w; ++x) ok[x] = math::map_luminance(sat_pow, c[x], inv[x], lum[x]);
  }
  interleave_row(oc[0], oc[1], oc[2], w, o);
  float mn = std::numeric_limits<float>::infinity(), mx = -mn;
  finite_extrema(o, std::size_t(w) * 3, mn, mx);
  row_min = mn;
  row_max = mx;
}

inline image<float> tonemap_drago(const cpu_executor& exec, image_view<const float> src, float gamma, float saturation,
                                  float bias) {
  constexpr const char* who = "tonemap_drago";
  check_local_input(src, who);
  HDRGPU_EXPECTS(src.space() == memory_space::host, "tonemap_drago: the CPU backend needs a host image");
  check_drago(gamma, saturation, bias);
  const math::tonemap_params norm = scan_radiance(exec, src, who);
  const int w = src.width(), h = src.height(), blue = blue_index(src.order());
  const std::size_t grain = local_grain(w);

  // Pass 2: sum of log_(Y) (double, per row in lanes, rows in order) and max Y.
  std::vector<double> rsum(h);
  std::vector<float> rmax(h);
  tm_rows_scratch(exec, std::size_t(h), grain, std::size_t(w) * 5, [&](std::size_t y, float* buf) {
    const planar_row p = normalise_row(norm, src.row(int(y)), w, blue, buf);
    float* lg = buf + 4 * w;
    const float* gy = p.y;
    for (int x = 0; x < w; ++x) lg[x] = math::tonemap_log(gy[x]);
    float mn = 0.0f, mx = -std::numeric_limits<float>::infinity();
    finite_extrema(gy, std::size_t(w), mn, mx);
    rsum[y] = lane_sum(lg, w);
    rmax[y] = mx;
  });
  double total = 0.0;
  float ymax = -std::numeric_limits<float>::infinity();
  for (int y = 0; y < h; ++y) {
    total += rsum[y];
    ymax = std::max(ymax, rmax[y]);
  }
  const std::size_t npix = std::size_t(w) * std::size_t(h);
  const float lavg = expf(float(total) / float(npix));  // OpenCV: expf(float(sum) / total())
  const float inv_mean = float(1.0 / double(lavg));     // gray /= mean: times the rounded reciprocal
  const float ymax_n = ymax * inv_mean;                  // max(Y * k) == max(Y) * k: rounding is monotone
  image<float> out = tm_output(w, h, src.order());
  if (!(ymax_n > 0.0f)) {  // no luminance anywhere: OpenCV fails CV_Assert(max > 0); we give black
    std::fill(out.data(), out.data() + out.size(), 0.0f);
    return out;
  }
  const math::drago_params d = math::make_drago_params(inv_mean, float(1.0 / double(ymax_n)), bias, saturation);

  // Pass 3: mapLuminance(img, Y / Lavg, Drago's luminance) into `out`.
  std::vector<float> omin(h), omax(h);
  math::pow_for(d.bias, [&](auto bias_pow) {
    math::pow_for(d.saturation, [&](auto sat_pow) {
      tm_rows_scratch(exec, std::size_t(h), grain, std::size_t(w) * 9, [&, bias_pow, sat_pow](std::size_t y, float* buf) {
        const planar_row p = normalise_row(norm, src.row(int(y)), w, blue, buf);
        float *lum = buf + 4 * w, *inv = buf + 5 * w;
        const float inv_mean_l = d.inv_mean, inv_max_l = d.inv_max;
        const float* gy = p.y;
        for (int x = 0; x < w; ++x) {
          const float yn = fmaf(gy[x], inv_mean_l, 0.0f);  // the rounded product (no contraction into yn + 1)
          lum[x] = math::drago_luminance(bias_pow, inv_max_l, yn);
          inv[x] = 1.0f / yn;
        }
        map_row_colours(sat_pow, p, inv, lum, buf, w, out.row(int(y)), omin[y], omax[y]);
      });
    });
  });
  finish_local(exec, out, omin, omax, gamma);
  return out;
}

inline image<float> tonemap_reinhard(const cpu_executor& exec, image_view<const float> src, float gamma, float intensity,
                                     float light_adapt, float color_adapt) {
  constexpr const char* who = "tonemap_reinhard";
  check_local_input(src, who);
  HDRGPU_EXPECTS(src.space() == memory_space::host, "tonemap_reinhard: the CPU backend needs a host image");
  check_reinhard(gamma, intensity, light_adapt, color_adapt);
  const math::tonemap_params norm = scan_radiance(exec, src, who);
  const int w = src.width(), h = src.height(), blue = blue_index(src.order());
  const std::size_t grain = local_grain(w);

  // Pass 2: sum, min and max of log_(Y); sums of Y and of each channel (double, per row in lanes).
  struct row_stats {
    double log_sum, y_sum, c_sum[3];
    float log_min, log_max;
  };
  std::vector<row_stats> rows(h);
  tm_rows_scratch(exec, std::size_t(h), grain, std::size_t(w) * 5, [&](std::size_t y, float* buf) {
    const planar_row p = normalise_row(norm, src.row(int(y)), w, blue, buf);
    float* lg = buf + 4 * w;
    const float* gy = p.y;
    for (int x = 0; x < w; ++x) lg[x] = math::tonemap_log(gy[x]);
    row_stats s{0.0, 0.0, {0.0, 0.0, 0.0}, std::numeric_limits<float>::infinity(),
                -std::numeric_limits<float>::infinity()};
    finite_extrema(lg, std::size_t(w), s.log_min, s.log_max);
    s.log_sum = lane_sum(lg, w);
    s.y_sum = lane_sum(gy, w);
    s.c_sum[0] = lane_sum(p.c0, w);
    s.c_sum[1] = lane_sum(p.c1, w);
    s.c_sum[2] = lane_sum(p.c2, w);
    rows[y] = s;
  });
  row_stats t{0.0, 0.0, {0.0, 0.0, 0.0}, std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()};
  for (const row_stats& s : rows) {
    t.log_sum += s.log_sum;
    t.y_sum += s.y_sum;
    for (int k = 0; k < 3; ++k) t.c_sum[k] += s.c_sum[k];
    t.log_min = std::min(t.log_min, s.log_min);
    t.log_max = std::max(t.log_max, s.log_max);
  }
  const math::reinhard_params p = make_reinhard_params(t.log_sum, t.log_min, t.log_max, t.y_sum, t.c_sum,
                                                       std::size_t(w) * std::size_t(h), intensity, light_adapt,
                                                       color_adapt);

  // Pass 3: C / (C + (I * adapt)^key) per sample into `out`.
  image<float> out = tm_output(w, h, src.order());
  std::vector<float> omin(h), omax(h);
  auto run = [&](auto mix, auto key_pow) {
    constexpr math::reinhard_mix Mix = decltype(mix)::value;
    tm_rows_scratch(exec, std::size_t(h), grain, std::size_t(w) * 8, [&, key_pow](std::size_t y, float* buf) {
      const planar_row px = normalise_row(norm, src.row(int(y)), w, blue, buf);
      const math::reinhard_params pl = p;
      float* oc[3] = {buf + 4 * w, buf + 5 * w, buf + 6 * w};
      const float* cc[3] = {px.c0, px.c1, px.c2};
      const float* gy = px.y;
      if (Mix == math::reinhard_mix::grey_fma && pl.ca == 0.0f) {
        // color_adapt 0 (the default): the adaptation is fma(C, 0, Y) = Y and the three shifts are all
        // (1 - la) * mean(Y), so the pow is the same for the three channels; take it once per pixel (the
        // same operations as reinhard_sample, so the same bits).
        float* a = buf + 4 * w;
        const float shift = pl.shift[0], la = pl.la, in = pl.intensity;
        for (int x = 0; x < w; ++x) a[x] = key_pow(fmaf(fmaf(gy[x], la, shift), in, 0.0f));
        for (int k = 0; k < 3; ++k) {
          const float* c = cc[k];
          float* ok = k == 0 ? buf + 7 * w : oc[k];
          for (int x = 0; x < w; ++x) ok[x] = c[x] * (1.0f / (a[x] + c[x]));
        }
        oc[0] = buf + 7 * w;
      } else {
        for (int k = 0; k < 3; ++k) {
          const float* c = cc[k];
          float* ok = oc[k];
          const float shift = pl.shift[k];
          for (int x = 0; x < w; ++x) ok[x] = math::reinhard_sample<Mix>(pl, key_pow, c[x], gy[x], shift);
        }
      }
      float* o = out.row(int(y));
      interleave_row(oc[0], oc[1], oc[2], w, o);
      float mn = std::numeric_limits<float>::infinity(), mx = -mn;
      finite_extrema(o, std::size_t(w) * 3, mn, mx);
      omin[y] = mn;
      omax[y] = mx;
    });
  };
  math::pow_for(p.key, [&](auto key_pow) {
    using M = math::reinhard_mix;
    switch (p.mix) {
      case M::grey_fma: run(std::integral_constant<M, M::grey_fma>{}, key_pow); break;
      case M::channel: run(std::integral_constant<M, M::channel>{}, key_pow); break;
      default: run(std::integral_constant<M, M::weighted>{}, key_pow); break;
    }
  });
  finish_local(exec, out, omin, omax, gamma);
  return out;
}

}  // namespace hdrgpu::detail::cpu
