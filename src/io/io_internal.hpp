// Helpers shared by the io sources. Not installed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <hdrgpu/io.hpp>

#include "../text_util.hpp"

namespace hdrgpu::io::detail {

using hdrgpu::detail::has_control;
using hdrgpu::detail::printable;
using hdrgpu::detail::shorten;

using bytes = std::vector<unsigned char>;

// Splits the text into lines (LF or CRLF), numbered from 1: exposure lists and manifests.
template <class F>
void for_each_line(std::string_view text, F&& f) {
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    f(line, line_no);
  }
}


/// Why a file could not be used, without the file's name: the public entry points add the path
/// (or "stack 'NAME': FILE") so each message names the file exactly once.
struct failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Throws io_error "PATH: why".
[[noreturn]] void throw_io(const std::filesystem::path& file, const std::string& why);

/// Whole file contents; throws failure when it is missing, unreadable, not a regular file (or a link to
/// one: devices, FIFOs and sockets are refused without reading them) or larger than `max_bytes`.
bytes read_bytes(const std::filesystem::path& file, std::uint64_t max_bytes);

/// A text file's contents without a leading UTF-8 byte-order mark (Windows editors add one); throws
/// io_error naming the file as read_bytes would fail.
std::string read_text(const std::filesystem::path& file, std::uint64_t max_bytes);

/// write_file_atomic of `parts` written one after the other (writev), without joining them first.
void write_file_atomic_parts(const std::filesystem::path& file, std::span<const std::span<const unsigned char>> parts);

/// Lower-case extension with its dot (".png"), or "".
std::string extension_of(const std::filesystem::path& file);

/// True for the extensions stack folders are searched for: .jpg, .jpeg, .png, .bmp, .tga (any case),
/// and not a hidden file (".name", e.g. macOS "._IMG.JPG" resource forks).
bool is_image_file_name(const std::filesystem::path& file);

/// probe_image, also refusing more pixels than options.max_pixels; throws failure.
image_info probe_checked(std::span<const std::uint8_t> data, const decode_options& options,
                         const std::filesystem::path& file);

/// Throws failure unless a PNG's compressed image data is valid deflate that inflates to no more than
/// its header's image needs (png_check.cpp: stb's inflater would grow its output without bound).
void check_png_data(std::span<const std::uint8_t> data);

/// decode_image, throwing failure (without the file name) instead of io_error.
any_image decode_any(std::span<const std::uint8_t> data, const decode_options& options,
                     const std::filesystem::path& file);

// JPEG through TurboJPEG; both throw failure.
struct jpeg_header {
  int width = 0, height = 0, channels = 0;
};
jpeg_header jpeg_probe(std::span<const std::uint8_t> data);
/// Decodes into `dst`, which has the stored size and the header's channel count (colour in
/// dst.order()). A fresh decompressor per call (see decode_into); probes reuse a per-thread one.
void jpeg_decode(std::span<const std::uint8_t> data, image_view<std::uint8_t> dst);

/// Throws invalid_argument naming `file` unless `view` is in host memory with 1 or 3 (or 4 when
/// `allow_alpha`) channels.
template <class T>
void check_writable(const std::filesystem::path& file, const image_view<T>& view, bool allow_alpha) {
  const std::string who = file.string() + ": ";
  if (view.empty()) throw invalid_argument(who + "image has no pixel data");
  if (view.space() != memory_space::host) throw invalid_argument(who + "cannot write a device image");
  if (view.channels() == 4 && !allow_alpha) throw invalid_argument(who + "4-channel images are not supported");
}

/// Packed rows of 1 channel, or of 3/4 channels in R,G,B(,A) order whatever the view's order.
template <class T>
std::vector<std::remove_const_t<T>> pack_rgb(const image_view<T>& view) {
  const int w = view.width(), h = view.height(), c = view.channels();
  const bool swap = c >= 3 && view.order() == channel_order::bgr;
  std::vector<std::remove_const_t<T>> out(std::size_t(w) * h * c);
  auto* o = out.data();
  for (int y = 0; y < h; ++y) {
    const T* r = view.row(y);
    for (int x = 0; x < w; ++x, r += c, o += c)
      for (int k = 0; k < c; ++k) o[k] = r[swap && k < 3 ? 2 - k : k];
  }
  return out;
}

// Radiance codecs: PFM and RGBE encode straight from the view (EXR: exr_internal.hpp). Decoders throw
// failure.
bytes encode_pfm(image_view<const float> map);  // 1, 3 or 4 channels (alpha dropped), any order
image<float> decode_pfm(std::span<const unsigned char> data);
// The file in parts (header, bands of scanlines), encoded on exec's threads when given.
std::vector<bytes> encode_rgbe(image_view<const float> map, const cpu_executor* exec);  // 1, 3 or 4 channels (alpha ignored), any order
std::vector<bytes> encode_rgbe_pixels(image_view<const std::uint8_t> rgbe, const cpu_executor* exec);  // R, G, B, E bytes (to_rgbe's)
image<float> decode_rgbe(std::span<const unsigned char> data);
image<float> decode_exr(std::span<const unsigned char> data);

/// PNG of packed 8-bit rows (1, 3 or 4 channels: grey, RGB, RGBA). Throws failure.
bytes encode_png(const std::uint8_t* packed, int width, int height, int channels);

}  // namespace hdrgpu::io::detail
