// Built only without the CUDA backend: the merges' CUDA overloads exist so the API is the same in every
// build, and throw backend_unavailable (no cuda_executor can be created here anyway).
#include <cstdint>

#include <hdrgpu/merge.hpp>

namespace hdrgpu {
namespace {
[[noreturn]] void unavailable() {
  throw backend_unavailable("this hdrgpu build has no CUDA backend (configure with -DHDRGPU_ENABLE_CUDA=ON)");
}
}  // namespace

template <sample_type T>
radiance_map merge_debevec(const cuda_executor&, const exposure_stack<T>&, const response_curve&,
                           const merge_debevec_options&) {
  unavailable();
}
template <sample_type T>
void merge_debevec(const cuda_executor&, const exposure_stack<T>&, const response_curve&, image_view<float>,
                   const merge_debevec_options&) {
  unavailable();
}
template <sample_type T>
radiance_map merge_robertson(const cuda_executor&, const exposure_stack<T>&, const response_curve&) {
  unavailable();
}
template <sample_type T>
void merge_robertson(const cuda_executor&, const exposure_stack<T>&, const response_curve&, image_view<float>) {
  unavailable();
}

#define HDRGPU_INSTANTIATE_MERGES(T)                                                                          \
  template radiance_map merge_debevec<T>(const cuda_executor&, const exposure_stack<T>&, const response_curve&, \
                                         const merge_debevec_options&);                                       \
  template void merge_debevec<T>(const cuda_executor&, const exposure_stack<T>&, const response_curve&,       \
                                 image_view<float>, const merge_debevec_options&);                            \
  template radiance_map merge_robertson<T>(const cuda_executor&, const exposure_stack<T>&, const response_curve&); \
  template void merge_robertson<T>(const cuda_executor&, const exposure_stack<T>&, const response_curve&,     \
                                   image_view<float>);

HDRGPU_INSTANTIATE_MERGES(std::uint8_t)
HDRGPU_INSTANTIATE_MERGES(std::uint16_t)
HDRGPU_INSTANTIATE_MERGES(float)
#undef HDRGPU_INSTANTIATE_MERGES

}  // namespace hdrgpu
