// Calibration on the CUDA backend: single stacks as ".../cuda" partners of cpu_vs_opencv_bench's cases, and
// batched CalibrateDebevec throughput in stacks/s (OpenCV and the CPU backend on the same 100 stacks for
// the ratio table; the GPU also on 1,000 and 10,000, from host images and from device-resident images).
#include <cstring>
#include <vector>

#include <benchmark/benchmark.h>
#include <opencv2/photo.hpp>

#include <hdrgpu/hdrgpu.hpp>
#include <hdrgpu/synth.hpp>

#include "bench_inputs.hpp"

#if defined(HDRGPU_HAVE_CUDART)
#include <cuda_runtime.h>
#endif

using namespace hdrgpu_bench;

namespace {

void calibrate_debevec_cuda(benchmark::State& state) {
  hdrgpu::cuda_executor* exec = gpu(state);
  const auto& s = input(int(state.range(0)));
  if (!exec || !usable(state, s)) return;
  const auto stack = s.view();
  for (auto _ : state) {
    benchmark::DoNotOptimize(hdrgpu::calibrate_debevec(*exec, stack));
    exec->synchronize();
  }
}

void calibrate_robertson_cuda(benchmark::State& state) {
  hdrgpu::cuda_executor* exec = gpu(state);
  const auto& s = input(int(state.range(0)));
  if (!exec || !usable(state, s)) return;
  const auto stack = s.view();
  state.SetLabel(s.name + " (exact sums; OpenCV and the CPU case: f32)");
  for (auto _ : state) {
    benchmark::DoNotOptimize(hdrgpu::calibrate_robertson(*exec, stack, {.sums = hdrgpu::robertson_sums::exact}));
    exec->synchronize();
  }
}

// ---- Batched CalibrateDebevec: a pool of distinct realistic small stacks (640x480, 5 exposures), cycled.

constexpr int pool_size = 16, pool_w = 640, pool_h = 480;

struct stack_pool {
  std::vector<hdrgpu::synth::stack> rendered;
  std::vector<hdrgpu::exposure_stack<std::uint8_t>> host;
  std::vector<std::vector<cv::Mat>> mats;  // headers over the same RGB bytes, for OpenCV
  std::vector<cv::Mat> times;
};

const stack_pool& pool() {
  static const stack_pool p = [] {
    stack_pool q;
    const hdrgpu::cpu_executor exec;
    for (int i = 0; i < pool_size; ++i)
      q.rendered.push_back(
          hdrgpu::synth::render(exec, {.width = pool_w, .height = pool_h, .exposures = 5, .seed = 7}, i));
    for (const auto& r : q.rendered) {
      hdrgpu::exposure_stack<std::uint8_t> s(r.name);
      std::vector<cv::Mat> m;
      for (std::size_t j = 0; j < r.images.size(); ++j) {
        s.add(r.images[j].view(), r.times[j]);
        m.emplace_back(pool_h, pool_w, CV_8UC3, const_cast<std::uint8_t*>(r.images[j].data()));
      }
      q.host.push_back(std::move(s));
      q.mats.push_back(std::move(m));
      q.times.push_back(cv::Mat(r.times, true));
    }
    return q;
  }();
  return p;
}

std::vector<hdrgpu::exposure_stack<std::uint8_t>> cycled(const std::vector<hdrgpu::exposure_stack<std::uint8_t>>& from,
                                                         std::int64_t n) {
  std::vector<hdrgpu::exposure_stack<std::uint8_t>> out;
  out.reserve(std::size_t(n));
  for (std::int64_t i = 0; i < n; ++i) out.push_back(from[std::size_t(i) % from.size()]);
  return out;
}

/// Stacks per second, and the bytes a calibration moves: its sample levels and its curve.
void batch_counters(benchmark::State& state, std::int64_t stacks) {
  const std::int64_t points = std::int64_t(hdrgpu::detail::grid_points(70, pool_w, pool_h, "pool").size());
  state.SetItemsProcessed(std::int64_t(state.iterations()) * stacks);
  state.SetBytesProcessed(std::int64_t(state.iterations()) * stacks * (points * 5 * 3 + 256 * 3 * 4));
  state.counters["stacks/s"] =
      benchmark::Counter(double(state.iterations()) * double(stacks), benchmark::Counter::kIsRate);
}

void calibrate_debevec_batch_opencv(benchmark::State& state) {
  const stack_pool& p = pool();
  cv::Mat resp;
  for (auto _ : state)
    for (std::int64_t i = 0; i < state.range(0); ++i) {
      const std::size_t k = std::size_t(i) % p.mats.size();
      cv::createCalibrateDebevec()->process(p.mats[k], resp, p.times[k]);
    }
  batch_counters(state, state.range(0));
}

void calibrate_debevec_batch_hdrgpu(benchmark::State& state) {
  const auto stacks = cycled(pool().host, state.range(0));
  const hdrgpu::cpu_executor exec({.threads = unsigned(bench_threads())});
  for (auto _ : state) benchmark::DoNotOptimize(hdrgpu::calibrate_debevec_batch(exec, stacks));
  batch_counters(state, state.range(0));
}

void calibrate_debevec_batch_cuda(benchmark::State& state) {
  hdrgpu::cuda_executor* exec = gpu(state);
  if (!exec) return;
  const auto stacks = cycled(pool().host, state.range(0));
  state.SetLabel("host images");
  for (auto _ : state) {
    benchmark::DoNotOptimize(hdrgpu::calibrate_debevec_batch(*exec, stacks));
    exec->synchronize();
  }
  batch_counters(state, state.range(0));
}

#if defined(HDRGPU_HAVE_CUDART)
/// The pool uploaded once; every batch gathers its samples from these device images.
const std::vector<hdrgpu::exposure_stack<std::uint8_t>>& device_pool() {
  static const std::vector<hdrgpu::exposure_stack<std::uint8_t>> d = [] {
    std::vector<hdrgpu::exposure_stack<std::uint8_t>> out;
    for (const auto& r : pool().rendered) {
      hdrgpu::exposure_stack<std::uint8_t> s(r.name);
      for (std::size_t j = 0; j < r.images.size(); ++j) {
        void* p = nullptr;
        if (cudaMalloc(&p, r.images[j].size()) != cudaSuccess ||
            cudaMemcpy(p, r.images[j].data(), r.images[j].size(), cudaMemcpyHostToDevice) != cudaSuccess)
          throw hdrgpu::cuda_error(0, "bench: device upload failed");
        s.add(hdrgpu::image_view<const std::uint8_t>(static_cast<const std::uint8_t*>(p), pool_w, pool_h, 3, 0,
                                                     hdrgpu::channel_order::rgb, hdrgpu::memory_space::device),
              r.times[j]);
      }
      out.push_back(std::move(s));
    }
    // Executors use non-blocking streams, which are not ordered after these legacy-stream copies.
    if (cudaDeviceSynchronize() != cudaSuccess) throw hdrgpu::cuda_error(0, "bench: device upload failed");
    return out;
  }();
  return d;
}

void calibrate_debevec_batch_device_cuda(benchmark::State& state) {
  hdrgpu::cuda_executor* exec = gpu(state);
  if (!exec) return;
  const auto stacks = cycled(device_pool(), state.range(0));
  state.SetLabel("device-resident images");
  for (auto _ : state) {
    benchmark::DoNotOptimize(hdrgpu::calibrate_debevec_batch(*exec, stacks));
    exec->synchronize();
  }
  batch_counters(state, state.range(0));
}
#endif

}  // namespace

// Partners of cpu_vs_opencv_bench's cases (arg 0: Memorial; arg 1: synthetic 5 x 12 MP).
BENCHMARK(calibrate_debevec_cuda)->Name("calibrate_debevec/cuda")->ArgName("input")->Arg(0)->Arg(1)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(calibrate_robertson_cuda)->Name("calibrate_robertson/cuda")->ArgName("input")->Arg(0)
    ->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK(calibrate_debevec_batch_opencv)->Name("calibrate_debevec_batch/opencv")->ArgName("stacks")->Arg(100)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(calibrate_debevec_batch_hdrgpu)->Name("calibrate_debevec_batch/hdrgpu")->ArgName("stacks")->Arg(100)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(calibrate_debevec_batch_cuda)->Name("calibrate_debevec_batch/cuda")->ArgName("stacks")->Arg(100)->Arg(1000)
    ->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();
#if defined(HDRGPU_HAVE_CUDART)
BENCHMARK(calibrate_debevec_batch_device_cuda)->Name("calibrate_debevec_batch_device/cuda")->ArgName("stacks")
    ->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();
#endif
