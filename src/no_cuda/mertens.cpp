// MergeMertens' CUDA entry points in a build without the CUDA backend: a cuda_executor cannot exist
// there, so these only satisfy the linker.
#include <cstdint>

#include <hdrgpu/mertens.hpp>

namespace hdrgpu {

namespace {
[[noreturn]] void no_cuda() { throw backend_unavailable("this hdrgpu build has no CUDA backend (MergeMertens)"); }
}  // namespace

template <sample_type T>
image<float> merge_mertens(const cuda_executor&, std::span<const image_view<const T>>, const mertens_options&) {
  no_cuda();
}
template <sample_type T>
image<float> merge_mertens(const cuda_executor&, const exposure_stack<T>&, const mertens_options&) {
  no_cuda();
}
template <sample_type T>
void merge_mertens(const cuda_executor&, std::span<const image_view<const T>>, image_view<float>,
                   const mertens_options&) {
  no_cuda();
}
template <sample_type T>
void merge_mertens(const cuda_executor&, const exposure_stack<T>&, image_view<float>, const mertens_options&) {
  no_cuda();
}

#define HDRGPU_INSTANTIATE_MERTENS(T)                                                                              \
  template image<float> merge_mertens<T>(const cuda_executor&, std::span<const image_view<const T>>,              \
                                         const mertens_options&);                                                  \
  template image<float> merge_mertens<T>(const cuda_executor&, const exposure_stack<T>&, const mertens_options&); \
  template void merge_mertens<T>(const cuda_executor&, std::span<const image_view<const T>>, image_view<float>,   \
                                 const mertens_options&);                                                          \
  template void merge_mertens<T>(const cuda_executor&, const exposure_stack<T>&, image_view<float>,               \
                                 const mertens_options&);
HDRGPU_INSTANTIATE_MERTENS(std::uint8_t)
HDRGPU_INSTANTIATE_MERTENS(std::uint16_t)
HDRGPU_INSTANTIATE_MERTENS(float)
#undef HDRGPU_INSTANTIATE_MERTENS

}  // namespace hdrgpu
