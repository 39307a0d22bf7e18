// Gamma Tonemap on the GPU: a CUB min/max reduction (NaN ignored), a one-thread kernel that turns the
// extrema into the normalisation exactly as math::make_tonemap_params does on the host, then one thread
// per sample applying math::tonemap_sample. The parameters never leave the device, so the device
// overload is fully asynchronous.
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <cub/device/device_reduce.cuh>
#include <thrust/iterator/counting_iterator.h>

#include <hdrgpu/tonemap.hpp>

#include "device_memory.hpp"

namespace hdrgpu {
namespace detail::cuda {
namespace {

constexpr unsigned tonemap_block = 256;

/// A pitched float image as kernels see it: rows of `row_len` samples, `row_bytes` apart.
struct plane {
  const float* data;
  long long row_bytes;
  long long row_len;  ///< width * channels
  __host__ __device__ const float& at(long long k) const {
    const long long y = k / row_len;
    return reinterpret_cast<const float*>(reinterpret_cast<const char*>(data) + row_bytes * y)[k - y * row_len];
  }
};

/// Sample k as the pair (min candidate, max candidate).
struct as_pair {
  plane src;
  __device__ float2 operator()(long long k) const {
    const float v = src.at(k);
    return make_float2(v, v);
  }
};

/// fminf/fmaxf return the other operand when one is NaN, so NaN is skipped as the CPU's `<`/`>` scan
/// skips it, and an all-NaN image ends at the (+inf, -inf) start value. Which zero wins is unspecified:
/// the finish kernel normalises -0 to +0 like the CPU.
struct min_max {
  __device__ float2 operator()(float2 a, float2 b) const { return make_float2(fminf(a.x, b.x), fmaxf(a.y, b.y)); }
};

/// math::make_tonemap_params' normalisation on the device: same double arithmetic, same f32 roundings.
__global__ void finish_params(const float2* extrema, math::tonemap_params base, math::tonemap_params* out) {
  float mn = extrema->x;
  const float mx = extrema->y;
  if (mn == 0.0f) mn = 0.0f;  // -0 -> +0, as the CPU backend does
  math::tonemap_params t = base;
  const double dmn = mn, dmx = mx;
  t.normalise = dmx - dmn > DBL_EPSILON;
  if (t.normalise) {
    const double a = 1.0 / (dmx - dmn);
    t.alpha = float(a);
    t.beta = float(-dmn * a);
  } else {
    t.alpha = 1.0f;
    t.beta = 0.0f;
  }
  *out = t;
}

__global__ void apply_tonemap(plane src, float* dst, long long dst_row_bytes, long long n,
                              const math::tonemap_params* params) {
  const math::tonemap_params t = *params;
  const long long stride = (long long)gridDim.x * blockDim.x;
  for (long long k = (long long)blockIdx.x * blockDim.x + threadIdx.x; k < n; k += stride) {
    const long long y = k / src.row_len;
    float* row = reinterpret_cast<float*>(reinterpret_cast<char*>(dst) + dst_row_bytes * y);
    row[k - y * src.row_len] = math::tonemap_sample(t, src.at(k));
  }
}

void check_gamma(float gamma) {
  if (!std::isfinite(gamma) || !(gamma > 0.0f))
    throw invalid_argument("tonemap_gamma: gamma must be finite and > 0, got " + std::to_string(gamma));
}

/// Enqueues the whole tonemap of `src` into `dst` (same shape; may be the same memory).
void enqueue_tonemap(cuda_context& ctx, plane src, float* dst, long long dst_row_bytes, int height, float gamma) {
  const long long n = src.row_len * height;
  // The pow branch depends only on gamma; the normalisation is filled in on the device.
  const math::tonemap_params base = math::make_tonemap_params(0.0, 0.0, gamma);

  const auto first = thrust::counting_iterator<long long>(0);
  const float inf = INFINITY;
  device_buffer<float2> extrema(ctx, 1);
  std::size_t temp_bytes = 0;
  HDRGPU_CUDA_CHECK(cub::DeviceReduce::TransformReduce(nullptr, temp_bytes, first, extrema.data(), n, min_max{},
                                                       as_pair{src}, make_float2(inf, -inf), ctx.stream()));
  device_buffer<unsigned char> temp(ctx, temp_bytes);
  HDRGPU_CUDA_CHECK(cub::DeviceReduce::TransformReduce(temp.data(), temp_bytes, first, extrema.data(), n, min_max{},
                                                       as_pair{src}, make_float2(inf, -inf), ctx.stream()));

  device_buffer<math::tonemap_params> params(ctx, 1);
  finish_params<<<1, 1, 0, ctx.stream()>>>(extrema.data(), base, params.data());
  HDRGPU_CUDA_CHECK_LAUNCH();
  apply_tonemap<<<grid_for(ctx, std::size_t(n), tonemap_block), tonemap_block, 0, ctx.stream()>>>(
      src, dst, dst_row_bytes, n, params.data());
  HDRGPU_CUDA_CHECK_LAUNCH();
  // extrema, temp and params are freed in stream order, after the kernels that use them.
}

}  // namespace
}  // namespace detail::cuda

image<float> tonemap_gamma(const cuda_executor& exec, image_view<const float> src, const tonemap_options& opts) {
  HDRGPU_EXPECTS(!src.empty(), "tonemap_gamma: empty image");
  detail::cuda::check_gamma(opts.gamma);
  if (src.space() == memory_space::device) detail::cuda::check_rows_aligned<float>(src.data(), src.row_bytes(), "tonemap_gamma");
  detail::cuda::cuda_context& ctx = exec.context();
  const auto scope = ctx.activate();
  const int w = src.width(), h = src.height(), c = src.channels();
  image<float> out = ctx.new_image<float>(w, h, c, src.order());
  const detail::cuda::sync_on_unwind guard(ctx);
  const std::size_t row_len = std::size_t(w) * std::size_t(c);
  const long long packed_row_bytes = (long long)(row_len * sizeof(float));

  detail::cuda::device_buffer<float> d_out(ctx, out.size());
  detail::cuda::device_buffer<float> d_in;
  detail::cuda::plane in{src.data(), (long long)src.row_bytes(), (long long)row_len};
  if (src.space() == memory_space::host) {
    d_in = detail::cuda::upload_packed(ctx, src);
    in = {d_in.data(), packed_row_bytes, (long long)row_len};
  }
  detail::cuda::enqueue_tonemap(ctx, in, d_out.data(), packed_row_bytes, h, opts.gamma);
  detail::cuda::download_sync(ctx, d_out.data(), out.size(), out.data());
  return out;
}

void tonemap_gamma(const cuda_executor& exec, image_view<const float> src, image_view<float> dst,
                   const tonemap_options& opts) {
  HDRGPU_EXPECTS(!src.empty() && !dst.empty(), "tonemap_gamma: empty image");
  HDRGPU_EXPECTS(src.space() == memory_space::device && dst.space() == memory_space::device,
                 "tonemap_gamma: the asynchronous overload needs device views (host images go to the overload "
                 "returning an image)");
  HDRGPU_EXPECTS(src.width() == dst.width() && src.height() == dst.height() && src.channels() == dst.channels(),
                 "tonemap_gamma: source and destination differ in size or channel count");
  detail::cuda::check_gamma(opts.gamma);
  detail::cuda::check_rows_aligned<float>(src.data(), src.row_bytes(), "tonemap_gamma");
  detail::cuda::check_rows_aligned<float>(dst.data(), dst.row_bytes(), "tonemap_gamma");
  detail::cuda::cuda_context& ctx = exec.context();
  const auto scope = ctx.activate();
  const long long row_len = (long long)src.width() * src.channels();
  detail::cuda::enqueue_tonemap(ctx, {src.data(), (long long)src.row_bytes(), row_len}, dst.data(),
                          (long long)dst.row_bytes(), src.height(), opts.gamma);
}

}  // namespace hdrgpu
