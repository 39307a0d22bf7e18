// MergeMertens and the pyramid helpers against live OpenCV 4.6.
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include <hdrgpu/detail/cpu/pyramid.hpp>
#include <hdrgpu/mertens.hpp>

#include "opencv_ref.hpp"

using namespace hdrgpu;
using hdrgpu_test::max_abs;
using hdrgpu_test::views_of;

namespace {

constexpr double tol = 1e-4;

const hdrgpu_test::cv_stack& memorial() {
  static const hdrgpu_test::cv_stack s = hdrgpu_test::load_cv_stack("memorial");
  return s;
}

cv::Mat cv_mertens(const std::vector<cv::Mat>& images, const mertens_options& o) {
  cv::Mat out;
  cv::createMergeMertens(o.contrast_weight, o.saturation_weight, o.exposure_weight)->process(images, out);
  return out;
}

bool same_bits(const image<float>& a, const image<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

/// N random exposures: noise (every pixel independent) or blocks (8x8 flat tiles, so many pixels have
/// zero contrast and the 1e-12 epsilon / pow(0, p) paths matter).
std::vector<cv::Mat> synthetic(int w, int h, int channels, int n, bool blocks, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<cv::Mat> out;
  for (int j = 0; j < n; ++j) {
    const int lo = 20 * j, hi = std::min(255, 120 + 40 * j);
    std::uniform_int_distribution<int> u(lo, hi);
    cv::Mat m(h, w, CV_8UC(channels));
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w * channels; ++x) m.ptr<std::uint8_t>(y)[x] = std::uint8_t(u(rng));
    if (blocks)
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          for (int c = 0; c < channels; ++c)
            m.ptr<std::uint8_t>(y)[x * channels + c] = m.ptr<std::uint8_t>(y / 8 * 8)[(x / 8 * 8) * channels + c];
    out.push_back(m);
  }
  return out;
}

const mertens_options param_sets[] = {
    {1, 1, 0, grey_rule::opencv_bgr}, {1, 1, 1, grey_rule::opencv_bgr}, {0.5f, 0.5f, 0, grey_rule::opencv_bgr}};

}  // namespace

TEST_SUITE("mertens") {

TEST_CASE("MergeMertens matches OpenCV 4.6 on memorial (BGR views, opencv_bgr grey)") {
  HDRGPU_REQUIRE_DATA("memorial");
  const auto& s = memorial();
  const auto views = views_of<std::uint8_t>(s.images, channel_order::bgr);
  cpu_executor exec;
  for (const mertens_options& o : param_sets) {
    const double d = max_abs(merge_mertens(exec, views, o), cv_mertens(s.images, o));
    MESSAGE("memorial bgr wc=" << o.contrast_weight << " ws=" << o.saturation_weight << " we=" << o.exposure_weight
                               << ": max abs diff " << d);
    CHECK(d <= tol);
  }
}

TEST_CASE("MergeMertens rec601 follows the real channel order (RGB views vs OpenCV on RGB Mats)") {
  HDRGPU_REQUIRE_DATA("memorial");
  const auto& s = memorial();
  std::vector<cv::Mat> rgb(s.images.size());
  for (std::size_t i = 0; i < rgb.size(); ++i) cv::cvtColor(s.images[i], rgb[i], cv::COLOR_BGR2RGB);
  cpu_executor exec;
  const mertens_options o{};  // rec601
  const image<float> ours_rgb = merge_mertens(exec, views_of<std::uint8_t>(rgb, channel_order::rgb), o);
  const double d = max_abs(ours_rgb, cv_mertens(rgb, o));
  MESSAGE("memorial rgb views + rec601 vs OpenCV on RGB: max abs diff " << d);
  CHECK(d <= tol);
  CHECK(ours_rgb.order() == channel_order::rgb);

  // The same scene stored BGR gives the same fusion (channels swapped back), up to summation order.
  const image<float> ours_bgr = merge_mertens(exec, views_of<std::uint8_t>(s.images, channel_order::bgr), o);
  CHECK(ours_bgr.order() == channel_order::bgr);
  cv::Mat swapped;
  cv::cvtColor(hdrgpu_test::as_mat(ours_bgr), swapped, cv::COLOR_BGR2RGB);
  const double d2 = max_abs(ours_rgb, swapped);
  MESSAGE("memorial rec601: bgr views vs rgb views: max abs diff " << d2);
  CHECK(d2 <= 1e-5);

  // And the rule matters: OpenCV's blue-weighted grey gives a visibly different result.
  mertens_options cvo;
  cvo.grey = grey_rule::opencv_bgr;
  const double d3 = max_abs(merge_mertens(exec, views_of<std::uint8_t>(s.images, channel_order::bgr), cvo),
                            hdrgpu_test::as_mat(ours_bgr));
  CHECK(d3 > 1e-3);
}

TEST_CASE("MergeMertens matches OpenCV on synthetic stacks (odd sizes, 1 and 3 channels)") {
  cpu_executor exec;
  const int sizes[][2] = {{37, 23}, {1, 1}, {64, 5}, {3, 40}, {8, 8}, {16, 4}};
  const mertens_options extra{0.3f, 2.0f, 0.7f, grey_rule::opencv_bgr};  // generic pow branch, 0^0.3 quirk
  double worst = 0;
  for (const auto& sz : sizes)
    for (int channels : {1, 3})
      for (int n : {1, 3})
        for (bool blocks : {false, true}) {
          const auto mats = synthetic(sz[0], sz[1], channels, n, blocks, unsigned(sz[0] * 131 + channels + n));
          const auto views = views_of<std::uint8_t>(mats, channel_order::bgr);
          auto check = [&](const mertens_options& o) {
            const double d = max_abs(merge_mertens(exec, views, o), cv_mertens(mats, o));
            CAPTURE(sz[0]);
            CAPTURE(sz[1]);
            CAPTURE(channels);
            CAPTURE(n);
            CAPTURE(blocks);
            CAPTURE(o.contrast_weight);
            CHECK(d <= tol);
            worst = std::max(worst, d);
          };
          for (const mertens_options& o : param_sets) check(o);
          check(extra);
        }
  MESSAGE("synthetic stacks: worst max abs diff " << worst);
}

TEST_CASE("MergeMertens: a single image comes back as img/255 (OpenCV's special case)") {
  cv::Mat green(100, 100, CV_8UC3, cv::Scalar(0, 255, 0));
  cpu_executor exec;
  const auto v = views_of<std::uint8_t>({green}, channel_order::bgr);
  const image<float> out = merge_mertens(exec, v);
  bool exact = true;
  for (int y = 0; y < 100; ++y)
    for (int x = 0; x < 100; ++x)
      exact = exact && out.at(x, y, 0) == 0.0f && out.at(x, y, 1) == 1.0f && out.at(x, y, 2) == 0.0f;
  CHECK(exact);
  CHECK(max_abs(out, cv_mertens({green}, {})) == 0.0);
}

TEST_CASE("MergeMertens: 16-bit and float inputs are mis-scaled by 1/255 exactly like OpenCV") {
  cpu_executor exec;
  std::mt19937 rng(7);
  std::vector<cv::Mat> u16, f32;
  for (int j = 0; j < 3; ++j) {
    cv::Mat a(23, 37, CV_16UC3), b(23, 37, CV_32FC3);
    std::uniform_int_distribution<int> u(0, 65535);
    std::uniform_real_distribution<float> f(0.0f, 1.0f);
    for (int y = 0; y < 23; ++y)
      for (int x = 0; x < 37 * 3; ++x) {
        a.ptr<std::uint16_t>(y)[x] = std::uint16_t(u(rng));
        b.ptr<float>(y)[x] = f(rng);
      }
    u16.push_back(a);
    f32.push_back(b);
  }
  const mertens_options o{1, 1, 0, grey_rule::opencv_bgr};
  const cv::Mat ref16 = cv_mertens(u16, o), reff = cv_mertens(f32, o);
  double scale16 = 0;
  cv::minMaxLoc(cv::Mat(cv::abs(ref16)).reshape(1), nullptr, &scale16);
  const double d16 = max_abs(merge_mertens(exec, views_of<std::uint16_t>(u16, channel_order::bgr), o), ref16);
  const double df = max_abs(merge_mertens(exec, views_of<float>(f32, channel_order::bgr), o), reff);
  MESSAGE("u16: max abs diff " << d16 << " (output magnitude " << scale16 << "); f32: " << df);
  CHECK(d16 <= tol * std::max(1.0, scale16));
  CHECK(df <= tol);
}

TEST_CASE("MergeMertens: channel counts, empty input and mismatches are rejected") {
  cpu_executor exec;
  image<std::uint8_t> four(5, 4, 4), grey(5, 4, 1), small(4, 4, 1);
  CHECK_THROWS_AS(merge_mertens(exec, std::vector<image_view<const std::uint8_t>>{four.view()}), invalid_argument);
  CHECK_THROWS_AS(merge_mertens(exec, std::vector<image_view<const std::uint8_t>>{}), invalid_argument);
  CHECK_THROWS_AS(merge_mertens(exec, std::vector<image_view<const std::uint8_t>>{grey.view(), small.view()}),
                  invalid_argument);
  CHECK_NOTHROW(merge_mertens(exec, std::vector<image_view<const std::uint8_t>>{grey.view(), grey.view()}));

  exposure_stack<std::uint8_t> rgba("rgba-stack");
  rgba.add(four.view(), 1.0);
  CHECK_THROWS_WITH_AS(merge_mertens(exec, rgba), doctest::Contains("stack 'rgba-stack'"), invalid_argument);
  CHECK_THROWS_AS(merge_mertens(exec, exposure_stack<std::uint8_t>("empty")), invalid_argument);
}

TEST_CASE("MergeMertens: exposure_stack overload equals the view overload") {
  HDRGPU_REQUIRE_DATA("memorial");
  const auto& s = memorial();
  cpu_executor exec;
  const mertens_options o{1, 1, 0, grey_rule::opencv_bgr};
  CHECK(same_bits(merge_mertens(exec, s.view(), o),
                  merge_mertens(exec, views_of<std::uint8_t>(s.images, channel_order::bgr), o)));
}

TEST_CASE("MergeMertens: bitwise identical for 1 and 2 threads") {
  HDRGPU_REQUIRE_DATA("memorial");
  const auto views = views_of<std::uint8_t>(memorial().images, channel_order::bgr);
  cpu_executor one({.threads = 1}), two({.threads = 2}), three({.threads = 3});
  for (const mertens_options& o : param_sets)
    CHECK(same_bits(merge_mertens(one, views, o), merge_mertens(two, views, o)));
  const auto mats = synthetic(37, 23, 3, 4, false, 11);
  const auto sv = views_of<std::uint8_t>(mats, channel_order::bgr);
  CHECK(same_bits(merge_mertens(one, sv), merge_mertens(two, sv)));
  CHECK(same_bits(merge_mertens(one, sv), merge_mertens(three, sv)));
}

TEST_CASE("pyr_down / pyr_up match cv::pyrDown / cv::pyrUp") {
  cpu_executor exec;
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1.0f, 2.0f);
  const int sizes[][2] = {{7, 9}, {8, 8}, {13, 6}, {1, 1}, {2, 1}, {1, 5}};
  double worst_down = 0, worst_up = 0;
  for (const auto& sz : sizes)
    for (int channels : {1, 3}) {
      const int w = sz[0], h = sz[1];
      cv::Mat src(h, w, CV_32FC(channels));
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w * channels; ++x) src.ptr<float>(y)[x] = u(rng);
      const image_view<const float> sv(src.ptr<float>(), w, h, channels, std::ptrdiff_t(src.step));
      CAPTURE(w);
      CAPTURE(h);
      CAPTURE(channels);

      cv::Mat ref;
      cv::pyrDown(src, ref);
      const double dd = max_abs(detail::cpu::pyr_down(exec, sv), ref);
      CHECK(dd <= 1e-6);
      worst_down = std::max(worst_down, dd);

      for (int dw : {2 * w, 2 * w - 1})
        for (int dh : {2 * h, 2 * h - 1}) {
          cv::pyrUp(src, ref, cv::Size(dw, dh));
          const double du = max_abs(detail::cpu::pyr_up(exec, sv, dw, dh), ref);
          CAPTURE(dw);
          CAPTURE(dh);
          CHECK(du <= 1e-6);
          worst_up = std::max(worst_up, du);
        }
    }
  MESSAGE("pyr_down worst " << worst_down << ", pyr_up worst " << worst_up);
  image<float> a(5, 5, 1), bad(4, 4, 1);
  CHECK_THROWS_AS(detail::cpu::pyr_down(exec, a.view(), bad.view()), invalid_argument);
  CHECK_THROWS_AS(detail::cpu::pyr_up(exec, a.view(), 12, 10), invalid_argument);
}

}  // TEST_SUITE
