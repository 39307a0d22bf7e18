// MergeDebevec / MergeRobertson on the CUDA executor. The same check bodies run on cpu_executor (normal
// cases) and cuda_executor (suite "gpu"): results against the CPU backend (1e-5 relative) and, on
// Memorial, against OpenCV 4.6; bad input must throw the CPU path's exceptions with the same messages.
// The asynchronous device-view overloads are tested with device memory from cuda_diagnostics.hpp.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include <opencv2/photo.hpp>

#include <hdrgpu/cuda_diagnostics.hpp>
#include <hdrgpu/synth.hpp>

#include "gpu_support.hpp"
#include "opencv_ref.hpp"

using namespace hdrgpu;

namespace {

constexpr double tol = hdrgpu_test::gpu_merge_tol;

/// An owning stack of T samples with its views.
template <class T>
struct test_stack {
  std::string name;
  std::vector<image<T>> images;
  std::vector<float> times;
  exposure_stack<T> view() const {
    exposure_stack<T> s(name);
    for (std::size_t j = 0; j < images.size(); ++j) s.add(images[j].view(), times[j], std::to_string(j));
    return s;
  }
};

/// The T sample standing for 8-bit level v at (x, y, c). u16 fills the levels between the 8-bit ones; f32
/// lands off the 16-bit grid and, at a few places, outside [0, 1] or NaN, so clamping and rounding run.
template <class T>
T sample_from(int v, int x, int y, int c) {
  if constexpr (std::is_same_v<T, std::uint8_t>) {
    return T(v);
  } else if constexpr (std::is_same_v<T, std::uint16_t>) {
    return T(std::min(65535, v * 257 + (x * 7 + y * 13 + c * 5) % 257));
  } else {
    const unsigned h = (unsigned(x) * 73856093u) ^ (unsigned(y) * 19349663u) ^ (unsigned(c) * 83492791u);
    switch (h % 2003) {
      case 0: return -0.25f;
      case 1: return 1.75f;
      case 2: return std::nanf("");
      case 3: return 1.0f;
      default: return float(v) / 255.0f + float((x + 2 * y + c) % 9) * 3e-6f;
    }
  }
}

/// Derives a C-channel T stack from 3-channel 8-bit views (any order; the order is kept). Grey is the
/// mean-ish (a + 2b + c) / 4 of the memory channels; the 4th channel is a varying pattern.
template <class T>
test_stack<T> derive(const std::string& name, const std::vector<image_view<const std::uint8_t>>& src,
                     const std::vector<float>& times, int C) {
  test_stack<T> out;
  out.name = name;
  out.times = times;
  for (std::size_t j = 0; j < src.size(); ++j) {
    const auto& v = src[j];
    image<T> img(v.width(), v.height(), C, v.order());
    for (int y = 0; y < v.height(); ++y)
      for (int x = 0; x < v.width(); ++x) {
        const std::uint8_t* p = v.row(y) + std::size_t(x) * 3;
        int vals[4] = {p[0], p[1], p[2], int((x * 3 + y * 5 + int(j) * 11) % 256)};
        if (C == 1) vals[0] = (p[0] + 2 * p[1] + p[2] + 2) / 4;
        for (int c = 0; c < C; ++c) img.at(x, y, c) = sample_from<T>(vals[c], x, y, c);
      }
    out.images.push_back(std::move(img));
  }
  return out;
}

const hdrgpu_test::cv_stack& memorial() {
  static const hdrgpu_test::cv_stack s = hdrgpu_test::load_cv_stack("memorial");
  return s;
}

std::vector<image_view<const std::uint8_t>> views_of(const hdrgpu_test::cv_stack& s, std::size_t first,
                                                     std::size_t count) {
  std::vector<image_view<const std::uint8_t>> v;
  for (std::size_t j = first; j < std::min(s.images.size(), first + count); ++j) {
    const cv::Mat& m = s.images[j];
    v.emplace_back(m.ptr<std::uint8_t>(), m.cols, m.rows, 3, std::ptrdiff_t(m.step), channel_order::bgr);
  }
  return v;
}

const synth::stack& small_synth() {
  static const synth::stack s =
      synth::render(cpu_executor{}, {.width = 321, .height = 203, .exposures = 5, .seed = 3}, 0);
  return s;
}

std::vector<image_view<const std::uint8_t>> views_of(const synth::stack& s) {
  std::vector<image_view<const std::uint8_t>> v;
  for (const auto& img : s.images) v.push_back(img.view());
  return v;
}

/// A positive, non-linear response in RGB order (so BGR stacks exercise the reordering), with one zero
/// (Debevec's log then takes OpenCV's log(0) = -88.03).
response_curve given_response(int levels, int channels) {
  response_curve r(levels, channels, channel_order::rgb);
  for (int z = 0; z < levels; ++z)
    for (int c = 0; c < channels; ++c)
      r(z, c) = std::pow(0.05f + float(z) / float(levels - 1), 1.0f + 0.3f * float(c)) * float(1 + c);
  r(0, 0) = 0.0f;
  return r;
}

/// Max relative difference of two maps of the same layout (NaN anywhere fails).
double rel_diff(const radiance_map& a, const radiance_map& b) {
  REQUIRE(a.width() == b.width());
  REQUIRE(a.height() == b.height());
  REQUIRE(a.channels() == b.channels());
  CHECK(a.order() == b.order());
  return hdrgpu_test::max_rel_diff(a.data(), b.data(), a.size());
}

/// Every merge variant of `s` on `exec` against the CPU backend. Returns the worst relative difference.
template <class Exec, class T>
double check_merges(const Exec& exec, const test_stack<T>& ts) {
  const cpu_executor cpu;
  const exposure_stack<T> s = ts.view();
  const response_curve given = given_response(pixel_traits<T>::levels, s.channels());
  double worst = 0;
  auto expect = [&](const radiance_map& got, const radiance_map& ref, const char* what) {
    const double d = rel_diff(got, ref);
    INFO(ts.name << " " << s.channels() << " channels, " << what << ": max rel " << d);
    CHECK(d <= tol);
    worst = std::max(worst, d);
  };
  for (const compat p : {compat::opencv_4_6, compat::opencv_latest}) {
    const merge_debevec_options o{.profile = p};
    expect(merge_debevec(exec, s, o), merge_debevec(cpu, s, o), "Debevec, default response");
    expect(merge_debevec(exec, s, given, o), merge_debevec(cpu, s, given, o), "Debevec, given response");
  }
  expect(merge_robertson(exec, s), merge_robertson(cpu, s), "Robertson, default response");
  expect(merge_robertson(exec, s, given), merge_robertson(cpu, s, given), "Robertson, given response");
  return worst;
}

template <class Exec, class T>
void check_all_channel_counts(const Exec& exec, const std::string& name,
                              const std::vector<image_view<const std::uint8_t>>& src, const std::vector<float>& times) {
  double worst = 0;
  for (const int C : {1, 3, 4}) worst = std::max(worst, check_merges(exec, derive<T>(name, src, times, C)));
  MESSAGE(name << " (" << std::string(to_string(pixel_traits<T>::type))
                << ", 1/3/4 channels): max rel vs CPU backend " << worst);
}

template <class Exec>
void check_memorial_u8(const Exec& exec) {
  const auto& m = memorial();
  check_all_channel_counts<Exec, std::uint8_t>(exec, "memorial", views_of(m, 0, 1000), m.times);
  // And against OpenCV 4.6 itself (default responses; Robertson is bit-exact on the CPU).
  cv::Mat cv_deb, cv_rob;
  const cv::Mat times(m.times, true);
  cv::createMergeDebevec()->process(m.images, cv_deb, times);
  cv::createMergeRobertson()->process(m.images, cv_rob, times);
  CHECK(hdrgpu_test::max_rel(merge_debevec(exec, m.view(), {.profile = compat::opencv_4_6}), cv_deb) <= tol);
  CHECK(hdrgpu_test::max_rel(merge_robertson(exec, m.view()), cv_rob) <= tol);
}

template <class Exec>
void check_synth_u8(const Exec& exec) {
  const auto& s = small_synth();
  check_all_channel_counts<Exec, std::uint8_t>(exec, "synth", views_of(s), s.times);
}

template <class Exec>
void check_u16(const Exec& exec) {
  const auto& m = memorial();
  check_all_channel_counts<Exec, std::uint16_t>(exec, "memorial-u16", views_of(m, 4, 6),
                                                std::vector<float>(m.times.begin() + 4, m.times.begin() + 10));
}

template <class Exec>
void check_f32(const Exec& exec) {
  const auto& s = small_synth();
  check_all_channel_counts<Exec, float>(exec, "synth-f32", views_of(s), s.times);
}

using hdrgpu_test::message_of;

template <class Exec>
void check_merge_errors(const Exec& exec) {
  const cpu_executor cpu;
  auto same = [](const std::function<void()>& on_exec, const std::function<void()>& on_cpu) {
    const std::string got = message_of(on_exec), want = message_of(on_cpu);
    CHECK(!want.empty());
    CHECK(got == want);
  };
  const exposure_stack<std::uint8_t> empty("nothing");
  same([&] { merge_debevec(exec, empty); }, [&] { merge_debevec(cpu, empty); });
  same([&] { merge_robertson(exec, empty); }, [&] { merge_robertson(cpu, empty); });
  same([&] { merge_debevec(exec, empty, response_curve::linear_debevec(3)); },
       [&] { merge_debevec(cpu, empty, response_curve::linear_debevec(3)); });

  const auto ts = derive<std::uint8_t>("small", views_of(small_synth()), small_synth().times, 3);
  const auto s = ts.view();
  const auto levels16 = response_curve::linear_debevec(3, 65536);
  const auto grey = response_curve::linear_robertson(1);
  same([&] { merge_debevec(exec, s, levels16); }, [&] { merge_debevec(cpu, s, levels16); });
  same([&] { merge_robertson(exec, s, levels16); }, [&] { merge_robertson(cpu, s, levels16); });
  same([&] { merge_debevec(exec, s, grey); }, [&] { merge_debevec(cpu, s, grey); });
  same([&] { merge_robertson(exec, s, grey); }, [&] { merge_robertson(cpu, s, grey); });
  CHECK(message_of([&] { merge_debevec(exec, s, levels16); }).find("stack 'small'") != std::string::npos);

  const auto t16 = derive<std::uint16_t>("small16", views_of(small_synth()), small_synth().times, 3);
  const auto s16 = t16.view();
  const auto levels8 = response_curve::linear_robertson(3);
  same([&] { merge_robertson(exec, s16, levels8); }, [&] { merge_robertson(cpu, s16, levels8); });
}

}  // namespace

TEST_SUITE("merge") {
  TEST_CASE("merge checks on the CPU executor: memorial u8, 1/3/4 channels") {
    HDRGPU_REQUIRE_DATA("memorial");
    check_memorial_u8(cpu_executor{});
  }
  TEST_CASE("merge checks on the CPU executor: synthetic u8 and f32, memorial u16") {
    check_synth_u8(cpu_executor{});
    check_f32(cpu_executor{});
    HDRGPU_REQUIRE_DATA("memorial");
    check_u16(cpu_executor{});
  }
  TEST_CASE("merge checks on the CPU executor: bad input") { check_merge_errors(cpu_executor{}); }
}

namespace {

/// `host` copied to fresh device memory with rows `pad` bytes longer than needed.
template <class T>
struct device_copy {
  int width, height, channels;
  std::ptrdiff_t pitch;
  channel_order order;
  detail::device_allocation mem;

  device_copy(const cuda_executor& exec, image_view<const T> host, std::ptrdiff_t pad)
      : width(host.width()), height(host.height()), channels(host.channels()),
        pitch(std::ptrdiff_t(host.width()) * host.channels() * std::ptrdiff_t(sizeof(T)) + pad), order(host.order()),
        mem(exec, std::size_t(pitch) * std::size_t(host.height())) {
    std::vector<unsigned char> staged(mem.bytes(), 0xAB);
    const std::size_t row = std::size_t(width) * channels * sizeof(T);
    for (int y = 0; y < height; ++y) std::memcpy(staged.data() + std::size_t(pitch) * y, host.row(y), row);
    detail::copy_to_device(exec, mem.get(), staged.data(), staged.size());
  }
  image_view<T> view() const { return {mem.as<T>(), width, height, channels, pitch, order, memory_space::device}; }
};

/// A device float image of w x h x c with padded rows, filled with a NaN pattern so unwritten samples show.
struct device_output {
  int width, height, channels;
  std::ptrdiff_t pitch;
  channel_order order;
  detail::device_allocation mem;
  device_output(const cuda_executor& exec, int w, int h, int c, channel_order o)
      : width(w), height(h), channels(c), pitch(std::ptrdiff_t(w) * c * 4 + 128), order(o),
        mem(exec, std::size_t(pitch) * std::size_t(h)) {
    std::vector<float> nan(mem.bytes() / 4, std::nanf(""));
    detail::copy_to_device(exec, mem.get(), nan.data(), mem.bytes());
  }
  image_view<float> view() const {
    return {mem.as<float>(), width, height, channels, pitch, order, memory_space::device};
  }
  radiance_map download(const cuda_executor& exec) const {
    std::vector<unsigned char> all(mem.bytes());
    detail::copy_to_host(exec, all.data(), mem.get(), all.size());
    radiance_map out(width, height, channels, order);
    for (int y = 0; y < height; ++y)
      std::memcpy(out.row(y), all.data() + std::size_t(pitch) * y, std::size_t(width) * channels * sizeof(float));
    return out;
  }
};

bool same_bits(const radiance_map& a, const radiance_map& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

/// The asynchronous overloads on device views (pitched input and output) give the synchronous results.
template <class T>
void check_device_views(cuda_executor& exec, const test_stack<T>& ts) {
  const exposure_stack<T> host = ts.view();
  std::deque<device_copy<T>> copies;  // never moved: device_allocation is not movable
  exposure_stack<T> dev(ts.name);
  for (std::size_t j = 0; j < ts.images.size(); ++j) {
    copies.emplace_back(exec, ts.images[j].view(), std::ptrdiff_t(64 + 8 * j));
    dev.add(copies.back().view(), ts.times[j]);
  }
  const int w = host.width(), h = host.height(), c = host.channels();
  const response_curve given = given_response(pixel_traits<T>::levels, c);
  INFO(ts.name << ", " << c << " channels");

  device_output out(exec, w, h, c, host.order());
  merge_debevec(exec, dev, given, out.view(), {.profile = compat::opencv_4_6});
  exec.synchronize();
  CHECK(same_bits(out.download(exec), merge_debevec(exec, host, given, {.profile = compat::opencv_4_6})));
  merge_debevec(exec, dev, out.view());
  exec.synchronize();
  CHECK(same_bits(out.download(exec), merge_debevec(exec, host)));
  merge_robertson(exec, dev, given, out.view());
  exec.synchronize();
  CHECK(same_bits(out.download(exec), merge_robertson(exec, host, given)));
  merge_robertson(exec, dev, out.view());
  exec.synchronize();
  CHECK(same_bits(out.download(exec), merge_robertson(exec, host)));

  // The synchronous overloads read device stacks in place.
  CHECK(same_bits(merge_robertson(exec, dev), merge_robertson(exec, host)));
  CHECK(rel_diff(merge_debevec(exec, dev), merge_debevec(cpu_executor{}, host)) <= tol);

  // A host stack into a device output: uploaded in stream order, the same result.
  merge_debevec(exec, host, given, out.view(), {.profile = compat::opencv_4_6});
  exec.synchronize();
  CHECK(same_bits(out.download(exec), merge_debevec(exec, host, given, {.profile = compat::opencv_4_6})));
  merge_robertson(exec, host, out.view());
  exec.synchronize();
  CHECK(same_bits(out.download(exec), merge_robertson(exec, host)));

  // Misuse: host or misshapen output for the asynchronous overload; device stack on the CPU.
  radiance_map host_out(w, h, c, host.order());
  CHECK_THROWS_AS(merge_debevec(exec, host, host_out.view()), invalid_argument);
  CHECK_THROWS_AS(merge_robertson(exec, dev, host_out.view()), invalid_argument);
  const image_view<float> narrow(out.mem.as<float>(), w - 1, h, c, out.pitch, host.order(), memory_space::device);
  CHECK_THROWS_AS(merge_robertson(exec, dev, narrow), invalid_argument);
  CHECK_THROWS_AS(merge_debevec(cpu_executor{}, dev), invalid_argument);
}

}  // namespace

TEST_SUITE("gpu") {
  TEST_CASE("gpu merges match the CPU backend and OpenCV: memorial u8 with 1/3/4 channels") {
    HDRGPU_REQUIRE_GPU(exec);
    HDRGPU_REQUIRE_DATA("memorial");
    check_memorial_u8(exec);
  }
  TEST_CASE("gpu merges match the CPU backend: synthetic u8 and f32 and memorial u16") {
    HDRGPU_REQUIRE_GPU(exec);
    check_synth_u8(exec);
    check_f32(exec);
    HDRGPU_REQUIRE_DATA("memorial");
    check_u16(exec);
  }
  TEST_CASE("gpu merges: bad input throws the CPU path's exceptions") {
    HDRGPU_REQUIRE_GPU(exec);
    check_merge_errors(exec);
    // The device descriptor holds at most 64 exposures.
    const auto& syn = small_synth();
    exposure_stack<std::uint8_t> many("many");
    for (int j = 0; j < 65; ++j) many.add(syn.images[0].view(), 1.0 + j);
    CHECK(message_of([&] { merge_debevec(exec, many); }).find("at most 64") != std::string::npos);
    CHECK(message_of([&] { merge_robertson(exec, many); }).find("at most 64") != std::string::npos);
  }
  TEST_CASE("gpu merges: asynchronous device-view overloads with pitched input and output") {
    HDRGPU_REQUIRE_GPU(exec);
    const auto& syn = small_synth();
    check_device_views(exec, derive<std::uint8_t>("dev-u8", views_of(syn), syn.times, 3));
    check_device_views(exec, derive<std::uint16_t>("dev-u16", views_of(syn), syn.times, 1));
    check_device_views(exec, derive<float>("dev-f32", views_of(syn), syn.times, 4));
  }
}
