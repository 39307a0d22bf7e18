// Checked CUDA runtime calls: every failure becomes an hdrgpu exception naming the call and place.
#pragma once

#include <cuda_runtime.h>

#include <string>

#include <hdrgpu/error.hpp>

namespace hdrgpu::detail {

/// Throws out_of_memory for allocation failures, cuda_error otherwise. Clears the runtime's
/// non-sticky error state first, so one failed call does not poison the next.
[[noreturn]] inline void throw_cuda(cudaError_t code, const char* expr, const char* file, int line) {
  (void)cudaGetLastError();
  const std::string what = std::string(expr) + " failed: " + cudaGetErrorName(code) + " (" +
                           cudaGetErrorString(code) + ") at " + file + ":" + std::to_string(line);
  if (code == cudaErrorMemoryAllocation) throw out_of_memory(int(code), "CUDA out of memory: " + what);
  throw cuda_error(int(code), what);
}

}  // namespace hdrgpu::detail

#define HDRGPU_CUDA_CHECK(expr)                                                         \
  do {                                                                                  \
    const cudaError_t hdrgpu_err_ = (expr);                                             \
    if (hdrgpu_err_ != cudaSuccess) ::hdrgpu::detail::throw_cuda(hdrgpu_err_, #expr, __FILE__, __LINE__); \
  } while (0)

/// Checks a kernel launch (configuration errors surface here; execution errors at the next sync).
#define HDRGPU_CUDA_CHECK_LAUNCH() HDRGPU_CUDA_CHECK(cudaGetLastError())
