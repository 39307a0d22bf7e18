// TonemapDrago, TonemapReinhard and TonemapMantiuk on the CUDA executor. The same check bodies run on
// cpu_executor (suite "tonemap") and cuda_executor (suite "gpu").
//
// GPU against the CPU backend: max abs <= 2e-5 (the OpenCV tolerance of tonemap_ops_test.cpp). The kernels
// compute every sample with the CPU's maths (our own f32 log/exp/pow, explicit fmaf, no libm), and
// Mantiuk's dot products with the CPU's f32 blocking, so the results are normally bit-identical, on a real
// GPU as under the emulator; what can differ is the order of the double sums behind Drago's log-average and
// Reinhard's key and means, which can move one of those f32 scalars by an ulp and the output by a few 1e-6
// (Reinhard's key enters through a power of the darkest samples and the closing normalisation). Measured
// (emulator): 0 for all three.
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include <hdrgpu/cuda_diagnostics.hpp>
#include <hdrgpu/tonemap.hpp>

#include "gpu_support.hpp"
#include "opencv_ref.hpp"

using namespace hdrgpu;

namespace {

constexpr double cv_tol = 2e-5, gpu_tol = 2e-5;

image<float> hdr_image(int w, int h, unsigned seed, channel_order order = channel_order::bgr) {
  const cv::Mat hdr = hdrgpu_test::synthetic_hdr(w, h, seed);
  image<float> out(w, h, 3, order);
  std::memcpy(out.data(), hdr.ptr<float>(), out.size() * sizeof(float));
  return out;
}

double abs_diff(const image<float>& a, const image<float>& b) {
  if (a.width() != b.width() || a.height() != b.height() || a.channels() != b.channels() || a.order() != b.order())
    return std::numeric_limits<double>::infinity();
  double m = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    const double d = std::abs(double(a.data()[k]) - double(b.data()[k]));
    if (std::isnan(d)) return std::numeric_limits<double>::infinity();
    m = std::max(m, d);
  }
  return m;
}

double diff_vs_cv(const image<float>& a, const cv::Mat& ref) {
  double m = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    const float r = ref.ptr<float>()[k];
    if (std::isnan(r)) continue;
    const double d = std::abs(double(a.data()[k]) - double(r));
    if (std::isnan(d)) return std::numeric_limits<double>::infinity();
    m = std::max(m, d);
  }
  return m;
}

/// Runs op on `exec` and on the CPU and compares.
template <class Exec, class Op>
double vs_cpu(const Exec& exec, image_view<const float> src, const Op& op) {
  return abs_diff(op(exec, src), op(cpu_executor{}, src));
}

const image<float>& memorial_golden() {
  static const image<float> hdr = [] {
    const cv::Mat& out = hdrgpu_test::memorial_golden_radiance();
    image<float> img(out.cols, out.rows, 3, channel_order::bgr);
    std::memcpy(img.data(), out.ptr<float>(), img.size() * sizeof(float));
    return img;
  }();
  return hdr;
}

/// Memorial, or its central quarter where the gpu cases run again (emulator modes, sanitizers): the
/// comparison is the same, with a quarter of the emulated work.
image<float> memorial_input() {
  const image<float>& full = memorial_golden();
  if (!hdrgpu_test::reduced_inputs()) return full;
  const int w = full.width() / 2, h = full.height() / 2, x0 = full.width() / 4, y0 = full.height() / 4;
  image<float> crop(w, h, 3, channel_order::bgr);
  for (int y = 0; y < h; ++y) std::memcpy(crop.row(y), full.row(y0 + y) + x0 * 3, std::size_t(w) * 3 * sizeof(float));
  return crop;
}

template <class Exec>
void check_memorial(const Exec& exec) {
  const image<float> hdr = memorial_input();
  const cv::Mat m = hdrgpu_test::as_mat(hdr);
  const tonemap_drago_options d{2.2f, 1.2f, 0.9f};
  const tonemap_reinhard_options r{1.0f, 1.0f, 0.5f, 0.3f};
  const tonemap_mantiuk_options k{2.2f, 0.9f, 1.2f};
  cv::Mat rd, rr, rm, rm0;
  cv::createTonemapDrago(d.gamma, d.saturation, d.bias)->process(m, rd);
  cv::createTonemapReinhard(r.gamma, r.intensity, r.light_adapt, r.color_adapt)->process(m, rr);
  cv::createTonemapMantiuk(k.gamma, k.scale, k.saturation)->process(m, rm);
  cv::createTonemapMantiuk()->process(m, rm0);
  const image<float> gd = tonemap_drago(exec, hdr, d), gr = tonemap_reinhard(exec, hdr, r);
  const image<float> gm = tonemap_mantiuk(exec, hdr, k), gm0 = tonemap_mantiuk(exec, hdr);
  const double cd = diff_vs_cv(gd, rd), cr = diff_vs_cv(gr, rr), cm = diff_vs_cv(gm, rm), cm0 = diff_vs_cv(gm0, rm0);
  MESSAGE("memorial vs OpenCV: drago " << cd << ", reinhard " << cr << ", mantiuk " << cm << " (defaults " << cm0 << ")");
  CHECK(cd <= cv_tol);
  CHECK(cr <= cv_tol);
  CHECK(cm <= cv_tol);
  CHECK(cm0 <= cv_tol);
  const cpu_executor cpu;
  const double pd = abs_diff(gd, tonemap_drago(cpu, hdr, d)), pr = abs_diff(gr, tonemap_reinhard(cpu, hdr, r));
  const double pm = abs_diff(gm, tonemap_mantiuk(cpu, hdr, k)), pm0 = abs_diff(gm0, tonemap_mantiuk(cpu, hdr));
  MESSAGE("memorial vs the CPU backend: drago " << pd << ", reinhard " << pr << ", mantiuk " << pm << " / " << pm0);
  CHECK(pd <= gpu_tol);
  CHECK(pr <= gpu_tol);
  CHECK(pm <= gpu_tol);
  CHECK(pm0 <= gpu_tol);
}

template <class Exec>
void check_shapes(const Exec& exec) {
  // Odd and even sizes (the pyramid's bilinear and 2x2-mean paths), a width that is not a multiple of 8
  // (the grey's tail), a single row and a single pixel.
  double worst = 0;
  for (const auto& [w, h] : {std::pair{203, 77}, std::pair{96, 64}, std::pair{2, 2}, std::pair{37, 1}, std::pair{1, 1}}) {
    const image<float> img = hdr_image(w, h, unsigned(w * 131 + h));
    INFO(w << "x" << h);
    const double a = vs_cpu(exec, img, [](const auto& e, image_view<const float> v) {
      return tonemap_drago(e, v, {1.0f, 0.8f, 0.7f});
    });
    const double b = vs_cpu(exec, img, [](const auto& e, image_view<const float> v) {
      return tonemap_reinhard(e, v, {2.2f, -1.0f, 0.0f, 1.0f});
    });
    const double c = vs_cpu(exec, img, [](const auto& e, image_view<const float> v) { return tonemap_mantiuk(e, v); });
    CHECK(a <= gpu_tol);
    CHECK(b <= gpu_tol);
    CHECK(c <= gpu_tol);
    worst = std::max({worst, a, b, c});
  }
  MESSAGE("shapes vs the CPU backend: worst " << worst);
  // An RGB image of the same pixels gives the same picture, channels swapped.
  const image<float> bgr = hdr_image(64, 40, 3);
  image<float> rgb(64, 40, 3, channel_order::rgb);
  for (int y = 0; y < 40; ++y)
    for (int x = 0; x < 64; ++x)
      for (int c = 0; c < 3; ++c) rgb.at(x, y, c) = bgr.at(x, y, 2 - c);
  const image<float> a = tonemap_reinhard(exec, bgr, {1.0f, 0.5f, 0.8f, 0.7f});
  const image<float> b = tonemap_reinhard(exec, rgb, {1.0f, 0.5f, 0.8f, 0.7f});
  CHECK(b.order() == channel_order::rgb);
  for (int c = 0; c < 3; ++c) CHECK(a.at(17, 9, c) == b.at(17, 9, 2 - c));
  // A black pixel comes out as 0 (OpenCV: NaN).
  image<float> dark = hdr_image(24, 16, 4);
  for (int c = 0; c < 3; ++c) dark.at(3, 2, c) = 0.0f;
  for (const image<float>& out :
       {tonemap_drago(exec, dark), tonemap_reinhard(exec, dark), tonemap_mantiuk(exec, dark)}) {
    for (int c = 0; c < 3; ++c) CHECK(out.at(3, 2, c) == 0.0f);
  }
}

using hdrgpu_test::message_of;

template <class Exec>
void check_errors(const Exec& exec) {
  const cpu_executor cpu;
  image<float> img = hdr_image(8, 6, 9);
  img.at(5, 3, 1) = std::numeric_limits<float>::quiet_NaN();
  img.at(2, 4, 0) = std::numeric_limits<float>::infinity();
  const std::string want = message_of([&] { tonemap_mantiuk(cpu, img); });
  CHECK(want.find("sample (x=5, y=3, channel 1) is nan") != std::string::npos);
  CHECK(message_of([&] { tonemap_mantiuk(exec, img); }) == want);
  CHECK(message_of([&] { tonemap_drago(exec, img); }) == message_of([&] { tonemap_drago(cpu, img); }));
  CHECK(message_of([&] { tonemap_reinhard(exec, img); }) == message_of([&] { tonemap_reinhard(cpu, img); }));
  const image<float> one(5, 4, 1);
  CHECK(message_of([&] { tonemap_drago(exec, one); }) == message_of([&] { tonemap_drago(cpu, one); }));
  CHECK(message_of([&] { tonemap_reinhard(exec, image_view<const float>{}); }) ==
        message_of([&] { tonemap_reinhard(cpu, image_view<const float>{}); }));
  const image<float> ok = hdr_image(8, 6, 10);
  CHECK(message_of([&] { tonemap_drago(exec, ok, {.bias = 0.0f}); }) ==
        message_of([&] { tonemap_drago(cpu, ok, {.bias = 0.0f}); }));
  CHECK(message_of([&] { tonemap_reinhard(exec, ok, {.color_adapt = 2.0f}); }) ==
        message_of([&] { tonemap_reinhard(cpu, ok, {.color_adapt = 2.0f}); }));
  CHECK(message_of([&] { tonemap_mantiuk(exec, ok, {.scale = -1.0f}); }) ==
        message_of([&] { tonemap_mantiuk(cpu, ok, {.scale = -1.0f}); }));
}

}  // namespace

TEST_SUITE("tonemap") {
  TEST_CASE("local tonemap checks on the CPU executor: memorial vs OpenCV") {
    HDRGPU_REQUIRE_DATA("memorial");
    HDRGPU_REQUIRE_DATA("opencv-golden");
    check_memorial(cpu_executor{});
  }
  TEST_CASE("local tonemap checks on the CPU executor: shapes and bad input") {
    check_shapes(cpu_executor{});
    check_errors(cpu_executor{});
  }
}

TEST_SUITE("gpu") {
  TEST_CASE("gpu local tonemaps match the CPU backend and OpenCV on memorial") {
    HDRGPU_REQUIRE_GPU(exec);
    HDRGPU_REQUIRE_DATA("memorial");
    HDRGPU_REQUIRE_DATA("opencv-golden");
    check_memorial(exec);
  }
  TEST_CASE("gpu local tonemaps: shapes and bad input as on the CPU") {
    HDRGPU_REQUIRE_GPU(exec);
    check_shapes(exec);
    check_errors(exec);
  }
  TEST_CASE("gpu local tonemaps: device views") {
    HDRGPU_REQUIRE_GPU(exec);
    const image<float> img = hdr_image(83, 45, 21);
    const int w = img.width(), h = img.height();
    const std::size_t row = std::size_t(w) * 3 * sizeof(float);
    const std::ptrdiff_t pitch = std::ptrdiff_t(row) + 64;
    detail::device_allocation buf(exec, std::size_t(pitch) * h);
    std::vector<unsigned char> staged(buf.bytes(), 0);
    for (int y = 0; y < h; ++y) std::memcpy(staged.data() + std::size_t(pitch) * y, img.row(y), row);
    detail::copy_to_device(exec, buf.get(), staged.data(), staged.size());
    const image_view<const float> dev(buf.as<const float>(), w, h, 3, pitch, img.order(), memory_space::device);
    CHECK(abs_diff(tonemap_drago(exec, dev), tonemap_drago(exec, img)) == 0.0);
    CHECK(abs_diff(tonemap_reinhard(exec, dev), tonemap_reinhard(exec, img)) == 0.0);
    CHECK(abs_diff(tonemap_mantiuk(exec, dev), tonemap_mantiuk(exec, img)) == 0.0);
    // A device view whose rows are not 4-byte aligned is refused before any launch.
    const image_view<const float> odd(reinterpret_cast<const float*>(static_cast<const char*>(buf.get()) + 2), w, h, 3,
                                      pitch, img.order(), memory_space::device);
    CHECK(message_of([&] { tonemap_mantiuk(exec, odd); }).find("4-byte boundaries") != std::string::npos);
  }
}
