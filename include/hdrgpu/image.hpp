// Pixel types, non-owning image views and an owning host image.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <hdrgpu/error.hpp>

namespace hdrgpu {

/// The closed set of sample types hdrgpu processes.
enum class pixel_type : std::uint8_t { u8, u16, f32 };

/// Order of the colour channels in memory. OpenCV's imread produces bgr; stb and most files rgb.
/// Single-channel images ignore it; 4-channel images are rgba / bgra.
enum class channel_order : std::uint8_t { rgb, bgr };

/// Where a view's memory lives. Host algorithms reject device views and vice versa.
enum class memory_space : std::uint8_t { host, device };

template <class T>
struct pixel_traits;
template <>
struct pixel_traits<std::uint8_t> {
  static constexpr pixel_type type = pixel_type::u8;
  static constexpr int levels = 256;  ///< LUT length used by response curves and weights
};
template <>
struct pixel_traits<std::uint16_t> {
  static constexpr pixel_type type = pixel_type::u16;
  static constexpr int levels = 65536;
};
template <>
struct pixel_traits<float> {
  static constexpr pixel_type type = pixel_type::f32;
  static constexpr int levels = 65536;  ///< f32 input is quantised to 16 bits (OpenCV 4.13 semantics)
};

template <class T>
concept sample_type = std::is_same_v<std::remove_const_t<T>, std::uint8_t> ||
                      std::is_same_v<std::remove_const_t<T>, std::uint16_t> ||
                      std::is_same_v<std::remove_const_t<T>, float>;

inline const char* to_string(pixel_type t) {
  switch (t) {
    case pixel_type::u8: return "u8";
    case pixel_type::u16: return "u16";
    case pixel_type::f32: return "f32";
  }
  return "?";
}

/// Non-owning view of an interleaved image: `height` rows of `width * channels` samples,
/// consecutive rows `row_bytes` apart. Cheap to copy; host or device memory.
template <sample_type T>
class image_view {
 public:
  using value_type = T;

  image_view() = default;
  image_view(T* data, int width, int height, int channels, std::ptrdiff_t row_bytes = 0,
             channel_order order = channel_order::rgb, memory_space space = memory_space::host)
      : data_(data), width_(width), height_(height), channels_(channels),
        row_bytes_(row_bytes ? row_bytes : std::ptrdiff_t(width) * channels * std::ptrdiff_t(sizeof(T))),
        order_(order), space_(space) {
    HDRGPU_EXPECTS(width > 0 && height > 0, "image_view: width and height must be positive");
    HDRGPU_EXPECTS(channels == 1 || channels == 3 || channels == 4, "image_view: channels must be 1, 3 or 4");
    HDRGPU_EXPECTS(row_bytes_ >= std::ptrdiff_t(width) * channels * std::ptrdiff_t(sizeof(T)),
                   "image_view: row pitch is smaller than a row");
  }

  /// A view of const samples converts implicitly from a mutable one.
  template <class U>
    requires(std::is_same_v<T, const U>)
  image_view(const image_view<U>& o)  // NOLINT(google-explicit-constructor)
      : data_(o.data()), width_(o.width()), height_(o.height()), channels_(o.channels()),
        row_bytes_(o.row_bytes()), order_(o.order()), space_(o.space()) {}

  T* data() const noexcept { return data_; }
  int width() const noexcept { return width_; }
  int height() const noexcept { return height_; }
  int channels() const noexcept { return channels_; }
  std::ptrdiff_t row_bytes() const noexcept { return row_bytes_; }
  channel_order order() const noexcept { return order_; }
  memory_space space() const noexcept { return space_; }
  std::size_t pixels() const noexcept { return std::size_t(width_) * std::size_t(height_); }
  bool empty() const noexcept { return data_ == nullptr; }
  static constexpr pixel_type type() noexcept { return pixel_traits<std::remove_const_t<T>>::type; }

  T* row(int y) const noexcept {
    using byte_t = std::conditional_t<std::is_const_v<T>, const std::byte, std::byte>;
    return reinterpret_cast<T*>(reinterpret_cast<byte_t*>(data_) + std::ptrdiff_t(y) * row_bytes_);
  }
  T& at(int x, int y, int c) const noexcept { return row(y)[std::ptrdiff_t(x) * channels_ + c]; }

 private:
  T* data_ = nullptr;
  int width_ = 0, height_ = 0, channels_ = 0;
  std::ptrdiff_t row_bytes_ = 0;
  channel_order order_ = channel_order::rgb;
  memory_space space_ = memory_space::host;
};

/// Where host images get their memory: `allocate(bytes)` (may throw) and `deallocate(p)`. Empty: the
/// heap. The CUDA backend offers page-locked memory (pinned_host_pool), which a GPU copies without staging.
struct host_allocator {
  std::function<void*(std::size_t)> allocate;
  std::function<void(void*)> deallocate;
  explicit operator bool() const noexcept { return bool(allocate); }
};

/// Owning, tightly packed host image. Copies are deep. Its memory is normally from the heap; it can
/// also adopt memory from elsewhere (e.g. page-locked buffers that a GPU copies without staging).
template <sample_type T>
class image {
 public:
  /// Frees adopted memory.
  using releaser = std::function<void(T*)>;

  image() = default;
  /// A zero-filled image.
  image(int width, int height, int channels, channel_order order = channel_order::rgb)
      : image(uninitialized(width, height, channels, order)) {
    std::fill(data_.get(), data_.get() + size_, T{});
  }
  /// An image whose samples are not initialised (for outputs that are overwritten at once).
  static image uninitialized(int width, int height, int channels, channel_order order = channel_order::rgb) {
    check_shape(width, height, channels);
    const std::size_t n = std::size_t(width) * std::size_t(height) * std::size_t(channels);
    return image(width, height, channels, order, new T[n], n, releaser{});
  }
  /// An uninitialised image from `alloc` (the heap when it is empty).
  static image allocate(int width, int height, int channels, channel_order order, const host_allocator& alloc) {
    if (!alloc) return uninitialized(width, height, channels, order);
    check_shape(width, height, channels);
    const std::size_t n = std::size_t(width) * std::size_t(height) * std::size_t(channels);
    T* p = static_cast<T*>(alloc.allocate(n * sizeof(T)));
    return adopt(p, width, height, channels, order, [release = alloc.deallocate](T* q) { release(q); });
  }
  /// Takes ownership of `data` (width * height * channels samples, rows packed), which `release`
  /// frees when the image goes.
  static image adopt(T* data, int width, int height, int channels, channel_order order, releaser release) {
    check_shape(width, height, channels);
    HDRGPU_EXPECTS(data != nullptr, "image::adopt: null data");
    return image(width, height, channels, order, data, std::size_t(width) * std::size_t(height) * std::size_t(channels),
                 std::move(release));
  }

  image(const image& o) : width_(o.width_), height_(o.height_), channels_(o.channels_), order_(o.order_) {
    if (o.size_) {
      data_ = storage(new T[o.size_], deleter{});
      size_ = o.size_;
      std::copy(o.data_.get(), o.data_.get() + size_, data_.get());
    }
  }
  image& operator=(const image& o) {
    if (this != &o) *this = image(o);
    return *this;
  }
  image(image&& o) noexcept
      : width_(std::exchange(o.width_, 0)), height_(std::exchange(o.height_, 0)), channels_(std::exchange(o.channels_, 0)),
        order_(o.order_), size_(std::exchange(o.size_, 0)), data_(std::move(o.data_)) {}
  image& operator=(image&& o) noexcept {
    width_ = std::exchange(o.width_, 0);
    height_ = std::exchange(o.height_, 0);
    channels_ = std::exchange(o.channels_, 0);
    order_ = o.order_;
    size_ = std::exchange(o.size_, 0);
    data_ = std::move(o.data_);
    return *this;
  }
  ~image() = default;

  int width() const noexcept { return width_; }
  int height() const noexcept { return height_; }
  int channels() const noexcept { return channels_; }
  channel_order order() const noexcept { return order_; }
  void set_order(channel_order o) noexcept { order_ = o; }
  std::size_t pixels() const noexcept { return std::size_t(width_) * std::size_t(height_); }
  bool empty() const noexcept { return size_ == 0; }

  T* data() noexcept { return data_.get(); }
  const T* data() const noexcept { return data_.get(); }
  std::size_t size() const noexcept { return size_; }
  T* row(int y) noexcept { return data_.get() + std::size_t(y) * std::size_t(width_) * std::size_t(channels_); }
  const T* row(int y) const noexcept {
    return data_.get() + std::size_t(y) * std::size_t(width_) * std::size_t(channels_);
  }
  T& at(int x, int y, int c) noexcept { return row(y)[std::size_t(x) * channels_ + c]; }
  const T& at(int x, int y, int c) const noexcept { return row(y)[std::size_t(x) * channels_ + c]; }

  image_view<T> view() noexcept { return {data_.get(), width_, height_, channels_, 0, order_}; }
  image_view<const T> view() const noexcept { return {data_.get(), width_, height_, channels_, 0, order_}; }
  operator image_view<const T>() const noexcept { return view(); }  // NOLINT(google-explicit-constructor)

 private:
  struct deleter {
    releaser release;
    void operator()(T* p) const {
      if (release) release(p);
      else delete[] p;
    }
  };
  using storage = std::unique_ptr<T[], deleter>;

  static void check_shape(int width, int height, int channels) {
    HDRGPU_EXPECTS(width > 0 && height > 0, "image: width and height must be positive");
    HDRGPU_EXPECTS(channels == 1 || channels == 3 || channels == 4, "image: channels must be 1, 3 or 4");
  }
  image(int width, int height, int channels, channel_order order, T* data, std::size_t n, releaser release)
      : width_(width), height_(height), channels_(channels), order_(order), size_(n),
        data_(data, deleter{std::move(release)}) {}

  int width_ = 0, height_ = 0, channels_ = 0;
  channel_order order_ = channel_order::rgb;
  std::size_t size_ = 0;
  storage data_;
};

/// A floating-point radiance map (linear, in the response curve's units), same layout as the input.
using radiance_map = image<float>;

}  // namespace hdrgpu
