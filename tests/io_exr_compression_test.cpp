// EXR compression choices: all lossless for float, smaller than none for a smooth image, and the
// parser's spellings.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <hdrgpu/convert.hpp>
#include <hdrgpu/io.hpp>

#include "support.hpp"

using namespace hdrgpu;
namespace fs = std::filesystem;

TEST_SUITE("io.radiance") {
  TEST_CASE("write_radiance with each EXR compression reads back exactly") {
    image<float> map(67, 41, 3);
    for (int y = 0; y < map.height(); ++y)
      for (int x = 0; x < map.width(); ++x)
        for (int c = 0; c < 3; ++c) map.at(x, y, c) = std::exp(0.05f * float(x) - 0.03f * float(y)) * float(c + 1);
    const hdrgpu_test::temp_dir tmp("exr-compression");
    const fs::path& dir = tmp.path;
    std::uintmax_t none_size = 0;
    for (const char* name : {"none", "rle", "zips", "zip"}) {
      CAPTURE(name);
      const fs::path f = dir / (std::string(name) + ".exr");
      io::write_radiance(f, map.view(), io::hdr_format::exr, io::parse_exr_compression(name));
      const image<float> back = io::read_radiance(f);
      REQUIRE(back.size() == map.size());
      CHECK(hdrgpu_test::max_rel_diff(back.data(), map.data(), map.size()) == 0.0);
      if (std::string(name) == "none") none_size = fs::file_size(f);
      else if (std::string(name) == "zip") CHECK(fs::file_size(f) < none_size);
    }
    CHECK_THROWS_AS(io::parse_exr_compression("lzma"), invalid_argument);
  }

  // What the batch engine writes when the GPU has encoded the map (half bits, RGBE pixels) must be the
  // file it would have written from the float map.
  TEST_CASE("write_exr_half and write_rgbe of converted maps write the float map's files byte for byte") {
    const hdrgpu_test::temp_dir tmp("encoded");
    const auto bytes_of = [](const fs::path& f) {
      std::ifstream in(f, std::ios::binary);
      return std::string(std::istreambuf_iterator<char>(in), {});
    };
    for (const int channels : {1, 3})
      for (const channel_order order : {channel_order::rgb, channel_order::bgr}) {
        CAPTURE(channels);
        CAPTURE(int(order));
        image<float> map(53, 29, channels, order);
        for (int y = 0; y < map.height(); ++y)
          for (int x = 0; x < map.width(); ++x)
            for (int c = 0; c < channels; ++c)
              map.at(x, y, c) = std::exp(0.21f * float(x) - 0.17f * float(y)) * float(3 * c + 1) - (x == 7 ? 2.0f : 0.0f);
        map.at(3, 3, 0) = 1e6f;  // beyond half's range: clamped identically
        for (const char* name : {"none", "zip"}) {
          const io::exr_compression comp = io::parse_exr_compression(name);
          io::write_radiance(tmp / "f.exr", map.view(), io::hdr_format::exr_half, comp);
          io::write_exr_half(tmp / "h.exr", to_half(map.view()).view(), comp);
          CHECK(bytes_of(tmp / "f.exr") == bytes_of(tmp / "h.exr"));
        }
        io::write_radiance(tmp / "f.hdr", map.view(), io::hdr_format::hdr);
        io::write_rgbe(tmp / "e.hdr", to_rgbe(map.view()).view());
        CHECK(bytes_of(tmp / "f.hdr") == bytes_of(tmp / "e.hdr"));
      }
    const image<std::uint8_t> three(4, 4, 3);
    CHECK_THROWS_AS(io::write_rgbe(tmp / "x.hdr", three.view()), invalid_argument);
  }
}
