// GPU test support. GPU test cases live in doctest suite "gpu" (CTest label `gpu`); without a usable
// CUDA device they mark themselves skipped, so a GPU-less run reports them as skipped (exit code 77).
#pragma once

#include <optional>

#include <hdrgpu/cuda_executor.hpp>
#include <hdrgpu/executor.hpp>

#include "support.hpp"

namespace hdrgpu_test {

/// A CUDA executor on device 0, or nullopt after marking the test skipped (no backend or no device).
/// HDRGPU_REQUIRE_GPU=1 turns a missing device into a failure (the GPU check script sets it).
inline std::optional<hdrgpu::cuda_executor> gpu_or_skip() {
  if (hdrgpu::cuda_available()) return hdrgpu::cuda_executor{};
  const char* req = std::getenv("HDRGPU_REQUIRE_GPU");
  const bool required = req && *req == '1';
  const char* why = hdrgpu::build_has_cuda ? "no CUDA device on this machine" : "built without the CUDA backend";
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
  hdrgpu::cuda_executor& exec = *exec##_holder_
// Test cases in suite "gpu" must not have a comma in their name: CTest would lose their `gpu` label.
