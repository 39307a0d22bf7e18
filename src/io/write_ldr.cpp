// 8-bit output: OpenCV-compatible float -> u8 conversion; PNG through png_write.cpp, JPEG through stb.
#include <stb_image_write.h>

#include <cmath>

#include "io_internal.hpp"

namespace hdrgpu::io {
namespace {

void append(void* ctx, void* data, int size) {
  auto* out = static_cast<detail::bytes*>(ctx);
  const auto* p = static_cast<const unsigned char*>(data);
  out->insert(out->end(), p, p + size);
}

// saturate_cast<uchar>(v * 255.0f) as OpenCV computes it: product rounded to f32 first, then
// rint (ties to even in the default rounding mode); NaN and negatives give 0.
std::uint8_t to_u8(float v) {
  const float p = v * 255.0f;
  if (!(p > 0.0f)) return 0;
  if (p >= 255.0f) return 255;
  return std::uint8_t(std::nearbyint(p));
}

}  // namespace

image<std::uint8_t> to_ldr(image_view<const float> img) {
  if (img.empty()) throw invalid_argument("to_ldr: image has no pixel data");
  if (img.space() != memory_space::host) throw invalid_argument("to_ldr: cannot convert a device image");
  image<std::uint8_t> out(img.width(), img.height(), img.channels(), img.order());
  const std::size_t row = std::size_t(img.width()) * img.channels();
  for (int y = 0; y < img.height(); ++y) {
    const float* s = img.row(y);
    std::uint8_t* d = out.row(y);
    for (std::size_t i = 0; i < row; ++i) d[i] = to_u8(s[i]);
  }
  return out;
}

void write_ldr(const std::filesystem::path& file, image_view<const std::uint8_t> img) {
  const std::string ext = detail::extension_of(file);
  const bool jpeg = ext == ".jpg" || ext == ".jpeg";
  if (!jpeg && ext != ".png")
    throw invalid_argument(file.string() + ": unknown 8-bit image extension '" + file.extension().string() +
                           "' (expected .png, .jpg or .jpeg)");
  detail::check_writable(file, img, true);
  const auto rgb = detail::pack_rgb(img);
  const int w = img.width(), h = img.height(), c = img.channels();
  detail::bytes out;
  if (jpeg) {
    // stb's JPEG writer drops the alpha of 4-channel input.
    if (!stbi_write_jpg_to_func(&append, &out, w, h, c, rgb.data(), 95)) detail::throw_io(file, "JPEG encoding failed");
  } else {
    try {
      out = detail::encode_png(rgb.data(), w, h, c);
    } catch (const detail::failure& e) {
      detail::throw_io(file, e.what());
    }
  }
  write_file_atomic(file, std::as_bytes(std::span(out)));
}

void write_ldr(const std::filesystem::path& file, image_view<const float> img) {
  detail::check_writable(file, img, true);
  write_ldr(file, to_ldr(img).view());
}

}  // namespace hdrgpu::io
