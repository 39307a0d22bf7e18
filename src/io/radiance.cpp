// Radiance-map files: format choice and the read/write entry points; the codecs live in
// pfm.cpp, rgbe.cpp and exr.cpp.
#include <cstring>

#include "io_internal.hpp"

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
  if (text == "none") return exr_compression::none;
  if (text == "rle") return exr_compression::rle;
  if (text == "zips") return exr_compression::zips;
  if (text == "zip") return exr_compression::zip;
  throw invalid_argument("unknown EXR compression '" + std::string(text) + "' (expected none, rle, zips or zip)");
}

void write_radiance(const std::filesystem::path& file, image_view<const float> map, hdr_format format) {
  write_radiance(file, map, format, exr_compression::zip);
}

void write_radiance(const std::filesystem::path& file, image_view<const float> map, hdr_format format,
                    exr_compression compression) {
  detail::check_writable(file, map, false);
  const int w = map.width(), h = map.height(), c = map.channels();
  detail::bytes encoded;
  try {
    switch (format) {
      case hdr_format::exr:
      case hdr_format::exr_half: {
        const std::vector<float> rgb = detail::pack_rgb(map);
        encoded = detail::encode_exr(rgb.data(), w, h, c, format == hdr_format::exr_half, compression);
        break;
      }
      case hdr_format::hdr: encoded = detail::encode_rgbe(map); break;
      case hdr_format::pfm: encoded = detail::encode_pfm(map); break;
      default: throw invalid_argument(file.string() + ": unknown hdr_format");
    }
  } catch (const detail::failure& e) {
    detail::throw_io(file, e.what());
  }
  write_file_atomic(file, std::as_bytes(std::span(encoded)));
}

void write_exr_half(const std::filesystem::path& file, image_view<const std::uint16_t> half,
                    exr_compression compression) {
  detail::check_writable(file, half, false);
  detail::bytes encoded;
  try {
    encoded = detail::encode_exr_half(half, compression);
  } catch (const detail::failure& e) {
    detail::throw_io(file, e.what());
  }
  write_file_atomic(file, std::as_bytes(std::span(encoded)));
}

void write_rgbe(const std::filesystem::path& file, image_view<const std::uint8_t> rgbe) {
  detail::check_writable(file, rgbe, true);
  if (rgbe.channels() != 4) throw invalid_argument(file.string() + ": RGBE pixels have 4 channels, got " +
                                                   std::to_string(rgbe.channels()));
  detail::bytes encoded;
  try {
    encoded = detail::encode_rgbe_pixels(rgbe);
  } catch (const detail::failure& e) {
    detail::throw_io(file, e.what());
  }
  write_file_atomic(file, std::as_bytes(std::span(encoded)));
}

image<float> read_radiance(const std::filesystem::path& file) {
  try {
    const detail::bytes data = detail::read_bytes(file);
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
