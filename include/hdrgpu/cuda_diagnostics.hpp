// Test and benchmark support for the CUDA backend: device memory and copies without the CUDA toolkit, and
// the device's copy bandwidth as a yardstick for kernels. Not part of the stable API. In a build without
// CUDA every function throws backend_unavailable.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>

#include <hdrgpu/cuda_executor.hpp>

namespace hdrgpu::detail {

/// Synchronous copies on exec's stream (they wait for earlier work on it).
void copy_to_device(const cuda_executor& exec, void* device_dst, const void* host_src, std::size_t bytes);
void copy_to_host(const cuda_executor& exec, void* host_dst, const void* device_src, std::size_t bytes);

/// Enqueues a device-to-device copy on exec's stream (asynchronous).
void copy_on_device(const cuda_executor& exec, void* device_dst, const void* device_src, std::size_t bytes);

/// Device-to-device cudaMemcpy bandwidth in GB/s (1e9 bytes/s) for buffers of `bytes` bytes, counting
/// bytes read plus bytes written (2 x bytes per copy), the accounting the merge benchmarks use. Best of
/// a few timed copies after a warm-up.
double measure_device_copy_gbps(const cuda_executor& exec, std::size_t bytes);

/// Device memory from the device's default pool (default_device_memory_resource), released in exec's
/// stream order when it goes out of scope.
class device_allocation {
 public:
  device_allocation(const cuda_executor& exec, std::size_t bytes)
      : memory_(default_device_memory_resource(exec.device())), stream_(exec.stream()), bytes_(bytes),
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
