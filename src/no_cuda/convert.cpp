// Built only without the CUDA backend: the conversions' CUDA overloads and the CUDA diagnostics throw
// backend_unavailable (the CPU conversions are inline in convert.hpp).
#include <hdrgpu/convert.hpp>
#include <hdrgpu/cuda_diagnostics.hpp>

namespace hdrgpu {
namespace {
[[noreturn]] void unavailable() {
  throw backend_unavailable("this hdrgpu build has no CUDA backend (configure with -DHDRGPU_ENABLE_CUDA=ON)");
}
}  // namespace

image<std::uint16_t> to_half(const cuda_executor&, image_view<const float>) { unavailable(); }
void to_half(const cuda_executor&, image_view<const float>, image_view<std::uint16_t>) { unavailable(); }
image<std::uint8_t> to_rgbe(const cuda_executor&, image_view<const float>) { unavailable(); }
void to_rgbe(const cuda_executor&, image_view<const float>, image_view<std::uint8_t>) { unavailable(); }
std::size_t count_nonfinite(const cuda_executor&, image_view<const float>) { unavailable(); }
sample_census census(const cuda_executor&, image_view<const float>) { unavailable(); }

namespace detail {
void copy_to_device(const cuda_executor&, void*, const void*, std::size_t) { unavailable(); }
void copy_to_host(const cuda_executor&, void*, const void*, std::size_t) { unavailable(); }
void copy_on_device(const cuda_executor&, void*, const void*, std::size_t) { unavailable(); }
double measure_device_copy_gbps(const cuda_executor&, std::size_t) { unavailable(); }
cuda_status cuda_status_from(int, int, int) { return cuda_probe(); }
std::size_t staging_held(const cuda_executor&) { unavailable(); }
double time_enqueued_ms(const cuda_executor&, const std::function<void()>&, int) { unavailable(); }
}  // namespace detail

}  // namespace hdrgpu
