// hdrgpu::io: radiance maps (PFM, EXR, Radiance .hdr) written and read, cross-checked with OpenCV.
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

TEST_SUITE("io.radiance") {
  TEST_CASE("hdr_format_from_path") {
    CHECK(io::hdr_format_from_path("a/b.exr") == io::hdr_format::exr);
    CHECK(io::hdr_format_from_path("b.EXR", true) == io::hdr_format::exr_half);
    CHECK(io::hdr_format_from_path("b.Hdr") == io::hdr_format::hdr);
    CHECK(io::hdr_format_from_path("b.pfm", true) == io::hdr_format::pfm);
    CHECK(contains(message_of<hdrgpu::invalid_argument>([] { io::hdr_format_from_path("x/out.png"); }), "out.png"));
    CHECK_THROWS_AS(io::hdr_format_from_path("noext"), hdrgpu::invalid_argument);
  }

  TEST_CASE("PFM and float EXR round-trip exactly - OpenCV reads the same numbers") {
    enable_opencv_exr();
    temp_dir dir;
    const auto rgb = random_radiance(37, 23, 3, 11, true);
    const auto grey = random_radiance(19, 5, 1, 12, true);
    for (const char* name : {"m.pfm", "m.exr"}) {
      CAPTURE(name);
      const auto file = dir / name;
      io::write_radiance(file, rgb, io::hdr_format_from_path(file));
      const auto back = io::read_radiance(file);
      CHECK(back.order() == channel_order::rgb);
      CHECK(bitwise_equal(back, rgb));
      const cv::Mat ref = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
      REQUIRE(ref.type() == CV_32FC3);
      CHECK(equals_bgr_mat(rgb, ref));

      const auto gfile = dir / (std::string("g") + name);
      io::write_radiance(gfile, grey, io::hdr_format_from_path(gfile));
      const auto gback = io::read_radiance(gfile);
      CHECK(gback.channels() == 1);
      CHECK(bitwise_equal(gback, grey));
      const cv::Mat gref = cv::imread(gfile.string(), cv::IMREAD_UNCHANGED);
      REQUIRE(gref.type() == CV_32FC1);
      CHECK(equals_bgr_mat(grey, gref));
    }
    CHECK(slurp(dir / "m.pfm").substr(0, 14) == "PF\n37 23\n-1.0\n");
    CHECK(slurp(dir / "gm.pfm").substr(0, 13) == "Pf\n19 5\n-1.0\n");
    // A flat image asked for as zip comes out compressed, far below 12 bytes a pixel.
    image<float> flat(64, 64, 3);
    std::fill(flat.data(), flat.data() + flat.size(), 0.5f);
    io::write_radiance(dir / "flat.exr", flat, io::hdr_format::exr, io::exr_compression::zip);
    CHECK(fs::file_size(dir / "flat.exr") < 64 * 64 * 12 / 8);
    CHECK(bitwise_equal(io::read_radiance(dir / "flat.exr"), flat));
    // PFM stores the bottom row first.
    const std::string pfm = slurp(dir / "m.pfm");
    float first = 0;
    std::memcpy(&first, pfm.data() + 14, 4);
    CHECK(first == rgb.at(0, 22, 0));
  }

  TEST_CASE("half EXR keeps half precision - OpenCV reads the same halves") {
    enable_opencv_exr();
    temp_dir dir;
    const auto rgb = random_radiance(31, 17, 3, 21, true);
    const auto file = dir / "h.exr";
    io::write_radiance(file, rgb, io::hdr_format::exr_half);
    const auto back = io::read_radiance(file);
    REQUIRE(back.channels() == 3);
    double worst = 0;
    for (std::size_t i = 0; i < rgb.size(); ++i) {
      const double a = back.data()[i], b = rgb.data()[i];
      worst = std::max(worst, std::abs(a - b) / std::max(std::abs(b), 6.1e-5));
    }
    CHECK(worst <= std::ldexp(1.0, -11));
    CHECK(worst > 0);  // really stored as half
    const cv::Mat ref = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
    REQUIRE(ref.type() == CV_32FC3);
    CHECK(equals_bgr_mat(back, ref));
  }

  TEST_CASE("Radiance .hdr keeps RGBE precision - OpenCV reads the same numbers") {
    temp_dir dir;
    const auto rgb = random_radiance(41, 13, 3, 31);
    const auto file = dir / "r.hdr";
    io::write_radiance(file, rgb, io::hdr_format::hdr);
    const auto back = io::read_radiance(file);
    REQUIRE(back.channels() == 3);
    bool within = true;
    for (std::size_t p = 0; p < rgb.pixels(); ++p) {
      const float* a = back.data() + 3 * p;
      const float* b = rgb.data() + 3 * p;
      const float top = std::max({b[0], b[1], b[2]});
      for (int k = 0; k < 3; ++k) within = within && std::abs(a[k] - b[k]) <= top / 128;
    }
    CHECK(within);
    const cv::Mat ref = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
    REQUIRE(ref.type() == CV_32FC3);
    CHECK(equals_bgr_mat(back, ref));

    // Grey is replicated; values RGBE cannot hold become 0.
    image<float> grey(3, 2, 1);
    const float odd[] = {0.25f, -1.0f, std::numeric_limits<float>::quiet_NaN(), 0.0f, 1e-40f, 3.0f};
    std::copy(std::begin(odd), std::end(odd), grey.data());
    io::write_radiance(dir / "g.hdr", grey, io::hdr_format::hdr);
    const auto g = io::read_radiance(dir / "g.hdr");
    REQUIRE(g.channels() == 3);
    const float want[] = {0.25f, 0, 0, 0, 0, 3.0f};
    for (int i = 0; i < 6; ++i)
      for (int k = 0; k < 3; ++k) CHECK(g.at(i % 3, i / 3, k) == want[i]);
  }

  TEST_CASE("BGR and padded views are written in RGB order") {
    temp_dir dir;
    const auto rgb = random_radiance(6, 4, 3, 41);
    // The same pixels as a BGR image inside rows padded by 5 floats.
    const int pitch = 6 * 3 + 5;
    std::vector<float> buf(std::size_t(pitch) * 4, -7.0f);
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 6; ++x)
        for (int k = 0; k < 3; ++k) buf[y * pitch + x * 3 + k] = rgb.at(x, y, 2 - k);
    const image_view<const float> bgr(buf.data(), 6, 4, 3, pitch * sizeof(float), channel_order::bgr);
    for (const char* name : {"v.pfm", "v.exr"}) {
      io::write_radiance(dir / name, bgr, io::hdr_format_from_path(name));
      CHECK(bitwise_equal(io::read_radiance(dir / name), rgb));
    }
    io::write_ldr(dir / "v.png", bgr);
    CHECK(bitwise_equal(io::load_image_u8(dir / "v.png"), io::to_ldr(rgb)));
  }

  TEST_CASE("files written by OpenCV read back as OpenCV reads them") {
    enable_opencv_exr();
    temp_dir dir;
    const auto rgb = random_radiance(12, 9, 3, 51);
    cv::Mat bgr(9, 12, CV_32FC3);
    for (int y = 0; y < 9; ++y)
      for (int x = 0; x < 12; ++x)
        for (int k = 0; k < 3; ++k) bgr.at<cv::Vec3f>(y, x)[k] = rgb.at(x, y, 2 - k);
    for (const char* name : {"cv.exr", "cv.hdr", "cv.pfm"}) {
      CAPTURE(name);
      const auto file = dir / name;
      REQUIRE(cv::imwrite(file.string(), bgr));
      const auto ours = io::read_radiance(file);
      const cv::Mat theirs = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
      CHECK(equals_bgr_mat(ours, theirs));
    }
    CHECK(bitwise_equal(io::read_radiance(dir / "cv.pfm"), rgb));
  }

  TEST_CASE("write_radiance and read_radiance errors") {
    temp_dir dir;
    const auto rgba = random_radiance(4, 4, 4, 61);
    CHECK(contains(message_of<hdrgpu::invalid_argument>([&] {
                     io::write_radiance(dir / "a.exr", rgba, io::hdr_format::exr);
                   }),
                   "a.exr"));
    const auto rgb = random_radiance(40, 30, 3, 62);
    const image_view<const float> dev(rgb.data(), 40, 30, 3, 0, channel_order::rgb, hdrgpu::memory_space::device);
    CHECK_THROWS_AS(io::write_radiance(dir / "d.pfm", dev, io::hdr_format::pfm), hdrgpu::invalid_argument);
    CHECK(dir.names().empty());

    for (const char* name : {"t.exr", "t.hdr", "t.pfm"}) {
      CAPTURE(name);
      io::write_radiance(dir / name, rgb, io::hdr_format_from_path(name));
      const std::string full = slurp(dir / name);
      spit(dir / name, full.substr(0, full.size() / 2));
      const std::string msg = message_of<hdrgpu::io_error>([&] { io::read_radiance(dir / name); });
      CHECK(contains(msg, (dir / name).string() + ": "));
    }
    CHECK(contains(message_of<hdrgpu::io_error>([&] { io::read_radiance(dir / "t.hdr"); }), "truncated"));
    CHECK(contains(message_of<hdrgpu::io_error>([&] { io::read_radiance(dir / "t.pfm"); }), "truncated PFM"));
    // A zero run length would make stb's decoder loop forever: rejected before decoding.
    io::write_radiance(dir / "z.hdr", rgb, io::hdr_format::hdr);
    std::string z = slurp(dir / "z.hdr");
    const std::size_t data = z.find('\n', z.find("\n\n") + 2) + 1;
    REQUIRE(z.substr(data, 2) == "\x02\x02");
    z[data + 4] = 0;
    spit(dir / "z.hdr", z);
    CHECK(contains(message_of<hdrgpu::io_error>([&] { io::read_radiance(dir / "z.hdr"); }), "zero-length run"));
    spit(dir / "junk.exr", "hello");
    CHECK(contains(message_of<hdrgpu::io_error>([&] { io::read_radiance(dir / "junk.exr"); }), "junk.exr"));
    CHECK(contains(message_of<hdrgpu::io_error>([&] { io::read_radiance(dir / "none.pfm"); }), "none.pfm"));
  }
}
