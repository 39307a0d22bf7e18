// EXR compression choices: all lossless for float, smaller than none for a smooth image, and the
// parser's spellings.
#include <cmath>
#include <filesystem>

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
}
