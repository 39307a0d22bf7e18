// AlignMTB: hdrgpu's CPU backend (and the CUDA backend where a device is present) against OpenCV's
// AlignMTB on the same bytes: Memorial (16 x 0.4 MP) and the synthetic 5 x 12 MP stack. Both produce the
// same shifts and images (tests/align_test.cpp). Names end in /opencv, /hdrgpu or /cuda for the ratio table.
#include <vector>

#include <benchmark/benchmark.h>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include <hdrgpu/align.hpp>

#include "bench_inputs.hpp"

using namespace hdrgpu_bench;

namespace {

void pixels_processed(benchmark::State& state, const bench_stack& s) {
  state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(s.mats.size()) * s.mats[0].total());
}

// ---- process(): shifts and aligned (cut) images ----

void align_mtb_opencv(benchmark::State& state) {
  const auto& s = input(int(state.range(0)));
  if (!usable(state, s)) return;
  for (auto _ : state) {
    std::vector<cv::Mat> out;
    cv::createAlignMTB()->process(s.mats, out);
    benchmark::DoNotOptimize(out.data());
  }
  pixels_processed(state, s);
}
void align_mtb_hdrgpu(benchmark::State& state) {
  const auto& s = input(int(state.range(0)));
  if (!usable(state, s)) return;
  const auto stack = s.view();
  for (auto _ : state) benchmark::DoNotOptimize(hdrgpu::align_mtb(cpu(), stack));
  pixels_processed(state, s);
}
void align_mtb_cuda(benchmark::State& state) {
  const auto& s = input(int(state.range(0)));
  hdrgpu::cuda_executor* exec = gpu(state);
  if (!exec || !usable(state, s)) return;
  const auto stack = s.view();
  for (auto _ : state) benchmark::DoNotOptimize(hdrgpu::align_mtb(*exec, stack));
  pixels_processed(state, s);
}

// ---- the shifts only: OpenCV's grey conversion and calculateShift per image, as process() does ----

void align_shifts_opencv(benchmark::State& state) {
  const auto& s = input(int(state.range(0)));
  if (!usable(state, s)) return;
  const std::size_t pivot = s.mats.size() / 2;
  for (auto _ : state) {
    const auto mtb = cv::createAlignMTB();
    cv::Mat ref, grey;
    cv::cvtColor(s.mats[pivot], ref, cv::COLOR_RGB2GRAY);
    for (std::size_t i = 0; i < s.mats.size(); ++i) {
      if (i == pivot) continue;
      cv::cvtColor(s.mats[i], grey, cv::COLOR_RGB2GRAY);
      benchmark::DoNotOptimize(mtb->calculateShift(ref, grey));
    }
  }
  pixels_processed(state, s);
}
void align_shifts_hdrgpu(benchmark::State& state) {
  const auto& s = input(int(state.range(0)));
  if (!usable(state, s)) return;
  const auto stack = s.view();
  for (auto _ : state) benchmark::DoNotOptimize(hdrgpu::align_mtb_shifts(cpu(), stack));
  pixels_processed(state, s);
}
void align_shifts_cuda(benchmark::State& state) {
  const auto& s = input(int(state.range(0)));
  hdrgpu::cuda_executor* exec = gpu(state);
  if (!exec || !usable(state, s)) return;
  const auto stack = s.view();
  for (auto _ : state) benchmark::DoNotOptimize(hdrgpu::align_mtb_shifts(*exec, stack));
  pixels_processed(state, s);
}

// ---- many stacks: 64 copies of Memorial's first 5 frames in one batch (shifts only) ----

void align_batch_cuda(benchmark::State& state) {
  const auto& s = memorial();
  hdrgpu::cuda_executor* exec = gpu(state);
  if (!exec || !usable(state, s)) return;
  const auto full = s.view();
  std::vector<hdrgpu::exposure_stack<std::uint8_t>> stacks;
  for (int k = 0; k < 64; ++k) {
    hdrgpu::exposure_stack<std::uint8_t> st("copy" + std::to_string(k));
    for (std::size_t i = 0; i < 5; ++i) st.add(full[i], full.time(i));
    stacks.push_back(st);
  }
  for (auto _ : state)
    benchmark::DoNotOptimize(hdrgpu::align_mtb_batch(*exec, stacks, {}, hdrgpu::align_output::shifts));
  state.SetItemsProcessed(std::int64_t(state.iterations()) * 64 * 5 * std::int64_t(s.mats[0].total()));
}

}  // namespace

// Arg 0: Memorial; arg 1: synthetic 5 x 12 MP.
#define HDRGPU_ALIGN_CASES(name)                                                                                          \
  BENCHMARK(name##_opencv)->Name(#name "/opencv")->ArgName("input")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime(); \
  BENCHMARK(name##_hdrgpu)->Name(#name "/hdrgpu")->ArgName("input")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime(); \
  BENCHMARK(name##_cuda)->Name(#name "/cuda")->ArgName("input")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime()

HDRGPU_ALIGN_CASES(align_mtb);
HDRGPU_ALIGN_CASES(align_shifts);
BENCHMARK(align_batch_cuda)->Name("align_batch_64x5_memorial/cuda")->Unit(benchmark::kMillisecond)->UseRealTime();
