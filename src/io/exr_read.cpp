// OpenEXR through tinyexr. Channels are stored B,G,R (EXR lists channels alphabetically) or Y for
// grey; reading accepts half, float and uint channels of a single-part scanline file.
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

bytes save(const EXRImage& img, EXRHeader& header, int compression) {
  header.compression_type = compression;
  unsigned char* mem = nullptr;
  const char* err = nullptr;
  const std::size_t n = SaveEXRImageToMemory(&img, &header, &mem, &err);
  if (n == 0) fail_exr("OpenEXR encoding failed", err);
  std::unique_ptr<unsigned char, void (*)(void*)> owned(mem, &std::free);
  return bytes(mem, mem + n);
}

}  // namespace

namespace {

/// An EXR of `channels` planes (file order: B, G, R, or Y) of `in_type` samples, stored as `out_type`.
bytes save_planes(std::vector<unsigned char*>& planes, int width, int height, int in_type, int out_type,
                  exr_compression compression) {
  const int channels = int(planes.size());
  std::vector<EXRChannelInfo> infos(channels);
  std::vector<int> in_types(channels, in_type);
  std::vector<int> out_types(channels, out_type);
  const char* names[] = {"B", "G", "R"};
  for (int c = 0; c < channels; ++c) {
    std::memset(&infos[c], 0, sizeof infos[c]);
    std::strcpy(infos[c].name, channels == 1 ? "Y" : names[c]);
  }
  EXRImage img;
  InitEXRImage(&img);
  img.images = planes.data();
  img.width = width;
  img.height = height;
  img.num_channels = channels;
  EXRHeader header;
  InitEXRHeader(&header);
  header.num_channels = channels;
  header.channels = infos.data();
  header.pixel_types = in_types.data();
  header.requested_pixel_types = out_types.data();
  int type = TINYEXR_COMPRESSIONTYPE_ZIP;
  switch (compression) {
    case exr_compression::none: return save(img, header, TINYEXR_COMPRESSIONTYPE_NONE);
    case exr_compression::rle: type = TINYEXR_COMPRESSIONTYPE_RLE; break;
    case exr_compression::zips: type = TINYEXR_COMPRESSIONTYPE_ZIPS; break;
    case exr_compression::zip: type = TINYEXR_COMPRESSIONTYPE_ZIP; break;
  }
  // This tinyexr links zlib, so ZIP (what OpenCV writes) normally works; a build without it cannot
  // compress, and then an uncompressed file is still a correct one.
  try {
    return save(img, header, type);
  } catch (const failure&) {
    return save(img, header, TINYEXR_COMPRESSIONTYPE_NONE);
  }
}

/// Planes in the file's channel order (B, G, R from packed R, G, B; or Y) of packed samples.
template <class T>
std::vector<std::vector<T>> file_planes(const T* packed, std::size_t n, int channels) {
  std::vector<std::vector<T>> planes(channels, std::vector<T>(n));
  for (std::size_t i = 0; i < n; ++i)
    for (int c = 0; c < channels; ++c) planes[c][i] = packed[i * channels + (channels - 1 - c)];
  return planes;
}

template <class T>
std::vector<unsigned char*> pointers(std::vector<std::vector<T>>& planes) {
  std::vector<unsigned char*> out;
  for (auto& p : planes) out.push_back(reinterpret_cast<unsigned char*>(p.data()));
  return out;
}

}  // namespace

bytes encode_exr(const float* packed, int width, int height, int channels, bool half, exr_compression compression) {
  auto planes = file_planes(packed, std::size_t(width) * height, channels);
  auto ptrs = pointers(planes);
  return save_planes(ptrs, width, height, TINYEXR_PIXELTYPE_FLOAT, half ? TINYEXR_PIXELTYPE_HALF : TINYEXR_PIXELTYPE_FLOAT,
                     compression);
}

bytes encode_exr_half(image_view<const std::uint16_t> half, exr_compression compression) {
  const std::vector<std::uint16_t> packed = pack_rgb(half);
  auto planes = file_planes(packed.data(), half.pixels(), half.channels());
  auto ptrs = pointers(planes);
  return save_planes(ptrs, half.width(), half.height(), TINYEXR_PIXELTYPE_HALF, TINYEXR_PIXELTYPE_HALF, compression);
}

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
