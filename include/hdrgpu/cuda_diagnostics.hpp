// Test and benchmark support for the CUDA backend: device memory and copies without the CUDA toolkit, and
// the device's copy bandwidth as a yardstick for kernels. Not part of the stable API. In a build without
// CUDA every function throws backend_unavailable.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <utility>

#include <hdrgpu/cuda_executor.hpp>
#include <hdrgpu/executor.hpp>

namespace hdrgpu::detail {

/// cuda_probe()'s answer for a cudaGetDeviceCount that returned `code` (a cudaError_t) and `count`, with
/// cudaDriverGetVersion's `driver_version` (0: no driver), so that every runtime failure can be checked
/// without provoking it.
cuda_status cuda_status_from(int code, int count, int driver_version = 0);

/// Synchronous copies on exec's stream (they wait for earlier work on it).
void copy_to_device(const cuda_executor& exec, void* device_dst, const void* host_src, std::size_t bytes);
void copy_to_host(const cuda_executor& exec, void* host_dst, const void* device_src, std::size_t bytes);

/// Enqueues a device-to-device copy on exec's stream (asynchronous).
void copy_on_device(const cuda_executor& exec, void* device_dst, const void* device_src, std::size_t bytes);

/// Device-to-device cudaMemcpy bandwidth in GB/s (1e9 bytes/s) for buffers of `bytes` bytes, counting
/// bytes read plus bytes written (2 x bytes per copy), the accounting the merge benchmarks use. Best of
/// a few timed copies after a warm-up.
double measure_device_copy_gbps(const cuda_executor& exec, std::size_t bytes);

/// Milliseconds of device time per call of `enqueue`, which must only enqueue work on exec's stream: it is
/// called `reps` times back to back between two events, with one synchronisation at the end, so launch
/// latency overlaps the kernels as in a pipeline. For kernel-only benchmarks.
double time_enqueued_ms(const cuda_executor& exec, const std::function<void()>& enqueue, int reps);

/// Pinned staging memory `exec` holds now (never more than exec.staging_bytes()).
std::size_t staging_held(const cuda_executor& exec);

/// Device memory from exec's memory resource, released in exec's stream order when it goes out of scope.
class device_allocation {
 public:
  device_allocation(const cuda_executor& exec, std::size_t bytes)
      : memory_(exec.memory()), stream_(exec.stream()), bytes_(bytes),
        ptr_(bytes ? memory_->allocate(bytes, stream_) : nullptr) {}
  device_allocation(const device_allocation&) = delete;
  device_allocation& operator=(const device_allocation&) = delete;
  ~device_allocation() {
    if (ptr_) memory_->deallocate(ptr_, bytes_, stream_);
  }

  void* get() const noexcept { return ptr_; }
  template <class T>
  T* as() const noexcept {
    return static_cast<T*>(ptr_);
  }
  std::size_t bytes() const noexcept { return bytes_; }

 private:
  std::shared_ptr<device_memory_resource> memory_;
  void* stream_;
  std::size_t bytes_;
  void* ptr_;
};

}  // namespace hdrgpu::detail
