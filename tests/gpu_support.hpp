// GPU test support. GPU test cases live in doctest suite "gpu" (CTest label `gpu`); without a usable
// CUDA device they mark themselves skipped, so a GPU-less run reports them as skipped (exit code 77).
#pragma once

#include <optional>
#include <string>

#include <hdrgpu/cuda_executor.hpp>
#include <hdrgpu/executor.hpp>

#include "support.hpp"

namespace hdrgpu_test {

/// GPU results against the CPU backend's, as every GPU test asserts them. A real GPU's expf/logf/powf
/// differ from glibc's by a few ulp (and atomics add in any order), so merges, Mertens (absolute) and
/// the tonemap agree to 1e-5 relative, calibrations to 1e-6. The CPU emulator computes with glibc and
/// would often pass bit for bit; tests compare bit for bit only where the GPU path is exact.
inline constexpr double gpu_merge_tol = 1e-5;
inline constexpr double gpu_calibration_tol = 1e-6;

/// Environment for a child process that must see no CUDA device: EMU_DEVICE_COUNT=0 in an emulated
/// build; empty otherwise (a real device cannot be hidden, so such tests skip where one is present).
inline std::string no_device_env() { return hdrgpu::build_cuda_emulated ? "EMU_DEVICE_COUNT=0" : ""; }

/// Why a child started with no_device_env() finds no usable device: the emulator's "no device", or what
/// the runtime says on this machine (no device, no driver, a driver too old...).
inline std::string no_device_reason() {
  return hdrgpu::build_cuda_emulated ? "no CUDA device is present" : hdrgpu::cuda_probe().reason;
}

/// True where the heaviest gpu cases run a second time in a test run: the CUDA emulator's scheduling modes
/// (EMU_SHUFFLE=1, EMU_DEFER=1: other thread and stream orders) and the sanitizer build
/// (HDRGPU_TEST_REDUCED=1, set by scripts/test.sh). Those cases then take smaller inputs that go through the
/// same kernels and launch shapes; the emulator's default mode runs them at full size.
inline bool reduced_inputs() {
  for (const char* name : {"EMU_SHUFFLE", "EMU_DEFER", "HDRGPU_TEST_REDUCED"})
    if (const char* v = std::getenv(name); v && *v && std::string(v) != "0") return true;
  return false;
}

/// A CUDA executor on device 0, or nullopt after marking the test skipped (no backend or no device).
/// HDRGPU_REQUIRE_GPU=1 turns a missing device into a failure (the GPU check script sets it).
inline std::optional<hdrgpu::cuda_executor> gpu_or_skip() {
  if (hdrgpu::cuda_available()) return hdrgpu::cuda_executor{};
  const char* req = std::getenv("HDRGPU_REQUIRE_GPU");
  const bool required = req && *req == '1';
  const std::string why = hdrgpu::build_has_cuda ? hdrgpu::cuda_probe().reason : "built without the CUDA backend";
  if (required) {
    FAIL_CHECK(why << "; HDRGPU_REQUIRE_GPU=1 requires one");
  } else {
    mark_skipped(why);
  }
  return std::nullopt;
}

}  // namespace hdrgpu_test

/// Declares `exec` (a hdrgpu::cuda_executor&) or leaves the test case as skipped.
#define HDRGPU_REQUIRE_GPU(exec)                                  \
  auto exec##_holder_ = ::hdrgpu_test::gpu_or_skip();             \
  if (!exec##_holder_) return;                                    \
  [[maybe_unused]] hdrgpu::cuda_executor& exec = *exec##_holder_
// Test cases in suite "gpu" must not have a comma in their name: CTest would lose their `gpu` label.
