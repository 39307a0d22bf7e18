// hdrgpu::io: 8-bit output (to_ldr, PNG and JPEG) against OpenCV.
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

TEST_SUITE("io.ldr") {
  TEST_CASE("to_ldr matches OpenCV's convertTo(CV_8U, 255)") {
    // OpenCV turns v * 255 >= 2^31 (and +inf) into 0 through cvRound's overflow; we saturate those to
    // 255 (checked below), so the comparison stays inside the int range.
    std::vector<float> values = {0.0f, -0.0f, -0.1f, -1e30f, 1.0f, 1.5f, 8e6f, 0.5f, 0.998f, 0.999f,
                                 std::numeric_limits<float>::quiet_NaN(), 1e-30f,
                                 -std::numeric_limits<float>::infinity()};
    // Exact ties: v with v * 255 == k + 0.5 in f32 must round to the even neighbour.
    int ties = 0;
    for (int k = 0; k < 255; ++k) {
      float v = (float(k) + 0.5f) / 255.0f;
      for (int step = 0; step < 4 && v * 255.0f != float(k) + 0.5f; ++step)
        v = std::nextafter(v, v * 255.0f < float(k) + 0.5f ? 2.0f : -2.0f);
      if (v * 255.0f == float(k) + 0.5f) {
        ++ties;
        values.push_back(v);
      }
    }
    CHECK(ties > 100);
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> u(-0.1f, 1.1f);
    while (values.size() % 3 || values.size() < 3000) values.push_back(u(rng));

    const int w = int(values.size() / 3);
    const image_view<const float> view(values.data(), w, 1, 3);
    const auto ours = io::to_ldr(view);
    cv::Mat src(1, w, CV_32FC3, values.data()), ref;
    src.convertTo(ref, CV_8U, 255.0);
    CHECK(std::memcmp(ours.data(), ref.data, values.size()) == 0);

    const auto one = [](float v) { return io::to_ldr(image_view<const float>(&v, 1, 1, 1)).at(0, 0, 0); };
    CHECK(one(-0.2f) == 0);
    CHECK(one(1.2f) == 255);
    CHECK(one(std::numeric_limits<float>::quiet_NaN()) == 0);
    CHECK(one(1e30f) == 255);
    CHECK(one(std::numeric_limits<float>::infinity()) == 255);
    CHECK(one(-std::numeric_limits<float>::infinity()) == 0);
    CHECK(one(0.5f) == 128);  // 127.5 -> 128 (even)
    CHECK(one(2.5f / 255.0f) == std::uint8_t(std::lrint(2.5f / 255.0f * 255.0f)));
    for (int i = 13; i < 13 + ties; ++i) {
      const float p = values[i] * 255.0f;
      CHECK(one(values[i]) == int(p - 0.5f) + int(p - 0.5f) % 2);  // the even one of k, k+1
    }
  }

  TEST_CASE("write_ldr PNG and JPEG") {
    temp_dir dir;
    const auto f = random_radiance(20, 10, 3, 71);
    const auto ldr = io::to_ldr(f);
    io::write_ldr(dir / "a.png", f);
    CHECK(bitwise_equal(io::load_image_u8(dir / "a.png"), ldr));
    CHECK(equals_bgr_mat(ldr, cv::imread((dir / "a.png").string(), cv::IMREAD_UNCHANGED)));

    image<std::uint8_t> grey(7, 3, 1);
    for (std::size_t i = 0; i < grey.size(); ++i) grey.data()[i] = std::uint8_t(i * 11);
    io::write_ldr(dir / "g.PNG", grey);
    CHECK(bitwise_equal(io::load_image_u8(dir / "g.PNG"), grey));
    CHECK(equals_bgr_mat(grey, cv::imread((dir / "g.PNG").string(), cv::IMREAD_UNCHANGED)));

    // A larger picture with gradients (Up/Paeth rows), noise (Sub rows) and alpha: libpng (OpenCV) reads
    // back every byte.
    image<std::uint8_t> big(301, 97, 4);
    std::uint32_t seed = 5;
    for (int y = 0; y < big.height(); ++y)
      for (int x = 0; x < big.width(); ++x)
        for (int k = 0; k < 4; ++k) {
          seed = seed * 1664525u + 1013904223u;
          big.at(x, y, k) = std::uint8_t(y % 3 == 0 ? seed >> 24 : (x * (k + 1) + y * 2) & 0xff);
        }
    io::write_ldr(dir / "big.png", big);
    const cv::Mat bgra = cv::imread((dir / "big.png").string(), cv::IMREAD_UNCHANGED);
    REQUIRE(bgra.type() == CV_8UC4);
    bool same = true;
    for (int y = 0; y < big.height(); ++y)
      for (int x = 0; x < big.width(); ++x)
        for (int k = 0; k < 4; ++k) same = same && bgra.ptr<std::uint8_t>(y)[x * 4 + (k < 3 ? 2 - k : 3)] == big.at(x, y, k);
    CHECK(same);

    // A smooth image, so JPEG at quality 95 stays within a few levels.
    image<std::uint8_t> smooth(32, 16, 3);
    for (int y = 0; y < 16; ++y)
      for (int x = 0; x < 32; ++x)
        for (int k = 0; k < 3; ++k) smooth.at(x, y, k) = std::uint8_t(40 + 4 * x + 3 * y + 20 * k);
    io::write_ldr(dir / "s.jpg", smooth);
    const auto back = io::load_image_u8(dir / "s.jpg");
    REQUIRE(back.width() == 32);
    REQUIRE(back.channels() == 3);
    int worst = 0;
    for (std::size_t i = 0; i < back.size(); ++i) worst = std::max(worst, std::abs(back.data()[i] - smooth.data()[i]));
    CHECK(worst <= 6);
    CHECK(slurp(dir / "s.jpg").substr(0, 3) == "\xff\xd8\xff");

    CHECK(contains(message_of<hdrgpu::invalid_argument>([&] { io::write_ldr(dir / "x.tif", grey); }), "x.tif"));
    CHECK(dir.names() == std::vector<std::string>{"a.png", "big.png", "g.PNG", "s.jpg"});
  }
}
