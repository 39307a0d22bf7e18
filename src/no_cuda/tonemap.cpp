// Built only without the CUDA backend: the Tonemap's CUDA overloads throw backend_unavailable.
#include <hdrgpu/tonemap.hpp>

namespace hdrgpu {
namespace {
[[noreturn]] void unavailable() {
  throw backend_unavailable("this hdrgpu build has no CUDA backend (configure with -DHDRGPU_ENABLE_CUDA=ON)");
}
}  // namespace

image<float> tonemap_gamma(const cuda_executor&, image_view<const float>, const tonemap_options&) { unavailable(); }
void tonemap_gamma(const cuda_executor&, image_view<const float>, image_view<float>, const tonemap_options&) {
  unavailable();
}

}  // namespace hdrgpu
