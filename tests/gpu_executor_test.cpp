// The CUDA executor's contract on any machine: clear errors without a device, stream binding with one.
#include <hdrgpu/cuda_executor.hpp>
#include <hdrgpu/executor.hpp>

#include "gpu_support.hpp"

TEST_CASE("cuda executor without a device fails with backend_unavailable") {
  if (hdrgpu::cuda_available()) {
    hdrgpu_test::mark_skipped("a CUDA device is present");
    return;
  }
  CHECK(hdrgpu::cuda_device_count() == 0);
  CHECK_THROWS_AS(hdrgpu::cuda_executor{}, hdrgpu::backend_unavailable);
  CHECK_THROWS_AS(hdrgpu::default_device_memory_resource(0), hdrgpu::backend_unavailable);
}

TEST_SUITE("gpu") {
  TEST_CASE("cuda executor binds to a device and its own stream") {
    HDRGPU_REQUIRE_GPU(exec);
    CHECK(exec.device() == 0);
    CHECK(exec.stream() != nullptr);
    CHECK(exec.device_name().find("sm_") != std::string::npos);
    exec.synchronize();
    hdrgpu::cuda_executor::options o;
    o.device = hdrgpu::cuda_device_count();  // one past the last
    CHECK_THROWS_AS(hdrgpu::cuda_executor{o}, hdrgpu::backend_unavailable);
  }
}
