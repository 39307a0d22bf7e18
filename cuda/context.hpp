// The CUDA executor's state: the device scope, the context one cuda_executor owns (stream, memory
// resource, staging, table cache, lanes) and launch sizing. Internal header: only cuda/*.cu include it
// (with device_memory.hpp and stack_desc.hpp), so the public API stays toolkit-free.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <list>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <hdrgpu/cuda_executor.hpp>
#include <hdrgpu/image.hpp>

#include "check.hpp"
#include "staging.hpp"

namespace hdrgpu::detail::cuda {

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

/// Grid size for a grid-stride loop over `n` items: enough blocks to fill the device, no more.
inline unsigned grid_for(const cuda_context& ctx, std::size_t n, unsigned block) {
  const std::size_t want = (n + block - 1) / block;
  const std::size_t cap = std::size_t(ctx.props().multiProcessorCount) * 32;
  return unsigned(want < 1 ? 1 : (want > cap ? cap : want));
}

}  // namespace hdrgpu::detail::cuda
