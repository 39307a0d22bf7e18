// Output encodings of radiance maps: half floats (OpenEXR half channels) and Radiance RGBE (.hdr pixels).
// On the GPU they shrink what crosses PCIe (2 bytes per sample, or 4 bytes per pixel, instead of 4 per
// sample). CPU and CUDA results are bit-identical: both use detail/math/convert.hpp, which reproduces the
// bytes io::write_radiance writes today (tinyexr's half conversion, stb's RGBE after rgbe.cpp's clamp).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include <hdrgpu/cuda_executor.hpp>
#include <hdrgpu/detail/math/convert.hpp>
#include <hdrgpu/executor.hpp>
#include <hdrgpu/image.hpp>

namespace hdrgpu {

namespace detail {

inline void check_host_float(const image_view<const float>& src, const char* who) {
  HDRGPU_EXPECTS(!src.empty(), std::string(who) + ": empty image");
  HDRGPU_EXPECTS(src.space() == memory_space::host, std::string(who) + ": the CPU backend needs a host image");
}

inline void half_rows(image_view<const float> src, image<std::uint16_t>& out, int y0, int y1) {
  const std::size_t n = std::size_t(src.width()) * std::size_t(src.channels());
  for (int y = y0; y < y1; ++y) {
    const float* s = src.row(y);
    std::uint16_t* d = out.row(y);
    for (std::size_t k = 0; k < n; ++k) d[k] = math::half_bits(s[k]);
  }
}

/// Source channel feeding RGBE byte k (0 = R, 1 = G, 2 = B): grey feeds all three; BGR memory is swapped.
inline int rgbe_source_channel(int k, int channels, channel_order order) {
  if (channels == 1) return 0;
  return order == channel_order::bgr ? 2 - k : k;
}

inline void rgbe_rows(image_view<const float> src, image<std::uint8_t>& out, int y0, int y1) {
  const int c = src.channels();
  const int ir = rgbe_source_channel(0, c, src.order()), ig = rgbe_source_channel(1, c, src.order()),
            ib = rgbe_source_channel(2, c, src.order());
  for (int y = y0; y < y1; ++y) {
    const float* s = src.row(y);
    std::uint8_t* d = out.row(y);
    for (int x = 0; x < src.width(); ++x, s += c, d += 4) math::rgbe_pixel(s[ir], s[ig], s[ib], d);
  }
}

}  // namespace detail

// ---- half floats ---------------------------------------------------------------------------------------

/// IEEE binary16 bits of every sample, as OpenEXR half channels written by io::write_radiance(exr_half)
/// hold them (tinyexr's conversion: round to nearest, ties away from zero; overflow to +-inf; NaN to a
/// quiet NaN; f32 subnormals to +-0). Same size, channels and order as `src`. Synchronous; throws
/// invalid_argument for an empty or device view.
inline image<std::uint16_t> to_half(const cpu_executor& exec, image_view<const float> src) {
  detail::check_host_float(src, "to_half");
  image<std::uint16_t> out(src.width(), src.height(), src.channels(), src.order());
  exec.parallel_ranges(std::size_t(src.height()), 16, [&](std::size_t a, std::size_t b) {
    detail::half_rows(src, out, int(a), int(b));
  });
  return out;
}

/// to_half on the calling thread.
inline image<std::uint16_t> to_half(image_view<const float> src) {
  detail::check_host_float(src, "to_half");
  image<std::uint16_t> out(src.width(), src.height(), src.channels(), src.order());
  detail::half_rows(src, out, 0, src.height());
  return out;
}

/// to_half on the GPU, synchronous: `src` may be a host or a device view; returns a host image.
image<std::uint16_t> to_half(const cuda_executor& exec, image_view<const float> src);

/// to_half of the device image `src` into the device image `dst` (same size and channel count),
/// asynchronous: enqueued on exec's stream; synchronise before reading `dst`.
void to_half(const cuda_executor& exec, image_view<const float> src, image_view<std::uint16_t> dst);

// ---- Radiance RGBE --------------------------------------------------------------------------------------

/// Radiance RGBE pixels, byte for byte the pixels io::write_radiance(hdr) stores: a 4-channel u8 image
/// (channel_order::rgb) of R, G, B mantissas and the shared exponent E. `src` has 1 channel (grey, written
/// to R, G and B), 3, or 4 (alpha ignored); BGR views are read in their order. Negatives and NaN become 0,
/// values at or above 2^127 the largest encodable value. Synchronous; throws invalid_argument for an empty
/// or device view.
inline image<std::uint8_t> to_rgbe(const cpu_executor& exec, image_view<const float> src) {
  detail::check_host_float(src, "to_rgbe");
  image<std::uint8_t> out(src.width(), src.height(), 4, channel_order::rgb);
  exec.parallel_ranges(std::size_t(src.height()), 16, [&](std::size_t a, std::size_t b) {
    detail::rgbe_rows(src, out, int(a), int(b));
  });
  return out;
}

/// to_rgbe on the calling thread.
inline image<std::uint8_t> to_rgbe(image_view<const float> src) {
  detail::check_host_float(src, "to_rgbe");
  image<std::uint8_t> out(src.width(), src.height(), 4, channel_order::rgb);
  detail::rgbe_rows(src, out, 0, src.height());
  return out;
}

/// to_rgbe on the GPU, synchronous: `src` may be a host or a device view; returns a host image.
image<std::uint8_t> to_rgbe(const cuda_executor& exec, image_view<const float> src);

/// to_rgbe of the device image `src` into the device image `dst` (same size, 4 channels), asynchronous:
/// enqueued on exec's stream; synchronise before reading `dst`.
void to_rgbe(const cuda_executor& exec, image_view<const float> src, image_view<std::uint8_t> dst);

// ---- checks ----------------------------------------------------------------------------------------------

/// What a radiance map holds that a file cannot store as such.
struct sample_census {
  std::size_t nonfinite = 0;   ///< NaN or infinite samples: such a map is never reported as a success
  std::size_t above_half = 0;  ///< finite samples beyond +-65504: exr-half files store them clamped to 65504
};

/// sample_census of `img` (host view).
inline sample_census census(image_view<const float> img) {
  sample_census n;
  const std::size_t row = std::size_t(img.width()) * std::size_t(img.channels());
  for (int y = 0; y < img.height(); ++y) {
    const float* r = img.row(y);
    for (std::size_t i = 0; i < row; ++i) {
      const float a = std::abs(r[i]);
      const bool finite = a <= std::numeric_limits<float>::max();  // false for NaN too
      n.nonfinite += finite ? 0 : 1;
      n.above_half += finite && a > detail::math::half_max ? 1 : 0;
    }
  }
  return n;
}

/// census on the GPU, synchronous: `img` may be a host or a device view (a device map is counted where it
/// is, before it is converted or downloaded).
sample_census census(const cuda_executor& exec, image_view<const float> img);

/// Samples of `img` (host view) that are NaN or infinite.
inline std::size_t count_nonfinite(image_view<const float> img) { return census(img).nonfinite; }

/// count_nonfinite on the GPU, synchronous: `img` may be a host or a device view.
std::size_t count_nonfinite(const cuda_executor& exec, image_view<const float> img);

}  // namespace hdrgpu
