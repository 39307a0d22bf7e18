// Radiance-map files: format choice and the read/write entry points; the codecs live in
// pfm.cpp, rgbe.cpp, exr_write.cpp and exr_read.cpp.
#include <cmath>
#include <cstring>
#include <limits>

#include <hdrgpu/detail/math/convert.hpp>

#include "exr_internal.hpp"

namespace hdrgpu::io {

hdr_format hdr_format_from_path(const std::filesystem::path& file, bool half) {
  const std::string ext = detail::extension_of(file);
  if (ext == ".exr") return half ? hdr_format::exr_half : hdr_format::exr;
  if (ext == ".hdr") return hdr_format::hdr;
  if (ext == ".pfm") return hdr_format::pfm;
  throw invalid_argument(file.string() + ": unknown radiance map extension '" + file.extension().string() +
                         "' (expected .exr, .hdr or .pfm)");
}

exr_compression parse_exr_compression(std::string_view text) {
  for (const auto c : {exr_compression::none, exr_compression::rle, exr_compression::zips, exr_compression::zip,
                       exr_compression::piz})
    if (text == to_string(c)) return c;
  throw invalid_argument("unknown EXR compression '" + std::string(text) + "' (expected none, rle, zips, zip or piz)");
}

const char* to_string(exr_compression c) noexcept {
  switch (c) {
    case exr_compression::none: return "none";
    case exr_compression::rle: return "rle";
    case exr_compression::zips: return "zips";
    case exr_compression::zip: return "zip";
    case exr_compression::piz: return "piz";
  }
  return "?";
}

exr_compression default_exr_compression(hdr_format format) noexcept {
  return format == hdr_format::exr_half ? exr_compression::piz : exr_compression::none;
}

namespace {

// Writes encoded parts and says how big the file is.
std::uintmax_t write_parts(const std::filesystem::path& file, const std::vector<detail::bytes>& parts) {
  std::vector<std::span<const unsigned char>> spans(parts.begin(), parts.end());
  detail::write_file_atomic_parts(file, spans);
  std::uintmax_t n = 0;
  for (const auto& p : parts) n += p.size();
  return n;
}

// Scanlines of a float map in EXR block layout: channels B, G, R (or Y), as float or clamped half.
detail::exr_lines exr_lines_of(image_view<const float> map, bool half) {
  const int w = map.width(), c = map.channels();
  const bool bgr = c == 3 && map.order() == channel_order::bgr;
  detail::exr_lines src{w, map.height(), c, half, {}};
  src.line = [map, half, w, c, bgr](int y, unsigned char* out) {
    const float* row = map.row(y);
    std::size_t clamped = 0;
    for (int k = 0; k < c; ++k) {
      // File channel k is B, G, R: packed index 2 - k of an RGB view, k of a BGR one.
      const float* s = row + (c == 1 ? 0 : bgr ? k : 2 - k);
      if (half) {
        auto* o = reinterpret_cast<std::uint16_t*>(out) + std::size_t(k) * w;
        for (int x = 0; x < w; ++x) {
          const float v = s[std::size_t(x) * c];
          const float a = std::abs(v);
          clamped += a > hdrgpu::detail::math::half_max && a <= std::numeric_limits<float>::max() ? 1 : 0;
          o[x] = hdrgpu::detail::math::half_bits(v);
        }
      } else {
        auto* o = reinterpret_cast<float*>(out) + std::size_t(k) * w;
        for (int x = 0; x < w; ++x) o[x] = s[std::size_t(x) * c];
      }
    }
    return clamped;
  };
  return src;
}

detail::exr_lines exr_lines_of(image_view<const std::uint16_t> half) {
  const int w = half.width(), c = half.channels();
  const bool bgr = c == 3 && half.order() == channel_order::bgr;
  detail::exr_lines src{w, half.height(), c, true, {}};
  src.line = [half, w, c, bgr](int y, unsigned char* out) {
    const std::uint16_t* row = half.row(y);
    for (int k = 0; k < c; ++k) {
      const std::uint16_t* s = row + (c == 1 ? 0 : bgr ? k : 2 - k);
      auto* o = reinterpret_cast<std::uint16_t*>(out) + std::size_t(k) * w;
      for (int x = 0; x < w; ++x) o[x] = s[std::size_t(x) * c];
    }
    return std::size_t(0);
  };
  return src;
}

}  // namespace

write_result write_radiance(const std::filesystem::path& file, image_view<const float> map, hdr_format format,
                            exr_compression compression) {
  write_options o;
  o.compression = compression;
  return write_radiance(file, map, format, o);
}

write_result write_radiance(const std::filesystem::path& file, image_view<const float> map, hdr_format format,
                            const write_options& options) {
  detail::check_writable(file, map, false);
  write_result result;
  std::vector<detail::bytes> parts;
  try {
    switch (format) {
      case hdr_format::exr:
      case hdr_format::exr_half: {
        const bool half = format == hdr_format::exr_half;
        auto encoded = detail::exr_encode(exr_lines_of(map, half), options.compression.value_or(default_exr_compression(format)),
                                          options.executor);
        parts = std::move(encoded.parts);
        result.clamped = encoded.clamped;
        break;
      }
      case hdr_format::hdr: parts = detail::encode_rgbe(map, options.executor); break;
      case hdr_format::pfm: parts.push_back(detail::encode_pfm(map)); break;
      default: throw invalid_argument(file.string() + ": unknown hdr_format");
    }
  } catch (const detail::failure& e) {
    detail::throw_io(file, e.what());
  }
  result.bytes = write_parts(file, parts);
  return result;
}

void write_exr_half(const std::filesystem::path& file, image_view<const std::uint16_t> half, const write_options& options) {
  detail::check_writable(file, half, false);
  std::vector<detail::bytes> parts;
  try {
    parts = detail::exr_encode(exr_lines_of(half), options.compression.value_or(default_exr_compression(hdr_format::exr_half)), options.executor).parts;
  } catch (const detail::failure& e) {
    detail::throw_io(file, e.what());
  }
  write_parts(file, parts);
}

void write_rgbe(const std::filesystem::path& file, image_view<const std::uint8_t> rgbe, const cpu_executor* executor) {
  detail::check_writable(file, rgbe, true);
  if (rgbe.channels() != 4) throw invalid_argument(file.string() + ": RGBE pixels have 4 channels, got " +
                                                   std::to_string(rgbe.channels()));
  std::vector<detail::bytes> parts;
  try {
    parts = detail::encode_rgbe_pixels(rgbe, executor);
  } catch (const detail::failure& e) {
    detail::throw_io(file, e.what());
  }
  write_parts(file, parts);
}

image<float> read_radiance(const std::filesystem::path& file) {
  try {
    const detail::bytes data = detail::read_bytes(file, max_radiance_file_bytes);
    const std::span<const unsigned char> d(data);
    const auto magic = [&](std::string_view m) {
      return d.size() >= m.size() && std::memcmp(d.data(), m.data(), m.size()) == 0;
    };
    // By content, not extension, so a misnamed file still reads.
    if (magic("\x76\x2f\x31\x01")) return detail::decode_exr(d);
    if (magic("#?")) return detail::decode_rgbe(d);
    if (magic("PF") || magic("Pf")) return detail::decode_pfm(d);
    throw detail::failure(d.empty() ? "file is empty" : "not an OpenEXR, Radiance HDR or PFM file");
  } catch (const detail::failure& e) {
    detail::throw_io(file, e.what());
  }
}

}  // namespace hdrgpu::io
