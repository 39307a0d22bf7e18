// MergeDebevec / MergeRobertson against live OpenCV 4.6 and against the formulas of newer OpenCV.
#include <cmath>
#include <random>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "opencv_ref.hpp"

using namespace hdrgpu;
using hdrgpu_test::cv_stack;

namespace {

cv::Mat cv_times(const cv_stack& s) { return cv::Mat(s.times, true); }

/// A synthetic aligned stack: smooth random radiance field through a gamma camera, clipped to 8 bits.
cv_stack synthetic_stack(int w, int h, int n, unsigned seed) {
  cv_stack s;
  s.name = "synthetic";
  std::mt19937 rng(seed);
  cv::Mat noise(h / 8 + 2, w / 8 + 2, CV_32FC3);
  cv::randu(noise, cv::Scalar::all(-4), cv::Scalar::all(3));
  cv::Mat logE;
  cv::resize(noise, logE, cv::Size(w, h), 0, 0, cv::INTER_CUBIC);
  cv::Mat e;
  cv::exp(logE, e);
  for (int j = 0; j < n; ++j) {
    const float t = std::ldexp(1.0f, j - n / 2);
    cv::Mat v;
    cv::pow(e * t * 0.3, 1.0 / 2.2, v);
    cv::Mat u8;
    v.convertTo(u8, CV_8UC3, 255.0);
    s.images.push_back(u8);
    s.times.push_back(t);
    s.files.push_back("synthetic_" + std::to_string(j));
  }
  return s;
}

}  // namespace

TEST_SUITE("merge") {

TEST_CASE("MergeDebevec matches OpenCV 4.6 on memorial (calibrated and default response)") {
  HDRGPU_REQUIRE_DATA("memorial");
  const cv_stack s = hdrgpu_test::load_cv_stack("memorial");
  const auto stack = s.view();
  cpu_executor exec;

  cv::Mat cv_resp, cv_out, cv_default;
  cv::createCalibrateDebevec()->process(s.images, cv_resp, cv_times(s));
  cv::createMergeDebevec()->process(s.images, cv_out, cv_times(s), cv_resp);
  cv::createMergeDebevec()->process(s.images, cv_default, cv_times(s));

  const auto ours = merge_debevec(exec, stack, hdrgpu_test::from_mat(cv_resp), {.profile = compat::opencv_4_6});
  const double rel = hdrgpu_test::max_rel(ours, cv_out);
  MESSAGE("MergeDebevec memorial, OpenCV's response: max rel " << rel);
  CHECK(rel <= 1e-5);

  const auto ours_default = merge_debevec(exec, stack, {.profile = compat::opencv_4_6});
  const double rel_d = hdrgpu_test::max_rel(ours_default, cv_default);
  MESSAGE("MergeDebevec memorial, default response: max rel " << rel_d);
  CHECK(rel_d <= 1e-5);
}

TEST_CASE("MergeDebevec matches OpenCV 4.6 on a synthetic stack, any channel order") {
  const cv_stack s = synthetic_stack(301, 203, 5, 7);
  cpu_executor exec;
  cv::Mat cv_out;
  cv::createMergeDebevec()->process(s.images, cv_out, cv_times(s));
  const auto ours = merge_debevec(exec, s.view(), {.profile = compat::opencv_4_6});
  CHECK(hdrgpu_test::max_rel(ours, cv_out) <= 1e-5);

  // A BGR curve applied to RGB images is reordered to the images' order, not misapplied.
  cv::Mat resp(256, 1, CV_32FC3);
  for (int z = 0; z < 256; ++z) resp.at<cv::Vec3f>(z) = cv::Vec3f(1.0f + z, 2.0f + 2 * z, 3.0f + 0.5f * z);
  cv::createMergeDebevec()->process(s.images, cv_out, cv_times(s), resp);
  const auto bgr = merge_debevec(exec, s.view(), hdrgpu_test::from_mat(resp), {.profile = compat::opencv_4_6});
  CHECK(hdrgpu_test::max_rel(bgr, cv_out) <= 1e-5);
  cv_stack rgb = s;
  for (auto& m : rgb.images) cv::cvtColor(m, m, cv::COLOR_BGR2RGB);
  const auto ours_rgb = merge_debevec(exec, rgb.view(channel_order::rgb), hdrgpu_test::from_mat(resp),
                                      {.profile = compat::opencv_4_6});
  CHECK(ours_rgb.order() == channel_order::rgb);
  cv::Mat cv_rgb;
  cv::cvtColor(cv_out, cv_rgb, cv::COLOR_BGR2RGB);
  CHECK(hdrgpu_test::max_rel(ours_rgb, cv_rgb) <= 1e-5);
}

TEST_CASE("MergeRobertson matches OpenCV 4.6 (default and calibrated response)") {
  HDRGPU_REQUIRE_DATA("memorial");
  const cv_stack s = hdrgpu_test::load_cv_stack("memorial");
  cpu_executor exec;
  cv::Mat cv_out;
  cv::createMergeRobertson()->process(s.images, cv_out, cv_times(s));
  const double rel = hdrgpu_test::max_rel(merge_robertson(exec, s.view()), cv_out);
  MESSAGE("MergeRobertson memorial, default response: max rel " << rel);
  CHECK(rel <= 1e-5);

  cv::Mat resp;
  cv::createCalibrateDebevec()->process(s.images, resp, cv_times(s));
  cv::createMergeRobertson()->process(s.images, cv_out, cv_times(s), resp);
  const double rel_c = hdrgpu_test::max_rel(merge_robertson(exec, s.view(), hdrgpu_test::from_mat(resp)), cv_out);
  MESSAGE("MergeRobertson memorial, calibrated response: max rel " << rel_c);
  CHECK(rel_c <= 1e-5);

  const cv_stack syn = synthetic_stack(257, 129, 7, 3);
  cv::createMergeRobertson()->process(syn.images, cv_out, cv_times(syn));
  CHECK(hdrgpu_test::max_rel(merge_robertson(exec, syn.view()), cv_out) <= 1e-5);
}

TEST_CASE("OpenCV regression Photo_MergeDebevec: response.csv golden, tonemapped, 1e-2") {
  HDRGPU_REQUIRE_DATA("opencv-golden");
  HDRGPU_REQUIRE_DATA("memorial");
  // OpenCV's test feeds exposures/response.csv to MergeDebevec and compares after a gamma-1 Tonemap.
  // The expected .hdr is not available, so OpenCV 4.6 itself produces it from the same golden curve.
  const cv::Mat resp = hdrgpu_test::golden_response();

  const cv_stack s = hdrgpu_test::load_cv_stack("memorial");
  cpu_executor exec;
  cv::Mat expected, tm_expected;
  cv::createMergeDebevec()->process(s.images, expected, cv_times(s), resp);
  cv::createTonemap()->process(expected, tm_expected);
  const auto ours = merge_debevec(exec, s.view(), hdrgpu_test::from_mat(resp), {.profile = compat::opencv_4_6});
  cv::Mat tm_ours;
  cv::createTonemap()->process(hdrgpu_test::as_mat(ours), tm_ours);
  CHECK(cv::norm(tm_ours, tm_expected, cv::NORM_INF) <= 1e-2);
}

TEST_CASE("opencv-latest hat: epsilon ends, no NaN on fully clipped pixels") {
  // A pixel that is 255 in every channel of every image: with the 4.12 zero-ended hat it would be
  // 0/0 = NaN; OpenCV 4.13's 1e-6 ends give exp(mean(g(255) - ln t)).
  image<std::uint8_t> a(2, 1, 3), b(2, 1, 3);
  std::fill(a.data(), a.data() + a.size(), 255);
  std::fill(b.data(), b.data() + b.size(), 255);
  a.at(1, 0, 0) = 100;
  b.at(1, 0, 0) = 200;
  exposure_stack<std::uint8_t> s("clipped", {a.view(), b.view()}, {0.5f, 2.0f});
  cpu_executor exec;
  const auto out = merge_debevec(exec, s, {.profile = compat::opencv_latest});
  const double expected = std::exp((2.0 * std::log(255.0) - std::log(0.5) - std::log(2.0)) / 2.0);
  for (int c = 0; c < 3; ++c) CHECK(out.at(0, 0, c) == doctest::Approx(expected).epsilon(1e-6));
  // Pixel 1: weights (100 + 1e-6 + 1e-6)/3 and (54 + 2e-6)/3 (hat(200) = 55 - 1 = 54).
  const double w1 = (100 + 2e-6) / 3, w2 = (55 + 2e-6) / 3;
  const double g0 = (w1 * (std::log(100.0) - std::log(0.5)) + w2 * (std::log(200.0) - std::log(2.0))) / (w1 + w2);
  CHECK(out.at(1, 0, 0) == doctest::Approx(std::exp(g0)).epsilon(1e-5));
  const auto old = merge_debevec(exec, s, {.profile = compat::opencv_4_6});
  CHECK(std::isfinite(old.at(0, 0, 0)));
}

TEST_CASE("merges accept u16 and f32 input (OpenCV 4.13 depth consistency)") {
  HDRGPU_REQUIRE_DATA("memorial");
  // OpenCV 4.13's regression_depth_consistency: 8U vs 16U (x257) vs 32F (x1/255), default responses,
  // gamma-1 tonemap of each; Debevec within 2e-2, Robertson within 3e-2.
  const cv_stack s = hdrgpu_test::load_cv_stack("memorial");
  cv_stack s16 = s, s32 = s;
  for (std::size_t i = 0; i < s.images.size(); ++i) {
    s.images[i].convertTo(s16.images[i], CV_16UC3, 257.0);
    s.images[i].convertTo(s32.images[i], CV_32FC3, 1.0 / 255.0);
  }
  cpu_executor exec;
  auto tonemapped = [](const image<float>& m) {
    cv::Mat t;
    cv::createTonemap()->process(hdrgpu_test::as_mat(m), t);
    return t;
  };
  const cv::Mat d8 = tonemapped(merge_debevec(exec, s.view()));
  const cv::Mat d16 = tonemapped(merge_debevec(exec, s16.view<std::uint16_t>()));
  const cv::Mat d32 = tonemapped(merge_debevec(exec, s32.view<float>()));
  CHECK(cv::norm(d8, d16, cv::NORM_INF) <= 2e-2);
  CHECK(cv::norm(d8, d32, cv::NORM_INF) <= 2e-2);
  CHECK(cv::norm(d16, d32, cv::NORM_INF) <= 1e-6);  // x257 and x65535/255 land on the same 16-bit levels
  const cv::Mat r8 = tonemapped(merge_robertson(exec, s.view()));
  const cv::Mat r16 = tonemapped(merge_robertson(exec, s16.view<std::uint16_t>()));
  const cv::Mat r32 = tonemapped(merge_robertson(exec, s32.view<float>()));
  CHECK(cv::norm(r8, r16, cv::NORM_INF) <= 3e-2);
  CHECK(cv::norm(r8, r32, cv::NORM_INF) <= 3e-2);
}

TEST_CASE("f32 samples are clamped to [0,1] and rounded half to even onto 16-bit levels") {
  using detail::math::level_of;
  CHECK(level_of(-1.0f) == 0);
  CHECK(level_of(std::nanf("")) == 0);
  CHECK(level_of(2.0f) == 65535);
  CHECK(level_of(1.0f) == 65535);
  CHECK(level_of(0.5f / 65535.0f) == 0);   // tie rounds to even
  CHECK(level_of(1.5f / 65535.0f) == 2);
  CHECK(level_of(100.0f / 65535.0f) == 100);
}

TEST_CASE("merge results do not depend on the thread count") {
  const cv_stack s = synthetic_stack(199, 97, 4, 11);
  const auto a = merge_debevec(cpu_executor({.threads = 1}), s.view());
  const auto b = merge_debevec(cpu_executor({.threads = 3}), s.view());
  CHECK(std::equal(a.data(), a.data() + a.size(), b.data()));
  const auto c = merge_robertson(cpu_executor({.threads = 1}), s.view());
  const auto d = merge_robertson(cpu_executor({.threads = 3}), s.view());
  CHECK(std::equal(c.data(), c.data() + c.size(), d.data()));
}

TEST_CASE("merges reject a response of the wrong shape, naming the stack") {
  const cv_stack s = synthetic_stack(32, 16, 3, 1);
  cpu_executor exec;
  const auto wrong_levels = response_curve::linear_debevec(3, 65536);
  CHECK_THROWS_WITH_AS(merge_debevec(exec, s.view(), wrong_levels), doctest::Contains("stack 'synthetic'"),
                       invalid_argument);
  CHECK_THROWS_AS(merge_robertson(exec, s.view(), response_curve::linear_robertson(1)), invalid_argument);
}

}  // TEST_SUITE
