// Output encodings shared by host and device: f32 -> half bits as tinyexr writes `.exr` half channels,
// and f32 RGB -> Radiance RGBE as src/io/rgbe.cpp writes `.hdr` files (its clamp, then stb_image_write).
// Integer bit manipulation only, so host and device give the same bytes.
#pragma once

#include <cstdint>
#include <cstring>

#include <hdrgpu/detail/macros.hpp>

namespace hdrgpu::detail::math {

HDRGPU_HOST_DEVICE inline std::uint32_t float_bits(float v) {
#if HDRGPU_DEVICE_PASS
  return __float_as_uint(v);
#else
  std::uint32_t u;
  std::memcpy(&u, &v, sizeof u);
  return u;
#endif
}

HDRGPU_HOST_DEVICE inline float bits_float(std::uint32_t u) {
#if HDRGPU_DEVICE_PASS
  return __uint_as_float(u);
#else
  float v;
  std::memcpy(&v, &u, sizeof v);
  return v;
#endif
}

/// The largest finite half, 65504: finite samples beyond it are stored as it (see half_bits).
inline constexpr float half_max = 65504.0f;

/// IEEE binary16 bits of `v`, as OpenEXR half channels written by io::write_radiance(..., exr_half) hold
/// them: rounds to nearest with ties away from zero (not to even; as tinyexr's float_to_half_full);
/// f32 subnormals give +-0; finite values beyond +-65504 are clamped to +-65504 (0x7bff), never written
/// as infinity; +-inf stays +-inf; NaN gives the quiet NaN 0x7e00 with the sign kept; the sign of zero
/// is kept.
HDRGPU_HOST_DEVICE inline std::uint16_t half_bits(float v) {
  const std::uint32_t f = float_bits(v);
  const std::uint32_t sign = (f >> 16) & 0x8000u;
  const int exponent = int((f >> 23) & 0xffu);
  const std::uint32_t mantissa = f & 0x7fffffu;
  std::uint32_t h = 0;  // exponent and mantissa bits; a rounding carry may run into the exponent (correct)
  if (exponent == 0) {
    h = 0;
  } else if (exponent == 255) {
    h = 0x7c00u | (mantissa ? 0x200u : 0u);
  } else {
    const int e = exponent - 127 + 15;
    if (e >= 31) {
      h = 0x7bffu;
    } else if (e <= 0) {
      if (14 - e <= 24) {  // the result may still be a non-zero subnormal
        const std::uint32_t m = mantissa | 0x800000u;
        h = m >> (14 - e);
        if ((m >> (13 - e)) & 1u) ++h;
      }
    } else {
      h = (std::uint32_t(e) << 10) | (mantissa >> 13);
      if ((mantissa & 0x1000u) && h != 0x7bffu) ++h;  // rounding up from 65504 would give inf: clamp
    }
  }
  return std::uint16_t(sign | h);
}

/// The f32 value of half bits `h` (exact; for tests and readers).
HDRGPU_HOST_DEVICE inline float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = std::uint32_t(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1fu;
  std::uint32_t mantissa = h & 0x3ffu;
  if (exponent == 31) return bits_float(sign | 0x7f800000u | (mantissa << 13));
  if (exponent != 0) return bits_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
  if (mantissa == 0) return bits_float(sign);
  int e = 113;  // subnormal: normalise the mantissa
  while (!(mantissa & 0x400u)) {
    mantissa <<= 1;
    --e;
  }
  return bits_float(sign | (std::uint32_t(e) << 23) | ((mantissa & 0x3ffu) << 13));
}

/// Largest value whose RGBE exponent still fits the exponent byte: nextafter(2^127, 0).
inline constexpr std::uint32_t rgbe_top_bits = 0x7effffffu;

/// A component as src/io/rgbe.cpp hands it to stb: NaN and values <= 0 become 0, large ones rgbe_top.
HDRGPU_HOST_DEVICE inline float rgbe_clamp(float v) {
  const float top = bits_float(rgbe_top_bits);
  return v > 0.0f ? (v < top ? v : top) : 0.0f;
}

/// Radiance RGBE of one pixel, byte for byte what io::write_radiance(..., hdr) stores (rgbe_clamp, then
/// stb_image_write's stbiw__linear_to_rgbe: frexp of the largest component m = f * 2^e, f in [0.5, 1);
/// bytes trunc(c * f * 256 / m) and e + 128; all zero when m < 1e-32). After the clamp m is a normal
/// float, so frexp is read off the bits, and f * 256 / m is the exact power of two 2^(8 - e): every step
/// is exact, and host and device agree with stb on any platform.
HDRGPU_HOST_DEVICE inline void rgbe_pixel(float r, float g, float b, std::uint8_t out[4]) {
  const float lin[3] = {rgbe_clamp(r), rgbe_clamp(g), rgbe_clamp(b)};
  const float m = lin[0] > (lin[1] > lin[2] ? lin[1] : lin[2]) ? lin[0] : (lin[1] > lin[2] ? lin[1] : lin[2]);
  if (m < 1e-32f) {
    out[0] = out[1] = out[2] = out[3] = 0;
    return;
  }
  const std::uint32_t mb = float_bits(m);
  const int e = int((mb >> 23) & 0xffu) - 126;       // m = f * 2^e with f in [0.5, 1)
  const float f = bits_float((mb & 0x807fffffu) | (126u << 23));
  const float normalize = f * 256.0f / m;
  for (int k = 0; k < 3; ++k) out[k] = std::uint8_t(int(lin[k] * normalize));
  out[3] = std::uint8_t(e + 128);
}

}  // namespace hdrgpu::detail::math
