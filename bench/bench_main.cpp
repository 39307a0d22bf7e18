// Benchmark main: runs every case, then prints OpenCV time / hdrgpu time for each pair of cases
// named ".../opencv", ".../hdrgpu" (CPU backend) and ".../cuda" (same input, same process).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <benchmark/benchmark.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <hdrgpu/synth.hpp>

#include "bench_inputs.hpp"

namespace hdrgpu_bench {

hdrgpu::exposure_stack<std::uint8_t> bench_stack::view() const {
  hdrgpu::exposure_stack<std::uint8_t> s(name);
  for (std::size_t i = 0; i < mats.size(); ++i)
    s.add(hdrgpu::image_view<const std::uint8_t>(mats[i].ptr<std::uint8_t>(), mats[i].cols, mats[i].rows, 3,
                                                 std::ptrdiff_t(mats[i].step), hdrgpu::channel_order::bgr),
          times[i]);
  return s;
}

const bench_stack& memorial() {
  static const bench_stack s = [] {
    bench_stack b;
    b.name = "memorial";
    const char* env = std::getenv("HDRGPU_TEST_DATA");
    const std::filesystem::path dir = std::filesystem::path(env && *env ? env : HDRGPU_DEFAULT_TEST_DATA) / "memorial";
    std::ifstream in(dir / "exposures.txt");
    std::string file;
    double t;
    while (in >> file >> t) {
      b.mats.push_back(cv::imread((dir / file).string(), cv::IMREAD_COLOR));
      b.times.push_back(float(t));
    }
    return b;
  }();
  return s;
}

const bench_stack& synthetic_12mp() {
  static const bench_stack s = [] {
    bench_stack b;
    b.name = "synthetic_12mp";
    const hdrgpu::synth::stack st =
        hdrgpu::synth::render(hdrgpu::cpu_executor{}, {.width = 4000, .height = 3000, .exposures = 5, .seed = 1}, 0);
    for (std::size_t i = 0; i < st.images.size(); ++i) {
      cv::Mat m(3000, 4000, CV_8UC3);
      std::memcpy(m.data, st.images[i].data(), st.images[i].size());
      b.mats.push_back(m);  // RGB bytes; both libraries see the same ones
      b.times.push_back(st.times[i]);
    }
    return b;
  }();
  return s;
}

const bench_stack& input(int which) { return which == 0 ? memorial() : synthetic_12mp(); }

bool usable(benchmark::State& state, const bench_stack& s) {
  if (s.mats.empty() || s.mats[0].empty()) {
    state.SkipWithError("test data not found (set HDRGPU_TEST_DATA)");
    return false;
  }
  state.SetLabel(s.name);
  return true;
}

hdrgpu::cpu_executor& cpu() {
  static hdrgpu::cpu_executor exec({.threads = unsigned(bench_threads())});
  return exec;
}

hdrgpu::cuda_executor* gpu(benchmark::State& state) {
  if (!hdrgpu::cuda_available()) {
    state.SkipWithError("no CUDA device");
    return nullptr;
  }
  static hdrgpu::cuda_executor exec;
  return &exec;
}

int bench_threads() {
  if (const char* env = std::getenv("HDRGPU_BENCH_THREADS"); env && std::atoi(env) > 0) return std::atoi(env);
  return cv::getNumberOfCPUs();
}

}  // namespace hdrgpu_bench

namespace {

/// Console output as usual, plus the real time of every run, for the ratio table.
class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs)
      if (!r.error_occurred && r.run_type == Run::RT_Iteration) {
        times_[r.benchmark_name()] = r.GetAdjustedRealTime();
        if (const auto b = r.counters.find("bytes"); b != r.counters.end()) bytes_[r.benchmark_name()] = b->second;
      }
  }
  /// For the write cases ("write/<format>/<who>/<input>..."): time and size against PFM written by hdrgpu
  /// on the same input.
  void print_write_table() const {
    bool header = false;
    for (const auto& [name, ms] : times_) {
      if (name.rfind("write/", 0) != 0) continue;
      const auto who = name.find('/', 6);
      if (who == std::string::npos) continue;
      const auto input = name.find('/', who + 1);
      const std::string pfm = "write/pfm/hdrgpu" + (input == std::string::npos ? std::string() : name.substr(input));
      const auto p = times_.find(pfm);
      const auto pb = bytes_.find(pfm);
      const auto b = bytes_.find(name);
      if (p == times_.end() || pb == bytes_.end() || b == bytes_.end()) continue;
      if (!header) {
        std::printf("\n%-44s %10s %9s %10s %9s\n", "write case", "ms", "vs PFM", "MB", "size");
        header = true;
      }
      std::printf("%-44s %10.1f %8.2fx %10.1f %8.1f%%\n", name.c_str(), ms, ms / p->second, b->second / 1e6,
                  100.0 * b->second / pb->second);
    }
  }
  /// One row per case that has an ".../opencv" run: OpenCV, the CPU backend (".../hdrgpu") and the CUDA
  /// backend (".../cuda") where present, with OpenCV/x and CPU/CUDA ratios.
  void print_ratios() const {
    std::printf("\n%-40s %11s %11s %11s %9s %9s %9s\n", "case", "OpenCV ms", "CPU ms", "CUDA ms", "CV/CPU",
                "CV/CUDA", "CPU/CUDA");
    for (const auto& [name, cv_ms] : times_) {
      const auto slash = name.find("/opencv");
      if (slash == std::string::npos) continue;
      const double cpu = lookup(name, slash, "/hdrgpu"), gpu = lookup(name, slash, "/cuda");
      if (cpu <= 0 && gpu <= 0) continue;
      std::string label = name;
      label.erase(slash, 7);
      auto cell = [](double v) {
        char b[32];
        if (v > 0) std::snprintf(b, sizeof b, "%.3f", v); else std::snprintf(b, sizeof b, "-");
        return std::string(b);
      };
      auto ratio = [](double a, double b) {
        char r[32];
        if (a > 0 && b > 0) std::snprintf(r, sizeof r, "%.1fx", a / b); else std::snprintf(r, sizeof r, "-");
        return std::string(r);
      };
      std::printf("%-40s %11s %11s %11s %9s %9s %9s\n", label.c_str(), cell(cv_ms).c_str(), cell(cpu).c_str(),
                  cell(gpu).c_str(), ratio(cv_ms, cpu).c_str(), ratio(cv_ms, gpu).c_str(), ratio(cpu, gpu).c_str());
    }
  }

 private:
  double lookup(std::string name, std::size_t slash, const char* backend) const {
    name.replace(slash, 7, backend);
    const auto it = times_.find(name);
    return it == times_.end() ? 0.0 : it->second;
  }
  std::map<std::string, double> times_;
  std::map<std::string, double> bytes_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  cv::setNumThreads(hdrgpu_bench::bench_threads());
  std::printf("threads: %d (OpenCV %s, hdrgpu %s)\n", hdrgpu_bench::bench_threads(), CV_VERSION, HDRGPU_VERSION_STRING);
  ratio_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_ratios();
  reporter.print_write_table();
  benchmark::Shutdown();
  return 0;
}
