// The CUDA executor's state and the small RAII pieces every kernel file uses. Internal header:
// only cuda/*.cu include it, so the public API stays toolkit-free.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <list>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <hdrgpu/cuda_executor.hpp>
#include <hdrgpu/exposure_stack.hpp>
#include <hdrgpu/image.hpp>

#include "check.hpp"
#include "staging.hpp"

namespace hdrgpu::detail {

/// Makes `device` current on the calling thread for the scope and then restores the caller's current
/// device, so no hdrgpu call leaves the application's device selection changed.
class [[nodiscard]] device_scope {
 public:
  explicit device_scope(int device) : device_(device) {
    HDRGPU_CUDA_CHECK(cudaGetDevice(&previous_));
    if (previous_ != device_) HDRGPU_CUDA_CHECK(cudaSetDevice(device_));
  }
  device_scope(const device_scope&) = delete;
  device_scope& operator=(const device_scope&) = delete;
  ~device_scope() {
    if (previous_ != device_) release_checked(cudaSetDevice(previous_));
  }

 private:
  int device_;
  int previous_ = -1;
};

class cuda_context;

/// Device copies of small host tables (the merges' LUTs), kept per executor and keyed by what they are
/// built from, so a stream of calls with the same response uploads them once. Least recently used
/// entries beyond `capacity` are freed (in stream order).
class table_cache {
 public:
  static constexpr std::size_t capacity = 8;
  /// The device copy of the table that `build()` makes from (`tag`, `key`): built and uploaded on a miss.
  const float* find_or_add(cuda_context& ctx, std::uint64_t tag, std::span<const float> key,
                           const std::function<std::vector<float>()>& build);
  std::size_t size() const noexcept { return entries_.size(); }
  void clear() noexcept { entries_.clear(); }

 private:
  struct entry;
  std::list<std::shared_ptr<entry>> entries_;  // most recently used first
};

/// Everything one cuda_executor owns or borrows. Not thread-safe (see cuda_executor).
class cuda_context {
 public:
  cuda_context(const cuda_executor::options& opts, cudaStream_t stream, bool owns_stream,
               std::shared_ptr<device_memory_resource> memory)
      : opts_(opts), stream_(stream), owns_stream_(owns_stream), memory_(std::move(memory)),
        staging_(opts.staging_bytes) {
    opts_.memory = memory_;
    opts_.stream = nullptr;  // lanes get their own
  }
  cuda_context(const cuda_context&) = delete;
  cuda_context& operator=(const cuda_context&) = delete;
  ~cuda_context();

  int device() const noexcept { return opts_.device; }
  cudaStream_t stream() const noexcept { return stream_; }
  device_memory_resource& memory() const noexcept { return *memory_; }
  const std::shared_ptr<device_memory_resource>& memory_ptr() const noexcept { return memory_; }
  const cudaDeviceProp& props() const noexcept { return props_; }
  void set_props(const cudaDeviceProp& p) { props_ = p; }
  /// Options for executors that share this one's device, memory and limits (its lanes).
  const cuda_executor::options& lane_options() const noexcept { return opts_; }

  /// Makes this executor's device current until the returned scope ends (every entry point holds one).
  device_scope activate() const { return device_scope(opts_.device); }
  void synchronize() const { HDRGPU_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

  /// An uninitialised host image for a synchronous call's result, from options::result_allocator.
  template <class T>
  image<T> new_image(int width, int height, int channels, channel_order order) const {
    return image<T>::allocate(width, height, channels, order, opts_.result_allocator);
  }

  staging_ring& staging() noexcept { return staging_; }
  table_cache& tables() noexcept { return tables_; }
  std::vector<cuda_executor>& lanes() noexcept { return lanes_; }

 private:
  cuda_executor::options opts_;
  cudaStream_t stream_;
  bool owns_stream_;
  std::shared_ptr<device_memory_resource> memory_;
  cudaDeviceProp props_{};
  staging_ring staging_;
  table_cache tables_;
  std::vector<cuda_executor> lanes_;  // see cuda_executor::lanes
};

/// Held by synchronous entry points that upload host images: if the call fails after a copy was queued,
/// it waits for the stream before the exception leaves, so the caller may free its (pinned) images at once.
class sync_on_unwind {
 public:
  explicit sync_on_unwind(const cuda_context& ctx) : stream_(ctx.stream()), exceptions_(std::uncaught_exceptions()) {}
  sync_on_unwind(const sync_on_unwind&) = delete;
  sync_on_unwind& operator=(const sync_on_unwind&) = delete;
  ~sync_on_unwind() {
    if (std::uncaught_exceptions() > exceptions_) release_checked(cudaStreamSynchronize(stream_));
  }

 private:
  cudaStream_t stream_;
  int exceptions_;
};

/// Typed device allocation from the context's memory resource, freed in stream order: it is safe to
/// let one go out of scope while kernels using it are still queued on the context's stream.
template <class T>
class device_buffer {
 public:
  device_buffer() = default;
  device_buffer(cuda_context& ctx, std::size_t count) : ctx_(&ctx), count_(count) {
    if (count) ptr_ = static_cast<T*>(ctx.memory().allocate(count * sizeof(T), ctx.stream()));
  }
  device_buffer(device_buffer&& o) noexcept
      : ctx_(std::exchange(o.ctx_, nullptr)), ptr_(std::exchange(o.ptr_, nullptr)), count_(std::exchange(o.count_, 0)) {}
  device_buffer& operator=(device_buffer&& o) noexcept {
    if (this != &o) {
      reset();
      ctx_ = std::exchange(o.ctx_, nullptr);
      ptr_ = std::exchange(o.ptr_, nullptr);
      count_ = std::exchange(o.count_, 0);
    }
    return *this;
  }
  ~device_buffer() { reset(); }

  T* data() const noexcept { return ptr_; }
  std::size_t size() const noexcept { return count_; }
  std::size_t bytes() const noexcept { return count_ * sizeof(T); }

  /// Enqueues zero-filling of the whole buffer.
  void zero() const {
    if (count_) HDRGPU_CUDA_CHECK(cudaMemsetAsync(ptr_, 0, bytes(), ctx_->stream()));
  }
  /// Enqueues an upload of `n` elements from host memory (pageable is fine for small tables: the
  /// runtime copies it before returning, so the source may be reused at once).
  void upload(const T* host, std::size_t n) const {
    if (n) HDRGPU_CUDA_CHECK(cudaMemcpyAsync(ptr_, host, n * sizeof(T), cudaMemcpyHostToDevice, ctx_->stream()));
  }

 private:
  void reset() noexcept {
    if (ptr_) ctx_->memory().deallocate(ptr_, count_ * sizeof(T), ctx_->stream());
    ptr_ = nullptr;
    count_ = 0;
  }
  cuda_context* ctx_ = nullptr;
  T* ptr_ = nullptr;
  std::size_t count_ = 0;
};

/// Whether rows of T at `data + y * row_bytes` all start on T boundaries. A misaligned load or store
/// faults the kernel with a sticky error that leaves the whole CUDA context unusable, so device views
/// that fail this are rejected before any launch.
template <class T>
bool rows_aligned(const void* data, std::ptrdiff_t row_bytes) {
  return reinterpret_cast<std::uintptr_t>(data) % sizeof(T) == 0 && row_bytes % std::ptrdiff_t(sizeof(T)) == 0;
}

/// Throws invalid_argument "WHO: device rows must start on N-byte boundaries" unless rows_aligned<T>.
template <class T>
void check_rows_aligned(const void* data, std::ptrdiff_t row_bytes, const std::string& who) {
  if (!rows_aligned<T>(data, row_bytes))
    throw invalid_argument(who + ": device rows must start on " + std::to_string(sizeof(T)) + "-byte boundaries");
}

/// Most exposures a device kernel takes in one launch (the descriptor travels as a kernel parameter).
inline constexpr int max_device_exposures = 64;

/// Bytes between the starts of the images of an uploaded stack: whole 256-byte blocks, so every image
/// (not only the first) is aligned for the kernels' wide loads.
inline std::size_t packed_image_stride(std::size_t image_bytes) { return (image_bytes + 255) / 256 * 256; }

/// A stack as kernels see it: per-exposure base pointers, pitches and times, passed by value.
template <class T>
struct stack_desc {
  const T* image[max_device_exposures];
  long long row_bytes[max_device_exposures];
  float time[max_device_exposures];
  int n, width, height, channels;
  bool packed;  ///< every image's rows are contiguous (row_bytes = width * channels * sizeof(T)) and 16-byte aligned

  __host__ __device__ const T* row(int j, int y) const {
    return reinterpret_cast<const T*>(reinterpret_cast<const char*>(image[j]) + row_bytes[j] * y);
  }
  __host__ __device__ T at(int j, int x, int y, int c) const { return row(j, y)[x * channels + c]; }
};

/// A stack whose pixels are on the device: either the caller's device views (nothing copied) or a
/// packed copy of host views.
template <class T>
struct device_stack {
  stack_desc<T> desc{};
  device_buffer<T> storage;  ///< empty when the caller's views were already on the device
};

/// Checks the stack (count, exposure limit) and makes its pixels available on the device. Host views
/// are uploaded asynchronously (pinned views directly, others through the context's staging); pinned
/// views must stay valid until the stream reaches the copy, so synchronous entry points synchronise
/// before returning.
template <class T>
device_stack<std::remove_const_t<T>> to_device(cuda_context& ctx, const exposure_stack<T>& stack) {
  using U = std::remove_const_t<T>;
  stack.validate();
  if (stack.size() > std::size_t(max_device_exposures))
    throw invalid_argument(stack.label() + ": " + std::to_string(stack.size()) + " exposures; the CUDA backend takes at most " +
                           std::to_string(max_device_exposures));
  device_stack<U> out;
  stack_desc<U>& d = out.desc;
  d.n = int(stack.size());
  d.width = stack.width();
  d.height = stack.height();
  d.channels = stack.channels();
  for (int j = 0; j < d.n; ++j) d.time[j] = stack.time(std::size_t(j));
  const std::size_t row = std::size_t(d.width) * std::size_t(d.channels) * sizeof(U);
  if (stack.space() == memory_space::device) {
    d.packed = true;
    for (int j = 0; j < d.n; ++j) {
      d.image[j] = stack[std::size_t(j)].data();
      d.row_bytes[j] = stack[std::size_t(j)].row_bytes();
      d.packed = d.packed && std::size_t(d.row_bytes[j]) == row && reinterpret_cast<std::uintptr_t>(d.image[j]) % 16 == 0;
    }
    return out;
  }
  const std::size_t stride = packed_image_stride(row * std::size_t(d.height));
  out.storage = device_buffer<U>(ctx, stride * std::size_t(d.n) / sizeof(U));
  std::vector<host_plane> planes(std::size_t(d.n));
  for (int j = 0; j < d.n; ++j) {
    const auto& v = stack[std::size_t(j)];
    planes[std::size_t(j)] = {v.data(), v.row_bytes(), std::size_t(d.height), row, stride * std::size_t(j)};
    d.image[j] = reinterpret_cast<const U*>(reinterpret_cast<const char*>(out.storage.data()) + stride * std::size_t(j));
    d.row_bytes[j] = static_cast<long long>(row);
  }
  d.packed = true;
  ctx.staging().upload(out.storage.data(), planes, ctx.stream());
  return out;
}

/// Uploads a host image (any pitch) into a packed device buffer on ctx's stream (see to_device).
template <class T>
device_buffer<std::remove_const_t<T>> upload_packed(cuda_context& ctx, image_view<T> src) {
  using U = std::remove_const_t<T>;
  const std::size_t row = std::size_t(src.width()) * std::size_t(src.channels()) * sizeof(U);
  device_buffer<U> d(ctx, std::size_t(src.width()) * std::size_t(src.height()) * std::size_t(src.channels()));
  const host_plane plane{src.data(), src.row_bytes(), std::size_t(src.height()), row, 0};
  ctx.staging().upload(d.data(), std::span<const host_plane>(&plane, 1), ctx.stream());
  return d;
}

/// Copies `n` elements from the device into `host` and waits for the stream.
template <class T>
void download_sync(cuda_context& ctx, const T* device, std::size_t n, T* host) {
  ctx.staging().download_sync(host, device, n * sizeof(T), ctx.stream());
}

/// Grid size for a grid-stride loop over `n` items: enough blocks to fill the device, no more.
inline unsigned grid_for(const cuda_context& ctx, std::size_t n, unsigned block) {
  const std::size_t want = (n + block - 1) / block;
  const std::size_t cap = std::size_t(ctx.props().multiProcessorCount) * 32;
  return unsigned(want < 1 ? 1 : (want > cap ? cap : want));
}

}  // namespace hdrgpu::detail
