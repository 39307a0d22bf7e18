// The one list of the CUDA backend's templated entry points and the sample types they are built for.
// cuda/merge.cu and cuda/mertens.cu instantiate their definitions from it, and so does the build without
// CUDA (src/no_cuda.cpp) for its stubs, so both builds export the same symbols. Toolkit-free.
#pragma once

#include <cstdint>

/// Calls X(T) for every sample type of the templated CUDA entry points.
#define HDRGPU_CUDA_SAMPLE_TYPES(X) X(std::uint8_t) X(std::uint16_t) X(float)

/// merge.hpp: MergeDebevec and MergeRobertson, synchronous and into a device image.
#define HDRGPU_INSTANTIATE_CUDA_MERGES(T)                                                                     \
  template radiance_map merge_debevec<T>(const cuda_executor&, const exposure_stack<T>&, const response_curve&, \
                                         const merge_debevec_options&);                                       \
  template void merge_debevec<T>(const cuda_executor&, const exposure_stack<T>&, const response_curve&,       \
                                 image_view<float>, const merge_debevec_options&);                            \
  template radiance_map merge_robertson<T>(const cuda_executor&, const exposure_stack<T>&, const response_curve&); \
  template void merge_robertson<T>(const cuda_executor&, const exposure_stack<T>&, const response_curve&,     \
                                   image_view<float>);

/// mertens.hpp: MergeMertens of views or a stack, synchronous and into a device image.
#define HDRGPU_INSTANTIATE_CUDA_MERTENS(T)                                                                     \
  template image<float> merge_mertens<T>(const cuda_executor&, std::span<const image_view<const T>>,          \
                                         const mertens_options&);                                              \
  template image<float> merge_mertens<T>(const cuda_executor&, const exposure_stack<T>&, const mertens_options&); \
  template void merge_mertens<T>(const cuda_executor&, std::span<const image_view<const T>>, image_view<float>, \
                                 const mertens_options&);                                                      \
  template void merge_mertens<T>(const cuda_executor&, const exposure_stack<T>&, image_view<float>,           \
                                 const mertens_options&);
