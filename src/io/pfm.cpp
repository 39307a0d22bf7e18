// Portable float map: "PF" (RGB) or "Pf" (grey), width height, scale (< 0: little-endian), then
// float32 rows from the bottom of the image to the top.
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>

#include "io_internal.hpp"

namespace hdrgpu::io::detail {
namespace {

std::uint32_t byteswap32(std::uint32_t v) {
  return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

bytes encode_pfm(image_view<const float> map) {
  const int width = map.width(), height = map.height(), c = map.channels();
  const int channels = c == 1 ? 1 : 3;  // alpha is not stored
  const bool swap = c >= 3 && map.order() == channel_order::bgr;
  const std::string header = std::string(channels == 1 ? "Pf" : "PF") + "\n" + std::to_string(width) + " " +
                             std::to_string(height) + "\n-1.0\n";
  const std::size_t row = std::size_t(width) * channels;
  bytes out(header.size() + row * height * 4);
  std::memcpy(out.data(), header.data(), header.size());
  unsigned char* o = out.data() + header.size();
  for (int y = height - 1; y >= 0; --y) {  // PFM stores the bottom row first
    const float* r = map.row(y);
    for (int x = 0; x < width; ++x, r += c)
      for (int k = 0; k < channels; ++k, o += 4) {
        std::uint32_t u = std::bit_cast<std::uint32_t>(r[swap ? 2 - k : k]);
        if constexpr (std::endian::native == std::endian::big) u = byteswap32(u);
        std::memcpy(o, &u, 4);
      }
  }
  return out;
}

image<float> decode_pfm(std::span<const unsigned char> d) {
  std::size_t pos = 2;
  // Next white-space separated header token.
  const auto token = [&]() {
    while (pos < d.size() && is_space(d[pos])) ++pos;
    const std::size_t b = pos;
    while (pos < d.size() && !is_space(d[pos])) ++pos;
    return std::string_view(reinterpret_cast<const char*>(d.data()) + b, pos - b);
  };
  const int channels = d.size() >= 2 && d[1] == 'f' ? 1 : 3;
  const auto tw = token(), th = token(), ts = token();
  int w = 0, h = 0;
  double scale = 0;
  const auto whole = [](std::string_view s, auto& v) {
    const auto [e, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return !s.empty() && ec == std::errc{} && e == s.data() + s.size();
  };
  if (!whole(tw, w) || !whole(th, h) || !whole(ts, scale) || pos >= d.size())
    throw failure("corrupt PFM header");
  if (w <= 0 || h <= 0 || w > (1 << 24) || h > (1 << 24)) throw failure("PFM size " + std::string(tw) + "x" +
                                                                          std::string(th) + " is not usable");
  if (!std::isfinite(scale) || scale == 0) throw failure("PFM scale '" + std::string(ts) + "' is not usable");
  ++pos;  // exactly one white-space byte ends the header
  const std::size_t row = std::size_t(w) * channels;
  const std::size_t need = row * std::size_t(h) * 4;
  if (d.size() - pos < need)
    throw failure("truncated PFM: " + std::to_string(d.size() - pos) + " data bytes, expected " + std::to_string(need));
  const bool swap = (scale < 0) != (std::endian::native == std::endian::little);
  image<float> img(w, h, channels, channel_order::rgb);
  const unsigned char* s = d.data() + pos;
  for (int y = h - 1; y >= 0; --y) {
    for (std::size_t i = 0; i < row; ++i, s += 4) {
      std::uint32_t u;
      std::memcpy(&u, s, 4);
      if (swap) u = byteswap32(u);
      img.row(y)[i] = std::bit_cast<float>(u);
    }
  }
  return img;
}

}  // namespace hdrgpu::io::detail
