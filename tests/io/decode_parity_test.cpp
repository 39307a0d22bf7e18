// hdrgpu::io: 8- and 16-bit PNG, BMP, TGA and JPEG decoded as OpenCV decodes them.
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

TEST_SUITE("io.decode") {
  TEST_CASE("16-bit PNG round trip through OpenCV's writer") {
    temp_dir dir;
    cv::Mat bgr(5, 7, CV_16UC3);
    for (int y = 0; y < bgr.rows; ++y)
      for (int x = 0; x < bgr.cols; ++x)
        for (int k = 0; k < 3; ++k)
          bgr.ptr<std::uint16_t>(y)[x * 3 + k] = std::uint16_t((y * 7 + x) * 1543 + k * 21011);
    bgr.at<cv::Vec3w>(0, 0) = {65535, 0, 256};
    REQUIRE(cv::imwrite((dir / "c16.png").string(), bgr));
    const io::any_image any = io::load_image(dir / "c16.png");
    const auto* img = std::get_if<image<std::uint16_t>>(&any);
    REQUIRE(img);
    CHECK(img->order() == channel_order::rgb);
    CHECK(img->at(0, 0, 0) == 256);
    CHECK(img->at(0, 0, 2) == 65535);
    CHECK(equals_bgr_mat(*img, bgr));

    cv::Mat grey(4, 3, CV_16UC1);
    for (int i = 0; i < 12; ++i) grey.at<std::uint16_t>(i / 3, i % 3) = std::uint16_t(i * 5000 + 7);
    REQUIRE(cv::imwrite((dir / "g16.png").string(), grey));
    const io::any_image g = io::load_image(dir / "g16.png");
    REQUIRE(std::holds_alternative<image<std::uint16_t>>(g));
    CHECK(equals_bgr_mat(std::get<image<std::uint16_t>>(g), grey));

    const std::string msg = message_of<hdrgpu::io_error>([&] { io::load_image_u8(dir / "c16.png"); });
    CHECK(contains(msg, "c16.png"));
    CHECK(contains(msg, "16-bit"));
  }

  TEST_CASE("8-bit PNG, BMP and TGA - grey stays grey and alpha is dropped") {
    temp_dir dir;
    const cv::Mat bgr = pattern_u8(9, 6, CV_8UC3, 1);
    const cv::Mat grey = pattern_u8(9, 6, CV_8UC1, 2);
    const cv::Mat bgra = pattern_u8(9, 6, CV_8UC4, 3);
    REQUIRE(cv::imwrite((dir / "c.png").string(), bgr));
    REQUIRE(cv::imwrite((dir / "c.bmp").string(), bgr));
    REQUIRE(cv::imwrite((dir / "g.png").string(), grey));
    REQUIRE(cv::imwrite((dir / "a.png").string(), bgra));
    spit(dir / "c.tga", tga_bytes(bgr));
    CHECK(equals_bgr_mat(io::load_image_u8(dir / "c.png"), bgr));
    CHECK(equals_bgr_mat(io::load_image_u8(dir / "c.bmp"), bgr));
    CHECK(equals_bgr_mat(io::load_image_u8(dir / "c.tga"), bgr));
    const auto g = io::load_image_u8(dir / "g.png");
    CHECK(g.channels() == 1);
    CHECK(equals_bgr_mat(g, grey));
    const auto a = io::load_image_u8(dir / "a.png");
    REQUIRE(a.channels() == 3);
    bool same = true;
    for (int y = 0; y < 6; ++y)
      for (int x = 0; x < 9; ++x)
        for (int k = 0; k < 3; ++k) same = same && a.at(x, y, k) == bgra.at<cv::Vec4b>(y, x)[2 - k];
    CHECK(same);
    // A misnamed file decodes by content.
    fs::copy_file(dir / "c.png", dir / "really_png.jpg");
    CHECK(equals_bgr_mat(io::load_image_u8(dir / "really_png.jpg"), bgr));
  }

  TEST_CASE("JPEG decodes exactly as OpenCV does") {
    HDRGPU_REQUIRE_DATA("courtyard-people");
    const auto file = hdrgpu_test::data_root() / "courtyard-people" / "SAM_0015.JPG";
    const auto img = io::load_image_u8(file);
    const cv::Mat ref = cv::imread(file.string(), cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
    REQUIRE(img.width() == ref.cols);
    REQUIRE(img.height() == ref.rows);
    REQUIRE(img.channels() == 3);
    // Same libjpeg-turbo, same IDCT (islow) and upsampling as OpenCV's build: bit-exact.
    long long differ = 0;
    for (int y = 0; y < ref.rows; ++y)
      for (int x = 0; x < ref.cols; ++x)
        for (int k = 0; k < 3; ++k) differ += img.at(x, y, k) != ref.at<cv::Vec3b>(y, x)[2 - k];
    CHECK(differ == 0);
  }

  TEST_CASE("missing, corrupt and truncated files throw io_error naming the file") {
    temp_dir dir;
    std::mt19937 rng(7);
    std::string noise(4096, '\0');
    for (auto& ch : noise) ch = char(rng());
    noise[0] = 'x';  // not a BMP/PNG/JPEG signature by accident
    spit(dir / "noise.png", noise);
    spit(dir / "empty.png", "");
    spit(dir / "bad.png", std::string("\x89PNG\r\n\x1a\n", 8) + noise);
    spit(dir / "fake.hdr", "#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 1 +X 1\n\x80\x80\x80\x80");

    const auto check = [](const fs::path& file, const std::string& why) {
      CAPTURE(file);
      try {
        io::load_image(file);
        FAIL("no exception");
      } catch (const hdrgpu::io_error& e) {
        CHECK(e.path() == file);
        CHECK(contains(e.what(), file.string() + ": "));
        CHECK(contains(e.what(), why));
      }
    };
    check(dir / "missing.png", "No such file");
    check(dir / "noise.png", "unsupported image format");
    check(dir / "empty.png", "empty");
    check(dir / "bad.png", "PNG");
    check(dir / "fake.hdr", "read_radiance");
    check(dir.path, "directory");

    if (hdrgpu_test::have_data("memorial")) {
      const std::string png = slurp(hdrgpu_test::data_root() / "memorial" / "memorial0064.png");
      spit(dir / "half.png", png.substr(0, png.size() / 2));
      check(dir / "half.png", "truncated PNG (stb: ");
    }
    if (hdrgpu_test::have_data("courtyard-people")) {
      const std::string jpg = slurp(hdrgpu_test::data_root() / "courtyard-people" / "SAM_0015.JPG");
      spit(dir / "half.jpg", jpg.substr(0, jpg.size() / 2));
      check(dir / "half.jpg", "truncated JPEG (libjpeg-turbo");
    }
  }
}
