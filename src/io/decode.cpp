// Photo decoding: JPEG through TurboJPEG (jpeg_turbo.cpp), PNG/BMP/TGA through stb_image, from bytes
// we read ourselves so errors can name the file; EXIF orientation applied as OpenCV's imread does.
#include <stb_image.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <vector>

#include "io_internal.hpp"

namespace hdrgpu::io {
namespace detail {
namespace {

std::string stb_reason() {
  const char* r = stbi_failure_reason();
  return r && *r ? r : "unknown error";  // stb names an unknown chunk by its type, which may start with NUL
}

bool starts_with(std::span<const std::uint8_t> d, std::string_view magic) {
  return d.size() >= magic.size() && std::memcmp(d.data(), magic.data(), magic.size()) == 0;
}

// Signature sniffing, so a misnamed file still decodes and random bytes are not tried as TGA
// (stb's TGA test accepts almost anything).
image_format sniff(std::span<const std::uint8_t> d, const std::filesystem::path& file) {
  if (starts_with(d, "\x89PNG\r\n\x1a\n")) return image_format::png;
  if (starts_with(d, "\xff\xd8\xff")) return image_format::jpeg;
  if (starts_with(d, "BM")) return image_format::bmp;
  if (starts_with(d, "#?RADIANCE") || starts_with(d, "#?RGBE") || starts_with(d, "\x76\x2f\x31\x01") ||
      starts_with(d, "PF\n") || starts_with(d, "Pf\n"))
    throw failure("is a floating-point radiance map, not a photo (read it with read_radiance)");
  if (extension_of(file) == ".tga") return image_format::tga;
  if (d.empty()) throw failure("file is empty");
  throw failure("unsupported image format (expected PNG, JPEG, BMP or TGA)");
}

// Only used to word the message: stb already rejects these files.
bool looks_truncated(std::span<const std::uint8_t> d, image_format f) {
  if (f != image_format::png) return false;
  const auto t = d.subspan(d.size() - std::min<std::size_t>(12, d.size()));
  return std::search(t.begin(), t.end(), "IEND", "IEND" + 4) == t.end();
}

int stb_length(std::span<const std::uint8_t> d) {
  if (d.size() > std::size_t(INT_MAX)) throw failure("file is too large to decode (over 2 GiB)");
  return int(d.size());
}

image_info probe(std::span<const std::uint8_t> d, const std::filesystem::path& file) {
  image_info info;
  info.format = sniff(d, file);
  if (info.format == image_format::jpeg) {
    const jpeg_header h = jpeg_probe(d);
    info.width = h.width;
    info.height = h.height;
    info.channels = h.channels;
    info.orientation = read_exif(d).orientation;
    return info;
  }
  const int len = stb_length(d);
  int w = 0, h = 0, comp = 0;
  const std::string name = to_string(info.format);
  if (!stbi_info_from_memory(d.data(), len, &w, &h, &comp))
    throw failure("corrupt " + name + " header (stb: " + stb_reason() + ")");
  // A negative BMP height means rows stored top-down: stb's info gives it as stored, its loader as |h|.
  if (info.format == image_format::bmp && h < 0 && h != INT_MIN) h = -h;
  if (w <= 0 || h <= 0 || comp < 1 || comp > 4)
    throw failure("corrupt " + name + " header (" + std::to_string(w) + "x" + std::to_string(h) + ", " +
                  std::to_string(comp) + " channels)");
  info.width = w;
  info.height = h;
  info.channels = comp <= 2 ? 1 : 3;  // grey(+alpha) -> grey, colour(+alpha) -> RGB
  info.bit_depth = stbi_is_16_bit_from_memory(d.data(), len) ? 16 : 8;
  return info;
}

// Before anything is allocated: a small file whose header claims 65500 x 65500 pixels would otherwise
// take gigabytes and minutes before failing.
void check_pixels(const image_info& info, const decode_options& options) {
  const std::uint64_t pixels = std::uint64_t(info.width) * std::uint64_t(info.height);
  if (options.max_pixels != 0 && pixels > options.max_pixels)
    throw failure("the header says " + std::to_string(info.width) + "x" + std::to_string(info.height) + " = " +
                  std::to_string(pixels) + " pixels, more than the limit of " + std::to_string(options.max_pixels) +
                  " (--max-pixels)");
}

template <class T>
void check_destination(const image_info& info, const image_view<T>& dst, const decode_options& options) {
  if (dst.empty()) throw invalid_argument("decode_into: destination has no pixel data");
  if (dst.space() != memory_space::host) throw invalid_argument("decode_into: destination is device memory");
  const int bits = int(sizeof(T)) * 8;
  const int w = info.decoded_width(options.apply_orientation), h = info.decoded_height(options.apply_orientation);
  if (info.bit_depth != bits)
    throw invalid_argument("decode_into: the image has " + std::to_string(info.bit_depth) +
                           "-bit samples, the destination " + std::to_string(bits) + "-bit");
  if (dst.width() != w || dst.height() != h || dst.channels() != info.channels)
    throw invalid_argument("decode_into: destination is " + std::to_string(dst.width()) + "x" +
                           std::to_string(dst.height()) + "x" + std::to_string(dst.channels()) +
                           ", the decoded image is " + std::to_string(w) + "x" + std::to_string(h) + "x" +
                           std::to_string(info.channels));
}

// Per-thread scratch for decode-then-rotate, kept between calls: a 12 MP RGB image is 36 MB, and
// fresh pages for every image would cost more than the rotation.
std::vector<std::uint8_t>& scratch(std::size_t bytes) {
  thread_local std::vector<std::uint8_t> buf;
  if (buf.size() < bytes) buf.resize(bytes);
  return buf;
}

void decode_jpeg(std::span<const std::uint8_t> d, const image_info& info, image_view<std::uint8_t> dst,
                 bool orient) {
  if (!orient || info.orientation == 1) {
    jpeg_decode(d, dst);
    return;
  }
  const std::size_t row = std::size_t(info.width) * info.channels;
  auto& buf = scratch(row * info.height);
  const image_view<std::uint8_t> stored(buf.data(), info.width, info.height, info.channels, 0, dst.order());
  jpeg_decode(d, stored);
  apply_orientation(image_view<const std::uint8_t>(stored), dst, info.orientation);
}

template <class T>
void decode_stb(std::span<const std::uint8_t> d, const image_info& info, image_view<T> dst) {
  const int len = stb_length(d);
  if (info.format == image_format::png) check_png_data(d);
  int w = 0, h = 0, comp = 0;
  void* raw = sizeof(T) == 2 ? static_cast<void*>(stbi_load_16_from_memory(d.data(), len, &w, &h, &comp, info.channels))
                             : static_cast<void*>(stbi_load_from_memory(d.data(), len, &w, &h, &comp, info.channels));
  const std::string name = to_string(info.format);
  if (!raw)
    throw failure(std::string(looks_truncated(d, info.format) ? "truncated " : "corrupt ") + name + " (stb: " +
                  stb_reason() + ")");
  std::unique_ptr<void, void (*)(void*)> owned(raw, &stbi_image_free);
  if (w != info.width || h != info.height) throw failure("corrupt " + name + " (size differs from its header)");
  const T* src = static_cast<const T*>(raw);
  const int c = info.channels;
  const bool swap = c == 3 && dst.order() == channel_order::bgr;
  for (int y = 0; y < h; ++y) {
    const T* s = src + std::size_t(y) * w * c;
    T* o = dst.row(y);
    if (!swap) {
      std::memcpy(o, s, std::size_t(w) * c * sizeof(T));
      continue;
    }
    for (int x = 0; x < w; ++x, s += 3, o += 3) {
      o[0] = s[2];
      o[1] = s[1];
      o[2] = s[0];
    }
  }
}

template <class T>
void decode_checked(std::span<const std::uint8_t> d, const image_info& info, image_view<T> dst,
                    const decode_options& options) {
  check_pixels(info, options);
  if constexpr (std::is_same_v<T, std::uint8_t>) {
    if (info.format == image_format::jpeg) return decode_jpeg(d, info, dst, options.apply_orientation);
  }
  decode_stb(d, info, dst);  // orientation is JPEG-only, so always 1 here
}

template <class T>
image<T> decode_new(std::span<const std::uint8_t> d, const image_info& info, const decode_options& options) {
  check_pixels(info, options);
  try {
    // Every sample is written by the decoder: no zero-fill.
    image<T> img = image<T>::allocate(info.decoded_width(options.apply_orientation),
                                      info.decoded_height(options.apply_orientation), info.channels,
                                      channel_order::rgb, options.allocator);
    decode_checked(d, info, img.view(), options);
    return img;
  } catch (const std::bad_alloc&) {
    throw failure("out of memory decoding a " + std::to_string(info.width) + "x" + std::to_string(info.height) + "x" +
                  std::to_string(info.channels) + " image");
  }
}

template <class T>
void decode_into_impl(std::span<const std::uint8_t> d, image_view<T> dst, const decode_options& options,
                      const std::filesystem::path& file) {
  image_info info;
  try {
    info = probe(d, file);
  } catch (const failure& e) {
    throw_io(file, e.what());
  }
  try {
    check_destination(info, dst, options);
  } catch (const invalid_argument& e) {
    throw invalid_argument(file.string() + ": " + e.what());
  }
  try {
    decode_checked(d, info, dst, options);
  } catch (const failure& e) {
    throw_io(file, e.what());
  } catch (const std::bad_alloc&) {
    throw_io(file, "out of memory decoding the image");
  }
}

}  // namespace

image_info probe_checked(std::span<const std::uint8_t> data, const decode_options& options,
                         const std::filesystem::path& file) {
  const image_info info = probe(data, file);
  check_pixels(info, options);
  return info;
}

any_image decode_any(std::span<const std::uint8_t> data, const decode_options& options,
                     const std::filesystem::path& file) {
  const image_info info = probe_checked(data, options, file);
  if (info.bit_depth == 16) return decode_new<std::uint16_t>(data, info, options);
  return decode_new<std::uint8_t>(data, info, options);
}

}  // namespace detail

const char* to_string(image_format f) noexcept {
  switch (f) {
    case image_format::png: return "PNG";
    case image_format::jpeg: return "JPEG";
    case image_format::bmp: return "BMP";
    case image_format::tga: return "TGA";
  }
  return "image";
}

image_info probe_image(std::span<const std::uint8_t> data, const std::filesystem::path& file) {
  try {
    return detail::probe(data, file);
  } catch (const detail::failure& e) {
    detail::throw_io(file, e.what());
  }
}

image_info probe_image(const std::filesystem::path& file) {
  try {
    return detail::probe(detail::read_bytes(file, max_image_file_bytes), file);
  } catch (const detail::failure& e) {
    detail::throw_io(file, e.what());
  }
}

void decode_into(std::span<const std::uint8_t> data, image_view<std::uint8_t> dst, const decode_options& options,
                 const std::filesystem::path& file) {
  detail::decode_into_impl(data, dst, options, file);
}

void decode_into(std::span<const std::uint8_t> data, image_view<std::uint16_t> dst, const decode_options& options,
                 const std::filesystem::path& file) {
  detail::decode_into_impl(data, dst, options, file);
}

any_image decode_image(std::span<const std::uint8_t> data, const decode_options& options,
                       const std::filesystem::path& file) {
  try {
    return detail::decode_any(data, options, file);
  } catch (const detail::failure& e) {
    detail::throw_io(file, e.what());
  }
}

any_image load_image(const std::filesystem::path& file, const decode_options& options) {
  detail::bytes data;
  try {
    data = detail::read_bytes(file, max_image_file_bytes);
  } catch (const detail::failure& e) {
    detail::throw_io(file, e.what());
  }
  return decode_image(data, options, file);
}

image<std::uint8_t> load_image_u8(const std::filesystem::path& file, const decode_options& options) {
  any_image img = load_image(file, options);
  if (auto* u8 = std::get_if<image<std::uint8_t>>(&img)) return std::move(*u8);
  detail::throw_io(file, "has 16-bit samples; an 8-bit image is required");
}

}  // namespace hdrgpu::io
