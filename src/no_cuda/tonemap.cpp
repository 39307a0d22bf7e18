// Built only without the CUDA backend: the tonemaps' CUDA overloads throw backend_unavailable.
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
image<float> tonemap_drago(const cuda_executor&, image_view<const float>, const tonemap_drago_options&) { unavailable(); }
image<float> tonemap_reinhard(const cuda_executor&, image_view<const float>, const tonemap_reinhard_options&) {
  unavailable();
}
image<float> tonemap_mantiuk(const cuda_executor&, image_view<const float>, const tonemap_mantiuk_options&) {
  unavailable();
}

}  // namespace hdrgpu
