// OpenEXR reading through tinyexr: half, float and uint channels R,G,B or Y of a single-part scanline
// file. (Writing: exr_write.cpp.)
#include <tinyexr.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "io_internal.hpp"

namespace hdrgpu::io::detail {
namespace {

// Takes ownership of a tinyexr error string and turns it into a failure.
[[noreturn]] void fail_exr(const char* what, const char* err) {
  std::string msg = std::string(what) + (err ? std::string(" (tinyexr: ") + err + ")" : std::string());
  if (err) FreeEXRErrorMessage(err);
  throw failure(msg);
}

}  // namespace

image<float> decode_exr(std::span<const unsigned char> d) {
  EXRVersion version;
  if (ParseEXRVersionFromMemory(&version, d.data(), d.size()) != TINYEXR_SUCCESS)
    throw failure("corrupt OpenEXR version header");
  if (version.multipart || version.non_image) throw failure("multi-part and deep OpenEXR files are not supported");

  // FreeEXRHeader is safe on a freshly initialised header (a failed parse leaves it untouched).
  EXRHeader header;
  InitEXRHeader(&header);
  std::unique_ptr<EXRHeader, int (*)(EXRHeader*)> header_guard(&header, &FreeEXRHeader);
  const char* err = nullptr;
  if (ParseEXRHeaderFromMemory(&header, &version, d.data(), d.size(), &err) != TINYEXR_SUCCESS)
    fail_exr("corrupt OpenEXR header", err);
  if (header.tiled) throw failure("tiled OpenEXR files are not supported");
  for (int c = 0; c < header.num_channels; ++c)
    if (header.pixel_types[c] == TINYEXR_PIXELTYPE_HALF) header.requested_pixel_types[c] = TINYEXR_PIXELTYPE_FLOAT;

  // R,G,B if present, else Y, else the only channel.
  const auto find = [&](const char* name) {
    for (int c = 0; c < header.num_channels; ++c)
      if (std::strcmp(header.channels[c].name, name) == 0) return c;
    return -1;
  };
  std::vector<int> src;
  if (const int r = find("R"), g = find("G"), b = find("B"); r >= 0 && g >= 0 && b >= 0)
    src = {r, g, b};
  else if (const int y = find("Y"); y >= 0)
    src = {y};
  else if (header.num_channels == 1)
    src = {0};
  else {
    std::string names;
    for (int c = 0; c < header.num_channels; ++c) names += std::string(c ? ", " : "") + header.channels[c].name;
    throw failure("OpenEXR file has no R,G,B or Y channels (has " + names + ")");
  }
  for (int c : src)
    if (header.channels[c].x_sampling != 1 || header.channels[c].y_sampling != 1)
      throw failure("subsampled OpenEXR channels are not supported");

  // On corrupt pixel data tinyexr 1.0.1 frees the image itself (so no guard until success), but
  // only num_channels planes of it, and it sets num_channels at the very end: set it now so its
  // cleanup frees the planes instead of leaking them.
  EXRImage img;
  InitEXRImage(&img);
  img.num_channels = header.num_channels;
  if (LoadEXRImageFromMemory(&img, &header, d.data(), d.size(), &err) != TINYEXR_SUCCESS)
    fail_exr("corrupt or truncated OpenEXR data", err);
  std::unique_ptr<EXRImage, int (*)(EXRImage*)> image_guard(&img, &FreeEXRImage);
  if (!img.images || img.width <= 0 || img.height <= 0) throw failure("OpenEXR file has no scanline pixel data");

  const int channels = int(src.size());
  image<float> out(img.width, img.height, channels, channel_order::rgb);
  const std::size_t n = out.pixels();
  for (int k = 0; k < channels; ++k) {
    const int c = src[k];
    float* o = out.data() + k;
    if (header.requested_pixel_types[c] == TINYEXR_PIXELTYPE_UINT) {
      const auto* p = reinterpret_cast<const std::uint32_t*>(img.images[c]);
      for (std::size_t i = 0; i < n; ++i) o[i * channels] = float(p[i]);
    } else {
      const auto* p = reinterpret_cast<const float*>(img.images[c]);
      for (std::size_t i = 0; i < n; ++i) o[i * channels] = p[i];
    }
  }
  return out;
}

}  // namespace hdrgpu::io::detail
