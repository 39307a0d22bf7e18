// Host <-> device transfers of the synchronous entry points. Pinned host memory (cudaMallocHost, or
// memory the caller registered) is copied directly. Pageable memory goes through a bounded pinned
// staging buffer in two halves: while one half's copy runs, the host fills the other.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <span>

#include "check.hpp"

namespace hdrgpu::detail::cuda {

/// Whether `p` lies in page-locked host memory that the device can copy from without staging.
inline bool is_pinned(const void* p) noexcept {
  cudaPointerAttributes a{};
  if (cudaPointerGetAttributes(&a, p) != cudaSuccess) {
    (void)cudaGetLastError();
    return false;
  }
  return a.type == cudaMemoryTypeHost;
}

/// `rows` rows of `row_bytes` bytes each, the first at `data`, consecutive rows `pitch` bytes apart: one
/// image plane (or one table, as a single row) on the host. Uploads pack each plane's rows back to back
/// from `device_offset` bytes after the device base.
struct host_plane {
  const void* data;
  std::ptrdiff_t pitch;
  std::size_t rows;
  std::size_t row_bytes;
  std::size_t device_offset;
};

/// Bounded double-buffered pinned staging. Never holds more than `limit` bytes of pinned memory.
class staging_ring {
 public:
  explicit staging_ring(std::size_t limit) : limit_(std::max<std::size_t>(limit, 2 * kAlign)) {}
  staging_ring(const staging_ring&) = delete;
  staging_ring& operator=(const staging_ring&) = delete;
  ~staging_ring() {
    release();
    for (cudaEvent_t& e : done_)
      if (e) release_checked(cudaEventDestroy(e));
  }

  std::size_t limit() const noexcept { return limit_; }
  std::size_t held() const noexcept { return bytes_; }

  /// Uploads `planes` to `device` on `stream`. Returns once every byte has been read from the host (the
  /// copies may still run), so the sources may be reused at once, unless they are all pinned: those are
  /// copied directly and must stay valid until the stream has reached the copies.
  void upload(void* device, std::span<const host_plane> planes, cudaStream_t stream) {
    bool all_pinned = true;
    std::size_t total = 0;
    for (const host_plane& p : planes) {
      all_pinned = all_pinned && is_pinned(p.data);
      total += p.rows * p.row_bytes;
    }
    if (!total) return;
    auto* dst = static_cast<char*>(device);
    if (all_pinned) {
      for (const host_plane& p : planes)
        if (p.rows && p.row_bytes)
          HDRGPU_CUDA_CHECK(cudaMemcpy2DAsync(dst + p.device_offset, p.row_bytes, p.data, std::size_t(p.pitch),
                                              p.row_bytes, p.rows, cudaMemcpyHostToDevice, stream));
      return;
    }
    // Pack into alternate halves: rows (of one or several planes) fill a half, each run of rows copied to
    // its place on the device; a full half is marked with an event and the other one filled, which is
    // reused only after its copies have finished. Rows wider than a half go in slices.
    const std::size_t half = reserve(total);
    int h = 0;
    char* buf = nullptr;  // the half being filled (acquired when first needed)
    std::size_t used = 0;
    const auto copy = [&](char* to, const char* from_host, std::size_t n) {
      if (!buf) buf = acquire(h);
      std::memcpy(buf + used, from_host, n);
      HDRGPU_CUDA_CHECK(cudaMemcpyAsync(to, buf + used, n, cudaMemcpyHostToDevice, stream));
      used += n;
    };
    const auto next_half = [&] {
      if (!buf) return;
      submitted(h, stream);
      h ^= 1;
      buf = nullptr;
      used = 0;
    };
    for (const host_plane& p : planes) {
      const auto* src = static_cast<const char*>(p.data);
      char* to = dst + p.device_offset;
      if (p.row_bytes > half) {
        for (std::size_t r = 0; r < p.rows; ++r)
          for (std::size_t off = 0; off < p.row_bytes; off += half) {
            next_half();
            copy(to + r * p.row_bytes + off, src + std::ptrdiff_t(r) * p.pitch + off, std::min(half, p.row_bytes - off));
          }
        continue;
      }
      for (std::size_t r = 0; r < p.rows;) {
        const std::size_t fit = std::min((half - used) / p.row_bytes, p.rows - r);
        if (fit == 0) {
          next_half();
          continue;
        }
        if (std::size_t(p.pitch) == p.row_bytes) {
          copy(to + r * p.row_bytes, src + std::ptrdiff_t(r) * p.pitch, fit * p.row_bytes);
        } else {
          // Pitched rows: packed into the half one by one, then copied as one run.
          if (!buf) buf = acquire(h);
          for (std::size_t k = 0; k < fit; ++k)
            std::memcpy(buf + used + k * p.row_bytes, src + std::ptrdiff_t(r + k) * p.pitch, p.row_bytes);
          HDRGPU_CUDA_CHECK(cudaMemcpyAsync(to + r * p.row_bytes, buf + used, fit * p.row_bytes,
                                            cudaMemcpyHostToDevice, stream));
          used += fit * p.row_bytes;
        }
        r += fit;
      }
    }
    next_half();
  }

  /// Copies `bytes` from `device` into `host` on `stream` and waits for the stream (errors of earlier
  /// work on it surface here). Pinned destinations are written directly.
  void download_sync(void* host, const void* device, std::size_t bytes, cudaStream_t stream) {
    if (bytes && is_pinned(host)) {
      HDRGPU_CUDA_CHECK(cudaMemcpyAsync(host, device, bytes, cudaMemcpyDeviceToHost, stream));
    } else if (bytes) {
      const std::size_t half = reserve(bytes);
      const auto* src = static_cast<const char*>(device);
      auto* dst = static_cast<char*>(host);
      // Chunk k lands in half k % 2; it is copied out after chunk k + 1 has been queued.
      std::size_t prev_off = 0, prev_n = 0;
      int h = 0;
      for (std::size_t off = 0; off < bytes; off += half) {
        const std::size_t n = std::min(half, bytes - off);
        char* buf = acquire(h);
        HDRGPU_CUDA_CHECK(cudaMemcpyAsync(buf, src + off, n, cudaMemcpyDeviceToHost, stream));
        submitted(h, stream);
        if (prev_n) std::memcpy(dst + prev_off, acquire(h ^ 1), prev_n);
        prev_off = off;
        prev_n = n;
        h ^= 1;
      }
      std::memcpy(dst + prev_off, acquire(h ^ 1), prev_n);
    }
    HDRGPU_CUDA_CHECK(cudaStreamSynchronize(stream));
  }

  /// Waits for every copy that still reads or writes the staging memory.
  void drain() {
    for (int h = 0; h < 2; ++h) (void)acquire(h);
  }
  /// drain() for destructors: failures are cleared, not thrown.
  void drain_noexcept() noexcept {
    for (int h = 0; h < 2; ++h)
      if (pending_[h]) {
        release_checked(cudaEventSynchronize(done_[h]));
        pending_[h] = false;
      }
  }

 private:
  static constexpr std::size_t kAlign = 4096;

  /// Makes sure the buffer holds `want` bytes (split in two halves), up to the limit; returns the half size.
  std::size_t reserve(std::size_t want) {
    const std::size_t cap = limit_ / 2 / kAlign * kAlign;
    const std::size_t half = std::min(cap, (want + kAlign - 1) / kAlign * kAlign);
    if (half > bytes_ / 2) {
      drain();
      release();
      void* p = nullptr;
      HDRGPU_CUDA_CHECK(cudaMallocHost(&p, 2 * half));
      ptr_ = static_cast<char*>(p);
      bytes_ = 2 * half;
      for (cudaEvent_t& e : done_)
        if (!e) HDRGPU_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
    }
    return bytes_ / 2;
  }
  /// Half `h`, once the copy that last used it has finished.
  char* acquire(int h) {
    if (pending_[h]) {
      pending_[h] = false;  // an error here leaves the half free: the copy failed with the stream
      HDRGPU_CUDA_CHECK(cudaEventSynchronize(done_[h]));
    }
    return ptr_ + std::size_t(h) * (bytes_ / 2);
  }
  void submitted(int h, cudaStream_t stream) {
    HDRGPU_CUDA_CHECK(cudaEventRecord(done_[h], stream));
    pending_[h] = true;
  }
  void release() noexcept {
    drain_noexcept();
    if (ptr_) release_checked(cudaFreeHost(ptr_));
    ptr_ = nullptr;
    bytes_ = 0;
  }

  std::size_t limit_;
  char* ptr_ = nullptr;
  std::size_t bytes_ = 0;
  cudaEvent_t done_[2] = {nullptr, nullptr};
  bool pending_[2] = {false, false};
};

}  // namespace hdrgpu::detail::cuda
