// process_batch: many stacks per call, a result or an error per stack, on either executor.
#include <hdrgpu/batch.hpp>
#include <hdrgpu/hdrgpu.hpp>
#include <hdrgpu/synth.hpp>

#include "gpu_support.hpp"

using namespace hdrgpu;

namespace {

struct inputs {
  std::vector<synth::stack> rendered;
  std::vector<exposure_stack<std::uint8_t>> stacks;
};

/// Two good stacks of different sizes around one without images.
inputs make_inputs() {
  const cpu_executor exec;
  inputs in;
  in.rendered.push_back(synth::render(exec, {.width = 120, .height = 80, .exposures = 4, .seed = 4}, 0));
  in.rendered.push_back(synth::render(exec, {.width = 64, .height = 96, .exposures = 3, .seed = 4}, 1));
  for (const auto& r : in.rendered) {
    exposure_stack<std::uint8_t> s(r.name);
    for (std::size_t j = 0; j < r.images.size(); ++j) s.add(r.images[j].view(), r.times[j]);
    in.stacks.push_back(s);
  }
  in.stacks.insert(in.stacks.begin() + 1, exposure_stack<std::uint8_t>("hollow"));
  return in;
}

/// Runs process_batch on `exec` for each method and checks every stack against the CPU backend's
/// per-stack calls (exact on the CPU, `tol` relative on the GPU) and the bad stack's error.
template <class Exec>
void check_process_batch(const Exec& exec, double tol) {
  const inputs in = make_inputs();
  const cpu_executor cpu;
  for (const merge_method m : {merge_method::debevec, merge_method::robertson, merge_method::mertens}) {
    CAPTURE(int(m));
    batch_options o;
    o.method = m;
    const auto results = process_batch(exec, std::span<const exposure_stack<std::uint8_t>>(in.stacks), o);
    REQUIRE(results.size() == 3);
    CHECK_FALSE(results[1].ok());
    CHECK(results[1].error.find("hollow") != std::string::npos);
    CHECK(results[1].output.empty());
    for (const std::size_t i : {std::size_t(0), std::size_t(2)}) {
      REQUIRE_MESSAGE(results[i].ok(), results[i].error);
      const auto& s = in.stacks[i];
      image<float> want;
      if (m == merge_method::mertens) {
        want = merge_mertens(cpu, s, o.mertens);
      } else if (m == merge_method::debevec) {
        want = merge_debevec(cpu, s, calibrate_debevec(cpu, s));
      } else {
        const robertson_sums sums = std::is_same_v<Exec, cpu_executor> ? robertson_sums::opencv_f32 : robertson_sums::exact;
        want = merge_robertson(cpu, s, calibrate_robertson(cpu, s, {.sums = sums}));
      }
      REQUIRE(results[i].output.size() == want.size());
      CHECK(hdrgpu_test::max_rel_diff(results[i].output.data(), want.data(), want.size(), 1e-6) <= tol);
    }
  }
  // A given response is used for every stack, and none is calibrated.
  batch_options given;
  given.response = in.rendered[0].response;
  const auto r = process_batch(exec, std::span<const exposure_stack<std::uint8_t>>(in.stacks), given);
  REQUIRE(r[0].ok());
  const image<float> want = merge_debevec(cpu, in.stacks[0], in.rendered[0].response);
  CHECK(hdrgpu_test::max_rel_diff(r[0].output.data(), want.data(), want.size(), 1e-6) <= tol);
}

}  // namespace

TEST_SUITE("batch") {
  TEST_CASE("process_batch on the CPU: per-stack results equal per-stack calls and a bad stack is isolated") {
    check_process_batch(cpu_executor{}, 0.0);
  }
}

TEST_SUITE("gpu") {
  TEST_CASE("process_batch on CUDA: per-stack results equal the CPU and a bad stack is isolated") {
    HDRGPU_REQUIRE_GPU(exec);
    check_process_batch(exec, 1e-5);
  }
}
