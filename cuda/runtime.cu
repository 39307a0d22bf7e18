// Device discovery. cudart is linked statically, so a CUDA-enabled build still starts on a machine
// without a GPU or driver: cudaGetDeviceCount then fails, and the failure says why.
#include <cuda_runtime.h>

#include <string>

#include <hdrgpu/cuda_diagnostics.hpp>
#include <hdrgpu/executor.hpp>

namespace hdrgpu::detail {
namespace {
/// "13.0" for 13000.
std::string version_text(int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); }
}  // namespace

cuda_status cuda_status_from(int code, int count, int driver_version) {
  cuda_status s;
  s.error = code;
  const auto e = static_cast<cudaError_t>(code);
  const std::string what = std::string(" (") + cudaGetErrorName(e) + ", error " + std::to_string(code) + ": " +
                           cudaGetErrorString(e) + ")";
  switch (e) {
    case cudaSuccess:
      s.devices = count;
      if (count <= 0) s.reason = "no CUDA device is present";
      return s;
    case cudaErrorNoDevice: s.reason = "no CUDA device is present"; break;
    case cudaErrorInsufficientDriver:
      // The runtime says this both for an old driver and for none at all (no libcuda).
      if (driver_version <= 0) {
        s.reason = "no NVIDIA driver is installed" + what;
      } else {
        s.reason = "the NVIDIA driver (CUDA " + version_text(driver_version) + ") is older than this build's CUDA runtime (" +
                   version_text(CUDART_VERSION) + "); update the driver" + what;
      }
      break;
    case cudaErrorNoKernelImageForDevice:
      s.reason = "this build has no code for the present GPU's architecture" + what;
      break;
    default: s.reason = "the CUDA runtime cannot use the GPU: cudaGetDeviceCount failed" + what; break;
  }
  s.devices = 0;
  return s;
}

cuda_status cuda_runtime_probe() noexcept {
  try {
    int n = 0;
    const cudaError_t e = cudaGetDeviceCount(&n);
    (void)cudaGetLastError();  // clear the non-sticky error so later calls start clean
    int driver = 0;
#if !HDRGPU_CUDA_EMULATED  // the emulator has no driver to ask about (and never fails this way)
    if (e == cudaErrorInsufficientDriver && cudaDriverGetVersion(&driver) != cudaSuccess) driver = 0;
    (void)cudaGetLastError();
#endif
    return cuda_status_from(int(e), n, driver);
  } catch (...) {  // std::bad_alloc building the message
    cuda_status s;
    s.error = -1;
    return s;
  }
}

}  // namespace hdrgpu::detail
