// Device discovery. cudart is linked statically, so a CUDA-enabled build still starts on a
// GPU-less machine: cudaGetDeviceCount just reports an error there, which means "no device".
#include <cuda_runtime.h>

namespace hdrgpu::detail {

int cuda_runtime_device_count() noexcept {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();  // clear the non-sticky error so later calls start clean
    return 0;
  }
  return n;
}

}  // namespace hdrgpu::detail
