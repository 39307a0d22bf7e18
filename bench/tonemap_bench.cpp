// TonemapDrago, TonemapReinhard, TonemapMantiuk: the CPU backend (and the CUDA one where a device is present)
// against OpenCV 4.6 on the same radiance, same thread count (bench_main sets cv::setNumThreads). The
// radiance is MergeDebevec of a stack (input 0: Memorial, 0.4 MP; input 1: the synthetic 5 x 12 MP stack),
// computed once by hdrgpu; OpenCV gets a cv::Mat over the same floats. Default parameters, as OpenCV's.
#include <map>

#include <benchmark/benchmark.h>
#include <opencv2/photo.hpp>

#include <hdrgpu/hdrgpu.hpp>

#include "bench_inputs.hpp"

using namespace hdrgpu_bench;

namespace {

const hdrgpu::image<float>* radiance(benchmark::State& state) {
  static std::map<int, hdrgpu::image<float>> cache;
  const int which = int(state.range(0));
  const auto& s = input(which);
  if (!usable(state, s)) return nullptr;
  auto it = cache.find(which);
  if (it == cache.end())
    it = cache.emplace(which, hdrgpu::merge_debevec(cpu(), s.view(), {.profile = hdrgpu::compat::opencv_4_6})).first;
  return &it->second;
}

cv::Mat as_mat(const hdrgpu::image<float>& img) {
  return cv::Mat(img.height(), img.width(), CV_32FC3, const_cast<float*>(img.data()));
}

void pixels(benchmark::State& state, const hdrgpu::image<float>& img) {
  state.SetItemsProcessed(std::int64_t(state.iterations()) * img.width() * img.height());
}

// Each operator as OpenCV's factory and hdrgpu's call on either executor, with default parameters.
struct drago {
  static cv::Ptr<cv::Tonemap> opencv() { return cv::createTonemapDrago(); }
  template <class Exec>
  static hdrgpu::image<float> ours(const Exec& exec, const hdrgpu::image<float>& hdr) { return hdrgpu::tonemap_drago(exec, hdr); }
};
struct reinhard {
  static cv::Ptr<cv::Tonemap> opencv() { return cv::createTonemapReinhard(); }
  template <class Exec>
  static hdrgpu::image<float> ours(const Exec& exec, const hdrgpu::image<float>& hdr) {
    return hdrgpu::tonemap_reinhard(exec, hdr);
  }
};
struct mantiuk {
  static cv::Ptr<cv::Tonemap> opencv() { return cv::createTonemapMantiuk(); }
  template <class Exec>
  static hdrgpu::image<float> ours(const Exec& exec, const hdrgpu::image<float>& hdr) {
    return hdrgpu::tonemap_mantiuk(exec, hdr);
  }
};

template <class Op>
void on_opencv(benchmark::State& state) {
  const auto* hdr = radiance(state);
  if (!hdr) return;
  const cv::Mat src = as_mat(*hdr);
  cv::Mat out;
  for (auto _ : state) Op::opencv()->process(src, out);
  pixels(state, *hdr);
}
template <class Op>
void on_cpu(benchmark::State& state) {
  const auto* hdr = radiance(state);
  if (!hdr) return;
  for (auto _ : state) benchmark::DoNotOptimize(Op::ours(cpu(), *hdr));
  pixels(state, *hdr);
}
template <class Op>
void on_cuda(benchmark::State& state) {
  const auto* hdr = radiance(state);
  auto* exec = hdr ? gpu(state) : nullptr;
  if (!exec) return;
  for (auto _ : state) benchmark::DoNotOptimize(Op::ours(*exec, *hdr));
  pixels(state, *hdr);
}

}  // namespace

#define HDRGPU_TONEMAP_BENCH(op)                                                                           \
  BENCHMARK(on_opencv<op>)->Name("tonemap_" #op "/opencv")->ArgName("input")->Arg(0)->Arg(1)                \
      ->Unit(benchmark::kMillisecond)->UseRealTime();                                                      \
  BENCHMARK(on_cpu<op>)->Name("tonemap_" #op "/hdrgpu")->ArgName("input")->Arg(0)->Arg(1)                   \
      ->Unit(benchmark::kMillisecond)->UseRealTime();                                                      \
  BENCHMARK(on_cuda<op>)->Name("tonemap_" #op "/cuda")->ArgName("input")->Arg(0)->Arg(1)                    \
      ->Unit(benchmark::kMillisecond)->UseRealTime()

HDRGPU_TONEMAP_BENCH(drago);
HDRGPU_TONEMAP_BENCH(reinhard);
HDRGPU_TONEMAP_BENCH(mantiuk);
