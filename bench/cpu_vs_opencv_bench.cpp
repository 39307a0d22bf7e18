// CPU backend vs OpenCV: calibrate and merge on Memorial (16 x 0.4 MP) and a synthetic 5 x 12 MP stack.
#include <benchmark/benchmark.h>
#include <opencv2/photo.hpp>

#include <hdrgpu/hdrgpu.hpp>

#include "bench_inputs.hpp"

using namespace hdrgpu_bench;

namespace {

void pixels_processed(benchmark::State& state, const bench_stack& s) {
  state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(s.mats.size()) * s.mats[0].total());
}

void calibrate_debevec_opencv(benchmark::State& state) {
  const auto& s = input(int(state.range(0)));
  if (!usable(state, s)) return;
  cv::Mat resp;
  for (auto _ : state) cv::createCalibrateDebevec()->process(s.mats, resp, s.cv_times());
}
void calibrate_debevec_hdrgpu(benchmark::State& state) {
  const auto& s = input(int(state.range(0)));
  if (!usable(state, s)) return;
  const auto stack = s.view();
  for (auto _ : state) benchmark::DoNotOptimize(hdrgpu::calibrate_debevec(cpu(), stack));
}

void merge_debevec_opencv(benchmark::State& state) {
  const auto& s = input(int(state.range(0)));
  if (!usable(state, s)) return;
  cv::Mat resp, out;
  cv::createCalibrateDebevec()->process(s.mats, resp, s.cv_times());
  for (auto _ : state) cv::createMergeDebevec()->process(s.mats, out, s.cv_times(), resp);
  pixels_processed(state, s);
}
void merge_debevec_hdrgpu(benchmark::State& state) {
  const auto& s = input(int(state.range(0)));
  if (!usable(state, s)) return;
  const auto stack = s.view();
  const auto resp = hdrgpu::calibrate_debevec(cpu(), stack, {.profile = hdrgpu::compat::opencv_4_6});
  for (auto _ : state) benchmark::DoNotOptimize(hdrgpu::merge_debevec(cpu(), stack, resp, {.profile = hdrgpu::compat::opencv_4_6}));
  pixels_processed(state, s);
}

void merge_robertson_opencv(benchmark::State& state) {
  const auto& s = input(int(state.range(0)));
  if (!usable(state, s)) return;
  cv::Mat out;
  for (auto _ : state) cv::createMergeRobertson()->process(s.mats, out, s.cv_times());
  pixels_processed(state, s);
}
void merge_robertson_hdrgpu(benchmark::State& state) {
  const auto& s = input(int(state.range(0)));
  if (!usable(state, s)) return;
  const auto stack = s.view();
  for (auto _ : state) benchmark::DoNotOptimize(hdrgpu::merge_robertson(cpu(), stack));
  pixels_processed(state, s);
}

void calibrate_robertson_opencv(benchmark::State& state) {
  const auto& s = input(int(state.range(0)));
  if (!usable(state, s)) return;
  cv::Mat resp;
  for (auto _ : state) cv::createCalibrateRobertson()->process(s.mats, resp, s.cv_times());
}
void calibrate_robertson_hdrgpu(benchmark::State& state) {
  const auto& s = input(int(state.range(0)));
  if (!usable(state, s)) return;
  const auto stack = s.view();
  for (auto _ : state) benchmark::DoNotOptimize(hdrgpu::calibrate_robertson(cpu(), stack));
}

void merge_mertens_opencv(benchmark::State& state) {
  const auto& s = input(int(state.range(0)));
  if (!usable(state, s)) return;
  cv::Mat out;
  for (auto _ : state) cv::createMergeMertens()->process(s.mats, out);
  pixels_processed(state, s);
}
void merge_mertens_hdrgpu(benchmark::State& state) {
  const auto& s = input(int(state.range(0)));
  if (!usable(state, s)) return;
  const auto stack = s.view();
  for (auto _ : state) benchmark::DoNotOptimize(hdrgpu::merge_mertens(cpu(), stack, {.grey = hdrgpu::grey_rule::opencv_bgr}));
  pixels_processed(state, s);
}

}  // namespace

// Arg 0: Memorial; arg 1: synthetic 5 x 12 MP. Names end in /opencv or /hdrgpu for the ratio table.
#define HDRGPU_PAIR(name, args)                                                                       \
  BENCHMARK(name##_opencv)->Name(#name "/opencv")->args->Unit(benchmark::kMillisecond)->UseRealTime(); \
  BENCHMARK(name##_hdrgpu)->Name(#name "/hdrgpu")->args->Unit(benchmark::kMillisecond)->UseRealTime()

HDRGPU_PAIR(calibrate_debevec, ArgName("input")->Arg(0)->Arg(1));
HDRGPU_PAIR(merge_debevec, ArgName("input")->Arg(0)->Arg(1));
HDRGPU_PAIR(merge_robertson, ArgName("input")->Arg(0)->Arg(1));
HDRGPU_PAIR(calibrate_robertson, ArgName("input")->Arg(0));
HDRGPU_PAIR(merge_mertens, ArgName("input")->Arg(0));
