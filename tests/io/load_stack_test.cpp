// hdrgpu::io: load_stack: a folder of images into a stack, as OpenCV reads it.
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

TEST_SUITE("io.stack") {
  TEST_CASE("load_stack memorial matches OpenCV's imread") {
    HDRGPU_REQUIRE_DATA("memorial");
    const auto dir = hdrgpu_test::data_root() / "memorial";
    const io::loaded_stack s = io::load_stack(dir);
    CHECK(s.name == "memorial");
    CHECK(s.dir == dir);
    REQUIRE(s.images.size() == 16);
    REQUIRE(s.times.size() == 16);
    REQUIRE(s.files.size() == 16);
    CHECK(s.type() == hdrgpu::pixel_type::u8);
    for (int i = 0; i < 16; ++i) {
      CAPTURE(i);
      CHECK(s.files[i] == "memorial00" + std::to_string(61 + i) + ".png");
      CHECK(s.times[i] == std::ldexp(32.0f, -i));
      const auto& img = std::get<image<std::uint8_t>>(s.images[i]);
      CHECK(img.width() == 512);
      CHECK(img.height() == 768);
      CHECK(img.channels() == 3);
      CHECK(img.order() == channel_order::rgb);
      CHECK(equals_bgr_mat(img, cv::imread((dir / s.files[i]).string(), cv::IMREAD_UNCHANGED)));
    }
    const auto view = s.view<std::uint8_t>();
    CHECK(view.size() == 16);
    CHECK(view.name() == "memorial");
    CHECK(view.source(3) == "memorial0064.png");
    CHECK(view.time(15) == 1.0f / 1024);
    const std::string msg = message_of<hdrgpu::invalid_argument>([&] { s.view<std::uint16_t>(); });
    CHECK(contains(msg, "stack 'memorial': memorial0061.png has u8 samples, expected u16"));
  }

  TEST_CASE("load_stack errors name the stack and the file") {
    temp_dir root;
    const fs::path dir = root / "mystack";
    fs::create_directories(dir);
    const cv::Mat a = pattern_u8(8, 6, CV_8UC3, 1);
    REQUIRE(cv::imwrite((dir / "a.png").string(), a));
    REQUIRE(cv::imwrite((dir / "tall.png").string(), pattern_u8(8, 7, CV_8UC3, 2)));
    REQUIRE(cv::imwrite((dir / "grey.png").string(), pattern_u8(8, 6, CV_8UC1, 3)));
    REQUIRE(cv::imwrite((dir / "wide.png").string(), cv::Mat(6, 8, CV_16UC3, cv::Scalar(1000, 2000, 3000))));
    REQUIRE(cv::imwrite((dir / "wide2.png").string(), cv::Mat(6, 8, CV_16UC3, cv::Scalar(4000, 5000, 6000))));
    const std::string png = slurp(dir / "a.png");
    spit(dir / "cut.png", png.substr(0, png.size() / 2));
    const auto list = [&](const std::string& text) { spit(dir / "exposures.txt", text); };

    std::string msg = message_of<hdrgpu::io_error>([&] { io::load_stack(dir); });
    CHECK(contains(msg, "stack 'mystack': "));
    CHECK(contains(msg, "exposures.txt"));

    list("a.png 1\ngone.png 0.5\n");
    msg = message_of<hdrgpu::io_error>([&] { io::load_stack(dir); });
    CHECK(contains(msg, "stack 'mystack': gone.png: cannot open"));

    list("a.png 1\ncut.png 0.5\n");
    msg = message_of<hdrgpu::io_error>([&] { io::load_stack(dir); });
    CHECK(contains(msg, "stack 'mystack': cut.png: truncated PNG"));

    list("a.png 1\ntall.png 0.5\n");
    msg = message_of<hdrgpu::invalid_argument>([&] { io::load_stack(dir); });
    CHECK(contains(msg, "stack 'mystack'"));
    CHECK(contains(msg, "'tall.png' is 8x7, expected 8x6"));

    list("a.png 1\ngrey.png 0.5\n");
    msg = message_of<hdrgpu::invalid_argument>([&] { io::load_stack(dir); });
    CHECK(contains(msg, "stack 'mystack'"));
    CHECK(contains(msg, "'grey.png' has 1 channels"));

    list("a.png 1\nwide.png 0.5\n");
    msg = message_of<hdrgpu::invalid_argument>([&] { io::load_stack(dir); });
    CHECK(contains(msg, "stack 'mystack': wide.png has u16 samples but a.png has u8"));

    list("a.png 1\na.png 2\n");
    msg = message_of<hdrgpu::io_error>([&] { io::load_stack(dir); });
    CHECK(contains(msg, "stack 'mystack': "));
    CHECK(contains(msg, "line 2"));

    list("# nothing\n");
    msg = message_of<hdrgpu::io_error>([&] { io::load_stack(dir); });
    CHECK(contains(msg, "stack 'mystack': "));
    CHECK(contains(msg, "lists no images"));

    // A good 16-bit stack, addressed with a trailing slash.
    list("wide.png 1/4\nwide2.png 1/8\n");
    const auto s = io::load_stack(dir.string() + "/");
    CHECK(s.name == "mystack");
    CHECK(s.type() == hdrgpu::pixel_type::u16);
    const auto v = s.view<std::uint16_t>();
    REQUIRE(v.size() == 2);
    CHECK(v.time(0) == 0.25f);
    CHECK(v[1].at(0, 0, 0) == 6000);  // red of BGR (4000, 5000, 6000)
  }
}
