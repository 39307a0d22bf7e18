// calibrate-once: CalibrateDebevec over the samples of several stacks of one camera.
#include <cmath>

#include <hdrgpu/detail/cpu/calibrate_debevec.hpp>
#include <hdrgpu/hdrgpu.hpp>
#include <hdrgpu/pipeline.hpp>
#include <hdrgpu/synth.hpp>

#include "cli_support.hpp"
#include "gpu_support.hpp"

using namespace hdrgpu;

namespace {

exposure_stack<std::uint8_t> view_of(const synth::stack& s) {
  exposure_stack<std::uint8_t> v(s.name);
  for (std::size_t j = 0; j < s.images.size(); ++j) v.add(s.images[j].view(), s.times[j]);
  return v;
}

/// Largest |ln(a/b)| over levels 20..235 of all channels, both curves scaled to 1 at level 128.
double log_shape_error(const response_curve& a, const response_curve& b) {
  double worst = 0;
  for (int c = 0; c < a.channels(); ++c)
    for (int z = 20; z <= 235; ++z)
      worst = std::max(worst, std::abs(std::log(double(a(z, c)) / a(128, c)) - std::log(double(b(z, c)) / b(128, c))));
  return worst;
}

/// `hdrgpu batch --response calibrate-once --device DEVICE`: every stack merged with the pooled curve
/// (pooled on the CPU), within `tol` of the CPU library's merge.
void check_calibrate_once(const std::string& device, double tol) {
  using namespace hdrgpu_test::tool;
  temp_dir t("pooled");
  make_stacks(t.path / "in", 3, "96x64", 4, 9);
  const run_result r = cli("batch " + (t.path / "in").string() + " -o " + (t.path / "out").string() +
                           " --quiet --format pfm --response calibrate-once --device " + device);
  REQUIRE_MESSAGE(r.code == 0, r.output);
  const cpu_executor exec;
  std::vector<io::loaded_stack> loaded;
  for (const char* id : {"stack_0000", "stack_0001", "stack_0002"}) loaded.push_back(io::load_stack(t.path / "in" / id));
  std::vector<exposure_stack<std::uint8_t>> views;
  for (const auto& l : loaded) views.push_back(l.view<std::uint8_t>());
  const response_curve pooled = calibrate_debevec_pooled(exec, views);
  for (std::size_t i = 0; i < views.size(); ++i) {
    const image<float> got = io::read_radiance(t.path / "out" / (views[i].name() + ".pfm"));
    const image<float> want = merge_debevec(exec, views[i], pooled);
    REQUIRE(got.size() == want.size());
    CHECK(hdrgpu_test::max_rel_diff(got.data(), want.data(), got.size()) <= tol);
  }
}

}  // namespace

TEST_SUITE("calibrate") {
  TEST_CASE("pooled CalibrateDebevec of one stack is that stack's calibration") {
    const cpu_executor exec;
    const synth::stack s = synth::render(exec, {.width = 160, .height = 120, .exposures = 4, .seed = 3}, 0);
    const auto v = view_of(s);
    const response_curve single = calibrate_debevec(exec, v);
    const response_curve pooled = calibrate_debevec_pooled(exec, std::span(&v, 1));
    REQUIRE(pooled.values().size() == single.values().size());
    CHECK(hdrgpu_test::max_rel_diff(pooled.values().data(), single.values().data(), single.values().size()) == 0.0);
    // Robertson's pooling is the geometric mean of the curves: one stack gives its own curve.
    const response_curve r_single = calibrate_robertson(exec, v);
    const response_curve r_pooled = calibrate_robertson_pooled(exec, std::span(&v, 1));
    REQUIRE(r_pooled.values().size() == r_single.values().size());
    CHECK(hdrgpu_test::max_rel_diff(r_pooled.values().data(), r_single.values().data(), r_single.values().size()) <= 1e-6);
  }

  TEST_CASE("pooled calibrations reject no stacks and differing channel counts") {
    const cpu_executor exec;
    const synth::stack s = synth::render(exec, {.width = 96, .height = 64, .exposures = 3, .seed = 5}, 0);
    const auto v = view_of(s);
    CHECK_THROWS_AS(calibrate_debevec_pooled(exec, {}), invalid_argument);
    CHECK_THROWS_AS(calibrate_robertson_pooled(exec, {}), invalid_argument);
    // The same pixels seen as one channel of three times the width.
    exposure_stack<std::uint8_t> g("grey");
    for (std::size_t j = 0; j < v.size(); ++j)
      g.add(image_view<const std::uint8_t>(v[j].data(), v[j].width() * 3, v[j].height(), 1), v.time(j));
    const std::vector<exposure_stack<std::uint8_t>> mixed{v, g};
    CHECK_THROWS_WITH_AS(calibrate_debevec_pooled(exec, mixed), doctest::Contains("same channel count"), invalid_argument);
    CHECK_THROWS_WITH_AS(calibrate_robertson_pooled(exec, mixed), doctest::Contains("same channel count"), invalid_argument);
  }

  TEST_CASE("pooled CalibrateDebevec over stacks of one camera is no worse than any single stack") {
    const cpu_executor exec;
    const synth::options o{.width = 200, .height = 150, .exposures = 5, .seed = 11};
    std::vector<synth::stack> stacks;
    for (int i = 0; i < 4; ++i) stacks.push_back(synth::render(exec, o, i));
    std::vector<exposure_stack<std::uint8_t>> views;
    for (const auto& s : stacks) views.push_back(view_of(s));
    const response_curve pooled = calibrate_debevec_pooled(exec, views);
    const double pooled_err = log_shape_error(pooled, stacks[0].response);
    double worst_single = 0;
    for (const auto& v : views) worst_single = std::max(worst_single, log_shape_error(calibrate_debevec(exec, v), stacks[0].response));
    MESSAGE("log-shape error vs the true response: pooled " << pooled_err << ", worst single stack " << worst_single);
    CHECK(pooled_err <= worst_single);
    CHECK(pooled_err < 0.1);
  }

  TEST_CASE("batch --response calibrate-once merges every stack with the pooled curve") {
    check_calibrate_once("cpu", 0.0);
  }

  TEST_CASE("batch --method robertson --response calibrate-once uses the geometric mean of the curves") {
    using namespace hdrgpu_test::tool;
    temp_dir t("pooledr");
    make_stacks(t.path / "in", 2, "80x60", 4, 6);
    const run_result r = cli("batch " + (t.path / "in").string() + " -o " + (t.path / "out").string() +
                             " --quiet --format pfm --method robertson --response calibrate-once --device cpu");
    REQUIRE_MESSAGE(r.code == 0, r.output);
    const cpu_executor exec;
    const auto a = io::load_stack(t.path / "in" / "stack_0000"), b = io::load_stack(t.path / "in" / "stack_0001");
    const auto va = a.view<std::uint8_t>(), vb = b.view<std::uint8_t>();
    const response_curve ra = calibrate_robertson(exec, va), rb = calibrate_robertson(exec, vb);
    response_curve mean = ra;
    for (std::size_t i = 0; i < mean.values().size(); ++i)
      mean.values()[i] = std::exp((std::log(ra.values()[i]) + std::log(rb.values()[i])) / 2.0f);
    for (const auto* v : {&va, &vb}) {
      const image<float> got = io::read_radiance(t.path / "out" / (v->name() + ".pfm"));
      const image<float> want = merge_robertson(exec, *v, mean);
      REQUIRE(got.size() == want.size());
      CHECK(hdrgpu_test::max_rel_diff(got.data(), want.data(), got.size(), 1e-6) == 0.0);
    }
  }

  TEST_CASE("batch --response FILE.csv and --preview") {
    using namespace hdrgpu_test::tool;
    temp_dir t("respfile");
    make_stacks(t.path / "in", 2, "96x64", 4, 2);
    const fs::path csv = t.path / "in" / "stack_0000" / "truth_response.csv";
    const run_result r = cli("batch " + (t.path / "in").string() + " -o " + (t.path / "out").string() +
                             " --quiet --format pfm --preview --device cpu --response " + csv.string());
    REQUIRE_MESSAGE(r.code == 0, r.output);
    const cpu_executor exec;
    const response_curve resp = io::read_response_csv(csv);
    for (const char* id : {"stack_0000", "stack_0001"}) {
      const auto l = io::load_stack(t.path / "in" / id);
      const image<float> want = merge_debevec(exec, l.view<std::uint8_t>(), resp);
      const image<float> got = io::read_radiance(t.path / "out" / (std::string(id) + ".pfm"));
      REQUIRE(got.size() == want.size());
      CHECK(hdrgpu_test::max_rel_diff(got.data(), want.data(), got.size()) == 0.0);
      const auto png = io::load_image_u8(t.path / "out" / (std::string(id) + ".png"));
      const image<std::uint8_t> want_png = io::to_ldr(tonemap_gamma(exec, want.view(), {.gamma = 2.2f}).view());
      REQUIRE(png.size() == want_png.size());
      CHECK(hdrgpu_test::max_rel_diff(png.data(), want_png.data(), png.size(), 1.0) == 0.0);
    }
  }
}

TEST_SUITE("gpu") {
  TEST_CASE("batch on CUDA with --response calibrate-once merges every stack with the pooled curve") {
    HDRGPU_REQUIRE_GPU(gpu);
    check_calibrate_once("cuda", hdrgpu_test::gpu_merge_tol);
  }
}
