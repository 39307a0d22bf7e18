// `hdrgpu batch`: a directory or manifest of stacks to one HDR file per stack, resumably.
#include <cmath>
#include <cstdio>
#include <string>

#include <hdrgpu/pipeline.hpp>

#include "common.hpp"
#include "signals.hpp"

namespace hdrgpu::cli {
namespace {

/// "8G", "512M", "1.5GiB", "64k" or plain bytes.
std::size_t parse_memory(const std::string& text) {
  std::size_t pos = 0;
  double v = 0;
  try {
    v = std::stod(text, &pos);
  } catch (const std::exception&) {
    throw usage_error("--memory must be a size such as 8G or 512M (got '" + text + "')");
  }
  std::string unit = text.substr(pos);
  for (auto& c : unit) c = char(std::toupper(static_cast<unsigned char>(c)));
  if (unit.ends_with("IB")) unit.resize(unit.size() - 2);
  else if (unit.size() == 2 && unit.back() == 'B') unit.pop_back();
  double scale = 1;
  if (unit == "K") scale = 1024.0;
  else if (unit == "M") scale = 1024.0 * 1024;
  else if (unit == "G") scale = 1024.0 * 1024 * 1024;
  else if (unit == "T") scale = 1024.0 * 1024 * 1024 * 1024;
  else if (!unit.empty() && unit != "B") throw usage_error("--memory: unknown unit in '" + text + "'");
  if (!(v > 0) || !std::isfinite(v * scale)) throw usage_error("--memory must be positive (got '" + text + "')");
  return std::size_t(v * scale);
}

io::hdr_format parse_format(const std::string& f) {
  if (f == "exr") return io::hdr_format::exr;
  if (f == "exr-half") return io::hdr_format::exr_half;
  if (f == "hdr") return io::hdr_format::hdr;
  if (f == "pfm") return io::hdr_format::pfm;
  throw usage_error("--format must be exr, exr-half, hdr or pfm (got '" + f + "')");
}

}  // namespace

int run_batch(int argc, char** argv) {
  const args a(argc, argv, 2,
               {"--output", "--method", "--response", "--format", "--device", "--report", "--shard", "--memory",
                "--threads", "--readers", "--gpu-lanes", "--compat", "--exr-compression",
                "--max-pixels", "--align", "--tonemap"},
               {"--overwrite", "--ignore-orientation", "--quiet", "--preview", "--keep-nonfinite"});
  if (a.positional().size() != 1) throw usage_error("batch needs exactly one INPUT (a folder or a manifest)");
  if (!a.has("--output")) throw usage_error("batch needs -o OUT_DIR");

  pipeline::config cfg;
  cfg.input = a.positional()[0];
  cfg.output_dir = a.get("--output", "");
  const std::string method = a.get("--method", "debevec");
  if (method == "debevec") cfg.method = pipeline::merge_method::debevec;
  else if (method == "robertson") cfg.method = pipeline::merge_method::robertson;
  else if (method == "mertens") cfg.method = pipeline::merge_method::mertens;
  else throw usage_error("--method must be debevec, robertson or mertens");
  const std::string response = a.get("--response", "per-stack");
  if (response == "per-stack") {
    cfg.response = pipeline::response_mode::per_stack;
  } else if (response == "calibrate-once") {
    cfg.response = pipeline::response_mode::calibrate_once;
  } else if (response.ends_with(".csv")) {
    cfg.response = pipeline::response_mode::file;
    cfg.response_file = response;
  } else {
    throw usage_error("--response must be per-stack, calibrate-once or FILE.csv (got '" + response + "')");
  }
  cfg.format = parse_format(a.get("--format", "exr"));
  try {
    if (a.has("--exr-compression")) cfg.compression = io::parse_exr_compression(a.get("--exr-compression", ""));
  } catch (const invalid_argument& e) {
    throw usage_error(e.what());
  }
  cfg.device = a.get("--device", "auto");
  if (cfg.device != "all") {
    try {
      (void)device_spec::parse(cfg.device);
    } catch (const invalid_argument& e) {
      throw usage_error(std::string(e.what()) + " or all");
    }
  }
  cfg.report = a.get("--report", "");
  if (a.has("--shard")) {
    try {
      cfg.part = pipeline::shard::parse(a.get("--shard", ""));
    } catch (const invalid_argument& e) {
      throw usage_error(e.what());
    }
  } else {
    cfg.part = pipeline::shard::from_environment();
  }
  if (a.has("--memory")) cfg.memory_budget = parse_memory(a.get("--memory", ""));
  cfg.threads = thread_count(a, "--threads");
  cfg.readers = thread_count(a, "--readers");
  cfg.gpu_lanes = unsigned(a.get_int("--gpu-lanes", 0, 0));
  if (cfg.gpu_lanes > 64) throw usage_error("--gpu-lanes must be at most 64 (got " + std::to_string(cfg.gpu_lanes) + ")");
  cfg.overwrite = a.has("--overwrite");
  cfg.apply_orientation = !a.has("--ignore-orientation");
  cfg.max_pixels = load_options_of(a).max_pixels;
  cfg.align = parse_align(a);
  cfg.progress = !a.has("--quiet");
  cfg.preview_tonemap = parse_tonemap(a);
  cfg.preview = a.has("--preview") || cfg.preview_tonemap.has_value();  // a tonemap is only for the preview
  cfg.keep_nonfinite = a.has("--keep-nonfinite");
  cfg.profile = parse_compat_arg(a);

  cfg.stop = &stop_signal;
  set_graceful_stop(true);
  const pipeline::summary s = pipeline::run(cfg, [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); });
  set_graceful_stop(false);
  if (s.interrupted) return 128 + stop_signal.load();
  return s.failed == 0 ? 0 : 1;
}

}  // namespace hdrgpu::cli
