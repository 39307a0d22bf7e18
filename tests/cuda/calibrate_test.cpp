// CalibrateDebevec (single and batched) and CalibrateRobertson on both executors. Each body is a
// template over the executor and compares with the CPU backend's single-stack calls: on the CPU the
// batch must reproduce them bit for bit, on the GPU within 1e-6 relative (the factor is bit-identical,
// only the back-substitution and, for Robertson, the order of the double sums differ).
#include <cmath>
#include <cstdint>
#include <deque>
#include <string>
#include <type_traits>
#include <vector>

#include <hdrgpu/calibrate.hpp>
#include <hdrgpu/io.hpp>
#include <hdrgpu/synth.hpp>

#include "gpu_support.hpp"

#if defined(HDRGPU_HAVE_CUDART)
#include <cuda_runtime.h>
#endif

using namespace hdrgpu;

namespace {

constexpr double gpu_vs_cpu_tol = hdrgpu_test::gpu_calibration_tol;

template <class Exec>
constexpr bool is_cpu = std::is_same_v<Exec, cpu_executor>;

const cpu_executor& cpu_reference() {
  static const cpu_executor exec;
  return exec;
}

/// Max over entries of |a - b| / |b| (curves are positive; NaN fails).
double curve_diff(const response_curve& a, const response_curve& b) {
  REQUIRE(a.values().size() == b.values().size());
  return hdrgpu_test::max_rel_diff(a.values().data(), b.values().data(), a.values().size());
}

/// Owns the pixels behind the stacks handed to the algorithms (a deque keeps them in place).
struct stack_store {
  std::deque<synth::stack> rendered;
  std::deque<io::loaded_stack> loaded;
  std::deque<image<std::uint8_t>> images;

  exposure_stack<std::uint8_t> synthetic(const synth::options& o, int index, const std::string& name) {
    const synth::stack& s = rendered.emplace_back(synth::render(cpu_reference(), o, index));
    exposure_stack<std::uint8_t> st(name);
    for (std::size_t j = 0; j < s.images.size(); ++j) st.add(s.images[j].view(), s.times[j]);
    return st;
  }
  /// The same synthetic scene with 1 (green) or 4 (RGB + a varying fourth) channels.
  exposure_stack<std::uint8_t> reshaped(const synth::options& o, int index, int channels, const std::string& name) {
    const synth::stack& s = rendered.emplace_back(synth::render(cpu_reference(), o, index));
    exposure_stack<std::uint8_t> st(name);
    for (std::size_t j = 0; j < s.images.size(); ++j) {
      const image<std::uint8_t>& src = s.images[j];
      image<std::uint8_t>& dst = images.emplace_back(src.width(), src.height(), channels);
      for (int y = 0; y < src.height(); ++y)
        for (int x = 0; x < src.width(); ++x)
          for (int c = 0; c < channels; ++c)
            dst.at(x, y, c) = channels == 1 ? src.at(x, y, 1)
                              : c < 3       ? src.at(x, y, c)
                                            : std::uint8_t((x * 7 + y * 3 + 40 * j) % 256);
      st.add(dst.view(), s.times[j]);
    }
    return st;
  }
  /// Exposures [first, first + count) of a stack of the test data, in exposures.txt order.
  exposure_stack<std::uint8_t> real(const std::string& name, std::size_t first = 0, std::size_t count = 1000) {
    const io::loaded_stack& s = loaded.emplace_back(io::load_stack(hdrgpu_test::data_root() / name));
    const exposure_stack<std::uint8_t> all = s.view<std::uint8_t>();
    exposure_stack<std::uint8_t> st(name + "[" + std::to_string(first) + "]");
    for (std::size_t j = first; j < all.size() && j < first + count; ++j) st.add(all[j], all.time(j), all.source(j));
    return st;
  }
  /// A stack whose every image is the same tiny grey image: valid, but too small for the sample grid.
  exposure_stack<std::uint8_t> tiny(const std::string& name) {
    image<std::uint8_t>& im = images.emplace_back(2, 2, 3);
    exposure_stack<std::uint8_t> st(name);
    st.add(im.view(), 0.5);
    st.add(im.view(), 1.0);
    return st;
  }
};

const synth::options small_synth{.width = 96, .height = 64, .exposures = 5, .seed = 21};

/// A batch mixing sizes, exposure counts and channel counts, with bad stacks at known positions.
struct mixed_batch {
  stack_store store;
  std::vector<exposure_stack<std::uint8_t>> stacks;
  std::vector<std::string> bad;  // name fragment expected in the error of stacks[i], or "" when good

  mixed_batch() {
    add(store.synthetic(small_synth, 0, "synth-a"));
    add(exposure_stack<std::uint8_t>("empty"), "'empty'");
    add(store.synthetic({.width = 200, .height = 150, .exposures = 3, .stops = 3.0, .seed = 5}, 1, "synth-b"));
    add(store.tiny("tiny"), "'tiny'");
    add(store.synthetic({.width = 33, .height = 91, .exposures = 9, .stops = 1.0, .seed = 8}, 2, "synth-c"));
    add(store.reshaped(small_synth, 3, 1, "grey"));
    add(store.reshaped(small_synth, 4, 4, "rgba"));
    add(store.synthetic({.width = 64, .height = 48, .exposures = 1, .seed = 2}, 0, "single-exposure"));
  }
  void add(exposure_stack<std::uint8_t> s, std::string error = {}) {
    stacks.push_back(std::move(s));
    bad.push_back(std::move(error));
  }
  /// Random points fit any image, so "tiny" is only bad on OpenCV's grid.
  std::vector<std::string> bad_for(const calibrate_debevec_options& o) const {
    std::vector<std::string> b = bad;
    if (o.random)
      for (auto& e : b)
        if (e == "'tiny'") e.clear();
    return b;
  }
};

/// calibrate_debevec_batch(exec, ...) against calibrate_debevec(cpu, ...) stack by stack.
template <class Exec>
void check_batch(const Exec& exec, const std::vector<exposure_stack<std::uint8_t>>& stacks,
                 const std::vector<std::string>& bad, const calibrate_debevec_options& opts) {
  const std::vector<calibration_result> got = calibrate_debevec_batch(exec, stacks, opts);
  REQUIRE(got.size() == stacks.size());
  for (std::size_t i = 0; i < stacks.size(); ++i) {
    CAPTURE(stacks[i].name());
    if (!bad[i].empty()) {
      CHECK_FALSE(got[i].ok());
      CHECK(got[i].response.empty());
      CHECK(got[i].error.find(bad[i]) != std::string::npos);
      // The same message as the CPU backend's exception.
      std::string cpu_error;
      try {
        calibrate_debevec(cpu_reference(), stacks[i], opts);
      } catch (const invalid_argument& e) {
        cpu_error = e.what();
      }
      CHECK(got[i].error == cpu_error);
      continue;
    }
    REQUIRE_MESSAGE(got[i].ok(), got[i].error);
    const response_curve ref = calibrate_debevec(cpu_reference(), stacks[i], opts);
    CHECK(got[i].response.channels() == stacks[i].channels());
    CHECK(got[i].response.order() == stacks[i].order());
    const double d = curve_diff(got[i].response, ref);
    MESSAGE(stacks[i].name() << ": max rel diff to the CPU " << d);
    if constexpr (is_cpu<Exec>) {
      CHECK(got[i].response.values() == ref.values());
    } else {
      CHECK(d <= gpu_vs_cpu_tol);
    }
    for (int c = 0; c < ref.channels(); ++c) CHECK(got[i].response(128, c) == 1.0f);  // g(128) = 0 exactly
  }
}

template <class Exec>
void mixed_batch_body(const Exec& exec) {
  const mixed_batch b;
  for (compat profile : {compat::opencv_4_6, compat::opencv_latest})
    for (const calibrate_debevec_options& o :
         {calibrate_debevec_options{.profile = profile},
          calibrate_debevec_options{.samples = 150, .lambda = 3.5f, .random = true, .seed = 99, .profile = profile}})
      check_batch(exec, b.stacks, b.bad_for(o), o);
  // Per-call option errors reach every stack, each named.
  const auto bad_lambda = calibrate_debevec_batch(exec, b.stacks, {.lambda = -1.0f});
  for (std::size_t i = 0; i < b.stacks.size(); ++i) {
    CHECK_FALSE(bad_lambda[i].ok());
    CHECK(bad_lambda[i].error.find(b.stacks[i].label()) != std::string::npos);
  }
  CHECK(calibrate_debevec_batch(exec, std::vector<exposure_stack<std::uint8_t>>{}).empty());
}

/// Real stacks, single-stack API: each against `ref` (the CPU backend; on the CPU, its single-threaded
/// run, so the test checks thread-count independence there).
template <class Exec>
void real_stacks_body(const Exec& exec, const cpu_executor& ref_exec) {
  HDRGPU_REQUIRE_DATA("memorial");
  HDRGPU_REQUIRE_DATA("stlouis-arch");
  stack_store store;
  const std::vector<exposure_stack<std::uint8_t>> stacks = {
      store.real("memorial"), store.real("memorial", 4, 5), store.real("memorial", 2, 9), store.real("stlouis-arch"),
      store.synthetic({.width = 640, .height = 480, .exposures = 5, .seed = 1}, 0, "synth-vga")};
  for (const auto& s : stacks)
    for (compat profile : {compat::opencv_4_6, compat::opencv_latest})
      for (const calibrate_debevec_options& o :
           {calibrate_debevec_options{.profile = profile},
            calibrate_debevec_options{.samples = 400, .profile = profile},
            calibrate_debevec_options{.samples = 300, .random = true, .seed = 42, .profile = profile}}) {
        CAPTURE(s.name());
        CAPTURE(o.samples);
        CAPTURE(o.random);
        const response_curve got = calibrate_debevec(exec, s, o);
        const response_curve ref = calibrate_debevec(ref_exec, s, o);
        const double d = curve_diff(got, ref);
        if constexpr (is_cpu<Exec>) {
          CHECK(d == 0.0);
        } else {
          CHECK(d <= gpu_vs_cpu_tol);
        }
      }
}

}  // namespace

TEST_SUITE("calibrate") {
  TEST_CASE("calibrate_debevec_batch on the CPU: per-stack results, bad stacks isolated and named") {
    mixed_batch_body(cpu_reference());
    // Device views are a per-stack error on the CPU backend (never dereferenced there).
    stack_store store;
    const exposure_stack<std::uint8_t> good = store.synthetic(small_synth, 0, "good");
    exposure_stack<std::uint8_t> dev("on-device");
    for (std::size_t j = 0; j < good.size(); ++j)
      dev.add(image_view<const std::uint8_t>(good[j].data(), good.width(), good.height(), 3, 0, channel_order::rgb,
                                             memory_space::device),
              good.time(j));
    const auto got = calibrate_debevec_batch(cpu_reference(), std::vector{dev, good});
    CHECK_FALSE(got[0].ok());
    CHECK(got[0].error.find("'on-device'") != std::string::npos);
    CHECK(got[0].error.find("host images") != std::string::npos);
    REQUIRE(got[1].ok());
    CHECK(got[1].response.values() == calibrate_debevec(cpu_reference(), good).values());
  }

  TEST_CASE("CalibrateDebevec on the CPU: real stacks, grid and random points, both profiles") {
    real_stacks_body(cpu_reference(), cpu_executor({.threads = 1}));
  }
}

TEST_SUITE("gpu") {
  TEST_CASE("CalibrateDebevec on CUDA equals the CPU: memorial and stlouis-arch and synthetic with grid and random points") {
    HDRGPU_REQUIRE_GPU(exec);
    real_stacks_body(exec, cpu_reference());
  }

  TEST_CASE("calibrate_debevec_batch on CUDA: mixed sizes and channels with bad stacks isolated and named") {
    HDRGPU_REQUIRE_GPU(exec);
    mixed_batch_body(exec);
    // GPU-only limit: more than 64 exposures, reported for that stack alone.
    stack_store store;
    std::vector<exposure_stack<std::uint8_t>> stacks{store.synthetic(small_synth, 0, "ok")};
    const synth::stack& s = store.rendered.front();
    exposure_stack<std::uint8_t> many("many");
    for (int j = 0; j < 65; ++j)
      many.add(s.images[std::size_t(j % 5)].view(), s.times[std::size_t(j % 5)] * float(1 + j / 5));
    stacks.push_back(many);
    const auto got = calibrate_debevec_batch(exec, stacks);
    CHECK(got[0].ok());
    CHECK_FALSE(got[1].ok());
    CHECK(got[1].error.find("'many'") != std::string::npos);
    CHECK(got[1].error.find("at most 64") != std::string::npos);
    CHECK_THROWS_WITH_AS(calibrate_debevec(exec, many), doctest::Contains("at most 64"), invalid_argument);
    CHECK_THROWS_WITH_AS(calibrate_debevec(exec, store.tiny("tiny")), doctest::Contains("'tiny'"), invalid_argument);
  }

  TEST_CASE("calibrate_debevec_batch on CUDA: 300 stacks in one call equal the CPU") {
    HDRGPU_REQUIRE_GPU(exec);
    // More systems than resident blocks (one per SM: 132 emulated), so every block solves several in turn;
    // 100 stacks still have about 250 systems.
    const int count = hdrgpu_test::reduced_inputs() ? 100 : 300;
    stack_store store;
    std::vector<exposure_stack<std::uint8_t>> stacks;
    std::vector<std::string> bad;
    for (int i = 0; i < count; ++i) {
      std::string name = "s";
      name += std::to_string(i);
      stacks.push_back(
          store.synthetic({.width = 48 + i % 7, .height = 40, .exposures = 2 + i % 5, .seed = 4}, i % 11, name));
      bad.emplace_back();
    }
    check_batch(exec, stacks, bad, {});
  }

#if defined(HDRGPU_HAVE_CUDART)
  TEST_CASE("calibrate_debevec_batch on CUDA: device views (pitched) give the host views' curves") {
    HDRGPU_REQUIRE_GPU(exec);
    HDRGPU_REQUIRE_DATA("memorial");
    stack_store store;
    const exposure_stack<std::uint8_t> host = store.real("memorial");
    const int W = host.width(), H = host.height();
    std::vector<void*> blocks;
    exposure_stack<std::uint8_t> dev("memorial-device");
    for (std::size_t j = 0; j < host.size(); ++j) {
      void* p = nullptr;
      std::size_t pitch = 0;
      REQUIRE(cudaMallocPitch(&p, &pitch, std::size_t(W) * 3 + 7, std::size_t(H)) == cudaSuccess);
      REQUIRE(cudaMemcpy2D(p, pitch, host[j].data(), std::size_t(host[j].row_bytes()), std::size_t(W) * 3,
                           std::size_t(H), cudaMemcpyHostToDevice) == cudaSuccess);
      blocks.push_back(p);
      // The executor's stream is non-blocking: it is not ordered after this legacy-stream copy.
      REQUIRE(cudaDeviceSynchronize() == cudaSuccess);
      dev.add(image_view<const std::uint8_t>(static_cast<const std::uint8_t*>(p), W, H, 3, std::ptrdiff_t(pitch),
                                             host.order(), memory_space::device),
              host.time(j));
    }
    const std::vector<exposure_stack<std::uint8_t>> mix{dev, host, dev};
    for (const calibrate_debevec_options& o :
         {calibrate_debevec_options{}, calibrate_debevec_options{.samples = 500, .random = true, .seed = 3}}) {
      const auto got = calibrate_debevec_batch(exec, mix, o);
      REQUIRE(got[0].ok());
      REQUIRE(got[1].ok());
      REQUIRE(got[2].ok());
      CHECK(got[0].response.values() == got[1].response.values());  // same levels, same deterministic solve
      CHECK(got[2].response.values() == got[1].response.values());
      CHECK(calibrate_debevec(exec, dev, o).values() == got[1].response.values());
      CHECK(curve_diff(got[0].response, calibrate_debevec(cpu_reference(), host, o)) <= gpu_vs_cpu_tol);
    }
    for (void* p : blocks) cudaFree(p);
  }
#endif

  TEST_CASE("CalibrateRobertson on CUDA: white and black stacks give the CPU's finite curve") {
    HDRGPU_REQUIRE_GPU(exec);
    const auto linear = response_curve::linear_robertson(3);
    for (const std::uint8_t level : {std::uint8_t(255), std::uint8_t(0)}) {
      CAPTURE(int(level));
      image<std::uint8_t> a(16, 8, 3), b(16, 8, 3);
      std::fill(a.data(), a.data() + a.size(), level);
      std::fill(b.data(), b.data() + b.size(), level);
      exposure_stack<std::uint8_t> s("flat", {a.view(), b.view()}, {0.5f, 2.0f});
      const auto r = calibrate_robertson(exec, s, {.max_iter = 3, .sums = robertson_sums::exact});
      for (float v : r.values()) REQUIRE(std::isfinite(v));
      CHECK(r.values() == linear.values());
    }
  }

  TEST_CASE("CalibrateRobertson on CUDA equals the CPU with exact sums: memorial and synthetic") {
    HDRGPU_REQUIRE_GPU(exec);
    stack_store store;
    std::vector<exposure_stack<std::uint8_t>> stacks{
        store.synthetic({.width = 320, .height = 240, .exposures = 5, .seed = 3}, 0, "synth-rgb"),
        store.reshaped({.width = 200, .height = 100, .exposures = 4, .stops = 2.5, .seed = 6}, 1, 1, "synth-grey")};
    // Memorial (16 x 0.4 MP, 30 iterations) at full size only: the synthetic stacks take the same paths.
    if (hdrgpu_test::have_data("memorial") && !hdrgpu_test::reduced_inputs()) stacks.push_back(store.real("memorial"));
    for (const auto& s : stacks) {
      CAPTURE(s.name());
      for (const calibrate_robertson_options& o :
           {calibrate_robertson_options{.sums = robertson_sums::exact},
            calibrate_robertson_options{.max_iter = 4, .threshold = 0.0f, .sums = robertson_sums::exact}}) {
        radiance_map got_e, ref_e;
        const response_curve got = calibrate_robertson(exec, s, o, &got_e);
        const response_curve ref = calibrate_robertson(cpu_reference(), s, o, &ref_e);
        const double d = curve_diff(got, ref);
        MESSAGE(s.name() << " max_iter " << o.max_iter << ": response max rel diff " << d);
        CHECK(d <= gpu_vs_cpu_tol);
        REQUIRE(got_e.size() == ref_e.size());
        CHECK(got_e.order() == ref_e.order());
        const double de = hdrgpu_test::max_rel_diff(got_e.data(), ref_e.data(), got_e.size(), 1e-3);
        MESSAGE(s.name() << ": radiance max rel diff " << de);
        CHECK(de <= gpu_vs_cpu_tol);
      }
    }
    CHECK_THROWS_WITH_AS(calibrate_robertson(exec, stacks[0]), doctest::Contains("robertson_sums::exact"),
                         invalid_argument);
    CHECK_THROWS_WITH_AS(calibrate_robertson(exec, stacks[0], {.max_iter = 0, .sums = robertson_sums::exact}),
                         doctest::Contains("max_iter"), invalid_argument);
  }
}
