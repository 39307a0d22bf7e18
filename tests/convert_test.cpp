// Output conversions: half bits and RGBE pixels. Known values and the bytes the file writers produce
// (tinyexr for half EXR, stb for .hdr) on the CPU; the CUDA executor must give the same bytes.
#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include <hdrgpu/convert.hpp>
#include <hdrgpu/cuda_diagnostics.hpp>
#include <hdrgpu/io.hpp>

#include "gpu_support.hpp"

using namespace hdrgpu;
using detail::math::half_bits;
using detail::math::half_to_float;

namespace {

float f32(std::uint32_t bits) { return detail::math::bits_float(bits); }

struct temp_file {
  std::filesystem::path path;
  explicit temp_file(const std::string& ext) {
    static int n = 0;
    path = std::filesystem::temp_directory_path() /
           ("hdrgpu-convert-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ext);
  }
  ~temp_file() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
};

/// Floats that exercise every branch of both conversions: specials, half and RGBE boundaries, rounding
/// ties, f32 subnormals, and random values over the whole exponent range.
std::vector<float> test_values() {
  std::vector<float> v = {0.0f, -0.0f, 1.0f, -2.0f, 0.1f, 65504.0f, 65519.0f, 65520.0f, 1e6f, -1e6f,
                          std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                          std::nanf(""), -std::nanf(""), std::ldexp(1.0f, -14), std::ldexp(1.0f, -24),
                          std::ldexp(1.0f, -25), std::ldexp(5.0f, -25), std::ldexp(3.0f, -26), std::ldexp(1.0f, -26),
                          1.0f + std::ldexp(1.0f, -11),
                          1.0f + std::ldexp(3.0f, -11), f32(0x00000001u), f32(0x80400000u), 1e-32f, 9.99e-33f,
                          std::ldexp(1.0f, 127), std::numeric_limits<float>::max(), 0.999999f, 255.5f};
  for (std::uint32_t h = 0; h < 0x10000u; h += 7) v.push_back(half_to_float(std::uint16_t(h)));
  std::mt19937 rng(42);
  for (int i = 0; i < 20000; ++i) {
    const std::uint32_t bits = rng();
    const float x = f32(bits);
    v.push_back(std::isnan(x) ? 1.5f : x);
    v.push_back(std::ldexp(std::uniform_real_distribution<float>(0.5f, 1.0f)(rng), int(rng() % 60) - 30));
  }
  while (v.size() % 21) v.push_back(0.5f);  // whole 7-wide RGB rows
  return v;
}

/// The test values as a 7-pixel-wide (so stb writes flat, uncompressed scanlines) 3-channel image.
image<float> test_image(channel_order order = channel_order::rgb) {
  const std::vector<float> v = test_values();
  image<float> img(7, int(v.size() / 21), 3, order);
  std::memcpy(img.data(), v.data(), v.size() * sizeof(float));
  return img;
}

std::vector<unsigned char> read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

/// The RGBE bytes of a Radiance file stb wrote with width < 8: everything after the "-Y h +X w" line.
std::vector<unsigned char> flat_rgbe_pixels(const std::vector<unsigned char>& file) {
  const std::string s(file.begin(), file.end());
  const std::size_t blank = s.find("\n\n");
  REQUIRE(blank != std::string::npos);
  const std::size_t eol = s.find('\n', blank + 2);
  REQUIRE(eol != std::string::npos);
  return {file.begin() + std::ptrdiff_t(eol + 1), file.end()};
}

template <class T>
bool same_bytes(const image<T>& a, const image<T>& b) {
  return a.width() == b.width() && a.height() == b.height() && a.channels() == b.channels() &&
         a.order() == b.order() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

std::array<int, 4> rgbe(float r, float g, float b) {
  std::uint8_t o[4];
  detail::math::rgbe_pixel(r, g, b, o);
  return {o[0], o[1], o[2], o[3]};
}

/// The CPU's bytes, on `exec`, for 1/3/4-channel, RGB/BGR and pitched inputs.
template <class Exec>
void check_conversions(const Exec& exec) {
  const image<float> rgb = test_image();
  CHECK(same_bytes(to_half(exec, rgb), to_half(rgb)));
  CHECK(same_bytes(to_rgbe(exec, rgb), to_rgbe(rgb)));
  const image<float> bgr = test_image(channel_order::bgr);
  CHECK(same_bytes(to_rgbe(exec, bgr), to_rgbe(bgr)));
  const image_view<const float> grey(rgb.data(), 7 * 3, rgb.height(), 1);
  CHECK(same_bytes(to_half(exec, grey), to_half(grey)));
  CHECK(same_bytes(to_rgbe(exec, grey), to_rgbe(grey)));
  // 4 channels over a pitched view: 5 RGBA pixels per row of the 21-float rows (1 float left over).
  const image_view<const float> rgba(rgb.data(), 5, rgb.height(), 4, 21 * sizeof(float), channel_order::bgr);
  CHECK(same_bytes(to_half(exec, rgba), to_half(rgba)));
  CHECK(same_bytes(to_rgbe(exec, rgba), to_rgbe(rgba)));
  CHECK_THROWS_AS(to_half(exec, image_view<const float>{}), invalid_argument);
  CHECK_THROWS_AS(to_rgbe(exec, image_view<const float>{}), invalid_argument);
}

}  // namespace

TEST_SUITE("convert") {
  TEST_CASE("census counts non-finite samples and finite samples beyond half's range") {
    const float inf = std::numeric_limits<float>::infinity();
    const float v[] = {1.0f, 65504.0f, 65504.5f, -7e4f, inf, -inf, std::nanf(""), 1e30f, -65504.0f, 0.0f};
    const image_view<const float> img(v, 5, 2, 1);
    const sample_census n = census(img);
    CHECK(n.nonfinite == 3);
    CHECK(n.above_half == 3);  // 65504.5, -7e4 and 1e30; 65504 itself fits
    CHECK(count_nonfinite(img) == 3);
  }

  TEST_CASE("half bits: known values (tinyexr rounding: nearest, ties away from zero)") {
    CHECK(half_bits(1.0f) == 0x3C00);
    CHECK(half_bits(-2.0f) == 0xC000);
    CHECK(half_bits(0.1f) == 0x2E66);
    CHECK(half_bits(65504.0f) == 0x7BFF);  // largest half
    CHECK(half_bits(65519.0f) == 0x7BFF);
    CHECK(half_bits(65520.0f) == 0x7BFF);  // would round past the largest half: clamped, never inf
    CHECK(half_bits(1e6f) == 0x7BFF);
    CHECK(half_bits(-1e6f) == 0xFBFF);
    CHECK(half_bits(std::numeric_limits<float>::max()) == 0x7BFF);
    CHECK(half_bits(std::numeric_limits<float>::infinity()) == 0x7C00);
    CHECK(half_bits(-std::numeric_limits<float>::infinity()) == 0xFC00);
    CHECK(half_bits(std::nanf("")) == 0x7E00);
    CHECK(half_bits(-std::nanf("")) == 0xFE00);
    CHECK(half_bits(0.0f) == 0x0000);
    CHECK(half_bits(-0.0f) == 0x8000);
    CHECK(half_bits(std::ldexp(1.0f, -14)) == 0x0400);                         // smallest normal
    CHECK(half_bits(std::ldexp(1.0f, -14) - std::ldexp(1.0f, -24)) == 0x03FF);  // largest subnormal
    CHECK(half_bits(std::ldexp(1.0f, -24)) == 0x0001);                         // smallest subnormal
    CHECK(half_bits(std::ldexp(1.0f, -26)) == 0x0000);
    CHECK(half_bits(f32(0x00000001u)) == 0x0000);  // f32 subnormals flush to zero, keeping the sign
    CHECK(half_bits(f32(0x80400000u)) == 0x8000);
    // Ties: IEEE round-to-even would give 0x3C00, 0x0000 and 0x0002; tinyexr (and so our EXR files) rounds
    // them away from zero.
    CHECK(half_bits(1.0f + std::ldexp(1.0f, -11)) == 0x3C01);
    CHECK(half_bits(std::ldexp(1.0f, -25)) == 0x0001);
    CHECK(half_bits(std::ldexp(5.0f, -25)) == 0x0003);
    CHECK(half_bits(1.0f + std::ldexp(3.0f, -11)) == 0x3C02);  // a tie where even and away agree
    CHECK(half_bits(1.0f + std::ldexp(1.0f, -11) - std::ldexp(1.0f, -23)) == 0x3C00);  // just below a tie
  }

  TEST_CASE("half bits: every finite half round-trips, half_to_float is exact") {
    int bad = 0;
    for (std::uint32_t h = 0; h < 0x10000u; ++h) {
      const float f = half_to_float(std::uint16_t(h));
      if ((h & 0x7C00u) == 0x7C00u && (h & 0x3FFu)) {
        if (!std::isnan(f) || half_bits(f) != ((h & 0x8000u) | 0x7E00u)) ++bad;
      } else if (half_bits(f) != h) {
        ++bad;
      }
    }
    CHECK(bad == 0);
    CHECK(half_to_float(0x3C00) == 1.0f);
    CHECK(half_to_float(0x0001) == std::ldexp(1.0f, -24));
    CHECK(half_to_float(0x7BFF) == 65504.0f);
  }

  TEST_CASE("half bits equal what write_radiance(exr_half) stores") {
    const image<float> img = test_image();
    temp_file f(".exr");
    io::write_radiance(f.path, img, io::hdr_format::exr_half);
    const image<float> back = io::read_radiance(f.path);
    REQUIRE(back.size() == img.size());
    const image<std::uint16_t> h = to_half(img);
    int bad = 0;
    for (std::size_t k = 0; k < img.size(); ++k) {
      const float stored = back.data()[k];  // tinyexr's half, widened exactly
      const float ours = half_to_float(h.data()[k]);
      const bool same = std::isnan(stored) ? std::isnan(ours) && half_bits(stored) == (h.data()[k] | 0x7E00u)
                                           : detail::math::float_bits(stored) == detail::math::float_bits(ours);
      if (!same && bad++ < 5)
        MESSAGE("sample " << k << ": " << img.data()[k] << " stored " << stored << " ours " << ours);
    }
    CHECK(bad == 0);
  }

  TEST_CASE("RGBE: known pixels") {
    using px = std::array<int, 4>;
    CHECK(rgbe(1.0f, 1.0f, 1.0f) == px{128, 128, 128, 129});
    CHECK(rgbe(0.5f, 0.25f, 0.125f) == px{128, 64, 32, 128});
    CHECK(rgbe(1000.0f, 1.0f, 0.0f) == px{250, 0, 0, 138});
    CHECK(rgbe(-1.0f, std::nanf(""), 2.0f) == px{0, 0, 128, 130});  // negatives and NaN store 0
    CHECK(rgbe(1e-33f, 0.0f, 0.0f) == px{0, 0, 0, 0});               // below stb's 1e-32 cut-off
    CHECK(rgbe(std::numeric_limits<float>::infinity(), 1.0f, 0.0f) == px{255, 0, 0, 255});  // clamped below 2^127
    CHECK(rgbe(0.3f, 0.6f, 0.9f) == px{76, 153, 230, 128});
  }

  TEST_CASE("RGBE pixels equal what write_radiance(hdr) stores, RGB, BGR and grey") {
    for (const channel_order order : {channel_order::rgb, channel_order::bgr}) {
      const image<float> img = test_image(order);
      temp_file f(".hdr");
      io::write_radiance(f.path, img, io::hdr_format::hdr);
      const std::vector<unsigned char> stored = flat_rgbe_pixels(read_all(f.path));
      const image<std::uint8_t> ours = to_rgbe(cpu_executor{}, img);
      REQUIRE(stored.size() == ours.size());
      CHECK(std::memcmp(stored.data(), ours.data(), stored.size()) == 0);
    }
    const image<float> rgb = test_image();
    const image_view<const float> grey(rgb.data(), 7, rgb.height(), 1, 21 * sizeof(float));
    temp_file f(".hdr");
    io::write_radiance(f.path, grey, io::hdr_format::hdr);
    const std::vector<unsigned char> stored = flat_rgbe_pixels(read_all(f.path));
    const image<std::uint8_t> ours = to_rgbe(grey);
    REQUIRE(stored.size() == ours.size());
    CHECK(std::memcmp(stored.data(), ours.data(), stored.size()) == 0);
  }

  TEST_CASE("conversions on the CPU executor match the single-threaded ones") { check_conversions(cpu_executor{}); }
}

TEST_SUITE("gpu") {
  TEST_CASE("gpu conversions give the CPU's bytes") {
    HDRGPU_REQUIRE_GPU(exec);
    check_conversions(exec);
    const float inf = std::numeric_limits<float>::infinity();
    std::vector<float> v(3 * 1000, 0.5f);  // several blocks' worth, outliers spread out
    for (std::size_t i = 0; i < v.size(); i += 97) v[i] = i % 2 ? 7e4f : -inf;
    v[5] = std::nanf("");
    const image_view<const float> img(v.data(), 100, 10, 3);
    const sample_census want = census(img), got = census(exec, img);
    CHECK(want.nonfinite == 17);
    CHECK(want.above_half == 15);
    CHECK(got.nonfinite == want.nonfinite);
    CHECK(got.above_half == want.above_half);
    CHECK(count_nonfinite(exec, img) == want.nonfinite);
  }

  TEST_CASE("gpu conversions: asynchronous device overloads with pitched views") {
    HDRGPU_REQUIRE_GPU(exec);
    const image<float> img = test_image(channel_order::bgr);
    const int w = img.width(), h = img.height();
    const std::size_t row = std::size_t(w) * 3 * sizeof(float);
    const std::ptrdiff_t pitch = std::ptrdiff_t(row) + 52;
    detail::device_allocation src(exec, std::size_t(pitch) * h);
    std::vector<unsigned char> staged(src.bytes(), 0);
    for (int y = 0; y < h; ++y) std::memcpy(staged.data() + std::size_t(pitch) * y, img.row(y), row);
    detail::copy_to_device(exec, src.get(), staged.data(), staged.size());
    const image_view<const float> dsrc(src.as<const float>(), w, h, 3, pitch, channel_order::bgr, memory_space::device);

    const std::ptrdiff_t hpitch = w * 3 * 2 + 6, epitch = w * 4 + 3;  // odd pitch: unaligned RGBE rows
    detail::device_allocation dh(exec, std::size_t(hpitch) * h), de(exec, std::size_t(epitch) * h);
    to_half(exec, dsrc, image_view<std::uint16_t>(dh.as<std::uint16_t>(), w, h, 3, hpitch, channel_order::bgr,
                                                  memory_space::device));
    to_rgbe(exec, dsrc, image_view<std::uint8_t>(de.as<std::uint8_t>(), w, h, 4, epitch, channel_order::rgb,
                                                 memory_space::device));
    exec.synchronize();
    std::vector<unsigned char> hh(dh.bytes()), ee(de.bytes());
    detail::copy_to_host(exec, hh.data(), dh.get(), hh.size());
    detail::copy_to_host(exec, ee.data(), de.get(), ee.size());
    const image<std::uint16_t> want_h = to_half(img);
    const image<std::uint8_t> want_e = to_rgbe(img);
    int bad = 0;
    for (int y = 0; y < h; ++y) {
      bad += std::memcmp(hh.data() + std::size_t(hpitch) * y, want_h.row(y), std::size_t(w) * 3 * 2) != 0;
      bad += std::memcmp(ee.data() + std::size_t(epitch) * y, want_e.row(y), std::size_t(w) * 4) != 0;
    }
    CHECK(bad == 0);
    // Synchronous overloads read device sources too.
    CHECK(same_bytes(to_half(exec, dsrc), want_h));
    CHECK(same_bytes(to_rgbe(exec, dsrc), want_e));
    // Misuse.
    image<std::uint16_t> host_h(w, h, 3);
    CHECK_THROWS_AS(to_half(exec, dsrc, host_h.view()), invalid_argument);
    const image_view<std::uint8_t> three(de.as<std::uint8_t>(), w, h, 3, epitch, channel_order::rgb,
                                         memory_space::device);
    CHECK_THROWS_AS(to_rgbe(exec, dsrc, three), invalid_argument);
    CHECK_THROWS_AS(to_half(cpu_executor{}, dsrc), invalid_argument);
  }

  TEST_CASE("device copy bandwidth is measurable") {
    HDRGPU_REQUIRE_GPU(exec);
    const double gbps = detail::measure_device_copy_gbps(exec, std::size_t(64) << 20);
    MESSAGE("device-to-device copy: " << gbps << " GB/s (read + write)");
    CHECK(std::isfinite(gbps));
    CHECK(gbps > 0.0);
    // Any real GPU copies faster than this; under the CPU emulator the figure is memcpy's and means nothing.
    if (!build_cuda_emulated) CHECK(gbps > 10.0);
  }
}
