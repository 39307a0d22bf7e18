// hdrgpu::io: response curves in OpenCV's golden CSV layout.
#include <hdrgpu/io.hpp>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <variant>

#include "io_test_support.hpp"
#include "support.hpp"

using namespace io_test;  // helpers and the names below, shared by the files split from one suite

TEST_SUITE("io.csv") {
  TEST_CASE("all OpenCV golden CSVs read as 256x3 in the requested order") {
    HDRGPU_REQUIRE_DATA("opencv-golden");
    const auto root = hdrgpu_test::data_root() / "opencv-golden";
    for (const char* name : {"response.csv", "robertson.csv", "debevec.csv", "versions/debevec.1a1ce129.csv",
                             "versions/debevec.1e5b354b.csv"}) {
      CAPTURE(name);
      const auto curve = io::read_response_csv(root / name);
      REQUIRE(curve.levels() == 256);
      REQUIRE(curve.channels() == 3);
      CHECK(curve.order() == channel_order::rgb);
      // Independent parse: strip separators, read with iostreams; file columns are B,G,R.
      std::string text = slurp(root / name);
      for (auto& ch : text)
        if (ch == ',' || ch == ';') ch = ' ';
      std::istringstream in(text);
      int mismatches = 0;
      for (int z = 0; z < 256; ++z)
        for (int c = 0; c < 3; ++c) {
          float v = -1;
          in >> v;
          if (curve(z, 2 - c) != v) ++mismatches;
        }
      CHECK(mismatches == 0);
      const auto bgr = io::read_response_csv(root / name, channel_order::bgr);
      CHECK(bgr.order() == channel_order::bgr);
      CHECK(bgr(200, 0) == curve(200, 2));
    }
    const auto r = io::read_response_csv(root / "response.csv");
    CHECK(r(0, 2) == 9.9913286e-06f);  // first column is blue
    CHECK(r(0, 1) == 2.4236835e-05f);
    CHECK(r(0, 0) == 3.9994137e-07f);
    CHECK(r(255, 2) == 8.083519f);
    CHECK(r(255, 0) == 7.9306288f);
    const auto rob = io::read_response_csv(root / "robertson.csv");
    CHECK(rob(128, 0) == 1.0f);
    CHECK(rob(255, 2) == 242.17f);
    CHECK(rob(255, 1) == 120.347f);
    CHECK(rob(255, 0) == 88.346f);
    const auto deb = io::read_response_csv(root / "debevec.csv", channel_order::bgr);
    CHECK(deb(0, 0) == 0.0000001027f);
    CHECK(deb(255, 2) == 7.3962879f);
    CHECK(io::read_response_csv(root / "versions/debevec.1e5b354b.csv")(0, 2) == 1.05013e-07f);
  }

  TEST_CASE("write_response_csv round-trips exactly and writes B,G,R") {
    temp_dir dir;
    std::mt19937 rng(3);
    std::uniform_int_distribution<std::uint32_t> bits(0, 0x7f7fffffu);  // finite positive floats
    for (const auto& [levels, channels] : {std::pair{256, 3}, std::pair{256, 1}, std::pair{65536, 3}}) {
      CAPTURE(levels);
      CAPTURE(channels);
      hdrgpu::response_curve c(levels, channels, channel_order::rgb);
      for (auto& v : c.values()) v = std::bit_cast<float>(bits(rng));
      c(0, 0) = 0.1f;
      c(1, 0) = std::numeric_limits<float>::denorm_min();
      const auto file = dir / "curve.csv";
      io::write_response_csv(file, c);
      const auto back = io::read_response_csv(file);
      REQUIRE(back.levels() == levels);
      REQUIRE(back.channels() == channels);
      CHECK(std::memcmp(back.values().data(), c.values().data(), c.values().size() * sizeof(float)) == 0);
    }
    hdrgpu::response_curve rgb(256, 3, channel_order::rgb);
    rgb(0, 0) = 1, rgb(0, 1) = 2, rgb(0, 2) = 3;
    io::write_response_csv(dir / "order.csv", rgb);
    CHECK(slurp(dir / "order.csv").substr(0, 8) == "3, 2, 1\n");
    io::write_response_csv(dir / "order2.csv", rgb.reordered(channel_order::bgr));  // same curve, other layout
    CHECK(slurp(dir / "order2.csv") == slurp(dir / "order.csv"));
    CHECK(dir.names() == std::vector<std::string>{"curve.csv", "order.csv", "order2.csv"});
  }

  TEST_CASE("read_response_csv errors carry the line number") {
    temp_dir dir;
    std::string rows;
    for (int z = 0; z < 256; ++z) {
      const std::string v = std::to_string(z);
      rows += v + ", " + v + ", " + v + "\n";
    }
    const auto check = [&](const std::string& text, const std::string& why) {
      CAPTURE(why);
      spit(dir / "bad.csv", text);
      const std::string msg = message_of<hdrgpu::io_error>([&] { io::read_response_csv(dir / "bad.csv"); });
      CAPTURE(msg);
      CHECK(contains(msg, (dir / "bad.csv").string() + ": "));
      CHECK(contains(msg, why));
    };
    check(rows.substr(0, rows.rfind("\n255,") + 1), "255 rows");
    check(rows + "1, 2, 3\n", "257 rows");
    check("1, 2, 3\n1, 2\n" + rows.substr(rows.find("2, 2")), "line 2: 2 columns, expected 3");
    check("1, 2, 3\n1, x, 3\n", "line 2: 'x' is not a number");
    check("1, 2, 3\n1, 2, 3\n1, 2.5q, 3\n", "line 3: '2.5q' is not a number");
    check("1 2 3 4 5\n", "line 1: 5 columns");
    check("1, 1e99, 3\n", "line 1: '1e99' is outside the f32 range");
    // Values no response can have: refused, not used (a NaN curve would make every merge NaN).
    check("1, 2, 3\n1, nan, 3\n", "line 2: 'nan' is not a usable response value");
    check("1, 2, 3\ninf, 2, 3\n", "line 2: 'inf' is not a usable response value");
    check("1, 2, -0.5\n", "line 1: '-0.5' is not a usable response value");
    const std::string msg = message_of<hdrgpu::io_error>([&] { io::read_response_csv(dir / "none.csv"); });
    CHECK(contains(msg, "none.csv"));
  }
}
