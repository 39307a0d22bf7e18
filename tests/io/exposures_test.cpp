// hdrgpu::io: exposure lists (exposures.txt) and parse_seconds.
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

TEST_SUITE("io.exposures") {
  TEST_CASE("parse_seconds reads decimals and fractions") {
    CHECK(io::parse_seconds("0.5") == 0.5);
    CHECK(io::parse_seconds("32") == 32.0);
    CHECK(io::parse_seconds("1e-3") == 1e-3);
    CHECK(io::parse_seconds("0.0009765625") == 1.0 / 1024);
    CHECK(io::parse_seconds("1/250") == 1.0 / 250);
    CHECK(io::parse_seconds("25/10") == 2.5);
    CHECK(io::parse_seconds("1/3049") == 1.0 / 3049);
    CHECK(io::parse_seconds("2.5/0.5") == 5.0);
  }

  TEST_CASE("parse_seconds rejects bad text and unusable values") {
    for (const char* bad : {"", "abc", "0.5s", "1/", "/2", "1//2", "1/2/3", "1/0", "0", "0/5", "-1", "-1/250",
                            "nan", "inf", "-inf", "1e400", " 1", "1 "}) {
      CAPTURE(bad);
      const std::string msg = message_of<hdrgpu::invalid_argument>([&] { io::parse_seconds(bad); });
      CHECK(contains(msg, "invalid exposure time '" + std::string(bad) + "'"));
    }
  }

  TEST_CASE("read_exposures on the memorial list") {
    HDRGPU_REQUIRE_DATA("memorial");
    const auto list = io::read_exposures(hdrgpu_test::data_root() / "memorial" / "exposures.txt");
    REQUIRE(list.size() == 16);
    for (int i = 0; i < 16; ++i) {
      CHECK(list[i].file == "memorial00" + std::to_string(61 + i) + ".png");
      CHECK(list[i].seconds == std::ldexp(32.0, -i));
    }
  }

  TEST_CASE("read_exposures skips comments and blank lines") {
    temp_dir dir;
    spit(dir / "e.txt",
         "\xef\xbb\xbf# camera: none\n\n"
         "a.png 1/250   # trailing comment\n"
         "\tb.png\t 0.5\r\n"
         "   \n"
         "c.png 2e0#no space before the comment\n"
         "d.png 4");  // no final newline
    const auto list = io::read_exposures(dir / "e.txt");
    REQUIRE(list.size() == 4);
    CHECK(list[0].file == "a.png");
    CHECK(list[0].seconds == 1.0 / 250);
    CHECK(list[1].file == "b.png");
    CHECK(list[1].seconds == 0.5);
    CHECK(list[2].file == "c.png");
    CHECK(list[2].seconds == 2.0);
    CHECK(list[3].file == "d.png");
    CHECK(list[3].seconds == 4.0);
    spit(dir / "empty.txt", "# nothing\n\n");
    CHECK(io::read_exposures(dir / "empty.txt").empty());
  }

  TEST_CASE("read_exposures errors name the file and the line") {
    temp_dir dir;
    struct bad_case {
      const char* text;
      const char* line;
      const char* why;
    };
    const bad_case cases[] = {
        {"a.png 1\nb.png\n", "line 2", "missing exposure time"},
        {"a.png 1 2\n", "line 1", "3 fields"},
        {"# c\na.png fast\n", "line 2", "'fast'"},
        {"a.png 0\n", "line 1", "> 0"},
        {"a.png -0.5\n", "line 1", "> 0"},
        {"a.png nan\n", "line 1", "not finite"},
        {"a.png inf\n", "line 1", "not finite"},
        {"a.png 1/0\n", "line 1", "zero denominator"},
        {"a.png 1\nb.png 2\na.png 3\n", "line 3", "already listed on line 1"},
    };
    for (const auto& c : cases) {
      CAPTURE(c.text);
      const auto file = dir / "exposures.txt";
      spit(file, c.text);
      try {
        io::read_exposures(file);
        FAIL("no exception");
      } catch (const hdrgpu::io_error& e) {
        CHECK(e.path() == file);
        CHECK(contains(e.what(), file.string() + ": " + c.line + ": "));
        CHECK(contains(e.what(), c.why));
      }
    }
    const std::string msg = message_of<hdrgpu::io_error>([&] { io::read_exposures(dir / "missing.txt"); });
    CHECK(contains(msg, "missing.txt"));
    CHECK(contains(msg, "No such file"));
  }
}
