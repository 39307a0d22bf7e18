// Ground truth: synth stacks have known radiance and response, so calibrate + merge must recover
// them up to one global scale (every channel's true inverse response is 1 at z = 128, and so is the
// calibrated one: g(128) = 0).
#include <algorithm>
#include <cmath>
#include <vector>

#include <hdrgpu/hdrgpu.hpp>
#include <hdrgpu/synth.hpp>

#include <cstring>
#include <opencv2/photo.hpp>

#include "support.hpp"

using namespace hdrgpu;

namespace {

exposure_stack<std::uint8_t> as_stack(const synth::stack& s) {
  exposure_stack<std::uint8_t> st(s.name);
  for (std::size_t i = 0; i < s.images.size(); ++i) st.add(s.images[i].view(), s.times[i], "exposure_" + std::to_string(i));
  return st;
}

struct ratio_stats {
  double scale[3];    // per-channel median of estimate / truth
  double median_err;  // median over pixels of |estimate / (global scale * truth) - 1|
  double p99_err;
};

ratio_stats compare(const image<float>& est, const image<float>& truth) {
  ratio_stats r{};
  std::vector<double> ratios[3], all;
  for (std::size_t i = 0; i < est.size(); ++i) ratios[i % 3].push_back(double(est.data()[i]) / truth.data()[i]);
  for (int c = 0; c < 3; ++c) {
    auto v = ratios[c];
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    r.scale[c] = v[v.size() / 2];
  }
  const double global = std::cbrt(r.scale[0] * r.scale[1] * r.scale[2]);
  for (int c = 0; c < 3; ++c)
    for (double x : ratios[c]) all.push_back(std::abs(x / global - 1.0));
  std::sort(all.begin(), all.end());
  r.median_err = all[all.size() / 2];
  r.p99_err = all[all.size() * 99 / 100];
  return r;
}

/// OpenCV 4.6's calibrate + merge (Debevec or Robertson) on the same images, as the reference error.
image<float> opencv_radiance(const synth::stack& s, bool debevec) {
  std::vector<cv::Mat> mats;
  for (const auto& im : s.images)
    mats.emplace_back(im.height(), im.width(), CV_8UC3, const_cast<std::uint8_t*>(im.data()));
  const cv::Mat times(s.times, true);
  cv::Mat resp, hdr;
  if (debevec) {
    cv::createCalibrateDebevec()->process(mats, resp, times);
    cv::createMergeDebevec()->process(mats, hdr, times, resp);
  } else {
    cv::createCalibrateRobertson()->process(mats, resp, times);
    cv::createMergeRobertson()->process(mats, hdr, times, resp);
  }
  image<float> out(s.radiance.width(), s.radiance.height(), 3);
  std::memcpy(out.data(), hdr.ptr<float>(), out.size() * sizeof(float));
  return out;
}

}  // namespace

TEST_SUITE("ground_truth") {

TEST_CASE("synth: calibrate + merge recover radiance up to one global scale, as well as OpenCV does") {
  // Debevec's least squares on 8-bit data is biased where one level spans a wide exposure interval
  // (OpenCV 4.6 returns the same curve as ours to ~1e-4 here), so the bound is set by measurement:
  // the typical pixel within 4 %, the 99th percentile within 12 %, channels sharing one scale within 7 %,
  // and never worse than OpenCV's own calibrate + merge on the same images.
  cpu_executor exec;
  for (int index : {0, 1, 2}) {
    const synth::stack s = synth::render(exec, {.width = 480, .height = 360, .exposures = 5, .seed = 11}, index);
    const auto stack = as_stack(s);
    const ratio_stats r = compare(merge_debevec(exec, stack, calibrate_debevec(exec, stack)), s.radiance);

    const ratio_stats o = compare(opencv_radiance(s, true), s.radiance);
    MESSAGE("stack " << index << ": ours scales " << r.scale[0] << " " << r.scale[1] << " " << r.scale[2]
                     << ", median err " << r.median_err << ", p99 " << r.p99_err << " | OpenCV 4.6 median "
                     << o.median_err << ", p99 " << o.p99_err);
    for (int c = 0; c < 3; ++c) CHECK(std::abs(r.scale[c] / r.scale[0] - 1.0) < 0.07);
    CHECK(r.median_err < 0.04);
    CHECK(r.p99_err < 0.12);
    CHECK(r.median_err <= o.median_err * 1.1 + 0.002);
    CHECK(r.p99_err <= o.p99_err * 1.1 + 0.005);
  }
}

TEST_CASE("synth: MergeDebevec and MergeRobertson with the true response recover radiance") {
  cpu_executor exec;
  const synth::stack s = synth::render(exec, {.width = 320, .height = 240, .exposures = 6, .stops = 1.5, .seed = 5}, 0);
  const auto stack = as_stack(s);
  const ratio_stats d = compare(merge_debevec(exec, stack, s.response), s.radiance);
  const ratio_stats r = compare(merge_robertson(exec, stack, s.response), s.radiance);
  MESSAGE("true response: debevec median " << d.median_err << " p99 " << d.p99_err << "; robertson median "
                                           << r.median_err << " p99 " << r.p99_err);
  for (int c = 0; c < 3; ++c) {
    CHECK(d.scale[c] == doctest::Approx(1.0).epsilon(0.02));  // truth's units: no scale at all
    CHECK(r.scale[c] == doctest::Approx(1.0).epsilon(0.02));
  }
  CHECK(d.median_err < 0.015);
  CHECK(r.median_err < 0.015);
  CHECK(d.p99_err < 0.06);
  CHECK(r.p99_err < 0.07);
}

TEST_CASE("synth: CalibrateRobertson + MergeRobertson recover radiance as well as OpenCV does") {
  // Robertson's fixed point from a linear start is a much weaker estimator than Debevec's on 8-bit
  // data (median curve error ~15 % here); we reproduce OpenCV bit for bit, so the test pins the
  // truth error to OpenCV's own on the same images and bounds it loosely.
  cpu_executor exec;
  const synth::stack s = synth::render(exec, {.width = 320, .height = 240, .exposures = 5, .seed = 3}, 1);
  const auto stack = as_stack(s);
  const response_curve resp = calibrate_robertson(exec, stack);
  const ratio_stats r = compare(merge_robertson(exec, stack, resp), s.radiance);

  const ratio_stats o = compare(opencv_radiance(s, false), s.radiance);
  MESSAGE("CalibrateRobertson + MergeRobertson: median err " << r.median_err << ", p99 " << r.p99_err
                                                              << " | OpenCV 4.6 median " << o.median_err << ", p99 "
                                                              << o.p99_err);
  CHECK(r.median_err == doctest::Approx(o.median_err).epsilon(0.01));
  CHECK(r.median_err < 0.2);
  for (float v : resp.values()) CHECK(std::isfinite(v));
}

}  // TEST_SUITE
