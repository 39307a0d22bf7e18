// Gamma Tonemap on the CUDA executor. The same check bodies run on cpu_executor and cuda_executor (suite
// "gpu"): against the CPU backend (bit-exact where cv::pow takes an exact branch, 1e-6 absolute through
// powf) and, on Memorial, against OpenCV 4.6 (1e-5 absolute, the CPU backend's tolerance).
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <opencv2/photo.hpp>

#include <hdrgpu/cuda_diagnostics.hpp>
#include <hdrgpu/tonemap.hpp>

#include "gpu_support.hpp"
#include "opencv_ref.hpp"

using namespace hdrgpu;

namespace {

/// NaN at the same places, otherwise max |a - b|; +inf when the shapes or NaN patterns differ.
double abs_diff(const image<float>& a, const image<float>& b) {
  if (a.width() != b.width() || a.height() != b.height() || a.channels() != b.channels() || a.order() != b.order())
    return std::numeric_limits<double>::infinity();
  double m = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    const float x = a.data()[k], y = b.data()[k];
    if (std::isnan(x) || std::isnan(y)) {
      if (!(std::isnan(x) && std::isnan(y))) return std::numeric_limits<double>::infinity();
      continue;
    }
    m = std::max(m, std::abs(double(x) - double(y)));
  }
  return m;
}

bool same_bits(const image<float>& a, const image<float>& b) {
  return a.size() == b.size() && a.channels() == b.channels() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

/// Whether 1/gamma takes one of cv::pow's exact branches (copy, integer, sqrt) rather than powf.
bool exact_branch(float gamma) {
  return detail::math::make_pow_plan(1.0f / gamma, false).how != detail::math::pow_plan::kind::general;
}

/// Tonemaps `src` on `exec` and on the CPU for several gammas and compares.
template <class Exec>
void compare_gammas(const Exec& exec, image_view<const float> src, const std::string& what) {
  const cpu_executor cpu;
  for (const float gamma : {1.0f, 2.2f, 2.0f, 0.5f, 1.0f / 3.0f, 0.8f}) {
    const image<float> got = tonemap_gamma(exec, src, {.gamma = gamma});
    const image<float> want = tonemap_gamma(cpu, src, {.gamma = gamma});
    INFO(what << ", gamma " << gamma);
    if (exact_branch(gamma))
      CHECK(same_bits(got, want));
    else
      CHECK(abs_diff(got, want) <= 1e-6);
  }
}

image<float> random_image(int w, int h, int c, float lo, float hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  image<float> m(w, h, c, channel_order::bgr);
  for (std::size_t k = 0; k < m.size(); ++k) m.data()[k] = u(rng);
  return m;
}

template <class Exec>
void check_tonemap_memorial(const Exec& exec) {
  const auto s = hdrgpu_test::load_cv_stack("memorial");
  const radiance_map hdr = merge_debevec(cpu_executor{}, s.view(), {.profile = compat::opencv_4_6});
  compare_gammas(exec, hdr, "memorial");
  for (const float gamma : {1.0f, 2.2f}) {
    cv::Mat ref;
    cv::createTonemap(gamma)->process(hdrgpu_test::as_mat(hdr), ref);
    const image<float> got = tonemap_gamma(exec, hdr, {.gamma = gamma});
    CHECK(hdrgpu_test::max_rel_diff(got.data(), ref.ptr<float>(), got.size(), 1.0) <= 1e-5);
  }
}

template <class Exec>
void check_tonemap_edge_cases(const Exec& exec) {
  // Random data with NaN, infinities excluded, -0 as the minimum, negatives; 1, 3 and 4 channels; a pitched
  // view over a wider buffer.
  for (const int c : {1, 3, 4}) {
    image<float> img = random_image(97, 61, c, -3.0f, 40.0f, 7 + unsigned(c));
    img.data()[5] = std::nanf("");
    img.data()[img.size() - 1] = std::nanf("");
    compare_gammas(exec, img, "random " + std::to_string(c) + " channels");
  }
  image<float> zeros = random_image(64, 32, 3, 0.5f, 2.0f, 3);
  zeros.data()[17] = -0.0f;  // the minimum is a zero: beta's sign must not depend on which zero wins
  zeros.data()[18] = 0.0f;
  compare_gammas(exec, zeros, "minimum -0");

  image<float> wide = random_image(130, 40, 3, 0.0f, 5.0f, 11);
  const image_view<const float> inner(wide.data() + 3, 120, 40, 3, std::ptrdiff_t(130 * 3 * sizeof(float)));
  compare_gammas(exec, inner, "pitched view");

  // A constant image is not normalised: 5 -> 5^(1/gamma).
  image<float> flat(8, 4, 1);
  std::fill(flat.data(), flat.data() + flat.size(), 5.0f);
  const image<float> f = tonemap_gamma(exec, flat, {.gamma = 2.0f});
  CHECK(f.at(3, 2, 0) == std::sqrt(5.0f));
  compare_gammas(exec, flat, "constant");

  // All NaN: min/max see nothing, no normalisation, NaN stays NaN.
  image<float> nan(5, 3, 3);
  std::fill(nan.data(), nan.data() + nan.size(), std::nanf(""));
  const image<float> n = tonemap_gamma(exec, nan, {.gamma = 2.2f});
  CHECK(std::isnan(n.at(4, 2, 2)));
  compare_gammas(exec, nan, "all NaN");

  // A single sample.
  image<float> one(1, 1, 1);
  one.data()[0] = 0.25f;
  CHECK(tonemap_gamma(exec, one, {.gamma = 0.5f}).data()[0] == 0.0625f);
}

using hdrgpu_test::message_of;

template <class Exec>
void check_tonemap_errors(const Exec& exec) {
  const cpu_executor cpu;
  const image<float> img = random_image(4, 4, 3, 0.0f, 1.0f, 1);
  for (const float g : {0.0f, -1.0f, std::numeric_limits<float>::infinity(), std::nanf("")}) {
    const std::string want = message_of([&] { tonemap_gamma(cpu, img, {.gamma = g}); });
    CHECK(!want.empty());
    CHECK(message_of([&] { tonemap_gamma(exec, img, {.gamma = g}); }) == want);
  }
  CHECK(message_of([&] { tonemap_gamma(exec, image_view<const float>{}); }) ==
        message_of([&] { tonemap_gamma(cpu, image_view<const float>{}); }));
}

}  // namespace

TEST_SUITE("tonemap") {
  TEST_CASE("tonemap checks on the CPU executor: memorial vs OpenCV") {
    HDRGPU_REQUIRE_DATA("memorial");
    check_tonemap_memorial(cpu_executor{});
  }
  TEST_CASE("tonemap checks on the CPU executor: edge cases and bad input") {
    check_tonemap_edge_cases(cpu_executor{});
    check_tonemap_errors(cpu_executor{});
  }
}

TEST_SUITE("gpu") {
  TEST_CASE("gpu tonemap matches the CPU backend and OpenCV on memorial") {
    HDRGPU_REQUIRE_GPU(exec);
    HDRGPU_REQUIRE_DATA("memorial");
    check_tonemap_memorial(exec);
  }
  TEST_CASE("gpu tonemap: edge cases and bad input as on the CPU") {
    HDRGPU_REQUIRE_GPU(exec);
    check_tonemap_edge_cases(exec);
    check_tonemap_errors(exec);
  }
  TEST_CASE("gpu tonemap: asynchronous device overload pitched and in place") {
    HDRGPU_REQUIRE_GPU(exec);
    const image<float> img = random_image(203, 77, 3, -0.5f, 9.0f, 5);
    const int w = img.width(), h = img.height(), c = img.channels();
    const std::size_t row = std::size_t(w) * c * sizeof(float);
    const std::ptrdiff_t pitch = std::ptrdiff_t(row) + 96;
    detail::device_allocation src(exec, std::size_t(pitch) * h), dst(exec, std::size_t(pitch) * h);
    std::vector<unsigned char> staged(src.bytes(), 0);
    for (int y = 0; y < h; ++y) std::memcpy(staged.data() + std::size_t(pitch) * y, img.row(y), row);
    detail::copy_to_device(exec, src.get(), staged.data(), staged.size());
    const image_view<const float> dsrc(src.as<const float>(), w, h, c, pitch, img.order(), memory_space::device);
    const image_view<float> ddst(dst.as<float>(), w, h, c, pitch, img.order(), memory_space::device);
    auto download = [&](const detail::device_allocation& a) {
      std::vector<unsigned char> all(a.bytes());
      detail::copy_to_host(exec, all.data(), a.get(), all.size());
      image<float> out(w, h, c, img.order());
      for (int y = 0; y < h; ++y) std::memcpy(out.row(y), all.data() + std::size_t(pitch) * y, row);
      return out;
    };
    for (const float gamma : {2.2f, 2.0f}) {
      const image<float> want = tonemap_gamma(exec, img, {.gamma = gamma});
      tonemap_gamma(exec, dsrc, ddst, {.gamma = gamma});
      exec.synchronize();
      CHECK(same_bits(download(dst), want));
      CHECK(same_bits(tonemap_gamma(exec, dsrc, {.gamma = gamma}), want));  // synchronous, device source
    }
    // In place: src is overwritten with its own tonemap.
    const image_view<float> inplace(src.as<float>(), w, h, c, pitch, img.order(), memory_space::device);
    tonemap_gamma(exec, inplace, inplace, {.gamma = 2.2f});
    exec.synchronize();
    CHECK(same_bits(download(src), tonemap_gamma(exec, img, {.gamma = 2.2f})));

    image<float> host_out(w, h, c);
    CHECK_THROWS_AS(tonemap_gamma(exec, img, host_out.view()), invalid_argument);
    const image_view<float> small(dst.as<float>(), w - 1, h, c, pitch, img.order(), memory_space::device);
    CHECK_THROWS_AS(tonemap_gamma(exec, dsrc, small), invalid_argument);
  }
}
