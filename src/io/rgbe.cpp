// Radiance RGBE (.hdr) through stb: 8-bit mantissas sharing one exponent, so each pixel keeps about
// 1/128 of its largest component; negatives and NaN cannot be stored and are written as 0.
#include <stb_image.h>
#include <stb_image_write.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>

#include <hdrgpu/detail/math/convert.hpp>

#include "io_internal.hpp"

namespace hdrgpu::io::detail {
namespace {

void append(void* ctx, void* data, int size) {
  auto* out = static_cast<bytes*>(ctx);
  const auto* p = static_cast<const unsigned char*>(data);
  out->insert(out->end(), p, p + size);
}

// stb's decoder reads zeros past the end of the data and then loops forever on a zero run length,
// so before calling it, walk the scanlines the way it will and check that every byte is there.
// Returns why the data is unusable, or nullptr. `pos` is the first data byte.
const char* rgbe_data_problem(std::span<const unsigned char> d, std::size_t pos, int w, int h) {
  const std::size_t flat_row = std::size_t(w) * 4;
  const char* truncated = "truncated Radiance HDR";
  if (pos > d.size()) return truncated;
  if (w < 8 || w >= 32768) return d.size() - pos >= flat_row * h ? nullptr : truncated;
  for (int y = 0; y < h; ++y) {
    if (d.size() - pos < 4) return truncated;
    const bool rle = d[pos] == 2 && d[pos + 1] == 2 && !(d[pos + 2] & 0x80);
    // stb then decodes the whole image flat from here.
    if (!rle) return d.size() - pos >= flat_row * h ? nullptr : truncated;
    pos += 4;
    for (int k = 0; k < 4; ++k) {
      for (int x = 0; x < w;) {
        if (pos >= d.size()) return truncated;
        const int c = d[pos++];
        const int n = c > 128 ? c - 128 : c;
        if (n == 0) return "corrupt Radiance HDR (zero-length run)";
        pos += c > 128 ? 1 : std::size_t(c);
        if (pos > d.size()) return truncated;
        x += n;
      }
    }
  }
  return nullptr;
}

// First byte after the "-Y h +X w" line, which follows the blank line ending the header.
std::size_t rgbe_data_start(std::span<const unsigned char> d) {
  const char blank[] = "\n\n";
  const auto it = std::search(d.begin(), d.end(), blank, blank + 2);
  if (it == d.end()) return d.size();
  const auto eol = std::find(it + 2, d.end(), '\n');
  return eol == d.end() ? d.size() : std::size_t(eol - d.begin()) + 1;
}

}  // namespace

bytes encode_rgbe(const float* packed, int width, int height, int channels) {
  // The clamp shared with hdrgpu::to_rgbe (detail/math/convert.hpp): NaN and values <= 0 become 0, large
  // ones the largest value whose exponent fits the exponent byte. stb then encodes each pixel exactly as
  // math::rgbe_pixel does, so to_rgbe's bytes are this file's pixels.
  std::vector<float> rgb(std::size_t(width) * height * 3);
  for (std::size_t i = 0, n = std::size_t(width) * height; i < n; ++i)
    for (int k = 0; k < 3; ++k)
      rgb[i * 3 + k] = hdrgpu::detail::math::rgbe_clamp(packed[i * channels + (channels == 1 ? 0 : k)]);
  bytes out;
  if (!stbi_write_hdr_to_func(&append, &out, width, height, 3, rgb.data()))
    throw failure("Radiance HDR encoding failed");
  return out;
}

image<float> decode_rgbe(std::span<const unsigned char> d) {
  if (d.size() > std::size_t(INT_MAX)) throw failure("file is too large to decode (over 2 GiB)");
  const int len = int(d.size());
  if (!stbi_is_hdr_from_memory(d.data(), len)) throw failure("not a Radiance HDR file");
  const auto stb_failed = [] {
    const char* why = stbi_failure_reason();
    return failure(std::string("corrupt Radiance HDR (stb: ") + (why ? why : "unknown error") + ")");
  };
  int w = 0, h = 0, comp = 0;
  if (!stbi_info_from_memory(d.data(), len, &w, &h, &comp)) throw stb_failed();
  if (w <= 0 || h <= 0)
    throw failure("corrupt Radiance HDR (image size " + std::to_string(w) + "x" + std::to_string(h) + ")");
  if (const char* why = rgbe_data_problem(d, rgbe_data_start(d), w, h)) throw failure(why);
  std::unique_ptr<float, void (*)(void*)> px(stbi_loadf_from_memory(d.data(), len, &w, &h, &comp, 3),
                                             &stbi_image_free);
  if (!px) throw stb_failed();
  image<float> img(w, h, 3, channel_order::rgb);
  std::memcpy(img.data(), px.get(), img.size() * sizeof(float));
  return img;
}

}  // namespace hdrgpu::io::detail
