// Writing radiance maps: every format and EXR compression against PFM (the cheapest float file) and
// against OpenCV's imwrite, on a real radiance map (window-handheld, 8 MP) and the synthetic 12 MP one.
// Every write, ours and OpenCV's, ends with the file synced to disk (ours are atomic: temp, fsync,
// rename), so the times compare like with like. Sizes go in the "bytes" counter; bench_main prints the
// table of time and size relative to PFM.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>

#include <benchmark/benchmark.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <hdrgpu/hdrgpu.hpp>
#include <hdrgpu/io.hpp>

#include "bench_inputs.hpp"

namespace hdrgpu_bench {
namespace {

namespace fs = std::filesystem;
using namespace hdrgpu;

/// The radiance map of a stack: CalibrateDebevec + MergeDebevec on the CPU, as RGB floats.
image<float> radiance_of(const bench_stack& s) {
  const auto stack = s.view();
  const response_curve r = calibrate_debevec(cpu(), stack);
  image<float> map = merge_debevec(cpu(), stack, r);
  return map;
}

/// Input 0: window-handheld from the shared data (real photographs, 3264 x 2448, 8 images); 1: synthetic 12 MP.
const image<float>& map_input(int which) {
  static const image<float> real = [] {
    const char* env = std::getenv("HDRGPU_TEST_DATA");
    const fs::path dir = fs::path(env && *env ? env : HDRGPU_DEFAULT_TEST_DATA) / "window-handheld";
    if (!fs::exists(dir)) return image<float>{};
    const io::loaded_stack loaded = io::load_stack(dir);
    return merge_debevec(cpu(), loaded.view<std::uint8_t>(), calibrate_debevec(cpu(), loaded.view<std::uint8_t>()));
  }();
  static const image<float> synthetic = radiance_of(synthetic_12mp());
  return which == 0 ? real : synthetic;
}

fs::path out_dir() {
  const char* env = std::getenv("HDRGPU_BENCH_DIR");
  const fs::path d = fs::path(env && *env ? env : "/tmp") / "hdrgpu-write-bench";
  fs::create_directories(d);
  return d;
}

bool usable_map(benchmark::State& state, const image<float>& map, int which) {
  if (map.empty()) {
    state.SkipWithError("test data not found (set HDRGPU_TEST_DATA)");
    return false;
  }
  state.SetLabel(which == 0 ? "window-handheld 8MP" : "synthetic 12MP");
  return true;
}

void finish(benchmark::State& state, const image<float>& map, const fs::path& file) {
  state.counters["bytes"] = double(fs::file_size(file));
  state.counters["MB/s"] = benchmark::Counter(double(map.size() * sizeof(float)) * double(state.iterations()) / 1e6,
                                             benchmark::Counter::kIsRate);
}

void sync_file(const fs::path& f) {
  const int fd = ::open(f.c_str(), O_RDONLY);
  if (fd >= 0) {
    (void)::fsync(fd);
    ::close(fd);
  }
}

void write_ours(benchmark::State& state, io::hdr_format format, std::optional<io::exr_compression> comp) {
  const image<float>& map = map_input(int(state.range(0)));
  if (!usable_map(state, map, int(state.range(0)))) return;
  const fs::path file = out_dir() / (format == io::hdr_format::hdr ? "ours.hdr" : format == io::hdr_format::pfm ? "ours.pfm" : "ours.exr");
  io::write_options o;
  o.compression = comp;
  o.executor = &cpu();
  for (auto _ : state) io::write_radiance(file, map.view(), format, o);
  finish(state, map, file);
}

void write_opencv(benchmark::State& state, const char* ext, std::vector<int> params) {
  const image<float>& map = map_input(int(state.range(0)));
  if (!usable_map(state, map, int(state.range(0)))) return;
  ::setenv("OPENCV_IO_ENABLE_OPENEXR", "1", 1);
  cv::Mat rgb(map.height(), map.width(), CV_32FC3, const_cast<float*>(map.data())), bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  const fs::path file = out_dir() / (std::string("opencv") + ext);
  for (auto _ : state) {
    cv::imwrite(file.string(), bgr, params);
    sync_file(file);
  }
  finish(state, map, file);
}

/// The 8-bit preview of the map (gamma 2.2, as `batch --preview` writes it), as PNG: stb's encoder (ours)
/// against OpenCV's libpng.
const image<std::uint8_t>& preview_of(int which) {
  static image<std::uint8_t> cache[2];
  if (cache[which].empty() && !map_input(which).empty())
    cache[which] = io::to_ldr(tonemap_gamma(cpu(), map_input(which).view(), {.gamma = 2.2f}));
  return cache[which];
}

void png_ours(benchmark::State& state) {
  const int which = int(state.range(0));
  if (!usable_map(state, map_input(which), which)) return;
  const fs::path file = out_dir() / "ours.png";
  for (auto _ : state) io::write_ldr(file, preview_of(which).view());
  finish(state, map_input(which), file);
}

void png_opencv(benchmark::State& state) {
  const int which = int(state.range(0));
  if (!usable_map(state, map_input(which), which)) return;
  const image<std::uint8_t>& p = preview_of(which);
  cv::Mat rgb(p.height(), p.width(), CV_8UC3, const_cast<std::uint8_t*>(p.data())), bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  const fs::path file = out_dir() / "opencv.png";
  for (auto _ : state) {
    cv::imwrite(file.string(), bgr);
    sync_file(file);
  }
  finish(state, map_input(which), file);
}

BENCHMARK(png_ours)->Name("write/png/hdrgpu")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(png_opencv)->Name("write/png/opencv")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

using C = io::exr_compression;
constexpr auto F = io::hdr_format::exr;
constexpr auto H = io::hdr_format::exr_half;

// Names: write/<format>/<who>; ".../opencv" and ".../hdrgpu" pairs enter the ratio table.
#define HDRGPU_WRITE_CASE(name, ...) \
  BENCHMARK_CAPTURE(write_ours, name, __VA_ARGS__)->Name("write/" #name "/hdrgpu")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime()

HDRGPU_WRITE_CASE(pfm, io::hdr_format::pfm, std::nullopt);
HDRGPU_WRITE_CASE(exr-none, F, C::none);
HDRGPU_WRITE_CASE(exr-rle, F, C::rle);
HDRGPU_WRITE_CASE(exr-zips, F, C::zips);
HDRGPU_WRITE_CASE(exr-zip, F, C::zip);
HDRGPU_WRITE_CASE(exr-piz, F, C::piz);
HDRGPU_WRITE_CASE(half-none, H, C::none);
HDRGPU_WRITE_CASE(half-rle, H, C::rle);
HDRGPU_WRITE_CASE(half-zips, H, C::zips);
HDRGPU_WRITE_CASE(half-zip, H, C::zip);
HDRGPU_WRITE_CASE(half-piz, H, C::piz);
HDRGPU_WRITE_CASE(hdr, io::hdr_format::hdr, std::nullopt);

#define HDRGPU_WRITE_CV(name, ext, ...) \
  BENCHMARK_CAPTURE(write_opencv, name, ext, std::vector<int>{__VA_ARGS__})->Name("write/" #name "/opencv")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime()

HDRGPU_WRITE_CV(exr-zip, ".exr", cv::IMWRITE_EXR_TYPE, cv::IMWRITE_EXR_TYPE_FLOAT, cv::IMWRITE_EXR_COMPRESSION, cv::IMWRITE_EXR_COMPRESSION_ZIP);
HDRGPU_WRITE_CV(exr-piz, ".exr", cv::IMWRITE_EXR_TYPE, cv::IMWRITE_EXR_TYPE_FLOAT, cv::IMWRITE_EXR_COMPRESSION, cv::IMWRITE_EXR_COMPRESSION_PIZ);
HDRGPU_WRITE_CV(exr-none, ".exr", cv::IMWRITE_EXR_TYPE, cv::IMWRITE_EXR_TYPE_FLOAT, cv::IMWRITE_EXR_COMPRESSION, cv::IMWRITE_EXR_COMPRESSION_NO);
HDRGPU_WRITE_CV(half-zip, ".exr", cv::IMWRITE_EXR_TYPE, cv::IMWRITE_EXR_TYPE_HALF, cv::IMWRITE_EXR_COMPRESSION, cv::IMWRITE_EXR_COMPRESSION_ZIP);
HDRGPU_WRITE_CV(half-piz, ".exr", cv::IMWRITE_EXR_TYPE, cv::IMWRITE_EXR_TYPE_HALF, cv::IMWRITE_EXR_COMPRESSION, cv::IMWRITE_EXR_COMPRESSION_PIZ);
HDRGPU_WRITE_CV(hdr, ".hdr");  // OpenCV 4.6 always writes RLE scanlines
HDRGPU_WRITE_CV(pfm, ".pfm");

}  // namespace
}  // namespace hdrgpu_bench
