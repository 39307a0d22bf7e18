// Radiance RGBE (.hdr): written here in one pass over the map (run-length encoded scanlines), read
// through stb. 8-bit mantissas sharing one exponent, so each pixel keeps about
// 1/128 of its largest component; negatives and NaN cannot be stored and are written as 0.
#include <stb_image.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>

#include <hdrgpu/detail/math/convert.hpp>
#include <hdrgpu/executor.hpp>

#include "io_internal.hpp"

namespace hdrgpu::io::detail {
namespace {

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

namespace {

// Radiance's run-length scheme for one component of a scanline: runs of >= 4 equal bytes as
// (128 + n, value), n <= 127; everything else as literal chunks (n <= 128, then n bytes).
void rle_component(const std::uint8_t* v, int n, bytes& out) {
  int x = 0;
  while (x < n) {
    int run = 1;  // length of the equal run starting at x
    while (x + run < n && run < 127 && v[x + run] == v[x]) ++run;
    if (run >= 4) {
      out.push_back(std::uint8_t(128 + run));
      out.push_back(v[x]);
      x += run;
      continue;
    }
    // Literal chunk up to the next run of >= 4 (or 128 bytes).
    int end = x;
    while (end < n && end - x < 128) {
      int r = 1;
      while (end + r < n && r < 4 && v[end + r] == v[end]) ++r;
      if (r >= 4) break;
      ++end;
    }
    out.push_back(std::uint8_t(end - x));
    out.insert(out.end(), v + x, v + end);
    x = end;
  }
}

}  // namespace

namespace {

/// A Radiance file of w x h pixels whose RGBE bytes `row(y, px)` writes (4 * w bytes) for each row: the
/// header, then bands of run-length encoded scanlines, encoded on `exec`'s threads when given.
template <class Row>
std::vector<bytes> encode_rgbe_rows(int w, int h, const cpu_executor* exec, Row&& row) {
  const std::string header = "#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y " + std::to_string(h) + " +X " +
                             std::to_string(w) + "\n";
  constexpr int band = 64;  // scanlines per part
  const std::size_t bands = std::size_t((h + band - 1) / band);
  std::vector<bytes> parts(1 + bands);
  parts[0].assign(header.begin(), header.end());
  const bool rle = w >= 8 && w < 32768;  // the scheme's limits; other widths are stored flat
  const auto encode = [&](std::size_t first, std::size_t last) {
    std::vector<std::uint8_t> px(static_cast<std::size_t>(w) * 4), comp(static_cast<std::size_t>(w));
    for (std::size_t b = first; b < last; ++b) {
      bytes& out = parts[1 + b];
      const int y0 = int(b) * band, y1 = std::min(h, y0 + band);
      out.reserve(std::size_t(y1 - y0) * (std::size_t(w) * 4 + 4));
      for (int y = y0; y < y1; ++y) {
        row(y, px.data());
        if (!rle) {
          out.insert(out.end(), px.begin(), px.end());
          continue;
        }
        const std::uint8_t mark[4] = {2, 2, std::uint8_t(w >> 8), std::uint8_t(w & 0xff)};
        out.insert(out.end(), mark, mark + 4);
        for (int k = 0; k < 4; ++k) {
          for (int x = 0; x < w; ++x) comp[std::size_t(x)] = px[std::size_t(x) * 4 + k];
          rle_component(comp.data(), w, out);
        }
      }
    }
  };
  if (exec && bands > 1)
    exec->parallel_ranges(bands, 1, encode);
  else
    encode(0, bands);
  return parts;
}

}  // namespace

std::vector<bytes> encode_rgbe(image_view<const float> map, const cpu_executor* exec) {
  // Pixels by math::rgbe_pixel (shared with hdrgpu::to_rgbe, so the GPU's bytes are this file's pixels):
  // NaN and values <= 0 become 0, huge values the largest that fits the exponent byte.
  const int w = map.width(), c = map.channels();
  const bool swap = c >= 3 && map.order() == channel_order::bgr;
  return encode_rgbe_rows(w, map.height(), exec, [&](int y, std::uint8_t* px) {
    const float* row = map.row(y);
    for (int x = 0; x < w; ++x) {
      const float* p = row + std::size_t(x) * c;
      const float r = c == 1 ? p[0] : p[swap ? 2 : 0], g = c == 1 ? p[0] : p[1], b = c == 1 ? p[0] : p[swap ? 0 : 2];
      hdrgpu::detail::math::rgbe_pixel(r, g, b, px + std::size_t(x) * 4);
    }
  });
}

std::vector<bytes> encode_rgbe_pixels(image_view<const std::uint8_t> rgbe, const cpu_executor* exec) {
  const int w = rgbe.width();
  return encode_rgbe_rows(w, rgbe.height(), exec, [&](int y, std::uint8_t* px) {
    std::memcpy(px, rgbe.row(y), std::size_t(w) * 4);
  });
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
