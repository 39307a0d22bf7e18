// The CUDA executor's state and the small RAII pieces every kernel file uses. Internal header:
// only cuda/*.cu include it, so the public API stays toolkit-free.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <hdrgpu/cuda_executor.hpp>
#include <hdrgpu/exposure_stack.hpp>
#include <hdrgpu/image.hpp>

#include "check.hpp"

namespace hdrgpu::detail {

/// Grow-only page-locked host buffer (cudaMallocHost), the staging area of synchronous calls.
class pinned_buffer {
 public:
  pinned_buffer() = default;
  pinned_buffer(const pinned_buffer&) = delete;
  pinned_buffer& operator=(const pinned_buffer&) = delete;
  ~pinned_buffer() { release(); }

  /// At least `bytes` bytes; contents are not preserved when it grows.
  void* reserve(std::size_t bytes) {
    if (bytes > size_) {
      release();
      HDRGPU_CUDA_CHECK(cudaMallocHost(&ptr_, bytes));
      size_ = bytes;
    }
    return ptr_;
  }
  std::size_t size() const noexcept { return size_; }

 private:
  void release() noexcept {
    if (ptr_) cudaFreeHost(ptr_);
    ptr_ = nullptr;
    size_ = 0;
  }
  void* ptr_ = nullptr;
  std::size_t size_ = 0;
};

/// Everything one cuda_executor owns or borrows. Not thread-safe (see cuda_executor).
class cuda_context {
 public:
  cuda_context(int device, cudaStream_t stream, bool owns_stream, std::shared_ptr<device_memory_resource> memory)
      : device_(device), stream_(stream), owns_stream_(owns_stream), memory_(std::move(memory)) {}
  cuda_context(const cuda_context&) = delete;
  cuda_context& operator=(const cuda_context&) = delete;
  ~cuda_context() {
    if (owns_stream_) {
      int previous = -1;  // restored: destroying an executor must not switch the caller's current device
      if (cudaGetDevice(&previous) != cudaSuccess) previous = -1;
      cudaSetDevice(device_);
      cudaStreamSynchronize(stream_);
      cudaStreamDestroy(stream_);
      if (previous >= 0 && previous != device_) cudaSetDevice(previous);
      (void)cudaGetLastError();  // a failure here must not surface in the caller's next check
    }
  }

  int device() const noexcept { return device_; }
  cudaStream_t stream() const noexcept { return stream_; }
  device_memory_resource& memory() const noexcept { return *memory_; }
  const std::shared_ptr<device_memory_resource>& memory_ptr() const noexcept { return memory_; }
  const cudaDeviceProp& props() const noexcept { return props_; }
  void set_props(const cudaDeviceProp& p) { props_ = p; }

  /// Makes this executor's device current on the calling thread (every entry point calls it first).
  void activate() const { HDRGPU_CUDA_CHECK(cudaSetDevice(device_)); }
  void synchronize() const { HDRGPU_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

  /// `bytes` of `buf`. Before growing it waits for the stream: a failed call may have returned with a
  /// copy from the old buffer still queued (its device side is freed in stream order, this side is not).
  void* staging(pinned_buffer& buf, std::size_t bytes) {
    if (bytes > buf.size()) synchronize();
    return buf.reserve(bytes);
  }
  std::vector<cuda_executor>& lanes() noexcept { return lanes_; }
  pinned_buffer& upload_staging() noexcept { return up_; }
  pinned_buffer& download_staging() noexcept { return down_; }

 private:
  int device_;
  cudaStream_t stream_;
  bool owns_stream_;
  std::shared_ptr<device_memory_resource> memory_;
  cudaDeviceProp props_{};
  pinned_buffer up_, down_;
  std::vector<cuda_executor> lanes_;  // see cuda_executor::lanes
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

/// A stack as kernels see it: per-exposure base pointers, pitches and times, passed by value.
template <class T>
struct stack_desc {
  const T* image[max_device_exposures];
  long long row_bytes[max_device_exposures];
  float time[max_device_exposures];
  int n, width, height, channels;

  __host__ __device__ const T* row(int j, int y) const {
    return reinterpret_cast<const T*>(reinterpret_cast<const char*>(image[j]) + row_bytes[j] * y);
  }
  __host__ __device__ T at(int j, int x, int y, int c) const { return row(j, y)[x * channels + c]; }
};

/// A stack whose pixels are on the device: either the caller's device views (nothing copied) or a
/// packed copy of host views made through the context's pinned staging buffer.
template <class T>
struct device_stack {
  stack_desc<T> desc{};
  device_buffer<T> storage;  ///< empty when the caller's views were already on the device
};

/// Checks the stack (count, exposure limit) and makes its pixels available on the device. Host views
/// are copied into pinned staging and uploaded asynchronously; the staging buffer is reused by the next
/// upload, so synchronous entry points must finish (synchronize) before returning.
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
  if (stack.space() == memory_space::device) {
    for (int j = 0; j < d.n; ++j) {
      d.image[j] = stack[std::size_t(j)].data();
      d.row_bytes[j] = stack[std::size_t(j)].row_bytes();
    }
    return out;
  }
  const std::size_t row = std::size_t(d.width) * std::size_t(d.channels);
  const std::size_t per_image = row * std::size_t(d.height);
  const std::size_t total = per_image * std::size_t(d.n);
  out.storage = device_buffer<U>(ctx, total);
  U* staging = static_cast<U*>(ctx.staging(ctx.upload_staging(), total * sizeof(U)));
  for (int j = 0; j < d.n; ++j) {
    const auto& v = stack[std::size_t(j)];
    U* dst = staging + per_image * std::size_t(j);
    for (int y = 0; y < d.height; ++y) std::memcpy(dst + row * std::size_t(y), v.row(y), row * sizeof(U));
    d.image[j] = out.storage.data() + per_image * std::size_t(j);
    d.row_bytes[j] = static_cast<long long>(row * sizeof(U));
  }
  HDRGPU_CUDA_CHECK(cudaMemcpyAsync(out.storage.data(), staging, total * sizeof(U), cudaMemcpyHostToDevice, ctx.stream()));
  return out;
}

/// Copies `n` elements from the device into `host` through pinned staging and waits for the stream.
template <class T>
void download_sync(cuda_context& ctx, const T* device, std::size_t n, T* host) {
  void* staging = ctx.staging(ctx.download_staging(), n * sizeof(T));
  HDRGPU_CUDA_CHECK(cudaMemcpyAsync(staging, device, n * sizeof(T), cudaMemcpyDeviceToHost, ctx.stream()));
  ctx.synchronize();
  std::memcpy(host, staging, n * sizeof(T));
}

/// Grid size for a grid-stride loop over `n` items: enough blocks to fill the device, no more.
inline unsigned grid_for(const cuda_context& ctx, std::size_t n, unsigned block) {
  const std::size_t want = (n + block - 1) / block;
  const std::size_t cap = std::size_t(ctx.props().multiProcessorCount) * 32;
  return unsigned(want < 1 ? 1 : (want > cap ? cap : want));
}

}  // namespace hdrgpu::detail
