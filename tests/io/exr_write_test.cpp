// The OpenEXR writer: every compression is lossless and readable by tinyexr (our reader) and OpenCV's
// OpenEXR; the file does not depend on how many threads encoded it; half output clamps and counts
// samples beyond half's range; the parser's spellings and the defaults.
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>

#include <hdrgpu/convert.hpp>
#include <hdrgpu/executor.hpp>
#include <hdrgpu/io.hpp>

#include "support.hpp"

using namespace hdrgpu;
namespace fs = std::filesystem;

namespace {

const char* const all_compressions[] = {"none", "rle", "zips", "zip", "piz"};

std::string bytes_of(const fs::path& f) {
  std::ifstream in(f, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// A smooth map (compresses well) with a noisy band (does not: those blocks are stored as they are), a
/// run of equal values (rle's long runs) and zeros; rows not a multiple of any block height.
image<float> test_map(int w, int h, int c, channel_order order = channel_order::rgb) {
  image<float> map(w, h, c, order);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> noise(-20.0f, 15.0f);  // within half's range
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < c; ++k) {
        float v = std::exp(0.05f * float(x) - 0.03f * float(y)) * float(k + 1);
        if (y % 37 < 5) v = std::exp2(noise(rng));
        if (y % 37 == 9) v = 0.25f;
        if (x == 3) v = 0.0f;
        map.at(x, y, k) = v;
      }
  return map;
}

/// OpenCV's reading of `file` equals `want` (an RGB or grey float map) bit for bit.
bool opencv_reads(const fs::path& file, const image<float>& want) {
  const cv::Mat m = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
  if (m.empty() || m.depth() != CV_32F || m.cols != want.width() || m.rows != want.height() ||
      m.channels() != want.channels())
    return false;
  const int c = want.channels();
  for (int y = 0; y < want.height(); ++y)
    for (int x = 0; x < want.width(); ++x)
      for (int k = 0; k < c; ++k) {
        const float a = want.at(x, y, k), b = m.ptr<float>(y)[x * c + (c == 3 ? 2 - k : k)];
        if (std::memcmp(&a, &b, 4) != 0) return false;
      }
  return true;
}

bool bitwise_equal(const image<float>& a, const image<float>& b) {
  return a.width() == b.width() && a.height() == b.height() && a.channels() == b.channels() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_SUITE("io.radiance") {
  TEST_CASE("EXR: every compression reads back exactly, through tinyexr and OpenCV, in colour and grey") {
    ::setenv("OPENCV_IO_ENABLE_OPENEXR", "1", 1);
    const hdrgpu_test::temp_dir tmp("exr-compression");
    const cpu_executor four(cpu_executor::options{4});
    for (const int channels : {3, 1}) {
      CAPTURE(channels);
      const image<float> map = test_map(67, 83, channels);
      std::uintmax_t none_size = 0;
      for (const char* name : all_compressions) {
        CAPTURE(name);
        const io::exr_compression comp = io::parse_exr_compression(name);
        CHECK(std::string(io::to_string(comp)) == name);
        const fs::path f = tmp / (std::string(name) + ".exr");
        const io::write_result r = io::write_radiance(f, map.view(), io::hdr_format::exr, comp);
        CHECK(r.bytes == fs::file_size(f));
        CHECK(r.clamped == 0);
        CHECK(bitwise_equal(io::read_radiance(f), map));
        CHECK(opencv_reads(f, map));
        if (comp == io::exr_compression::none) none_size = r.bytes;
        else if (comp != io::exr_compression::rle) CHECK(r.bytes < none_size);
        // Spread over threads: the same file.
        io::write_options o;
        o.compression = comp;
        o.executor = &four;
        io::write_radiance(tmp / "threads.exr", map.view(), io::hdr_format::exr, o);
        CHECK(bytes_of(tmp / "threads.exr") == bytes_of(f));
      }
    }
    CHECK_THROWS_AS(io::parse_exr_compression("lzma"), invalid_argument);
    CHECK_THROWS_AS(io::parse_exr_compression("ZIP"), invalid_argument);
  }

  TEST_CASE("EXR: a map large enough for many blocks per thread, BGR and padded, reads back exactly") {
    ::setenv("OPENCV_IO_ENABLE_OPENEXR", "1", 1);
    const hdrgpu_test::temp_dir tmp("exr-large");
    const image<float> rgb = test_map(301, 523, 3);
    // The same pixels as a BGR view with padded rows.
    const int pitch = 301 * 3 + 7;
    std::vector<float> buf(std::size_t(pitch) * 523, -1.0f);
    for (int y = 0; y < 523; ++y)
      for (int x = 0; x < 301; ++x)
        for (int k = 0; k < 3; ++k) buf[std::size_t(y) * pitch + x * 3 + k] = rgb.at(x, y, 2 - k);
    const image_view<const float> bgr(buf.data(), 301, 523, 3, pitch * sizeof(float), channel_order::bgr);
    const cpu_executor pool{};
    for (const char* name : all_compressions) {
      CAPTURE(name);
      io::write_options o;
      o.compression = io::parse_exr_compression(name);
      o.executor = &pool;
      const fs::path f = tmp / "big.exr";
      io::write_radiance(f, bgr, io::hdr_format::exr, o);
      CHECK(bitwise_equal(io::read_radiance(f), rgb));
      CHECK(opencv_reads(f, rgb));
    }
  }

  TEST_CASE("EXR half: within half precision, values beyond 65504 clamped and counted, never infinite") {
    ::setenv("OPENCV_IO_ENABLE_OPENEXR", "1", 1);
    const hdrgpu_test::temp_dir tmp("exr-half");
    image<float> map = test_map(45, 70, 3);
    map.at(1, 1, 0) = 65504.0f;   // fits
    map.at(2, 1, 1) = 65519.0f;   // rounds down to 65504: counted (above 65504), same value
    map.at(3, 2, 2) = 1e6f;       // clamped
    map.at(4, 3, 0) = -3e38f;     // clamped, sign kept
    for (const char* name : all_compressions) {
      CAPTURE(name);
      const fs::path f = tmp / (std::string(name) + ".exr");
      const io::write_result r = io::write_radiance(f, map.view(), io::hdr_format::exr_half, io::parse_exr_compression(name));
      CHECK(r.clamped == 3);
      const image<float> back = io::read_radiance(f);
      REQUIRE(back.size() == map.size());
      double worst = 0;
      std::size_t infinite = 0;
      for (std::size_t i = 0; i < map.size(); ++i) {
        const double a = back.data()[i], b = std::clamp(map.data()[i], -65504.0f, 65504.0f);
        infinite += std::isinf(a) ? 1 : 0;
        worst = std::max(worst, std::abs(a - b) / std::max(std::abs(b), 6.1e-5));
      }
      CHECK(infinite == 0);
      CHECK(worst <= std::ldexp(1.0, -11));  // half's rounding
      CHECK(worst > 0);                      // really stored as half
      CHECK(back.at(3, 2, 2) == 65504.0f);
      CHECK(back.at(4, 3, 0) == -65504.0f);
      CHECK(opencv_reads(f, back));          // OpenEXR decodes the same halves
    }
    // The defaults: piz for half.
    io::write_radiance(tmp / "default.exr", map.view(), io::hdr_format::exr_half);
    io::write_radiance(tmp / "piz.exr", map.view(), io::hdr_format::exr_half, io::exr_compression::piz);
    CHECK(bytes_of(tmp / "default.exr") == bytes_of(tmp / "piz.exr"));
    CHECK(io::default_exr_compression(io::hdr_format::exr_half) == io::exr_compression::piz);
    CHECK(io::default_exr_compression(io::hdr_format::exr) == io::exr_compression::none);
  }

  // What the batch engine writes when the GPU has encoded the map (half bits, RGBE pixels) must be the
  // file it would have written from the float map.
  TEST_CASE("write_exr_half and write_rgbe of converted maps write the float map's files byte for byte") {
    const hdrgpu_test::temp_dir tmp("encoded");
    const cpu_executor pool{};
    for (const int channels : {1, 3})
      for (const channel_order order : {channel_order::rgb, channel_order::bgr}) {
        CAPTURE(channels);
        CAPTURE(int(order));
        image<float> map(53, 129, channels, order);
        for (int y = 0; y < map.height(); ++y)
          for (int x = 0; x < map.width(); ++x)
            for (int c = 0; c < channels; ++c)
              map.at(x, y, c) = std::exp(0.21f * float(x) - 0.17f * float(y % 40)) * float(3 * c + 1) - (x == 7 ? 2.0f : 0.0f);
        map.at(3, 3, 0) = 1e6f;  // beyond half's range: clamped identically
        for (const char* name : all_compressions) {
          io::write_options o;
          o.compression = io::parse_exr_compression(name);
          io::write_radiance(tmp / "f.exr", map.view(), io::hdr_format::exr_half, o);
          o.executor = &pool;
          io::write_exr_half(tmp / "h.exr", to_half(map.view()).view(), o);
          CHECK(bytes_of(tmp / "f.exr") == bytes_of(tmp / "h.exr"));
        }
        io::write_radiance(tmp / "f.hdr", map.view(), io::hdr_format::hdr);
        io::write_rgbe(tmp / "e.hdr", to_rgbe(map.view()).view(), &pool);
        CHECK(bytes_of(tmp / "f.hdr") == bytes_of(tmp / "e.hdr"));
        io::write_options o;
        o.executor = &pool;
        io::write_radiance(tmp / "p.hdr", map.view(), io::hdr_format::hdr, o);
        CHECK(bytes_of(tmp / "f.hdr") == bytes_of(tmp / "p.hdr"));
      }
    const image<std::uint8_t> three(4, 4, 3);
    CHECK_THROWS_AS(io::write_rgbe(tmp / "x.hdr", three.view()), invalid_argument);
  }
}
