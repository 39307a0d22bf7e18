// MergeMertens on both executors: every test body is a template over the executor. On the CPU it checks the
// result against OpenCV 4.6 (1e-4, as mertens_test.cpp does); on the GPU it also checks it against the CPU
// backend (1e-5, relative to the output magnitude when that exceeds 1) and OpenCV.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include <hdrgpu/cuda_diagnostics.hpp>
#include <hdrgpu/mertens.hpp>
#include <hdrgpu/synth.hpp>

#include "../../cuda/mertens_steps.hpp"  // toolkit-free: the kernels' per-pixel steps and their order
#include "gpu_support.hpp"
#include "opencv_ref.hpp"

using namespace hdrgpu;

namespace {

using hdrgpu_test::max_abs;  // with the image-vs-image overload below
using hdrgpu_test::views_of;

constexpr double gpu_vs_cpu_tol = hdrgpu_test::gpu_merge_tol;
constexpr double opencv_tol = 1e-4;

template <class Exec>
constexpr bool is_cpu = std::is_same_v<Exec, cpu_executor>;

const cpu_executor& cpu_reference() {
  static const cpu_executor exec;
  return exec;
}

const hdrgpu_test::cv_stack& memorial() {
  static const hdrgpu_test::cv_stack s = hdrgpu_test::load_cv_stack("memorial");
  return s;
}

cv::Mat cv_mertens(const std::vector<cv::Mat>& images, const mertens_options& o) {
  cv::Mat out;
  cv::createMergeMertens(o.contrast_weight, o.saturation_weight, o.exposure_weight)->process(images, out);
  return out;
}

double max_abs(const image<float>& a, const image<float>& b) {
  REQUIRE(a.channels() == b.channels());
  return max_abs(a, hdrgpu_test::as_mat(b));
}

/// Output magnitude (at least 1): u16 inputs scaled by 1/255 give results in the hundreds.
double magnitude(const image<float>& a) {
  double m = 1;
  for (std::size_t k = 0; k < a.size(); ++k) m = std::max(m, double(std::abs(a.data()[k])));
  return m;
}

bool same_bits(const image<float>& a, const image<float>& b) {
  return a.width() == b.width() && a.height() == b.height() && a.channels() == b.channels() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

/// Fuses `views` on `exec` and checks the result: shape and order, against the CPU backend (GPU only) and,
/// when `opencv` is given, against OpenCV. Returns the result.
template <class Exec, class T>
image<float> fuse_and_check(Exec& exec, const std::vector<image_view<const T>>& views, const mertens_options& o,
                            const cv::Mat* opencv) {
  const image<float> ours = merge_mertens(exec, views, o);
  CHECK(ours.width() == views[0].width());
  CHECK(ours.height() == views[0].height());
  CHECK(ours.channels() == views[0].channels());
  CHECK(ours.order() == views[0].order());
  const double scale = magnitude(ours);
  if constexpr (!is_cpu<Exec>) {
    const double d = max_abs(ours, merge_mertens(cpu_reference(), views, o));
    CHECK_MESSAGE(d <= gpu_vs_cpu_tol * scale, "GPU vs CPU max abs diff " << d << " (magnitude " << scale << ")");
  }
  if (opencv) {
    const double d = max_abs(ours, *opencv);
    CHECK_MESSAGE(d <= opencv_tol * scale, "vs OpenCV max abs diff " << d << " (magnitude " << scale << ")");
  }
  return ours;
}

/// N random 8-bit exposures: per-pixel noise, or 8x8 flat tiles (zero contrast: the 1e-12 / pow(0, p) paths).
std::vector<cv::Mat> random_u8(int w, int h, int channels, int n, bool blocks, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<cv::Mat> out;
  for (int j = 0; j < n; ++j) {
    std::uniform_int_distribution<int> u(20 * j, std::min(255, 120 + 40 * j));
    cv::Mat m(h, w, CV_8UC(channels));
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w * channels; ++x) m.ptr<std::uint8_t>(y)[x] = std::uint8_t(u(rng));
    if (blocks)
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w * channels; ++x)
          m.ptr<std::uint8_t>(y)[x] = m.ptr<std::uint8_t>(y / 8 * 8)[(x / channels) / 8 * 8 * channels + x % channels];
    out.push_back(m);
  }
  return out;
}

const mertens_options opencv_default{1, 1, 0, grey_rule::opencv_bgr};
const mertens_options with_exposure{1, 1, 1, grey_rule::opencv_bgr};
const mertens_options square_roots{0.5f, 0.5f, 0, grey_rule::opencv_bgr};  // sqrt branch of pow
const mertens_options generic_pow{0.3f, 2.0f, 0.7f, grey_rule::opencv_bgr};  // powf, 0^0.3 quirk, expf

// ---- test bodies ----------------------------------------------------------------------------------------

template <class Exec>
void memorial_body(Exec& exec) {
  HDRGPU_REQUIRE_DATA("memorial");
  const auto& s = memorial();
  const auto views = views_of<std::uint8_t>(s.images, channel_order::bgr);
  // Reduced runs take the OpenCV defaults only; the full run every weight branch.
  std::vector<mertens_options> options{opencv_default, with_exposure, square_roots, generic_pow};
  if (hdrgpu_test::reduced_inputs()) options.resize(1);
  for (const mertens_options& o : options) {
    CAPTURE(o.contrast_weight);
    CAPTURE(o.saturation_weight);
    CAPTURE(o.exposure_weight);
    const cv::Mat ref = cv_mertens(s.images, o);
    const image<float> ours = fuse_and_check(exec, views, o, &ref);
    if (o.exposure_weight == 0 && o.contrast_weight == 1) {
      // The stack overload equals the view overload, and a second run gives the same bits.
      CHECK(same_bits(merge_mertens(exec, s.view(), o), ours));
    }
  }
}

template <class Exec>
void synthetic_scene_body(Exec& exec) {
  // An odd-sized rendered scene in RGB order: rec601 weighs channel 0 there, as OpenCV does on any memory.
  const synth::stack st = synth::render(cpu_reference(), {.width = 101, .height = 67, .exposures = 5, .seed = 3}, 0);
  std::vector<cv::Mat> mats;
  for (const image<std::uint8_t>& im : st.images)
    mats.emplace_back(im.height(), im.width(), CV_8UC3, const_cast<std::uint8_t*>(im.data()));
  const auto views = views_of<std::uint8_t>(mats, channel_order::rgb);
  for (const mertens_options& o : {mertens_options{}, mertens_options{1, 1, 1, grey_rule::rec601}}) {
    CAPTURE(o.exposure_weight);
    const cv::Mat ref = cv_mertens(mats, o);
    fuse_and_check(exec, views, o, &ref);
  }
}

template <class Exec>
void odd_sizes_body(Exec& exec) {
  const int sizes[][2] = {{37, 23}, {1, 1}, {1, 17}, {17, 1}, {2, 2}, {64, 5}, {3, 40}, {33, 65}};
  for (const auto& sz : sizes)
    for (int channels : {1, 3})
      for (int n : {1, 3})
        for (bool blocks : {false, true}) {
          const auto mats = random_u8(sz[0], sz[1], channels, n, blocks, unsigned(sz[0] * 131 + sz[1] + channels + n));
          const auto views = views_of<std::uint8_t>(mats, channel_order::bgr);
          for (const mertens_options& o : {opencv_default, generic_pow}) {
            CAPTURE(sz[0]);
            CAPTURE(sz[1]);
            CAPTURE(channels);
            CAPTURE(n);
            CAPTURE(blocks);
            CAPTURE(o.contrast_weight);
            const cv::Mat ref = cv_mertens(mats, o);
            fuse_and_check(exec, views, o, &ref);
          }
        }
}

template <class Exec>
void depths_body(Exec& exec) {
  std::mt19937 rng(7);
  for (int channels : {1, 3}) {
    std::vector<cv::Mat> u16, f32;
    for (int j = 0; j < 3; ++j) {
      cv::Mat a(23, 37, CV_16UC(channels)), b(23, 37, CV_32FC(channels));
      std::uniform_int_distribution<int> u(0, 65535);
      std::uniform_real_distribution<float> f(0.0f, 1.0f);
      for (int y = 0; y < 23; ++y)
        for (int x = 0; x < 37 * channels; ++x) {
          a.ptr<std::uint16_t>(y)[x] = std::uint16_t(u(rng));
          b.ptr<float>(y)[x] = f(rng);
        }
      u16.push_back(a);
      f32.push_back(b);
    }
    CAPTURE(channels);
    for (const mertens_options& o : {opencv_default, with_exposure}) {
      CAPTURE(o.exposure_weight);
      const cv::Mat ref16 = cv_mertens(u16, o), reff = cv_mertens(f32, o);
      const image<float> r16 = fuse_and_check(exec, views_of<std::uint16_t>(u16, channel_order::bgr), o, &ref16);
      CHECK(magnitude(r16) > 10);  // mis-scaled by 1/255 like OpenCV, not normalised to [0, 1]
      fuse_and_check(exec, views_of<float>(f32, channel_order::bgr), o, &reff);
    }
  }
}

template <class Exec>
void grey_rules_body(Exec& exec) {
  HDRGPU_REQUIRE_DATA("memorial");
  hdrgpu_test::cv_stack s = hdrgpu_test::load_cv_stack("memorial", 4, 6);
  if (hdrgpu_test::reduced_inputs())  // where gpu cases run again: a quarter of the pixels, same checks
    for (auto& im : s.images) cv::resize(cv::Mat(im), im, cv::Size(im.cols / 2, im.rows / 2), 0, 0, cv::INTER_AREA);
  std::vector<cv::Mat> rgb(s.images.size());
  for (std::size_t i = 0; i < rgb.size(); ++i) cv::cvtColor(s.images[i], rgb[i], cv::COLOR_BGR2RGB);
  const mertens_options rec601{};
  const cv::Mat ref_rgb = cv_mertens(rgb, rec601);
  const image<float> from_rgb = fuse_and_check(exec, views_of<std::uint8_t>(rgb, channel_order::rgb), rec601, &ref_rgb);
  // rec601 follows the views' channel order: the BGR bytes give the same fusion with channels swapped.
  const image<float> from_bgr = fuse_and_check(exec, views_of<std::uint8_t>(s.images, channel_order::bgr), rec601,
                                               static_cast<const cv::Mat*>(nullptr));
  cv::Mat swapped;
  cv::cvtColor(hdrgpu_test::as_mat(from_bgr), swapped, cv::COLOR_BGR2RGB);
  CHECK(max_abs(from_rgb, swapped) <= 1e-5);
  // And the rule is applied: OpenCV's blue-weighted grey on the same BGR bytes is visibly different.
  const cv::Mat ref_bgr = cv_mertens(s.images, opencv_default);
  const image<float> cv_rule =
      fuse_and_check(exec, views_of<std::uint8_t>(s.images, channel_order::bgr), opencv_default, &ref_bgr);
  CHECK(max_abs(cv_rule, from_bgr) > 1e-3);
}

/// The message `f` throws as invalid_argument (empty, with a failed check, when it throws nothing else).
template <class F>
std::string invalid_argument_message(F&& f) {
  try {
    f();
  } catch (const invalid_argument& e) {
    return e.what();
  } catch (...) {
    FAIL_CHECK("threw something other than invalid_argument");
    return {};
  }
  FAIL_CHECK("did not throw");
  return {};
}

template <class Exec>
void errors_body(Exec& exec) {
  using views = std::vector<image_view<const std::uint8_t>>;
  image<std::uint8_t> four(5, 4, 4), grey(5, 4, 1), small(4, 4, 1), rgb(5, 4, 3, channel_order::rgb),
      bgr(5, 4, 3, channel_order::bgr);
  // Each bad input throws invalid_argument with the CPU backend's message.
  auto same_error = [&](auto&& run) {
    const std::string ours = invalid_argument_message([&] { run(exec); });
    const std::string cpu = invalid_argument_message([&] { run(cpu_reference()); });
    CHECK(!ours.empty());
    CHECK(ours == cpu);
  };
  same_error([&](const auto& e) { merge_mertens(e, views{four.view()}); });
  same_error([&](const auto& e) { merge_mertens(e, views{}); });
  same_error([&](const auto& e) { merge_mertens(e, views{grey.view(), small.view()}); });
  same_error([&](const auto& e) { merge_mertens(e, views{rgb.view(), bgr.view()}); });
  exposure_stack<std::uint8_t> rgba("rgba-stack");
  rgba.add(four.view(), 1.0);
  same_error([&](const auto& e) { merge_mertens(e, rgba); });
  CHECK_THROWS_WITH_AS(merge_mertens(exec, rgba), doctest::Contains("stack 'rgba-stack'"), invalid_argument);
  same_error([&](const auto& e) { merge_mertens(e, exposure_stack<std::uint8_t>("empty")); });
  // 1-channel views may carry different channel orders (the order is meaningless there).
  const image_view<const std::uint8_t> grey_bgr(grey.data(), 5, 4, 1, 0, channel_order::bgr);
  CHECK_NOTHROW(merge_mertens(exec, views{grey.view(), grey_bgr}));
}

template <class Exec>
void single_image_body(Exec& exec) {
  // OpenCV's own test: one uniform (0, 255, 0) image comes back as exactly (0, 1, 0).
  cv::Mat green(100, 100, CV_8UC3, cv::Scalar(0, 255, 0));
  const cv::Mat ref = cv_mertens({green}, {});
  const image<float> out = fuse_and_check(exec, views_of<std::uint8_t>({green}, channel_order::bgr), {}, &ref);
  CHECK(max_abs(out, ref) == 0.0);
}

// ---- the CUDA kernels' steps, run on the host ----------------------------------------------------------

/// The kernels' view of a stack (stack_desc's interface) over host views.
template <class T>
struct host_images {
  std::vector<image_view<const T>> views;
  int n = 0, width = 0, height = 0;
  const T* row(int i, int y) const { return views[std::size_t(i)].row(y); }
};

/// run_mertens_steps' runner that loops over every pixel on the host instead of launching a kernel.
template <class T, int C>
struct host_runner {
  const host_images<T>& im;
  const detail::math::mertens_params& mp;

  template <class F>
  static void each(int w, int h, F&& f) {
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) f(x, y);
  }
  void weight_sum(float* wsum) {
    each(im.width, im.height, [&](int x, int y) { detail::cuda::weight_sum_pixel<C>(im, mp, wsum, x, y); });
  }
  void level0(int i, const float* wsum, float* img, float* weight) {
    each(im.width, im.height, [&](int x, int y) { detail::cuda::level0_pixel<C>(im, mp, i, wsum, img, weight, x, y); });
  }
  template <int K>
  void down(const detail::cuda::fplane& src, const detail::cuda::fplane& dst) {
    each(dst.width, dst.height, [&](int x, int y) { detail::cuda::pyr_down_pixel<K>(src, dst, x, y); });
  }
  void blend(const detail::cuda::fplane& g, const detail::cuda::fplane& coarse, bool has_coarse,
             const detail::cuda::fplane& w, const detail::cuda::fplane& result, bool first) {
    each(g.width, g.height,
         [&](int x, int y) { detail::cuda::blend_pixel<C>(g, coarse, has_coarse, w, result, first, x, y); });
  }
  void collapse(const detail::cuda::fplane& coarse, const detail::cuda::fplane& fine) {
    each(fine.width, fine.height, [&](int x, int y) { detail::cuda::collapse_pixel<C>(coarse, fine, x, y); });
  }
};

/// The CUDA backend's pipeline (same steps, same order, same workspace layout) with host loops for kernels.
template <class T>
image<float> emulate_cuda_mertens(const std::vector<image_view<const T>>& views, const mertens_options& o) {
  const int W = views[0].width(), H = views[0].height(), C = views[0].channels();
  host_images<T> im{views, int(views.size()), W, H};
  const auto mp = detail::math::make_mertens_params(o.contrast_weight, o.saturation_weight, o.exposure_weight, o.grey,
                                                    views[0].order(), C);
  const detail::cuda::mertens_layout p = detail::cuda::plan_mertens(W, H, C);
  std::vector<float> work(p.total, std::numeric_limits<float>::quiet_NaN());  // unwritten planes would show
  image<float> out(W, H, C, views[0].order());
  const detail::cuda::fplane out_plane{out.data(), static_cast<long long>(W) * C * static_cast<long long>(sizeof(float)), W, H};
  if (C == 1) {
    host_runner<T, 1> run{im, mp};
    detail::cuda::run_mertens_steps<1>(run, im.n, p, work.data(), out_plane);
  } else {
    host_runner<T, 3> run{im, mp};
    detail::cuda::run_mertens_steps<3>(run, im.n, p, work.data(), out_plane);
  }
  return out;
}

template <class T>
void check_emulation(const std::vector<image_view<const T>>& views, const mertens_options& o) {
  const image<float> emu = emulate_cuda_mertens(views, o), cpu = merge_mertens(cpu_reference(), views, o);
  CHECK_MESSAGE(same_bits(emu, cpu), "max abs diff " << max_abs(emu, cpu));
}

}  // namespace

TEST_SUITE("mertens") {
  TEST_CASE("MergeMertens executor bodies on the CPU: memorial") {
    cpu_executor exec;
    memorial_body(exec);
  }
  TEST_CASE("MergeMertens executor bodies on the CPU: synthetic scene") {
    cpu_executor exec;
    synthetic_scene_body(exec);
  }
  TEST_CASE("MergeMertens executor bodies on the CPU: odd sizes and 1 channel") {
    cpu_executor exec;
    odd_sizes_body(exec);
  }
  TEST_CASE("MergeMertens executor bodies on the CPU: u16 and f32 inputs") {
    cpu_executor exec;
    depths_body(exec);
  }
  TEST_CASE("MergeMertens executor bodies on the CPU: grey rules") {
    cpu_executor exec;
    grey_rules_body(exec);
  }
  TEST_CASE("MergeMertens executor bodies on the CPU: errors") {
    cpu_executor exec;
    errors_body(exec);
  }
  TEST_CASE("MergeMertens executor bodies on the CPU: single image") {
    cpu_executor exec;
    single_image_body(exec);
  }
}

TEST_SUITE("mertens") {
  // Without a GPU this checks the kernels' per-pixel maths, border rules, level sizes and step order; on a
  // GPU the results differ from these only where the device's expf/powf round differently.
  TEST_CASE("CUDA MergeMertens steps run on the host reproduce the CPU backend bit for bit") {
    const int sizes[][2] = {{37, 23}, {1, 1}, {1, 17}, {17, 1}, {2, 3}, {64, 5}, {33, 65}};
    for (const auto& sz : sizes)
      for (int channels : {1, 3})
        for (bool blocks : {false, true}) {
          CAPTURE(sz[0]);
          CAPTURE(sz[1]);
          CAPTURE(channels);
          CAPTURE(blocks);
          const auto mats = random_u8(sz[0], sz[1], channels, 3, blocks, unsigned(sz[0] * 7 + sz[1] + channels));
          for (const mertens_options& o : {opencv_default, generic_pow, mertens_options{}})
            check_emulation(views_of<std::uint8_t>(mats, channel_order::bgr), o);
        }
    std::vector<cv::Mat> u16, f32;
    for (int j = 0; j < 3; ++j) {
      cv::Mat a(19, 29, CV_16UC3), b(19, 29, CV_32FC3);
      cv::randu(a, 0, 65536);
      cv::randu(b, 0.0f, 1.0f);
      u16.push_back(a);
      f32.push_back(b);
    }
    check_emulation(views_of<std::uint16_t>(u16, channel_order::rgb), with_exposure);
    check_emulation(views_of<float>(f32, channel_order::rgb), mertens_options{});
  }

  TEST_CASE("CUDA MergeMertens steps run on the host reproduce the CPU backend bit for bit: memorial") {
    HDRGPU_REQUIRE_DATA("memorial");
    const auto views = views_of<std::uint8_t>(memorial().images, channel_order::bgr);
    check_emulation(views, opencv_default);
    check_emulation(views, generic_pow);
  }
}

TEST_SUITE("gpu") {
  TEST_CASE("MergeMertens on CUDA matches the CPU backend: memorial") {
    HDRGPU_REQUIRE_GPU(exec);
    memorial_body(exec);
  }
  TEST_CASE("MergeMertens on CUDA matches the CPU backend: synthetic scene") {
    HDRGPU_REQUIRE_GPU(exec);
    synthetic_scene_body(exec);
  }
  TEST_CASE("MergeMertens on CUDA matches the CPU backend: odd sizes and 1 channel") {
    HDRGPU_REQUIRE_GPU(exec);
    odd_sizes_body(exec);
  }
  TEST_CASE("MergeMertens on CUDA matches the CPU backend: u16 and f32 inputs") {
    HDRGPU_REQUIRE_GPU(exec);
    depths_body(exec);
  }
  TEST_CASE("MergeMertens on CUDA matches the CPU backend: grey rules") {
    HDRGPU_REQUIRE_GPU(exec);
    grey_rules_body(exec);
  }
  TEST_CASE("MergeMertens on CUDA matches the CPU backend: errors") {
    HDRGPU_REQUIRE_GPU(exec);
    errors_body(exec);
  }
  TEST_CASE("MergeMertens on CUDA matches the CPU backend: single image") {
    HDRGPU_REQUIRE_GPU(exec);
    single_image_body(exec);
  }

  TEST_CASE("MergeMertens on CUDA: GPU-only input checks") {
    HDRGPU_REQUIRE_GPU(exec);
    image<std::uint8_t> a(6, 5, 3);
    std::vector<image_view<const std::uint8_t>> many(65, a.view());
    CHECK_THROWS_WITH_AS(merge_mertens(exec, many), doctest::Contains("at most 64"), invalid_argument);
    CHECK_NOTHROW(merge_mertens(exec, std::vector<image_view<const std::uint8_t>>(64, a.view())));
    // The asynchronous overload writes a device output of the input's shape; host images are uploaded.
    image<float> host_out(6, 5, 3);
    CHECK_THROWS_WITH_AS(merge_mertens(exec, std::vector<image_view<const std::uint8_t>>{a.view()}, host_out.view()),
                         doctest::Contains("must be a non-empty device view"), invalid_argument);
    for (int k = 0; k < 6 * 5 * 3; ++k) a.data()[k] = std::uint8_t(k * 7);
    const std::vector<image_view<const std::uint8_t>> host_images{a.view(), a.view()};
    detail::device_allocation d(exec, 6 * 5 * 3 * sizeof(float));
    merge_mertens(exec, host_images, image_view<float>(d.as<float>(), 6, 5, 3, 0, channel_order::rgb, memory_space::device));
    image<float> got(6, 5, 3);
    detail::copy_to_host(exec, got.data(), d.get(), d.bytes());
    CHECK(same_bits(got, merge_mertens(exec, host_images)));
  }

  TEST_CASE("MergeMertens on CUDA: device views and a pitched device output (asynchronous overload)") {
    HDRGPU_REQUIRE_GPU(exec);
    HDRGPU_REQUIRE_DATA("memorial");
    const auto& s = memorial();
    // Reduced runs (see reduced_inputs) take the first 4 exposures.
    const std::vector<cv::Mat> images(s.images.begin(), s.images.begin() + (hdrgpu_test::reduced_inputs() ? 4 : s.images.size()));
    const int W = images[0].cols, H = images[0].rows, n = int(images.size());
    // Device images with padded rows (pitch not a multiple of the pixel size), so kernels must honour row_bytes.
    const std::size_t in_pitch = std::size_t(W) * 3 + 5, plane = in_pitch * H;
    std::vector<std::uint8_t> staged(plane * n, 0);
    for (int j = 0; j < n; ++j)
      for (int y = 0; y < H; ++y) std::memcpy(&staged[plane * j + in_pitch * y], images[j].ptr(y), std::size_t(W) * 3);
    detail::device_allocation in(exec, staged.size());
    detail::copy_to_device(exec, in.get(), staged.data(), staged.size());
    std::vector<image_view<const std::uint8_t>> dev;
    for (int j = 0; j < n; ++j)
      dev.emplace_back(in.as<std::uint8_t>() + plane * j, W, H, 3, std::ptrdiff_t(in_pitch), channel_order::bgr,
                       memory_space::device);
    const std::size_t out_floats = std::size_t(W) * 3 + 7;  // padded output rows
    detail::device_allocation out_mem(exec, out_floats * H * sizeof(float));
    const image_view<float> out(out_mem.as<float>(), W, H, 3, std::ptrdiff_t(out_floats * sizeof(float)),
                                channel_order::bgr, memory_space::device);

    merge_mertens(exec, dev, out, opencv_default);
    std::vector<float> padded(out_floats * H);
    detail::copy_to_host(exec, padded.data(), out_mem.get(), padded.size() * sizeof(float));  // waits for the stream
    image<float> got(W, H, 3, channel_order::bgr);
    for (int y = 0; y < H; ++y) std::memcpy(got.row(y), &padded[out_floats * y], std::size_t(W) * 3 * sizeof(float));

    const auto host_views = views_of<std::uint8_t>(images, channel_order::bgr);
    const image<float> host_path = merge_mertens(exec, host_views, opencv_default);
    CHECK(same_bits(got, host_path));
    // The synchronous overload also reads device views in place.
    CHECK(same_bits(merge_mertens(exec, dev, opencv_default), host_path));
    const double d = max_abs(got, merge_mertens(cpu_reference(), host_views, opencv_default));
    MESSAGE("memorial, device views: GPU vs CPU max abs diff " << d);
    CHECK(d <= gpu_vs_cpu_tol);

    // A device output of the wrong shape is rejected before anything is enqueued.
    const image_view<float> narrow(out_mem.as<float>(), W - 1, H, 3, std::ptrdiff_t(out_floats * sizeof(float)),
                                   channel_order::bgr, memory_space::device);
    CHECK_THROWS_WITH_AS(merge_mertens(exec, dev, narrow), doctest::Contains("output is"), invalid_argument);
  }
}
