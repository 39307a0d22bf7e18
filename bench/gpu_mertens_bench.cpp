// MergeMertens on the CUDA backend, next to the CPU-vs-OpenCV cases of cpu_vs_opencv_bench.cpp:
//  - merge_mertens/cuda: host images in, host image out (upload, kernels, download), paired with
//    merge_mertens/opencv and merge_mertens/hdrgpu for the ratio table;
//  - merge_mertens_resident/cuda: images already on the device, output left there; times the kernels
//    only (the 5 x 12 MP case is the <= 10 ms target).
// Arg 0: Memorial (16 x 0.4 MP); arg 1: synthetic 5 x 12 MP. Same options as the CPU case (OpenCV's grey).
#include <optional>
#include <vector>

#include <benchmark/benchmark.h>

#include <hdrgpu/cuda_diagnostics.hpp>
#include <hdrgpu/hdrgpu.hpp>

#include "bench_inputs.hpp"

using namespace hdrgpu_bench;

namespace {

const hdrgpu::mertens_options options{.grey = hdrgpu::grey_rule::opencv_bgr};

/// The shared CUDA executor, or nullptr after marking the case skipped (no device, or no data).
const hdrgpu::cuda_executor* gpu_for(benchmark::State& state, const bench_stack& s) {
  hdrgpu::cuda_executor* exec = gpu(state);
  return exec && usable(state, s) ? exec : nullptr;
}

/// Pixels fused (items) and bytes in + out (8-bit inputs, f32 output), per iteration.
void report(benchmark::State& state, const bench_stack& s) {
  const auto px = std::int64_t(s.mats[0].total()), n = std::int64_t(s.mats.size());
  state.SetItemsProcessed(std::int64_t(state.iterations()) * n * px);
  state.SetBytesProcessed(std::int64_t(state.iterations()) * (n * px * 3 + px * 3 * std::int64_t(sizeof(float))));
}

void merge_mertens_cuda(benchmark::State& state) {
  const bench_stack& s = input(int(state.range(0)));
  const hdrgpu::cuda_executor* exec = gpu_for(state, s);
  if (!exec) return;
  const auto stack = s.view();
  for (auto _ : state) benchmark::DoNotOptimize(hdrgpu::merge_mertens(*exec, stack, options));  // synchronous
  report(state, s);
}

void merge_mertens_resident_cuda(benchmark::State& state) {
  const bench_stack& s = input(int(state.range(0)));
  const hdrgpu::cuda_executor* exec = gpu_for(state, s);
  if (!exec) return;
  const int W = s.mats[0].cols, H = s.mats[0].rows;
  const std::size_t bytes = std::size_t(W) * H * 3;
  // Upload once; the timed loop sees device views only.
  hdrgpu::detail::device_allocation in(*exec, bytes * s.mats.size());
  hdrgpu::exposure_stack<std::uint8_t> dev(s.name);
  for (std::size_t j = 0; j < s.mats.size(); ++j) {
    std::uint8_t* p = in.as<std::uint8_t>() + bytes * j;
    hdrgpu::detail::copy_to_device(*exec, p, s.mats[j].ptr(), bytes);  // mats are continuous
    dev.add(hdrgpu::image_view<const std::uint8_t>(p, W, H, 3, 0, hdrgpu::channel_order::bgr,
                                                   hdrgpu::memory_space::device),
            s.times[j]);
  }
  hdrgpu::detail::device_allocation out_mem(*exec, std::size_t(W) * H * 3 * sizeof(float));
  const hdrgpu::image_view<float> out(out_mem.as<float>(), W, H, 3, 0, hdrgpu::channel_order::bgr,
                                      hdrgpu::memory_space::device);
  hdrgpu::merge_mertens(*exec, dev, out, options);  // warm-up: grows the memory pool to this size
  exec->synchronize();
  for (auto _ : state) state.SetIterationTime(kernel_seconds(*exec, [&] { hdrgpu::merge_mertens(*exec, dev, out, options); }));
  report(state, s);
}

}  // namespace

// Names end in /cuda so bench_main pairs them with the .../opencv and .../hdrgpu cases of the same name.
BENCHMARK(merge_mertens_cuda)->Name("merge_mertens/cuda")->ArgName("input")->Arg(0)->Arg(1)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(merge_mertens_resident_cuda)->Name("merge_mertens_resident/cuda")->ArgName("input")->Arg(0)->Arg(1)
    ->Unit(benchmark::kMillisecond)->UseManualTime();
