// Exposure stacks as kernels see them: the by-value descriptor (per-exposure pointers, pitches, times)
// and to_device, which checks a stack and makes its pixels available on the device (in place, or as a
// packed upload). Internal header (cuda/*.cu only).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include <hdrgpu/exposure_stack.hpp>

#include "device_memory.hpp"

namespace hdrgpu::detail::cuda {

/// Most exposures a device kernel takes in one launch (the descriptor travels as a kernel parameter).
inline constexpr int max_device_exposures = 64;

/// Bytes between the starts of the images of an uploaded stack: whole 256-byte blocks, so every image
/// (not only the first) is aligned for the kernels' wide loads.
inline std::size_t packed_image_stride(std::size_t image_bytes) { return (image_bytes + 255) / 256 * 256; }

/// A stack as kernels see it: per-exposure base pointers, pitches and times, passed by value.
template <class T>
struct stack_desc {
  const T* image[max_device_exposures];
  long long row_bytes[max_device_exposures];
  float time[max_device_exposures];
  int n, width, height, channels;
  bool packed;  ///< every image's rows are contiguous (row_bytes = width * channels * sizeof(T)) and 16-byte aligned

  __host__ __device__ const T* row(int j, int y) const {
    return reinterpret_cast<const T*>(reinterpret_cast<const char*>(image[j]) + row_bytes[j] * y);
  }
  __host__ __device__ T at(int j, int x, int y, int c) const { return row(j, y)[x * channels + c]; }
};

/// A stack whose pixels are on the device: either the caller's device views (nothing copied) or a
/// packed copy of host views.
template <class T>
struct device_stack {
  stack_desc<T> desc{};
  device_buffer<T> storage;  ///< empty when the caller's views were already on the device
};

/// Checks the stack (count, exposure limit) and makes its pixels available on the device. Host views
/// are uploaded asynchronously (pinned views directly, others through the context's staging); pinned
/// views must stay valid until the stream reaches the copy, so synchronous entry points synchronise
/// before returning.
template <class T>
device_stack<std::remove_const_t<T>> to_device(cuda_context& ctx, const exposure_stack<T>& stack) {
  using U = std::remove_const_t<T>;
  stack.validate();
  if (stack.size() > std::size_t(max_device_exposures))
    throw invalid_argument(stack.label() + ": " + std::to_string(stack.size()) + " exposures; the CUDA backend takes at most " +
                           std::to_string(max_device_exposures));
  device_stack<U> out;
  stack_desc<U>& d = out.desc;
  d.n = int(stack.size());
  d.width = stack.width();
  d.height = stack.height();
  d.channels = stack.channels();
  for (int j = 0; j < d.n; ++j) d.time[j] = stack.time(std::size_t(j));
  const std::size_t row = std::size_t(d.width) * std::size_t(d.channels) * sizeof(U);
  if (stack.space() == memory_space::device) {
    d.packed = true;
    for (int j = 0; j < d.n; ++j) {
      d.image[j] = stack[std::size_t(j)].data();
      d.row_bytes[j] = stack[std::size_t(j)].row_bytes();
      d.packed = d.packed && std::size_t(d.row_bytes[j]) == row && reinterpret_cast<std::uintptr_t>(d.image[j]) % 16 == 0;
    }
    return out;
  }
  const std::size_t stride = packed_image_stride(row * std::size_t(d.height));
  out.storage = device_buffer<U>(ctx, stride * std::size_t(d.n) / sizeof(U));
  std::vector<host_plane> planes(std::size_t(d.n));
  for (int j = 0; j < d.n; ++j) {
    const auto& v = stack[std::size_t(j)];
    planes[std::size_t(j)] = {v.data(), v.row_bytes(), std::size_t(d.height), row, stride * std::size_t(j)};
    d.image[j] = reinterpret_cast<const U*>(reinterpret_cast<const char*>(out.storage.data()) + stride * std::size_t(j));
    d.row_bytes[j] = static_cast<long long>(row);
  }
  d.packed = true;
  ctx.staging().upload(out.storage.data(), planes, ctx.stream());
  return out;
}

}  // namespace hdrgpu::detail::cuda
