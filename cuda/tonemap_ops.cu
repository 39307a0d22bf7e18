// TonemapDrago, TonemapReinhard and TonemapMantiuk on the GPU. Every step of the CPU backend
// (include/hdrgpu/detail/cpu/tonemap_local.hpp, tonemap_mantiuk.hpp) becomes a kernel computing the same shared
// per-sample maths (detail/math/tonemap.hpp: our own f32 log/exp/pow, explicit fmaf, OpenCV's order), so
// every per-sample value carries the CPU's bits. Statistics are deterministic two-stage reductions (fixed
// per-thread order, a fixed tree per block, the block results combined in order by one thread); the host
// reads them back and forms OpenCV's scalars exactly as the CPU does. Sums are in double, like the CPU's,
// but in another order, so a sum can differ from the CPU's in its last double bits (rarely a last f32 bit).
//
// Mantiuk's conjugate-gradient solve runs on the device: the pyramid (down-sampling kernels), the divergence
// sums (one kernel per level), OpenCV's blocked f32 dot product (one 32-thread block per 8192 samples,
// lanes and order as the CPU's math::dot_block_sum, so the dots equal the CPU's bit for bit) and the
// vector updates; the host reads the two dot products of each iteration to form alpha, beta and the stop
// test as OpenCV does.
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <hdrgpu/tonemap.hpp>

#include "device_memory.hpp"

namespace hdrgpu {
namespace detail::cuda {
namespace {

constexpr unsigned tm_block = 256;

/// A 3-channel f32 image as kernels see it (pitched).
struct img3 {
  const float* data;
  long long row_bytes;
  int w, h;
  __host__ __device__ const float* px(int x, int y) const {
    return reinterpret_cast<const float*>(reinterpret_cast<const char*>(data) + row_bytes * y) + 3LL * x;
  }
};

/// A packed single-channel f32 plane.
struct plane {
  float* data;
  int w, h;
  __host__ __device__ float* row(int y) const { return data + (long long)y * w; }
};

// ---- Deterministic reductions ----

template <class Acc, class Body>
__global__ void reduce_kernel(Body body, long long n, Acc* partial) {
  __shared__ Acc sh[tm_block];
  Acc acc = Acc::identity();
  const long long stride = (long long)gridDim.x * blockDim.x;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) body(i, acc);
  sh[threadIdx.x] = acc;
  __syncthreads();
  for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) sh[threadIdx.x] = Acc::combine(sh[threadIdx.x], sh[threadIdx.x + s]);
    __syncthreads();
  }
  if (threadIdx.x == 0) partial[blockIdx.x] = sh[0];
}

template <class Acc>
__global__ void reduce_finish(const Acc* partial, unsigned n, Acc* out) {
  Acc a = Acc::identity();
  for (unsigned k = 0; k < n; ++k) a = Acc::combine(a, partial[k]);
  *out = a;
}

/// Runs body(i, acc) for i in [0, n) and returns the combined accumulator (synchronises).
template <class Acc, class Body>
Acc reduce_all(cuda_context& ctx, const Body& body, long long n) {
  const unsigned grid = grid_for(ctx, std::size_t(n), tm_block);
  device_buffer<Acc> part(ctx, grid), total(ctx, 1);
  reduce_kernel<Acc, Body><<<grid, tm_block, 0, ctx.stream()>>>(body, n, part.data());
  HDRGPU_CUDA_CHECK_LAUNCH();
  reduce_finish<Acc><<<1, 1, 0, ctx.stream()>>>(part.data(), grid, total.data());
  HDRGPU_CUDA_CHECK_LAUNCH();
  Acc host;
  download_sync(ctx, total.data(), 1, &host);
  return host;
}

/// Runs body(i) for i in [0, n).
template <class Body>
__global__ void for_each_kernel(Body body, long long n) {
  const long long stride = (long long)gridDim.x * blockDim.x;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) body(i);
}

template <class Body>
void launch_each(cuda_context& ctx, const Body& body, long long n) {
  if (n <= 0) return;
  for_each_kernel<Body><<<grid_for(ctx, std::size_t(n), tm_block), tm_block, 0, ctx.stream()>>>(body, n);
  HDRGPU_CUDA_CHECK_LAUNCH();
}

/// Finite extrema (+ the first non-finite sample's index, for the input scan).
struct extrema_acc {
  float mn, mx;
  long long bad;
  __host__ __device__ static extrema_acc identity() { return {INFINITY, -INFINITY, -1}; }
  __host__ __device__ static extrema_acc combine(const extrema_acc& a, const extrema_acc& b) {
    extrema_acc r;
    r.mn = a.mn < b.mn ? a.mn : b.mn;
    r.mx = a.mx > b.mx ? a.mx : b.mx;
    r.bad = a.bad < 0 ? b.bad : (b.bad < 0 ? a.bad : (a.bad < b.bad ? a.bad : b.bad));
    return r;
  }
  __host__ __device__ void add(float v, long long index) {
    if (math::finite_sample(v)) {
      mn = v < mn ? v : mn;
      mx = v > mx ? v : mx;
    } else if (bad < 0 || index < bad) {
      bad = index;
    }
  }
};

struct scan_body {
  img3 src;
  __device__ void operator()(long long i, extrema_acc& acc) const {
    const long long row_len = 3LL * src.w;
    const int y = int(i / row_len);
    const long long k = i - (long long)y * row_len;
    acc.add(src.px(0, y)[k], i);
  }
};

/// The normalised pixel and its grey at pixel index i.
__device__ inline math::local_pixel pixel_at(const img3& src, const math::tonemap_params& norm, int blue, long long i,
                                             int& x, int& y) {
  y = int(i / src.w);
  x = int(i - (long long)y * src.w);
  return math::normalised_pixel(norm, src.px(x, y), blue, x >= math::tonemap_grey_body(src.w));
}

// ---- Drago ----

struct drago_acc {
  double sum_log;
  float max_y;
  __host__ __device__ static drago_acc identity() { return {0.0, -INFINITY}; }
  __host__ __device__ static drago_acc combine(const drago_acc& a, const drago_acc& b) {
    return {a.sum_log + b.sum_log, a.max_y > b.max_y ? a.max_y : b.max_y};
  }
};

struct drago_stats_body {
  img3 src;
  math::tonemap_params norm;
  int blue;
  __device__ void operator()(long long i, drago_acc& acc) const {
    int x, y;
    const float g = pixel_at(src, norm, blue, i, x, y).y;
    acc.sum_log += double(math::tonemap_log(g));
    acc.max_y = g > acc.max_y ? g : acc.max_y;
  }
};

struct drago_map_body {
  img3 src;
  math::tonemap_params norm;
  int blue;
  math::drago_params d;
  float* out;  // packed, 3 channels
  __device__ void operator()(long long i, extrema_acc& acc) const {
    int x, y;
    const math::local_pixel p = pixel_at(src, norm, blue, i, x, y);
    const float yn = fmaf(p.y, d.inv_mean, 0.0f);
    const float lum = math::drago_luminance(math::pow_any_fn{d.bias}, d.inv_max, yn);
    const float inv = 1.0f / yn;
    const math::pow_any_fn sat{d.saturation};
    for (int k = 0; k < 3; ++k) {
      const float v = math::map_luminance(sat, p.c[k], inv, lum);
      out[3 * i + k] = v;
      acc.add(v, 0);
    }
  }
};

// ---- Reinhard ----

struct reinhard_acc {
  double sum_log, sum_y, sum_c[3];
  float log_min, log_max;
  __host__ __device__ static reinhard_acc identity() { return {0.0, 0.0, {0.0, 0.0, 0.0}, INFINITY, -INFINITY}; }
  __host__ __device__ static reinhard_acc combine(const reinhard_acc& a, const reinhard_acc& b) {
    reinhard_acc r;
    r.sum_log = a.sum_log + b.sum_log;
    r.sum_y = a.sum_y + b.sum_y;
    for (int k = 0; k < 3; ++k) r.sum_c[k] = a.sum_c[k] + b.sum_c[k];
    r.log_min = a.log_min < b.log_min ? a.log_min : b.log_min;
    r.log_max = a.log_max > b.log_max ? a.log_max : b.log_max;
    return r;
  }
};

struct reinhard_stats_body {
  img3 src;
  math::tonemap_params norm;
  int blue;
  __device__ void operator()(long long i, reinhard_acc& acc) const {
    int x, y;
    const math::local_pixel p = pixel_at(src, norm, blue, i, x, y);
    const float l = math::tonemap_log(p.y);
    acc.sum_log += double(l);
    acc.log_min = l < acc.log_min ? l : acc.log_min;
    acc.log_max = l > acc.log_max ? l : acc.log_max;
    acc.sum_y += double(p.y);
    for (int k = 0; k < 3; ++k) acc.sum_c[k] += double(p.c[k]);
  }
};

struct reinhard_map_body {
  img3 src;
  math::tonemap_params norm;
  int blue;
  math::reinhard_params r;
  float* out;
  __device__ void operator()(long long i, extrema_acc& acc) const {
    int x, y;
    const math::local_pixel p = pixel_at(src, norm, blue, i, x, y);
    const math::pow_any_fn key{r.key};
    for (int k = 0; k < 3; ++k) {
      const float v = math::reinhard_sample_any(r, key, p.c[k], p.y, r.shift[k]);
      out[3 * i + k] = v;
      acc.add(v, 0);
    }
  }
};

// ---- Closing Tonemap(gamma) ----

struct finish_body {
  math::tonemap_params t;
  float* out;
  __device__ void operator()(long long i) const { out[i] = math::finish_sample(t, math::pow_any_fn{t.pow}, out[i]); }
};

// ---- Mantiuk ----

struct log_body {
  img3 src;
  math::tonemap_params norm;
  int blue;
  float* x;
  __device__ void operator()(long long i) const {
    int c, y;
    x[i] = math::tonemap_log(pixel_at(src, norm, blue, i, c, y).y);
  }
};

struct mantiuk_map_body {
  img3 src;
  math::tonemap_params norm;
  int blue;
  math::pow_plan sat;
  const float* x;
  float* out;
  __device__ void operator()(long long i, extrema_acc& acc) const {
    int c, y;
    const math::local_pixel p = pixel_at(src, norm, blue, i, c, y);
    const float lum = math::tm_exp(x[i]);
    const float inv = 1.0f / p.y;
    const math::pow_any_fn sp{sat};
    for (int k = 0; k < 3; ++k) {
      const float v = math::map_luminance(sp, p.c[k], inv, lum);
      out[3 * i + k] = v;
      acc.add(v, 0);
    }
  }
};

/// One output of cv::resize(src, dst size, INTER_LINEAR) at (x, y): the CPU's h-row taps, then the v tap.
__device__ inline float resize_linear_at(const plane& src, int x, int y, double sx, double sy) {
  const math::resize_tap tx = math::resize_tap_at(x, sx, src.w, true);
  const math::resize_tap ty = math::resize_tap_at(y, sy, src.h, false);
  const float* r0 = src.row(ty.i0);
  const float* r1 = src.row(ty.i1);
  const float h0 = fmaf(r0[tx.i0], tx.w0, 0.0f) + fmaf(r0[tx.i1], tx.w1, 0.0f);
  const float h1 = fmaf(r1[tx.i0], tx.w0, 0.0f) + fmaf(r1[tx.i1], tx.w1, 0.0f);
  return fmaf(h0, ty.w0, 0.0f) + fmaf(h1, ty.w1, 0.0f);
}

struct down_body {
  plane src, dst;
  bool area;
  double sx, sy;
  __device__ void operator()(long long i) const {
    const int y = int(i / dst.w), x = int(i - (long long)y * dst.w);
    float v;
    if (area) {
      const float *r0 = src.row(2 * y), *r1 = src.row(2 * y + 1);
      v = math::resize_area2(r0[2 * x], r0[2 * x + 1], r1[2 * x], r1[2 * x + 1], x >= dst.w - dst.w % 4);
    } else {
      v = resize_linear_at(src, x, y, sx, sy);
    }
    dst.row(y)[x] = v;
  }
};

/// b's mapped contrasts of level L: gx (0 in the last column) and gy (0 in the last row).
struct contrast_body {
  plane L, gx, gy;
  math::mantiuk_params m;
  __device__ void operator()(long long i) const {
    const int y = int(i / L.w), x = int(i - (long long)y * L.w);
    const float* r = L.row(y);
    gx.row(y)[x] = x + 1 < L.w ? math::mantiuk_map_contrast(m, r[x + 1] - r[x]) : 0.0f;
    gy.row(y)[x] = math::mantiuk_map_contrast(m, y + 1 < L.h ? L.row(y + 1)[x] - r[x] : 0.0f);
  }
};

/// S_i = resize(S_{i+1}) + div(level i), the divergence from L (operator A) or from b's mapped gx, gy.
struct sum_body {
  plane L;              // plain mode: the level
  plane gx, gy;         // mapped mode (L.data null)
  plane coarse;         // S_{i+1}; data null at the last level
  plane out;
  double sx, sy;
  __device__ void operator()(long long i) const {
    const int w = out.w, h = out.h;
    const int y = int(i / w), x = int(i - (long long)y * w);
    float t;
    if (L.data) {
      const float* r = L.row(y);
      const float* up = y > 0 ? L.row(y - 1) : r;
      const float* dn = y + 1 < h ? L.row(y + 1) : r;
      const float gx1 = x + 1 < w ? r[x + 1] - r[x] : 0.0f;
      const float gx0 = x > 0 ? r[x] - r[x - 1] : 0.0f;
      t = math::mantiuk_divergence(gx0, gx1, x == 0, r[x] - up[x], dn[x] - r[x], y == 0);
    } else {
      const float* gxr = gx.row(y);
      const float* gyr = gy.row(y);
      const float* gyu = y > 0 ? gy.row(y - 1) : gyr;
      t = math::mantiuk_divergence(x > 0 ? gxr[x - 1] : 0.0f, gxr[x], x == 0, gyu[x], gyr[x], y == 0);
    }
    out.row(y)[x] = coarse.data ? resize_linear_at(coarse, x, y, sx, sy) + t : 0.0f + t;
  }
};

/// OpenCV's Mat::dot, one 32-thread block per 8192-sample block: thread t is lane t % 8 of accumulator t / 8.
__global__ void dot_blocks_kernel(const float* a, const float* b, long long n0, float* part) {
  __shared__ float acc[32];
  __shared__ float lanes[8];
  const long long base = (long long)blockIdx.x * math::dot_block;
  const long long left = n0 - base;
  const int len = int(left < math::dot_block ? left : math::dot_block);
  const int t = int(threadIdx.x);
  float s = 0.0f;
  int j = 0;
  for (; j + 32 <= len; j += 32) s = fmaf(a[base + j + t], b[base + j + t], s);
  acc[t] = s;
  __syncthreads();
  if (t < 8) {
    float v = acc[t] + ((acc[8 + t] + acc[16 + t]) + acc[24 + t]);
    for (; j + 8 <= len; j += 8) v = fmaf(a[base + j + t], b[base + j + t], v);
    lanes[t] = v;
  }
  __syncthreads();
  if (t == 0) part[blockIdx.x] = math::dot_reduce_lanes(lanes);
}

__global__ void dot_finish_kernel(const float* part, long long blocks, const float* a, const float* b, long long n0,
                                  int tail, double* out) {
  double r = 0.0;
  for (long long k = 0; k < blocks; ++k) r += double(part[k]);
  *out = r + math::dot_tail(a + n0, b + n0, tail);
}

struct residual_body {
  const float* b;
  float *r, *p;
  __device__ void operator()(long long i) const {
    const float v = b[i] - r[i];
    r[i] = v;
    p[i] = v;
  }
};

struct update_body {
  const float *q, *p;
  float *r, *x;
  float alpha;
  __device__ void operator()(long long i) const {
    r[i] = r[i] - fmaf(q[i], alpha, 0.0f);
    x[i] = x[i] + fmaf(p[i], alpha, 0.0f);
  }
};

struct direction_body {
  const float* r;
  float* p;
  float beta;
  __device__ void operator()(long long i) const { p[i] = fmaf(p[i], beta, r[i]); }
};

/// Device buffers of the pyramid, and the operator A on them (cpu::mantiuk_operator's twin).
class mantiuk_pyramid {
 public:
  mantiuk_pyramid(cuda_context& ctx, int w, int h) : ctx_(ctx), sizes_(cpu::mantiuk_sizes(w, h)) {
    for (std::size_t i = 1; i < sizes_.size(); ++i) {
      const std::size_t n = std::size_t(sizes_[i].first) * std::size_t(sizes_[i].second);
      L_.emplace_back(ctx, n);
      S_.emplace_back(ctx, n);
    }
  }
  int levels() const { return int(sizes_.size()); }
  plane level(float* x, int i) const {
    const auto [w, h] = sizes_[std::size_t(i)];
    return {i == 0 ? x : L_[std::size_t(i - 1)].data(), w, h};
  }
  plane sum_plane(int i) const {
    const auto [w, h] = sizes_[std::size_t(i)];
    return {S_[std::size_t(i - 1)].data(), w, h};
  }
  void build(float* x) {
    for (int i = 0; i + 1 < levels(); ++i) {
      const plane s = level(x, i), d = level(x, i + 1);
      const down_body body{s, d, math::resize_is_area2(s.w, s.h, d.w, d.h), math::resize_scale(s.w, d.w),
                           math::resize_scale(s.h, d.h)};
      launch_each(ctx_, body, (long long)d.w * d.h);
    }
  }
  /// out = the sum over levels, the divergence of level i from `L(i)` (plain) or `G(i)` (mapped gx, gy).
  template <class Src>
  void sum(float* out, const Src& src_of) {
    for (int i = levels() - 1; i >= 0; --i) {
      const auto [w, h] = sizes_[std::size_t(i)];
      sum_body body = src_of(i);
      body.out = i == 0 ? plane{out, w, h} : sum_plane(i);
      body.coarse = i + 1 < levels() ? sum_plane(i + 1) : plane{nullptr, 0, 0};
      body.sx = body.coarse.data ? math::resize_scale(body.coarse.w, w) : 0.0;
      body.sy = body.coarse.data ? math::resize_scale(body.coarse.h, h) : 0.0;
      launch_each(ctx_, body, (long long)w * h);
    }
  }
  void apply(float* x, float* out) {
    build(x);
    sum(out, [&](int i) {
      sum_body b{};
      b.L = level(x, i);
      return b;
    });
  }

 private:
  cuda_context& ctx_;
  std::vector<std::pair<int, int>> sizes_;
  std::vector<device_buffer<float>> L_, S_;
};

/// OpenCV's Mat::dot of two device arrays (synchronises).
double device_dot(cuda_context& ctx, const float* a, const float* b, long long n) {
  const long long n0 = n & ~7LL, blocks = (n0 + math::dot_block - 1) / math::dot_block;
  device_buffer<float> part(ctx, std::size_t(blocks > 0 ? blocks : 1));
  device_buffer<double> out(ctx, 1);
  if (blocks > 0) {
    dot_blocks_kernel<<<unsigned(blocks), 32, 0, ctx.stream()>>>(a, b, n0, part.data());
    HDRGPU_CUDA_CHECK_LAUNCH();
  }
  dot_finish_kernel<<<1, 1, 0, ctx.stream()>>>(part.data(), blocks, a, b, n0, int(n - n0), out.data());
  HDRGPU_CUDA_CHECK_LAUNCH();
  double host = 0.0;
  download_sync(ctx, out.data(), 1, &host);
  return host;
}

/// cpu::mantiuk_solve on the device: x (log_(Y) on entry) becomes the CG solution.
void mantiuk_solve(cuda_context& ctx, int w, int h, float* x, float scale) {
  mantiuk_pyramid A(ctx, w, h);
  if (A.levels() == 0) return;
  const long long n = (long long)w * h;
  device_buffer<float> b(ctx, std::size_t(n)), r(ctx, std::size_t(n)), p(ctx, std::size_t(n)), q(ctx, std::size_t(n));
  {
    const math::mantiuk_params m = math::make_mantiuk_params(scale);
    A.build(x);
    std::vector<device_buffer<float>> gx, gy;
    for (int i = 0; i < A.levels(); ++i) {
      const plane L = A.level(x, i);
      gx.emplace_back(ctx, std::size_t(L.w) * std::size_t(L.h));
      gy.emplace_back(ctx, std::size_t(L.w) * std::size_t(L.h));
      launch_each(ctx, contrast_body{L, {gx.back().data(), L.w, L.h}, {gy.back().data(), L.w, L.h}, m}, (long long)L.w * L.h);
    }
    A.sum(b.data(), [&](int i) {
      const plane L = A.level(x, i);
      sum_body s{};
      s.L = plane{nullptr, L.w, L.h};
      s.gx = {gx[std::size_t(i)].data(), L.w, L.h};
      s.gy = {gy[std::size_t(i)].data(), L.w, L.h};
      return s;
    });
  }
  A.apply(x, r.data());
  launch_each(ctx, residual_body{b.data(), r.data(), p.data()}, n);
  const float target = float(device_dot(ctx, b.data(), b.data(), n)) * powf(1e-3f, 2.0f);
  float rr = float(device_dot(ctx, r.data(), r.data(), n));
  for (int it = 0; it < 100; ++it) {
    A.apply(p.data(), q.data());
    const double pq = device_dot(ctx, p.data(), q.data(), n);
    if (!(std::fabs(pq) > 0.0)) break;  // OpenCV: CV_Assert(fabs(dprod) > 0)
    const float alpha = rr / float(pq);
    launch_each(ctx, update_body{q.data(), p.data(), r.data(), x, alpha}, n);
    const float new_rr = float(device_dot(ctx, r.data(), r.data(), n));
    if (!(std::fabs(rr) > 0.0f)) break;  // OpenCV: CV_Assert(fabs(rr) > 0)
    const float beta = new_rr / rr;
    launch_each(ctx, direction_body{r.data(), p.data(), beta}, n);
    rr = new_rr;
    if (rr < target) break;
  }
}

/// What every entry point does first: checks, upload, the input scan (throws for a non-finite sample).
struct local_input {
  img3 src;
  device_buffer<float> storage;  // the packed upload of a host view
  math::tonemap_params norm;
  int blue;
};

local_input prepare(cuda_context& ctx, image_view<const float> src, const char* who) {
  local_input in;
  in.blue = blue_index(src.order());
  if (src.space() == memory_space::host) {
    in.storage = upload_packed(ctx, src);
    in.src = {in.storage.data(), 3LL * src.width() * (long long)sizeof(float), src.width(), src.height()};
  } else {
    check_rows_aligned<float>(src.data(), src.row_bytes(), who);
    in.src = {src.data(), (long long)src.row_bytes(), src.width(), src.height()};
  }
  const extrema_acc e = reduce_all<extrema_acc>(ctx, scan_body{in.src}, 3LL * src.width() * src.height());
  if (e.bad >= 0) {
    const long long row_len = 3LL * src.width(), y = e.bad / row_len;
    float value = 0.0f;
    HDRGPU_CUDA_CHECK(cudaMemcpy(&value, in.src.px(0, int(y)) + (e.bad - y * row_len), sizeof(float),
                                 cudaMemcpyDeviceToHost));
    throw non_finite_error(who, e.bad, src.width(), value);
  }
  in.norm = tonemap_params_from(e.mn, e.mx, 1.0f);
  return in;
}

/// The closing Tonemap(gamma) of the mapped image `out` (finite extrema `e`), then the download.
image<float> finish(cuda_context& ctx, device_buffer<float>& out, const extrema_acc& e, int w, int h, channel_order order,
                    float gamma) {
  const math::tonemap_params t = tonemap_params_from(e.mn, e.mx, gamma);
  launch_each(ctx, finish_body{t, out.data()}, 3LL * w * h);
  image<float> result = ctx.new_image<float>(w, h, 3, order);
  download_sync(ctx, out.data(), result.size(), result.data());
  return result;
}

/// The three local tonemaps' shared prologue: the executor's device, a guard that waits for queued copies
/// if the call throws, and the input on the device; then `body(ctx, in, w, h, npix)` returns the result.
template <class Body>
image<float> run_local(const cuda_executor& exec, image_view<const float> src, const char* who, Body&& body) {
  cuda_context& ctx = exec.context();
  const auto scope = ctx.activate();
  const sync_on_unwind guard(ctx);
  const local_input in = prepare(ctx, src, who);
  return body(ctx, in, src.width(), src.height(), (long long)src.width() * src.height());
}

}  // namespace
}  // namespace detail::cuda

image<float> tonemap_drago(const cuda_executor& exec, image_view<const float> src, const tonemap_drago_options& opts) {
  constexpr const char* who = "tonemap_drago";
  detail::check_local_input(src, who);
  detail::check_drago(opts.gamma, opts.saturation, opts.bias);
  return detail::cuda::run_local(exec, src, who, [&](auto& ctx, const auto& in, int w, int h, long long npix) {
    using namespace detail::cuda;
    const drago_acc st = reduce_all<drago_acc>(ctx, drago_stats_body{in.src, in.norm, in.blue}, npix);
    const float lavg = expf(float(st.sum_log) / float(std::size_t(npix)));
    const float inv_mean = float(1.0 / double(lavg));
    const float ymax_n = st.max_y * inv_mean;
    if (!(ymax_n > 0.0f)) {
      image<float> black = ctx.template new_image<float>(w, h, 3, src.order());
      std::fill(black.data(), black.data() + black.size(), 0.0f);
      return black;
    }
    const detail::math::drago_params d =
        detail::math::make_drago_params(inv_mean, float(1.0 / double(ymax_n)), opts.bias, opts.saturation);
    device_buffer<float> out(ctx, std::size_t(npix) * 3);
    const extrema_acc e = reduce_all<extrema_acc>(ctx, drago_map_body{in.src, in.norm, in.blue, d, out.data()}, npix);
    return finish(ctx, out, e, w, h, src.order(), opts.gamma);
  });
}

image<float> tonemap_reinhard(const cuda_executor& exec, image_view<const float> src,
                              const tonemap_reinhard_options& opts) {
  constexpr const char* who = "tonemap_reinhard";
  detail::check_local_input(src, who);
  detail::check_reinhard(opts.gamma, opts.intensity, opts.light_adapt, opts.color_adapt);
  return detail::cuda::run_local(exec, src, who, [&](auto& ctx, const auto& in, int w, int h, long long npix) {
    using namespace detail::cuda;
    const reinhard_acc st = reduce_all<reinhard_acc>(ctx, reinhard_stats_body{in.src, in.norm, in.blue}, npix);
    const detail::math::reinhard_params p =
        detail::make_reinhard_params(st.sum_log, st.log_min, st.log_max, st.sum_y, st.sum_c, std::size_t(npix),
                                     opts.intensity, opts.light_adapt, opts.color_adapt);
    device_buffer<float> out(ctx, std::size_t(npix) * 3);
    const extrema_acc e = reduce_all<extrema_acc>(ctx, reinhard_map_body{in.src, in.norm, in.blue, p, out.data()}, npix);
    return finish(ctx, out, e, w, h, src.order(), opts.gamma);
  });
}

image<float> tonemap_mantiuk(const cuda_executor& exec, image_view<const float> src, const tonemap_mantiuk_options& opts) {
  constexpr const char* who = "tonemap_mantiuk";
  detail::check_local_input(src, who);
  detail::check_mantiuk(opts.gamma, opts.scale, opts.saturation);
  return detail::cuda::run_local(exec, src, who, [&](auto& ctx, const auto& in, int w, int h, long long npix) {
    using namespace detail::cuda;
    device_buffer<float> x(ctx, std::size_t(npix));
    launch_each(ctx, log_body{in.src, in.norm, in.blue, x.data()}, npix);
    mantiuk_solve(ctx, w, h, x.data(), opts.scale);
    device_buffer<float> out(ctx, std::size_t(npix) * 3);
    const detail::math::pow_plan sat = detail::math::make_pow_plan(opts.saturation, true);
    const extrema_acc e =
        reduce_all<extrema_acc>(ctx, mantiuk_map_body{in.src, in.norm, in.blue, sat, x.data(), out.data()}, npix);
    return finish(ctx, out, e, w, h, src.order(), opts.gamma);
  });
}

}  // namespace hdrgpu
