// The CUDA backend's executor. Toolkit-free: streams travel as opaque handles (a cudaStream_t
// converts to and from void*), so this header compiles without the CUDA toolkit.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <hdrgpu/config.hpp>
#include <hdrgpu/error.hpp>
#include <hdrgpu/image.hpp>

namespace hdrgpu {

/// Where the CUDA backend gets device memory. Calls are stream-ordered: memory handed out for
/// `stream` may be used by work enqueued on that stream, and deallocation may happen before that
/// work finishes (it must be deferred to stream order, as cudaFreeAsync does).
class device_memory_resource {
 public:
  virtual ~device_memory_resource() = default;
  /// Returns at least `bytes` bytes of device memory (256-byte aligned). Throws out_of_memory.
  virtual void* allocate(std::size_t bytes, void* stream) = 0;
  virtual void deallocate(void* p, std::size_t bytes, void* stream) noexcept = 0;
};

/// The default resource: a stream-ordered memory pool of hdrgpu's own on `device` (cudaMemPoolCreate;
/// the device's default pool and its settings are left alone) that keeps freed memory (unlimited release
/// threshold), so after the first calls of a given size no memory is requested from the driver. The pool
/// is destroyed with the last executor using it. Throws backend_unavailable in a build without CUDA.
std::shared_ptr<device_memory_resource> default_device_memory_resource(int device = 0);

/// Page-locked (pinned) host memory, recycled. A GPU copies images in it directly, without staging: the
/// batch engine decodes stacks into it and receives results in it. Freed blocks are kept for reuse while
/// the pool holds at most `limit` bytes (in use plus kept); beyond that they are given back to the system.
/// Thread-safe. Allocations and frees run on `device`'s context (from any thread), so no other device's
/// context is created. Throws backend_unavailable in a build without CUDA.
class pinned_host_pool {
 public:
  explicit pinned_host_pool(std::size_t limit, int device = 0);
  ~pinned_host_pool();
  pinned_host_pool(const pinned_host_pool&) = delete;
  pinned_host_pool& operator=(const pinned_host_pool&) = delete;

  /// At least `bytes` of pinned memory (page aligned). Throws out_of_memory when it cannot be pinned.
  void* allocate(std::size_t bytes);
  void deallocate(void* p) noexcept;
  /// Bytes pinned now: in use plus kept for reuse.
  std::size_t held() const;

  /// An allocator for images (image<T>::allocate, cuda_executor::options::result_allocator) that keeps
  /// `pool` alive while any image it allocated lives.
  static host_allocator allocator_of(const std::shared_ptr<pinned_host_pool>& pool);

 private:
  struct state;
  std::unique_ptr<state> s_;
};

/// Makes `device` the calling thread's current CUDA device, for threads dedicated to one GPU. hdrgpu's
/// calls restore the caller's current device when they return; on a thread already bound to their device
/// that costs nothing, and no context is ever opened on another device (restoring device 0 on a thread
/// that never chose one would open device 0's). process_batch and the batch engine bind their own threads.
/// Throws backend_unavailable in a build without CUDA, cuda_error when the device cannot be selected.
void cuda_bind_thread(int device);

namespace detail::cuda {
class cuda_context;
}

/// Runs hdrgpu algorithms on one CUDA device, on one stream.
///
/// Stream: pass your own cudaStream_t (as `options::stream`) and every call enqueues its kernels and
/// copies there, after your work; the executor never synchronises the device, only (when a call
/// returns host values) that stream. Without a stream the executor creates and owns a non-blocking one.
///
/// Calls that take device views and write device outputs are asynchronous: they return once the work
/// is enqueued. Calls that take or return host images (the overloads shared with cpu_executor) are
/// synchronous: they upload through pinned staging buffers, wait for the stream and return the result.
/// Workspaces grow to the largest call and are then reused, so a steady stream of equal-sized calls
/// allocates nothing; pinned staging never exceeds options::staging_bytes. No call leaves the calling
/// thread's current device changed.
///
/// Copies share state (stream, staging, memory). Like a stream, one executor must not be used from two
/// host threads at once; use one executor per thread (process_batch does that for you).
class cuda_executor {
 public:
  struct options {
    int device = 0;                                   ///< CUDA device ordinal
    void* stream = nullptr;                           ///< caller's cudaStream_t, not owned; nullptr: own one
    std::shared_ptr<device_memory_resource> memory;   ///< nullptr: default_device_memory_resource(device)
    /// Most page-locked host memory the executor holds to copy pageable host images (two halves, used
    /// alternately; larger images go through in chunks). Pinned host images are copied directly.
    std::size_t staging_bytes = std::size_t(64) << 20;
    /// Where synchronous calls allocate the host images they return (empty: the heap). With pinned
    /// memory (pinned_host_pool::allocator_of) results are copied from the device without staging.
    host_allocator result_allocator{};
  };

  /// Binds to `opts.device`. Throws backend_unavailable when the build has no CUDA backend or the
  /// device does not exist, cuda_error when the runtime fails.
  cuda_executor() : cuda_executor(options{}) {}
  explicit cuda_executor(options opts);

  int device() const noexcept;
  /// The cudaStream_t all work is enqueued on.
  void* stream() const noexcept;
  /// `n` executors on this device and memory resource, each with its own stream, created on first use
  /// and kept with this executor, so repeated batches reuse their streams and staging buffers.
  /// process_batch spreads stacks over them. Like the executor itself, not for concurrent callers.
  const std::vector<cuda_executor>& lanes(int n) const;

  /// The most pinned host memory this executor holds for staging (options::staging_bytes), its lanes not counted.
  std::size_t staging_bytes() const noexcept;

  /// The device memory resource all of this executor's allocations come from.
  std::shared_ptr<device_memory_resource> memory() const;
  /// "NVIDIA H200 (sm_90, 139 GiB)"-style description of the device.
  std::string device_name() const;
  /// Blocks until all work enqueued on the stream has finished; throws cuda_error on a failure.
  void synchronize() const;

  /// Internal state (kernels and staging); not part of the stable API.
  detail::cuda::cuda_context& context() const noexcept { return *ctx_; }

 private:
  std::shared_ptr<detail::cuda::cuda_context> ctx_;
};

}  // namespace hdrgpu
