// Output encodings on the GPU (half bits, RGBE pixels) with the CPU's per-sample code from
// detail/math/convert.hpp, plus the copy helpers and the copy-bandwidth probe of cuda_diagnostics.hpp.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

#include <hdrgpu/convert.hpp>
#include <hdrgpu/cuda_diagnostics.hpp>

#include "device_memory.hpp"

namespace hdrgpu {
namespace detail::cuda {
namespace {

constexpr unsigned convert_block = 256;

/// A pitched image as kernels see it.
template <class T>
struct pitched {
  T* data;
  long long row_bytes;
  __device__ T* row(int y) const {
    using byte_t = std::conditional_t<std::is_const_v<T>, const char, char>;
    return reinterpret_cast<T*>(reinterpret_cast<byte_t*>(data) + row_bytes * y);
  }
};

/// One thread per sample; `row_len` = width * channels.
__global__ void half_kernel(pitched<const float> src, pitched<std::uint16_t> dst, long long row_len, long long n) {
  const long long stride = (long long)gridDim.x * blockDim.x;
  for (long long k = (long long)blockIdx.x * blockDim.x + threadIdx.x; k < n; k += stride) {
    const int y = int(k / row_len);
    const long long i = k - (long long)y * row_len;
    dst.row(y)[i] = math::half_bits(src.row(y)[i]);
  }
}

/// One thread per pixel; ir/ig/ib pick the source channels of R, G and B.
__global__ void rgbe_kernel(pitched<const float> src, pitched<std::uint8_t> dst, int width, int channels, int ir,
                            int ig, int ib, long long npix) {
  const long long stride = (long long)gridDim.x * blockDim.x;
  for (long long p = (long long)blockIdx.x * blockDim.x + threadIdx.x; p < npix; p += stride) {
    const int y = int(p / width);
    const int x = int(p - (long long)y * width);
    const float* s = src.row(y) + std::ptrdiff_t(x) * channels;
    std::uint8_t out[4];
    math::rgbe_pixel(s[ir], s[ig], s[ib], out);
    // One 4-byte store when aligned (packed outputs always are), bytes otherwise.
    std::uint8_t* d = dst.row(y) + std::ptrdiff_t(x) * 4;
    if ((reinterpret_cast<std::uintptr_t>(d) & 3u) == 0) {
      *reinterpret_cast<uchar4*>(d) = make_uchar4(out[0], out[1], out[2], out[3]);
    } else {
      for (int k = 0; k < 4; ++k) d[k] = out[k];
    }
  }
}

/// NaN and infinite samples of a pitched float image, added to *count.
/// census() on the device: count[0] += NaN and infinite samples, count[1] += finite samples beyond half's range.
__global__ void census_kernel(pitched<const float> src, long long row_len, long long n, unsigned long long* count) {
  __shared__ unsigned long long block_count[2];
  if (threadIdx.x < 2) block_count[threadIdx.x] = 0;
  __syncthreads();
  unsigned long long nonfinite = 0, above = 0;
  const long long stride = (long long)gridDim.x * blockDim.x;
  for (long long k = (long long)blockIdx.x * blockDim.x + threadIdx.x; k < n; k += stride) {
    const int y = int(k / row_len);
    const float a = fabsf(src.row(y)[k - (long long)y * row_len]);
    const bool finite = a <= 3.402823466e38f;  // false for NaN too
    nonfinite += finite ? 0 : 1;
    above += finite && a > math::half_max ? 1 : 0;
  }
  if (nonfinite) atomicAdd(&block_count[0], nonfinite);
  if (above) atomicAdd(&block_count[1], above);
  __syncthreads();
  if (threadIdx.x < 2 && block_count[threadIdx.x]) atomicAdd(&count[threadIdx.x], block_count[threadIdx.x]);
}

/// A float source on the device: the caller's device view in place, or a packed upload of a host view.
struct device_source {
  pitched<const float> view{};
  device_buffer<float> storage;
};

device_source source_on_device(cuda_context& ctx, image_view<const float> src) {
  device_source s;
  if (src.space() == memory_space::device) {
    s.view = {src.data(), (long long)src.row_bytes()};
    return s;
  }
  s.storage = upload_packed(ctx, src);
  s.view = {s.storage.data(), (long long)(std::size_t(src.width()) * std::size_t(src.channels()) * sizeof(float))};
  return s;
}

void enqueue_half(cuda_context& ctx, pitched<const float> src, pitched<std::uint16_t> dst, int width, int height,
                  int channels) {
  const long long row_len = (long long)width * channels;
  const long long n = row_len * height;
  half_kernel<<<grid_for(ctx, std::size_t(n), convert_block), convert_block, 0, ctx.stream()>>>(src, dst, row_len, n);
  HDRGPU_CUDA_CHECK_LAUNCH();
}

void enqueue_rgbe(cuda_context& ctx, pitched<const float> src, pitched<std::uint8_t> dst, int width, int height,
                  int channels, channel_order order) {
  const long long npix = (long long)width * height;
  rgbe_kernel<<<grid_for(ctx, std::size_t(npix), convert_block), convert_block, 0, ctx.stream()>>>(
      src, dst, width, channels, rgbe_source_channel(0, channels, order), rgbe_source_channel(1, channels, order),
      rgbe_source_channel(2, channels, order), npix);
  HDRGPU_CUDA_CHECK_LAUNCH();
}

void check_device_pair(const image_view<const float>& src, int dst_width, int dst_height, int dst_channels,
                       int want_channels, bool dst_empty, memory_space dst_space, const char* who) {
  const std::string w = who;
  HDRGPU_EXPECTS(!src.empty() && !dst_empty, w + ": empty image");
  HDRGPU_EXPECTS(src.space() == memory_space::device && dst_space == memory_space::device,
                 w + ": the asynchronous overload needs device views (host images go to the overload returning "
                     "an image)");
  check_rows_aligned<float>(src.data(), src.row_bytes(), who);
  HDRGPU_EXPECTS(src.width() == dst_width && src.height() == dst_height && dst_channels == want_channels,
                 w + ": destination is " + std::to_string(dst_width) + "x" + std::to_string(dst_height) + "x" +
                     std::to_string(dst_channels) + ", expected " + std::to_string(src.width()) + "x" +
                     std::to_string(src.height()) + "x" + std::to_string(want_channels));
}

}  // namespace
}  // namespace detail::cuda

// The diagnostics of cuda_diagnostics.hpp (public, in hdrgpu::detail).
namespace detail {

// ---- cuda_diagnostics.hpp ---------------------------------------------------------------------------------

void copy_to_device(const cuda_executor& exec, void* device_dst, const void* host_src, std::size_t bytes) {
  cuda::cuda_context& ctx = exec.context();
  const auto scope = ctx.activate();
  if (!bytes) return;
  HDRGPU_CUDA_CHECK(cudaMemcpyAsync(device_dst, host_src, bytes, cudaMemcpyHostToDevice, ctx.stream()));
  ctx.synchronize();
}

void copy_to_host(const cuda_executor& exec, void* host_dst, const void* device_src, std::size_t bytes) {
  cuda::cuda_context& ctx = exec.context();
  const auto scope = ctx.activate();
  if (!bytes) return;
  HDRGPU_CUDA_CHECK(cudaMemcpyAsync(host_dst, device_src, bytes, cudaMemcpyDeviceToHost, ctx.stream()));
  ctx.synchronize();
}

void copy_on_device(const cuda_executor& exec, void* device_dst, const void* device_src, std::size_t bytes) {
  cuda::cuda_context& ctx = exec.context();
  const auto scope = ctx.activate();
  if (!bytes) return;
  HDRGPU_CUDA_CHECK(cudaMemcpyAsync(device_dst, device_src, bytes, cudaMemcpyDeviceToDevice, ctx.stream()));
}

std::size_t staging_held(const cuda_executor& exec) { return exec.context().staging().held(); }

namespace {
/// Two timing events, destroyed (errors cleared) whatever happens.
struct event_pair {
  cudaEvent_t start{}, stop{};
  event_pair() {
    HDRGPU_CUDA_CHECK(cudaEventCreate(&start));
    const cudaError_t e = cudaEventCreate(&stop);
    if (e != cudaSuccess) {
      cuda::release_checked(cudaEventDestroy(start));
      HDRGPU_CUDA_CHECK(e);
    }
  }
  ~event_pair() {
    cuda::release_checked(cudaEventDestroy(start));
    cuda::release_checked(cudaEventDestroy(stop));
  }
  event_pair(const event_pair&) = delete;
  event_pair& operator=(const event_pair&) = delete;
  /// Milliseconds between the events once `stop` has been reached.
  float elapsed_ms() const {
    HDRGPU_CUDA_CHECK(cudaEventSynchronize(stop));
    float ms = 0.0f;
    HDRGPU_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
    return ms;
  }
};
}  // namespace

double time_enqueued_ms(const cuda_executor& exec, const std::function<void()>& enqueue, int reps) {
  HDRGPU_EXPECTS(reps > 0, "time_enqueued_ms: reps must be > 0");
  cuda::cuda_context& ctx = exec.context();
  const auto scope = ctx.activate();
  const event_pair ev;
  HDRGPU_CUDA_CHECK(cudaEventRecord(ev.start, ctx.stream()));
  for (int r = 0; r < reps; ++r) enqueue();
  HDRGPU_CUDA_CHECK(cudaEventRecord(ev.stop, ctx.stream()));
  return double(ev.elapsed_ms()) / reps;
}

double measure_device_copy_gbps(const cuda_executor& exec, std::size_t bytes) {
  HDRGPU_EXPECTS(bytes > 0, "measure_device_copy_gbps: bytes must be > 0");
  cuda::cuda_context& ctx = exec.context();
  const auto scope = ctx.activate();
  cuda::device_buffer<unsigned char> a(ctx, bytes), b(ctx, bytes);
  a.zero();
  HDRGPU_CUDA_CHECK(cudaMemcpyAsync(b.data(), a.data(), bytes, cudaMemcpyDeviceToDevice, ctx.stream()));  // warm-up
  const event_pair ev;
  float best_ms = 0.0f;
  for (int rep = 0; rep < 5; ++rep) {
    HDRGPU_CUDA_CHECK(cudaEventRecord(ev.start, ctx.stream()));
    HDRGPU_CUDA_CHECK(cudaMemcpyAsync(b.data(), a.data(), bytes, cudaMemcpyDeviceToDevice, ctx.stream()));
    HDRGPU_CUDA_CHECK(cudaEventRecord(ev.stop, ctx.stream()));
    const float ms = ev.elapsed_ms();
    if (rep == 0 || ms < best_ms) best_ms = ms;
  }
  return best_ms > 0.0f ? 2.0 * double(bytes) / (double(best_ms) * 1e6) : 0.0;
}

}  // namespace detail

// ---- convert.hpp --------------------------------------------------------------------------------------------

image<std::uint16_t> to_half(const cuda_executor& exec, image_view<const float> src) {
  HDRGPU_EXPECTS(!src.empty(), "to_half: empty image");
  if (src.space() == memory_space::device) detail::cuda::check_rows_aligned<float>(src.data(), src.row_bytes(), "to_half");
  detail::cuda::cuda_context& ctx = exec.context();
  const auto scope = ctx.activate();
  image<std::uint16_t> out = ctx.new_image<std::uint16_t>(src.width(), src.height(), src.channels(), src.order());
  const detail::cuda::sync_on_unwind guard(ctx);
  const detail::cuda::device_source in = detail::cuda::source_on_device(ctx, src);
  detail::cuda::device_buffer<std::uint16_t> d_out(ctx, out.size());
  const long long row_bytes = (long long)(std::size_t(src.width()) * src.channels() * sizeof(std::uint16_t));
  detail::cuda::enqueue_half(ctx, in.view, {d_out.data(), row_bytes}, src.width(), src.height(), src.channels());
  detail::cuda::download_sync(ctx, d_out.data(), d_out.size(), out.data());
  return out;
}

void to_half(const cuda_executor& exec, image_view<const float> src, image_view<std::uint16_t> dst) {
  detail::cuda::check_device_pair(src, dst.width(), dst.height(), dst.channels(), src.channels(), dst.empty(), dst.space(),
                            "to_half");
  detail::cuda::check_rows_aligned<std::uint16_t>(dst.data(), dst.row_bytes(), "to_half");
  detail::cuda::cuda_context& ctx = exec.context();
  const auto scope = ctx.activate();
  detail::cuda::enqueue_half(ctx, {src.data(), (long long)src.row_bytes()}, {dst.data(), (long long)dst.row_bytes()},
                       src.width(), src.height(), src.channels());
}

image<std::uint8_t> to_rgbe(const cuda_executor& exec, image_view<const float> src) {
  HDRGPU_EXPECTS(!src.empty(), "to_rgbe: empty image");
  if (src.space() == memory_space::device) detail::cuda::check_rows_aligned<float>(src.data(), src.row_bytes(), "to_rgbe");
  detail::cuda::cuda_context& ctx = exec.context();
  const auto scope = ctx.activate();
  image<std::uint8_t> out = ctx.new_image<std::uint8_t>(src.width(), src.height(), 4, channel_order::rgb);
  const detail::cuda::sync_on_unwind guard(ctx);
  const detail::cuda::device_source in = detail::cuda::source_on_device(ctx, src);
  detail::cuda::device_buffer<std::uint8_t> d_out(ctx, out.size());
  detail::cuda::enqueue_rgbe(ctx, in.view, {d_out.data(), (long long)src.width() * 4}, src.width(), src.height(),
                       src.channels(), src.order());
  detail::cuda::download_sync(ctx, d_out.data(), d_out.size(), out.data());
  return out;
}

sample_census census(const cuda_executor& exec, image_view<const float> img) {
  HDRGPU_EXPECTS(!img.empty(), "census: empty image");
  if (img.space() == memory_space::device) detail::cuda::check_rows_aligned<float>(img.data(), img.row_bytes(), "census");
  detail::cuda::cuda_context& ctx = exec.context();
  const auto scope = ctx.activate();
  const detail::cuda::sync_on_unwind guard(ctx);
  const detail::cuda::device_source in = detail::cuda::source_on_device(ctx, img);
  detail::cuda::device_buffer<unsigned long long> count(ctx, 2);
  count.zero();
  const long long row_len = (long long)img.width() * img.channels(), n = row_len * img.height();
  detail::cuda::census_kernel<<<detail::cuda::grid_for(ctx, std::size_t(n), detail::cuda::convert_block), detail::cuda::convert_block, 0,
                          ctx.stream()>>>(in.view, row_len, n, count.data());
  HDRGPU_CUDA_CHECK_LAUNCH();
  unsigned long long host[2] = {0, 0};
  detail::cuda::download_sync(ctx, count.data(), 2, host);
  return {std::size_t(host[0]), std::size_t(host[1])};
}

std::size_t count_nonfinite(const cuda_executor& exec, image_view<const float> img) { return census(exec, img).nonfinite; }

void to_rgbe(const cuda_executor& exec, image_view<const float> src, image_view<std::uint8_t> dst) {
  detail::cuda::check_device_pair(src, dst.width(), dst.height(), dst.channels(), 4, dst.empty(), dst.space(), "to_rgbe");
  detail::cuda::cuda_context& ctx = exec.context();
  const auto scope = ctx.activate();
  detail::cuda::enqueue_rgbe(ctx, {src.data(), (long long)src.row_bytes()}, {dst.data(), (long long)dst.row_bytes()},
                       src.width(), src.height(), src.channels(), src.order());
}

}  // namespace hdrgpu
