// numpy <-> hdrgpu images for the Python module: inputs are read in place (any row stride, pixels and
// channels packed), results are handed to numpy without a copy (the array owns the image).
#pragma once

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <hdrgpu/error.hpp>
#include <hdrgpu/image.hpp>

namespace hdrgpu::python {

namespace nb = nanobind;

/// Any numpy array on the CPU; dtype, shape and strides are checked here.
using any_array = nb::ndarray<nb::numpy, nb::device::cpu>;

/// A host view of one of the caller's images: uint8, uint16 or float32, H x W or H x W x C (C = 1, 3, 4),
/// colour in BGR order as cv2 gives it. Rows may be strided; pixels and channels must be packed (the Python
/// layer makes a contiguous copy otherwise).
using any_view = std::variant<image_view<const std::uint8_t>, image_view<const std::uint16_t>, image_view<const float>>;

inline any_view view_of(const any_array& a, const std::string& what) {
  if (a.ndim() != 2 && a.ndim() != 3)
    throw invalid_argument(what + ": expected an H x W or H x W x C array, got " + std::to_string(a.ndim()) + " dimensions");
  const int h = int(a.shape(0)), w = int(a.shape(1)), c = a.ndim() == 3 ? int(a.shape(2)) : 1;
  if (h <= 0 || w <= 0) throw invalid_argument(what + ": empty image");
  if (c != 1 && c != 3 && c != 4) throw invalid_argument(what + ": expected 1, 3 or 4 channels, got " + std::to_string(c));
  const auto make = [&]<class T>(T*) -> any_view {
    const std::int64_t px = a.ndim() == 3 ? a.stride(1) : 1, ch = a.ndim() == 3 ? a.stride(2) : 1;
    if ((a.ndim() == 3 && ch != 1) || px != c || a.stride(0) < std::int64_t(w) * c)
      throw invalid_argument(what + ": pixels and channels must be packed (rows may be strided)");
    return image_view<const T>(static_cast<const T*>(a.data()), w, h, c, std::ptrdiff_t(a.stride(0)) * std::ptrdiff_t(sizeof(T)),
                               c >= 3 ? channel_order::bgr : channel_order::rgb);
  };
  if (a.dtype() == nb::dtype<std::uint8_t>()) return make((std::uint8_t*)nullptr);
  if (a.dtype() == nb::dtype<std::uint16_t>()) return make((std::uint16_t*)nullptr);
  if (a.dtype() == nb::dtype<float>()) return make((float*)nullptr);
  throw invalid_argument(what + ": unsupported dtype (expected uint8, uint16 or float32)");
}

/// Hands `img` to numpy in BGR order (colour images stored RGB are swapped in place first): shape
/// (H, W, C), or (H, W) when `squeeze` and C == 1; the array owns the image.
template <class T>
nb::ndarray<nb::numpy, T> to_numpy(image<T>&& img, bool squeeze = false) {
  if (img.channels() >= 3 && img.order() == channel_order::rgb) {
    T* p = img.data();
    const std::size_t c = std::size_t(img.channels());
    for (std::size_t i = 0; i < img.pixels(); ++i) std::swap(p[i * c], p[i * c + 2]);
  }
  auto* owned = new image<T>(std::move(img));
  nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<image<T>*>(p); });
  const std::size_t h = std::size_t(owned->height()), w = std::size_t(owned->width()), c = std::size_t(owned->channels());
  const std::int64_t row = std::int64_t(w * c);  // images are packed
  if (squeeze && c == 1) {
    const std::size_t shape[2] = {h, w};
    const std::int64_t strides[2] = {row, 1};
    return nb::ndarray<nb::numpy, T>(owned->data(), 2, shape, owner, strides);
  }
  const std::size_t shape[3] = {h, w, c};
  const std::int64_t strides[3] = {row, std::int64_t(c), 1};
  return nb::ndarray<nb::numpy, T>(owned->data(), 3, shape, owner, strides);
}

}  // namespace hdrgpu::python
