// TonemapDrago, TonemapReinhard and TonemapMantiuk on the CPU against live OpenCV 4.6.
//
// Tolerance: max |ours - OpenCV| <= 2e-5 over every output sample (OpenCV's outputs lie in [0, 1]), for all
// three. Every step is OpenCV's own f32 operation in OpenCV's order, bit for bit (grey, normalisation, the
// reductions, resize, OpenCV's blocked f32 dot products), except OpenCV's vectorised log, exp and pow,
// which differ from exact by up to ~2e-6 relative (its exp by up to 16 ulp, its pow inherits the f32
// rounding of its log) where ours stay within 1.1 ulp. Two things can magnify that:
//  - the closing Tonemap(gamma) divides by the mapped image's range; where that range is small (Reinhard
//    with intensity 2 and full colour adaptation: 0.24) the sample difference grows about fourfold;
//  - Mantiuk's conjugate-gradient solve carries the differences of its right-hand side and start through 7
//    to 20 iterations (the dots and the stop rule match OpenCV's bit for bit, so the iteration count does).
// Measured maxima (x86-64, GCC 12, OpenCV 4.6.0): Drago 4.7e-6 (a 3x2 image; 1.1e-6 on memorial),
// Reinhard 4.4e-6 (memorial, intensity 2, light 1, colour 1), Mantiuk 2.6e-6 (memorial, defaults): at least
// fourfold headroom.
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include <hdrgpu/tonemap.hpp>

#include "opencv_ref.hpp"

using namespace hdrgpu;

namespace {

constexpr double drago_tol = 2e-5, reinhard_tol = 2e-5, mantiuk_tol = 2e-5;

image_view<const float> view_of(const cv::Mat& m, channel_order order = channel_order::bgr) {
  return hdrgpu_test::mat_view<float>(m, order);
}

/// max |a - ref| over samples where OpenCV has a number; NaN in ours where OpenCV has a number is infinite.
double max_abs_vs_cv(const image<float>& a, const cv::Mat& ref) {
  return hdrgpu_test::max_abs(a, ref, hdrgpu_test::nan_policy::reference_nan);
}

bool same_bits(const image<float>& a, const image<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

/// OpenCV's MergeDebevec of memorial with OpenCV's golden response (opencv_extra hdr/exposures/response.csv),
/// the radiance OpenCV's own tonemap regression test starts from.
const cv::Mat& memorial_golden() { return hdrgpu_test::memorial_golden_radiance(); }

using hdrgpu_test::synthetic_hdr;

cv::Mat cv_drago(const cv::Mat& src, const tonemap_drago_options& o) {
  cv::Mat out;
  cv::createTonemapDrago(o.gamma, o.saturation, o.bias)->process(src, out);
  return out;
}
cv::Mat cv_reinhard(const cv::Mat& src, const tonemap_reinhard_options& o) {
  cv::Mat out;  // a fresh object per call: OpenCV's process() overwrites its stored intensity
  cv::createTonemapReinhard(o.gamma, o.intensity, o.light_adapt, o.color_adapt)->process(src, out);
  return out;
}
cv::Mat cv_mantiuk(const cv::Mat& src, const tonemap_mantiuk_options& o) {
  cv::Mat out;
  cv::createTonemapMantiuk(o.gamma, o.scale, o.saturation)->process(src, out);
  return out;
}

const tonemap_drago_options drago_cases[] = {{}, {2.2f, 1.0f, 0.85f}, {1.0f, 1.0f, 0.9f}, {2.2f, 1.2f, 0.9f},
                                             {1.0f, 0.8f, 0.7f}, {1.8f, 0.0f, 1.0f}};
const tonemap_reinhard_options reinhard_cases[] = {{},
                                                   {2.2f, 0.0f, 1.0f, 0.0f},
                                                   {1.0f, 1.0f, 0.5f, 0.3f},
                                                   {2.2f, -1.0f, 0.0f, 1.0f},
                                                   {1.0f, 0.5f, 0.8f, 0.7f},
                                                   {1.0f, 2.0f, 1.0f, 1.0f},
                                                   {1.0f, -3.0f, 0.0f, 0.0f}};
const tonemap_mantiuk_options mantiuk_cases[] = {{}, {2.2f, 0.7f, 1.0f}, {1.0f, 0.9f, 1.2f}, {1.0f, 0.6f, 0.8f}};

/// Runs every parameter set of the three operators on `hdr` against OpenCV; returns the worst differences.
struct worst {
  double drago = 0, reinhard = 0, mantiuk = 0;
};

worst compare_all(const cpu_executor& exec, const cv::Mat& hdr, const std::string& what, bool all_mantiuk = true) {
  worst w;
  for (const auto& o : drago_cases) {
    const double d = max_abs_vs_cv(tonemap_drago(exec, view_of(hdr), o), cv_drago(hdr, o));
    INFO(what << ": drago gamma " << o.gamma << " saturation " << o.saturation << " bias " << o.bias);
    CHECK(d <= drago_tol);
    w.drago = std::max(w.drago, d);
  }
  for (const auto& o : reinhard_cases) {
    const double d = max_abs_vs_cv(tonemap_reinhard(exec, view_of(hdr), o), cv_reinhard(hdr, o));
    INFO(what << ": reinhard gamma " << o.gamma << " intensity " << o.intensity << " light " << o.light_adapt
              << " color " << o.color_adapt);
    CHECK(d <= reinhard_tol);
    w.reinhard = std::max(w.reinhard, d);
  }
  for (const auto& o : mantiuk_cases) {
    if (!all_mantiuk && o.gamma != 1.0f) continue;
    const double d = max_abs_vs_cv(tonemap_mantiuk(exec, view_of(hdr), o), cv_mantiuk(hdr, o));
    INFO(what << ": mantiuk gamma " << o.gamma << " scale " << o.scale << " saturation " << o.saturation);
    CHECK(d <= mantiuk_tol);
    w.mantiuk = std::max(w.mantiuk, d);
  }
  MESSAGE(what << ": worst max abs diff vs OpenCV: drago " << w.drago << ", reinhard " << w.reinhard << ", mantiuk "
               << w.mantiuk);
  return w;
}

}  // namespace

TEST_SUITE("tonemap") {

TEST_CASE("tonemap_drago, tonemap_reinhard, tonemap_mantiuk match OpenCV on memorial (golden response)") {
  HDRGPU_REQUIRE_DATA("memorial");
  HDRGPU_REQUIRE_DATA("opencv-golden");
  const cv::Mat& hdr = memorial_golden();
  cpu_executor exec;
  // Defaults, one by one, for the record.
  const double d = max_abs_vs_cv(tonemap_drago(exec, view_of(hdr)), cv_drago(hdr, {}));
  const double r = max_abs_vs_cv(tonemap_reinhard(exec, view_of(hdr)), cv_reinhard(hdr, {}));
  const double m = max_abs_vs_cv(tonemap_mantiuk(exec, view_of(hdr)), cv_mantiuk(hdr, {}));
  MESSAGE("memorial, defaults: drago " << d << ", reinhard " << r << ", mantiuk " << m);
  CHECK(d <= drago_tol);
  CHECK(r <= reinhard_tol);
  CHECK(m <= mantiuk_tol);
  compare_all(exec, hdr, "memorial");

  // OpenCV's Photo_Tonemap regression procedure (gamma 2.2, x255 -> 8 bits, max abs <= 3): on the same input
  // our 8-bit images equal OpenCV's.
  for (int op = 0; op < 3; ++op) {
    cv::Mat ref;
    image<float> ours;
    if (op == 0) {
      ref = cv_drago(hdr, {2.2f});
      ours = tonemap_drago(exec, view_of(hdr), {2.2f});
    } else if (op == 1) {
      ref = cv_reinhard(hdr, {2.2f});
      ours = tonemap_reinhard(exec, view_of(hdr), {2.2f});
    } else {
      ref = cv_mantiuk(hdr, {2.2f});
      ours = tonemap_mantiuk(exec, view_of(hdr), {2.2f});
    }
    cv::Mat a8, b8;
    ref.convertTo(a8, CV_8UC3, 255);
    hdrgpu_test::as_mat(ours).convertTo(b8, CV_8UC3, 255);
    CHECK(cv::norm(a8, b8, cv::NORM_INF) <= 1);
  }
}

TEST_CASE("local tonemaps match OpenCV on synthetic radiance of odd and even sizes") {
  cpu_executor exec;
  // 517x389: odd sides (every pyramid level bilinear); 640x480: even halvings (OpenCV's 2x2 area path)
  // down to odd ones; 250x33: few levels; 2x2 and 3x2: the smallest pyramids.
  compare_all(exec, synthetic_hdr(517, 389, 1), "517x389");
  compare_all(exec, synthetic_hdr(640, 480, 2), "640x480", false);
  compare_all(exec, synthetic_hdr(250, 33, 3), "250x33", false);
  compare_all(exec, synthetic_hdr(2, 2, 4), "2x2", false);
  compare_all(exec, synthetic_hdr(3, 2, 5), "3x2", false);
}

TEST_CASE("local tonemaps: an RGB view gives the BGR view's picture, pitched views and threads change nothing") {
  const cv::Mat bgr = synthetic_hdr(131, 77, 7);
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  cpu_executor exec, t1({.threads = 1}), t3({.threads = 3});
  auto swapped = [](const image<float>& a) {  // channels 0 and 2 exchanged
    image<float> s(a.width(), a.height(), 3, a.order() == channel_order::bgr ? channel_order::rgb : channel_order::bgr);
    for (int y = 0; y < a.height(); ++y)
      for (int x = 0; x < a.width(); ++x)
        for (int c = 0; c < 3; ++c) s.at(x, y, c) = a.at(x, y, 2 - c);
    return s;
  };
  // A pitched copy: 5 spare pixels at the end of each row.
  cv::Mat wide(bgr.rows, bgr.cols + 5, CV_32FC3, cv::Scalar::all(123.0));
  bgr.copyTo(wide(cv::Rect(0, 0, bgr.cols, bgr.rows)));
  const image_view<const float> pitched(wide.ptr<float>(), bgr.cols, bgr.rows, 3, std::ptrdiff_t(wide.step),
                                        channel_order::bgr);
  auto check = [&](auto&& op) {
    const image<float> a = op(exec, view_of(bgr));
    CHECK(a.order() == channel_order::bgr);
    const image<float> b = op(exec, view_of(rgb, channel_order::rgb));
    CHECK(b.order() == channel_order::rgb);
    CHECK(same_bits(a, swapped(b)));
    CHECK(same_bits(a, op(exec, pitched)));
    CHECK(same_bits(a, op(t1, view_of(bgr))));
    CHECK(same_bits(a, op(t3, view_of(bgr))));
  };
  check([](const cpu_executor& e, image_view<const float> v) { return tonemap_drago(e, v, {2.2f, 1.2f, 0.8f}); });
  check([](const cpu_executor& e, image_view<const float> v) {
    return tonemap_reinhard(e, v, {1.5f, 0.5f, 0.6f, 0.4f});
  });
  check([](const cpu_executor& e, image_view<const float> v) { return tonemap_mantiuk(e, v, {2.2f, 0.8f, 1.1f}); });
}

TEST_CASE("local tonemaps: our f32 log and exp at special values (no undefined behaviour: the sanitizer build checks)") {
  namespace m = detail::math;
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  CHECK(std::isnan(m::tm_log(nan)));
  CHECK(std::isnan(m::tm_log(-nan)));
  CHECK(std::isnan(m::tm_log(-0.5f)));
  CHECK(std::isnan(m::tm_log(-1e-40f)));
  CHECK(std::isnan(m::tm_log(-inf)));
  CHECK(m::tm_log(0.0f) == -inf);
  CHECK(m::tm_log(-0.0f) == -inf);
  CHECK(m::tm_log(inf) == inf);
  for (const float x : {1e-40f, 1e-30f, 0.3f, 1.0f, 3.0f, 1e30f})
    CHECK(std::abs(double(m::tm_log(x)) - std::log(double(x))) <= 2e-7 * std::max(1.0, std::abs(std::log(double(x)))));
  CHECK(std::isnan(m::tm_exp(nan)));
  CHECK(m::tm_exp(-100.0f) == 0.0f);
  CHECK(m::tm_exp(-inf) == 0.0f);
  CHECK(m::tm_exp(100.0f) == inf);
  CHECK(m::tm_exp(inf) == inf);
  for (const float x : {-80.0f, -1.0f, 0.0f, 0.5f, 3.0f, 80.0f})
    CHECK(std::abs(double(m::tm_exp(x)) / std::exp(double(x)) - 1.0) <= 3e-7);
}

TEST_CASE("local tonemaps: the closing gamma 2 (OpenCV's sqrt branch) of a negative residual at the minimum is 0, not NaN") {
  // The normalised minimum fmaf(mn, alpha, beta), beta = -round(mn * alpha), is a rounding residual of
  // either sign; find minima where it is negative, as a mapped image's can be.
  int found = 0;
  for (int i = 1; i < 2000 && found < 20; ++i) {
    const float mn = 1e-3f * float(i) / 7.0f, mx = 1.0f + float(i) / 3.0f;
    const detail::math::tonemap_params t = detail::tonemap_params_from(mn, mx, 2.0f);
    if (!(std::fmaf(mn, t.alpha, t.beta) < 0.0f)) continue;
    ++found;
    detail::math::pow_for(t.pow, [&](auto pw) {
      CHECK(std::isnan(pw(std::fmaf(mn, t.alpha, t.beta))));  // the bare pow: sqrt of a negative
      CHECK(detail::math::finish_sample(t, pw, mn) == 0.0f);
      CHECK(std::abs(detail::math::finish_sample(t, pw, mx) - 1.0f) <= 1e-6f);
    });
  }
  CHECK(found == 20);
}

TEST_CASE("local tonemaps: degenerate images") {
  cpu_executor exec;
  // A black pixel (all channels at the image's minimum 0): OpenCV's mapLuminance computes 0 * (1/0) = NaN
  // there (Drago, Mantiuk) and Reinhard 0 / 0; we give 0 and agree with OpenCV everywhere else.
  cv::Mat hdr = synthetic_hdr(64, 48, 11);
  hdr.at<cv::Vec3f>(5, 7) = cv::Vec3f(0, 0, 0);
  const image<float> d = tonemap_drago(exec, view_of(hdr));
  const image<float> r = tonemap_reinhard(exec, view_of(hdr));
  const image<float> m = tonemap_mantiuk(exec, view_of(hdr));
  for (int c = 0; c < 3; ++c) {
    CHECK(d.at(7, 5, c) == 0.0f);
    CHECK(r.at(7, 5, c) == 0.0f);
    CHECK(m.at(7, 5, c) == 0.0f);
  }
  CHECK(std::isnan(cv_drago(hdr, {}).at<cv::Vec3f>(5, 7)[0]));
  CHECK(max_abs_vs_cv(d, cv_drago(hdr, {})) <= drago_tol);
  CHECK(max_abs_vs_cv(r, cv_reinhard(hdr, {})) <= reinhard_tol);
  CHECK(max_abs_vs_cv(m, cv_mantiuk(hdr, {})) <= mantiuk_tol);

  // All black: OpenCV's Drago asserts, the others give NaN everywhere; we give 0.
  const cv::Mat black(6, 5, CV_32FC3, cv::Scalar::all(0.0));
  auto all_zero = [](const image<float>& out) {
    for (std::size_t k = 0; k < out.size(); ++k)
      if (out.data()[k] != 0.0f) return false;
    return true;
  };
  CHECK(all_zero(tonemap_drago(exec, view_of(black))));
  CHECK(all_zero(tonemap_reinhard(exec, view_of(black))));
  CHECK(all_zero(tonemap_mantiuk(exec, view_of(black))));

  // A constant colour: not normalised (as Tonemap(1)); Drago maps it as OpenCV does; Reinhard's key is 0/0
  // (OpenCV: NaN everywhere; here 0); Mantiuk has nothing to solve (OpenCV asserts) and returns the colour
  // normalised by the closing Tonemap.
  const cv::Mat flat(5, 6, CV_32FC3, cv::Scalar(0.2, 0.5, 0.9));
  CHECK(max_abs_vs_cv(tonemap_drago(exec, view_of(flat)), cv_drago(flat, {})) <= drago_tol);
  const image<float> rf = tonemap_reinhard(exec, view_of(flat));
  CHECK(rf.at(3, 2, 1) == 0.0f);
  const image<float> mf = tonemap_mantiuk(exec, view_of(flat));
  CHECK(std::abs(mf.at(0, 0, 0)) <= 1e-6);        // the smallest channel
  CHECK(std::abs(mf.at(0, 0, 2) - 1.0f) <= 1e-6);  // the largest
  CHECK(std::abs(mf.at(4, 3, 1) - (0.5 - 0.2) / (0.9 - 0.2)) <= 1e-5);

  // One row: OpenCV's Mantiuk has no pyramid and fails; ours keeps log(max(Y, 1e-4)): C / Y * Y, normalised.
  const cv::Mat row = synthetic_hdr(40, 1, 12);
  const image<float> mr = tonemap_mantiuk(exec, view_of(row));
  const image<float> dr = tonemap_drago(exec, view_of(row));
  CHECK(max_abs_vs_cv(dr, cv_drago(row, {})) <= drago_tol);
  double lo = 1, hi = 0;
  for (std::size_t k = 0; k < mr.size(); ++k) {
    lo = std::min(lo, double(mr.data()[k]));
    hi = std::max(hi, double(mr.data()[k]));
  }
  CHECK(lo <= 1e-6);
  CHECK(hi >= 1.0 - 1e-6);
  // 1x1: all three run (Mantiuk without pyramid).
  const cv::Mat one(1, 1, CV_32FC3, cv::Scalar(1.0, 2.0, 3.0));
  CHECK(tonemap_drago(exec, view_of(one)).size() == 3);
  CHECK(tonemap_reinhard(exec, view_of(one)).size() == 3);
  CHECK(tonemap_mantiuk(exec, view_of(one)).size() == 3);
}

TEST_CASE("local tonemaps: bad input and parameters") {
  cpu_executor exec;
  cv::Mat hdr = synthetic_hdr(9, 7, 13);
  using hdrgpu_test::message_of;
  for (const float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                          -std::numeric_limits<float>::infinity()}) {
    cv::Mat m = hdr.clone();
    m.at<cv::Vec3f>(4, 6)[2] = bad;
    m.at<cv::Vec3f>(5, 1)[0] = bad;
    const std::string what = message_of([&] { tonemap_drago(exec, view_of(m)); });
    CHECK(what.find("tonemap_drago: the radiance must be finite") == 0);
    CHECK(what.find("sample (x=6, y=4, channel 2)") != std::string::npos);
    CHECK(message_of([&] { tonemap_reinhard(exec, view_of(m)); }).find("tonemap_reinhard: the radiance must be finite") == 0);
    CHECK(message_of([&] { tonemap_mantiuk(exec, view_of(m)); }).find("tonemap_mantiuk: the radiance must be finite") == 0);
  }
  // Channel counts other than 3 (OpenCV asserts CV_32FC3).
  const image_view<const float> one(hdr.ptr<float>(), 21, 7, 1, std::ptrdiff_t(hdr.step));
  const image_view<const float> four(hdr.ptr<float>(), 5, 7, 4, std::ptrdiff_t(hdr.step));
  for (const auto& v : {one, four}) {
    CHECK(message_of([&] { tonemap_drago(exec, v); }).find("needs a 3-channel image") != std::string::npos);
    CHECK(message_of([&] { tonemap_reinhard(exec, v); }).find("needs a 3-channel image") != std::string::npos);
    CHECK(message_of([&] { tonemap_mantiuk(exec, v); }).find("needs a 3-channel image") != std::string::npos);
  }
  CHECK(message_of([&] { tonemap_drago(exec, image_view<const float>{}); }) == "tonemap_drago: empty image");
  const image_view<const float> dev(hdr.ptr<float>(), 9, 7, 3, 0, channel_order::bgr, memory_space::device);
  CHECK(!message_of([&] { tonemap_mantiuk(exec, dev); }).empty());

  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  const auto v = view_of(hdr);
  for (const float g : {0.0f, -1.0f, nan, inf}) {
    CHECK(message_of([&] { tonemap_drago(exec, v, {.gamma = g}); }).find("gamma must be finite and > 0") !=
          std::string::npos);
    CHECK(!message_of([&] { tonemap_reinhard(exec, v, {.gamma = g}); }).empty());
    CHECK(!message_of([&] { tonemap_mantiuk(exec, v, {.gamma = g}); }).empty());
  }
  for (const float b : {0.0f, -0.5f, 1.01f, nan}) CHECK(!message_of([&] { tonemap_drago(exec, v, {.bias = b}); }).empty());
  for (const float s : {-0.1f, nan, inf}) {
    CHECK(!message_of([&] { tonemap_drago(exec, v, {.saturation = s}); }).empty());
    CHECK(!message_of([&] { tonemap_mantiuk(exec, v, {.saturation = s}); }).empty());
  }
  for (const float s : {0.0f, -0.7f, nan, inf}) CHECK(!message_of([&] { tonemap_mantiuk(exec, v, {.scale = s}); }).empty());
  for (const float i : {-8.5f, 9.0f, nan}) CHECK(!message_of([&] { tonemap_reinhard(exec, v, {.intensity = i}); }).empty());
  for (const float a : {-0.1f, 1.1f, nan}) {
    CHECK(message_of([&] { tonemap_reinhard(exec, v, {.light_adapt = a}); }).find("light_adapt must be finite and in [") !=
          std::string::npos);
    CHECK(!message_of([&] { tonemap_reinhard(exec, v, {.color_adapt = a}); }).empty());
  }
  // The limits themselves are accepted.
  CHECK_NOTHROW(tonemap_drago(exec, v, {.gamma = 0.1f, .saturation = 0.0f, .bias = 1.0f}));
  CHECK_NOTHROW(tonemap_reinhard(exec, v, {.intensity = -8.0f, .light_adapt = 0.0f, .color_adapt = 1.0f}));
  CHECK_NOTHROW(tonemap_reinhard(exec, v, {.intensity = 8.0f, .light_adapt = 1.0f, .color_adapt = 0.0f}));
  CHECK_NOTHROW(tonemap_mantiuk(exec, v, {.scale = 3.0f, .saturation = 0.0f}));
}

}  // TEST_SUITE
