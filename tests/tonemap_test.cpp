// Gamma Tonemap against live OpenCV 4.6.
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include <opencv2/photo.hpp>

#include <hdrgpu/tonemap.hpp>

#include "opencv_ref.hpp"

using namespace hdrgpu;

namespace {

constexpr double tol = 1e-5;

cv::Mat cv_tonemap(const cv::Mat& src, float gamma) {
  cv::Mat out;
  cv::createTonemap(gamma)->process(src, out);
  return out;
}

image_view<const float> view_of(const cv::Mat& m) {
  return {m.ptr<float>(), m.cols, m.rows, m.channels(), std::ptrdiff_t(m.step), channel_order::bgr};
}

/// max |a - ref|; NaN in one but not the other counts as infinitely different, NaN in both as equal.
double max_abs(const image<float>& a, const cv::Mat& ref) {
  return hdrgpu_test::max_abs(a, ref, hdrgpu_test::nan_policy::both_nan_equal);
}

bool same_bits(const image<float>& a, const image<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

cv::Mat random_hdr(int w, int h, float lo, float hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  cv::Mat m(h, w, CV_32FC3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w * 3; ++x) m.ptr<float>(y)[x] = u(rng);
  return m;
}

const cv::Mat& memorial_hdr() {
  static const cv::Mat hdr = [] {
    const auto s = hdrgpu_test::load_cv_stack("memorial");
    cv::Mat out;
    cv::createMergeDebevec()->process(s.images, out, cv::Mat(s.times, true));
    return out;
  }();
  return hdr;
}

}  // namespace

TEST_SUITE("tonemap") {

TEST_CASE("tonemap_gamma matches OpenCV Tonemap on a Debevec HDR of memorial") {
  HDRGPU_REQUIRE_DATA("memorial");
  const cv::Mat& hdr = memorial_hdr();
  cpu_executor exec;
  for (float g : {1.0f, 2.2f}) {
    const image<float> ours = tonemap_gamma(exec, view_of(hdr), {g});
    const double d = max_abs(ours, cv_tonemap(hdr, g));
    MESSAGE("memorial Debevec HDR, gamma " << g << ": max abs diff " << d);
    CHECK(d <= tol);
    CHECK(ours.order() == channel_order::bgr);
  }
}

TEST_CASE("tonemap_gamma matches OpenCV on random data") {
  cpu_executor exec;
  double worst = 0;
  unsigned seed = 1;
  for (const auto& r : {std::pair{0.3f, 7.0f}, std::pair{-2.0f, 3.0f}, std::pair{0.0f, 1.0f}, std::pair{1e3f, 5e4f}})
    for (float g : {1.0f, 2.2f, 0.5f, 3.0f}) {
      const cv::Mat src = random_hdr(37, 23, r.first, r.second, seed++);
      const double d = max_abs(tonemap_gamma(exec, view_of(src), {g}), cv_tonemap(src, g));
      CAPTURE(r.first);
      CAPTURE(g);
      CHECK(d <= tol);
      worst = std::max(worst, d);
    }
  MESSAGE("random data: worst max abs diff " << worst);

  // Exactly 0 at the minimum: OpenCV gives pow(0, 1/2.2) = 4.19e-18, we give 0.
  cv::Mat src = random_hdr(5, 4, 0.0f, 1.0f, 99);
  src.at<cv::Vec3f>(0, 0) = cv::Vec3f(0, 0, 0);
  const image<float> ours = tonemap_gamma(exec, view_of(src), {2.2f});
  CHECK(ours.at(0, 0, 0) == 0.0f);
  CHECK(max_abs(ours, cv_tonemap(src, 2.2f)) <= tol);
}

TEST_CASE("tonemap_gamma: a constant image is not normalised, as in OpenCV") {
  cpu_executor exec;
  for (float v : {5.0f, 0.25f, -5.0f})
    for (float g : {1.0f, 2.2f}) {
      const cv::Mat src(4, 3, CV_32FC3, cv::Scalar::all(v));
      const image<float> ours = tonemap_gamma(exec, view_of(src), {g});
      CAPTURE(v);
      CAPTURE(g);
      CHECK(max_abs(ours, cv_tonemap(src, g)) <= tol * std::max(1.0f, std::abs(v)));
      if (g == 1.0f) CHECK(ours.at(0, 0, 0) == v);
    }
}

TEST_CASE("tonemap_gamma: NaN is ignored by min/max and stays NaN") {
  cpu_executor exec;
  cv::Mat src = random_hdr(6, 5, 0.5f, 4.0f, 3);
  src.at<cv::Vec3f>(2, 3)[1] = std::numeric_limits<float>::quiet_NaN();
  const image<float> ours = tonemap_gamma(exec, view_of(src), {1.0f});
  CHECK(max_abs(ours, cv_tonemap(src, 1.0f)) <= tol);  // OpenCV keeps NaN for gamma 1 as well
  const image<float> g22 = tonemap_gamma(exec, view_of(src), {2.2f});
  CHECK(std::isnan(g22.at(3, 2, 1)));
  const cv::Mat ref = cv_tonemap(src, 2.2f);
  double d = 0;
  for (std::size_t k = 0; k < g22.size(); ++k)
    if (!std::isnan(g22.data()[k])) d = std::max(d, double(std::abs(g22.data()[k] - ref.ptr<float>()[k])));
  CHECK(d <= tol);
}

TEST_CASE("tonemap_gamma: one channel, bad gamma, thread count") {
  cpu_executor exec;
  // OpenCV only takes 3 channels; the operator is per sample with global extrema, so a 1-channel image of
  // width 3w is the same data as a 3-channel image of width w.
  const cv::Mat src3 = random_hdr(11, 7, 0.1f, 9.0f, 17);
  const image_view<const float> one(src3.ptr<float>(), 33, 7, 1, std::ptrdiff_t(src3.step));
  const image<float> ours = tonemap_gamma(exec, one, {2.2f});
  CHECK(max_abs(ours, cv_tonemap(src3, 2.2f)) <= tol);

  CHECK_THROWS_AS(tonemap_gamma(exec, view_of(src3), {0.0f}), invalid_argument);
  CHECK_THROWS_AS(tonemap_gamma(exec, view_of(src3), {-1.0f}), invalid_argument);
  CHECK_THROWS_AS(tonemap_gamma(exec, view_of(src3), {std::numeric_limits<float>::quiet_NaN()}), invalid_argument);

  cpu_executor t1({.threads = 1}), t2({.threads = 2});
  const cv::Mat big = random_hdr(301, 203, 0.0f, 100.0f, 23);
  for (float g : {1.0f, 2.2f})
    CHECK(same_bits(tonemap_gamma(t1, view_of(big), {g}), tonemap_gamma(t2, view_of(big), {g})));
}

}  // TEST_SUITE
