// CUDA backend merges: the same cases as cpu_vs_opencv_bench.cpp (names ending /cuda, so the ratio table
// puts them next to /opencv and /hdrgpu), plus device-resident runs that time only the kernel and report
// the bytes it moves, next to the device's own copy bandwidth.
#include <cstring>
#include <memory>
#include <vector>

#include <benchmark/benchmark.h>

#include <hdrgpu/cuda_diagnostics.hpp>
#include <hdrgpu/hdrgpu.hpp>

#include "bench_inputs.hpp"

using namespace hdrgpu_bench;

namespace {

std::int64_t pixels(const bench_stack& s) { return std::int64_t(s.mats.size()) * std::int64_t(s.mats[0].total()); }

/// Bytes a merge kernel must move: every input sample once, every output float once.
std::int64_t merge_bytes(const bench_stack& s) {
  const std::int64_t px = std::int64_t(s.mats[0].total());
  return std::int64_t(s.mats.size()) * px * 3 + px * 3 * std::int64_t(sizeof(float));
}

// ---- host in, host out: what a caller of the synchronous overloads sees (uploads and download included) ----

void merge_debevec_cuda(benchmark::State& state) {
  const auto& s = input(int(state.range(0)));
  hdrgpu::cuda_executor* exec = gpu(state);
  if (!exec || !usable(state, s)) return;
  const auto stack = s.view();
  // As the /hdrgpu case: a calibrated response and OpenCV 4.6's weights.
  const auto resp = hdrgpu::calibrate_debevec(cpu(), stack, {.profile = hdrgpu::compat::opencv_4_6});
  for (auto _ : state)
    benchmark::DoNotOptimize(hdrgpu::merge_debevec(*exec, stack, resp, {.profile = hdrgpu::compat::opencv_4_6}));
  state.SetItemsProcessed(state.iterations() * pixels(s));
}

void merge_robertson_cuda(benchmark::State& state) {
  const auto& s = input(int(state.range(0)));
  hdrgpu::cuda_executor* exec = gpu(state);
  if (!exec || !usable(state, s)) return;
  const auto stack = s.view();
  for (auto _ : state) benchmark::DoNotOptimize(hdrgpu::merge_robertson(*exec, stack));
  state.SetItemsProcessed(state.iterations() * pixels(s));
}

// ---- device-resident: the stack uploaded once, only the (asynchronous) merge timed ----
// Each benchmark iteration enqueues kBackToBack launches between two events and synchronises once
// (time_enqueued_ms), so what is timed is the device's work, not launch and synchronisation latency.

/// A bench stack's exposures in device memory, packed, with device views over them.
struct resident_stack {
  std::vector<std::unique_ptr<hdrgpu::detail::device_allocation>> images;
  hdrgpu::exposure_stack<std::uint8_t> stack;
  std::unique_ptr<hdrgpu::detail::device_allocation> out;
  hdrgpu::image_view<float> out_view;

  resident_stack(const hdrgpu::cuda_executor& exec, const bench_stack& s) : stack(s.name) {
    const int w = s.mats[0].cols, h = s.mats[0].rows;
    const std::size_t row = std::size_t(w) * 3;
    for (std::size_t j = 0; j < s.mats.size(); ++j) {
      const cv::Mat packed = s.mats[j].isContinuous() ? s.mats[j] : s.mats[j].clone();
      images.push_back(std::make_unique<hdrgpu::detail::device_allocation>(exec, row * std::size_t(h)));
      hdrgpu::detail::copy_to_device(exec, images.back()->get(), packed.ptr(), row * std::size_t(h));
      stack.add(hdrgpu::image_view<const std::uint8_t>(images.back()->as<const std::uint8_t>(), w, h, 3, 0,
                                                       hdrgpu::channel_order::bgr, hdrgpu::memory_space::device),
                s.times[j]);
    }
    out = std::make_unique<hdrgpu::detail::device_allocation>(exec, row * std::size_t(h) * sizeof(float));
    out_view = hdrgpu::image_view<float>(out->as<float>(), w, h, 3, 0, hdrgpu::channel_order::bgr,
                                         hdrgpu::memory_space::device);
  }
};

void report_merge_bytes(benchmark::State& state, const bench_stack& s) {
  state.SetBytesProcessed(state.iterations() * merge_bytes(s));
  state.SetItemsProcessed(state.iterations() * pixels(s));
}

void merge_debevec_resident(benchmark::State& state) {
  const auto& s = input(int(state.range(0)));
  hdrgpu::cuda_executor* exec = gpu(state);
  if (!exec || !usable(state, s)) return;
  const resident_stack r(*exec, s);
  const auto resp = hdrgpu::calibrate_debevec(cpu(), s.view(), {.profile = hdrgpu::compat::opencv_4_6});
  for (auto _ : state)
    state.SetIterationTime(kernel_seconds(*exec, [&] {
      hdrgpu::merge_debevec(*exec, r.stack, resp, r.out_view, {.profile = hdrgpu::compat::opencv_4_6});
    }));
  report_merge_bytes(state, s);
}

void merge_robertson_resident(benchmark::State& state) {
  const auto& s = input(int(state.range(0)));
  hdrgpu::cuda_executor* exec = gpu(state);
  if (!exec || !usable(state, s)) return;
  const resident_stack r(*exec, s);
  for (auto _ : state) state.SetIterationTime(kernel_seconds(*exec, [&] { hdrgpu::merge_robertson(*exec, r.stack, r.out_view); }));
  report_merge_bytes(state, s);
}

/// Device-to-device cudaMemcpy of `range(0)` MiB: the yardstick for the resident merges' bytes/s
/// (counted as read + write, like theirs).
void device_copy(benchmark::State& state) {
  hdrgpu::cuda_executor* exec = gpu(state);
  if (!exec) return;
  const std::size_t bytes = std::size_t(state.range(0)) << 20;
  const hdrgpu::detail::device_allocation a(*exec, bytes), b(*exec, bytes);
  hdrgpu::detail::copy_on_device(*exec, b.get(), a.get(), bytes);  // warm-up (contents do not matter)
  exec->synchronize();
  for (auto _ : state)
    state.SetIterationTime(kernel_seconds(*exec, [&] { hdrgpu::detail::copy_on_device(*exec, b.get(), a.get(), bytes); }));
  state.SetBytesProcessed(state.iterations() * std::int64_t(2 * bytes));
}

}  // namespace

// Arg 0: Memorial; arg 1: synthetic 5 x 12 MP (as in cpu_vs_opencv_bench.cpp).
BENCHMARK(merge_debevec_cuda)->Name("merge_debevec/cuda")->ArgName("input")->Arg(0)->Arg(1)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(merge_robertson_cuda)->Name("merge_robertson/cuda")->ArgName("input")->Arg(0)->Arg(1)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
// Kernel-only cases: device time from events around back-to-back launches (kernel_seconds).
BENCHMARK(merge_debevec_resident)->Name("merge_debevec_resident/cuda")->ArgName("input")->Arg(0)->Arg(1)
    ->Unit(benchmark::kMillisecond)->UseManualTime();
BENCHMARK(merge_robertson_resident)->Name("merge_robertson_resident/cuda")->ArgName("input")->Arg(0)->Arg(1)
    ->Unit(benchmark::kMillisecond)->UseManualTime();
BENCHMARK(device_copy)->Name("device_copy/cuda")->ArgName("MiB")->Arg(256)->Unit(benchmark::kMillisecond)
    ->UseManualTime();
