// Checked CUDA runtime calls: every failure becomes an hdrgpu exception naming the call and place.
#pragma once

#include <cuda_runtime.h>

#include <string>

#include <hdrgpu/error.hpp>

namespace hdrgpu::detail::cuda {

/// Errors after which the CUDA context is unusable: every later call in this process fails with them.
inline bool is_sticky(cudaError_t code) noexcept {
  switch (code) {
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchFailure:
    case cudaErrorHardwareStackError:
    case cudaErrorIllegalInstruction:
    case cudaErrorMisalignedAddress:
    case cudaErrorInvalidAddressSpace:
    case cudaErrorInvalidPc:
    case cudaErrorAssert:
    case cudaErrorLaunchTimeout:
    case cudaErrorECCUncorrectable:
    case cudaErrorContextIsDestroyed:
      return true;
    default:
      return false;
  }
}

/// Throws device_fault for errors that leave the context unusable, out_of_memory for allocation
/// failures, cuda_error otherwise. Clears the runtime's non-sticky error state first, so one failed
/// call does not poison the next.
[[noreturn]] inline void throw_cuda(cudaError_t code, const char* expr, const char* file, int line) {
  (void)cudaGetLastError();
  const std::string what = std::string(expr) + " failed: " + cudaGetErrorName(code) + " (" +
                           cudaGetErrorString(code) + ") at " + file + ":" + std::to_string(line);
  if (code == cudaErrorMemoryAllocation) throw out_of_memory(int(code), "CUDA out of memory: " + what);
  if (is_sticky(code)) throw device_fault(int(code), "CUDA device fault: " + what);
  throw cuda_error(int(code), what);
}

/// For calls whose failure cannot be thrown (frees and releases in destructors and noexcept paths):
/// the failure is cleared from the runtime's last-error state, so that the next launch check does not
/// blame an unrelated kernel for it. Sticky errors stay (the runtime reports them to every later call).
inline void release_checked(cudaError_t code) noexcept {
  if (code != cudaSuccess) (void)cudaGetLastError();
}

}  // namespace hdrgpu::detail::cuda

#define HDRGPU_CUDA_CHECK(expr)                                                         \
  do {                                                                                  \
    const cudaError_t hdrgpu_err_ = (expr);                                             \
    if (hdrgpu_err_ != cudaSuccess) ::hdrgpu::detail::cuda::throw_cuda(hdrgpu_err_, #expr, __FILE__, __LINE__); \
  } while (0)

/// Checks a kernel launch (configuration errors surface here; execution errors at the next sync).
#define HDRGPU_CUDA_CHECK_LAUNCH() HDRGPU_CUDA_CHECK(cudaGetLastError())
