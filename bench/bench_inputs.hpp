// Inputs shared by the benchmarks: the real Memorial stack and a synthetic 5 x 12 MP stack, held both
// as cv::Mat (for OpenCV) and as hdrgpu views of the same bytes.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <opencv2/core.hpp>

#include <hdrgpu/cuda_diagnostics.hpp>
#include <hdrgpu/cuda_executor.hpp>
#include <hdrgpu/hdrgpu.hpp>

namespace hdrgpu_bench {

struct bench_stack {
  std::string name;
  std::vector<cv::Mat> mats;  // 8-bit, 3 channels, BGR
  std::vector<float> times;
  hdrgpu::exposure_stack<std::uint8_t> view() const;
  cv::Mat cv_times() const { return cv::Mat(times, true); }
};

/// Memorial from $HDRGPU_TEST_DATA (default ../shared/data); empty if absent.
const bench_stack& memorial();
/// hdrgpu::synth stack 0, 4000x3000, 5 exposures (rendered once).
const bench_stack& synthetic_12mp();
/// Threads both libraries use: $HDRGPU_BENCH_THREADS or all hardware threads.
int bench_threads();

/// Case argument `input`: 0 = Memorial, 1 = the synthetic 12 MP stack.
const bench_stack& input(int which);
/// False (the case is marked skipped) when the stack's data is missing; labels the case otherwise.
bool usable(benchmark::State& state, const bench_stack& s);
/// The CPU executor every case shares (bench_threads() threads).
hdrgpu::cpu_executor& cpu();
/// The CUDA executor every case shares, or nullptr after marking the case skipped (no device).
hdrgpu::cuda_executor* gpu(benchmark::State& state);

/// Launches a kernel-only case enqueues back to back per benchmark iteration.
inline constexpr int kBackToBack = 20;
/// Seconds of device time per call of `enqueue` (which only enqueues on exec's stream), measured with
/// events around kBackToBack calls and one synchronisation: for State::SetIterationTime (UseManualTime).
inline double kernel_seconds(const hdrgpu::cuda_executor& exec, const std::function<void()>& enqueue) {
  return hdrgpu::detail::time_enqueued_ms(exec, enqueue, kBackToBack) / 1e3;
}

}  // namespace hdrgpu_bench
