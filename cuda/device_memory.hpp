// Device memory for the kernel files: typed allocations from the executor's memory resource (freed in
// stream order), row-alignment checks for caller views, and host <-> device copies through the
// executor's staging. Internal header (cuda/*.cu only).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <utility>

#include <hdrgpu/image.hpp>

#include "context.hpp"

namespace hdrgpu::detail::cuda {

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

}  // namespace hdrgpu::detail::cuda
