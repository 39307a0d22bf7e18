// Photo decoding through stb_image, from bytes we read ourselves so errors can name the file.
#include <stb_image.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>

#include "io_internal.hpp"

namespace hdrgpu::io {
namespace detail {
namespace {

enum class kind { png, jpeg, bmp, tga };

const char* name_of(kind k) {
  switch (k) {
    case kind::png: return "PNG";
    case kind::jpeg: return "JPEG";
    case kind::bmp: return "BMP";
    case kind::tga: return "TGA";
  }
  return "image";
}

std::string stb_reason() {
  const char* r = stbi_failure_reason();
  return r ? r : "unknown error";
}

bool starts_with(std::span<const unsigned char> d, std::string_view magic) {
  return d.size() >= magic.size() && std::memcmp(d.data(), magic.data(), magic.size()) == 0;
}

// Signature sniffing, so a misnamed file still decodes and random bytes are not tried as TGA
// (stb's TGA test accepts almost anything).
kind sniff(std::span<const unsigned char> d, const std::filesystem::path& file) {
  if (starts_with(d, "\x89PNG\r\n\x1a\n")) return kind::png;
  if (starts_with(d, "\xff\xd8\xff")) return kind::jpeg;
  if (starts_with(d, "BM")) return kind::bmp;
  if (starts_with(d, "#?RADIANCE") || starts_with(d, "#?RGBE") || starts_with(d, "\x76\x2f\x31\x01") ||
      starts_with(d, "PF\n") || starts_with(d, "Pf\n"))
    throw failure("is a floating-point radiance map, not a photo (read it with read_radiance)");
  if (extension_of(file) == ".tga") return kind::tga;
  if (d.empty()) throw failure("file is empty");
  throw failure("unsupported image format (expected PNG, JPEG, BMP or TGA)");
}

// Only used to word the message: stb already rejects these files.
bool looks_truncated(std::span<const unsigned char> d, kind k) {
  const auto tail = [&](std::size_t n) { return d.subspan(d.size() - std::min(n, d.size())); };
  if (k == kind::png) {
    const auto t = tail(12);
    return std::search(t.begin(), t.end(), "IEND", "IEND" + 4) == t.end();
  }
  if (k == kind::jpeg) {
    const auto t = tail(4096);
    const unsigned char eoi[] = {0xff, 0xd9};
    return std::search(t.begin(), t.end(), eoi, eoi + 2) == t.end();
  }
  return false;
}

template <class T>
image<T> take(T* pixels, int w, int h, int channels) {
  std::unique_ptr<T, void (*)(void*)> owned(pixels, &stbi_image_free);
  image<T> img(w, h, channels, channel_order::rgb);
  std::memcpy(img.data(), pixels, img.size() * sizeof(T));
  return img;
}

}  // namespace

any_image decode_image(std::span<const unsigned char> d, const std::filesystem::path& file) {
  const kind k = sniff(d, file);
  if (d.size() > std::size_t(INT_MAX)) throw failure("file is too large to decode (over 2 GiB)");
  const int len = int(d.size());
  int w = 0, h = 0, comp = 0;
  if (!stbi_info_from_memory(d.data(), len, &w, &h, &comp))
    throw failure(std::string("corrupt ") + name_of(k) + " header (stb: " + stb_reason() + ")");
  if (w <= 0 || h <= 0 || comp < 1 || comp > 4)
    throw failure(std::string("corrupt ") + name_of(k) + " header (" + std::to_string(w) + "x" + std::to_string(h) +
                  ", " + std::to_string(comp) + " channels)");
  const int want = comp <= 2 ? 1 : 3;  // grey(+alpha) -> grey, colour(+alpha) -> RGB
  const bool wide = stbi_is_16_bit_from_memory(d.data(), len) != 0;
  void* pixels = wide ? static_cast<void*>(stbi_load_16_from_memory(d.data(), len, &w, &h, &comp, want))
                      : static_cast<void*>(stbi_load_from_memory(d.data(), len, &w, &h, &comp, want));
  if (!pixels)
    throw failure(std::string(looks_truncated(d, k) ? "truncated " : "corrupt ") + name_of(k) +
                  " (stb: " + stb_reason() + ")");
  if (w <= 0 || h <= 0) {
    stbi_image_free(pixels);
    throw failure(std::string("corrupt ") + name_of(k) + " (empty image)");
  }
  if (wide) return take(static_cast<std::uint16_t*>(pixels), w, h, want);
  return take(static_cast<std::uint8_t*>(pixels), w, h, want);
}

}  // namespace detail

any_image load_image(const std::filesystem::path& file) {
  try {
    return detail::decode_image(detail::read_bytes(file), file);
  } catch (const detail::failure& e) {
    detail::throw_io(file, e.what());
  }
}

image<std::uint8_t> load_image_u8(const std::filesystem::path& file) {
  any_image img = load_image(file);
  if (auto* u8 = std::get_if<image<std::uint8_t>>(&img)) return std::move(*u8);
  detail::throw_io(file, "has 16-bit samples; an 8-bit image is required");
}

}  // namespace hdrgpu::io
