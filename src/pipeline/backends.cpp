// Compute backends of the batch engine: the CPU executor, or CUDA executors (several streams per
// device, calibrations batched across the stacks that are ready).
#include <cmath>

#include <hdrgpu/cpu/calibrate_debevec.hpp>
#include <hdrgpu/cuda_executor.hpp>

#include "compute.hpp"

namespace hdrgpu::pipeline {
namespace {

class cpu_backend final : public backend {
 public:
  cpu_backend(const config& cfg, const response_curve& preset)
      : cfg_(cfg), preset_(preset), exec_(cpu_executor::options{cfg.threads}) {}
  std::string name() const override { return "cpu (" + std::to_string(exec_.threads()) + " threads)"; }
  void process(std::vector<item*>& items) override {
    for (item* it : items) {
      if (it->response.empty()) it->response = preset_;
      compute_item(exec_, *it, cfg_);
    }
  }

 private:
  const config& cfg_;
  const response_curve& preset_;
  cpu_executor exec_;
};

class cuda_backend final : public backend {
  static cuda_executor::options options_for(int device) {
    cuda_executor::options o;
    o.device = device;
    return o;
  }

 public:
  cuda_backend(const config& cfg, const response_curve& preset, int device)
      : cfg_(cfg), preset_(preset), exec_(options_for(device)) {}
  std::string name() const override { return "cuda:" + std::to_string(exec_.device()) + " " + exec_.device_name(); }
  std::size_t batch() const override { return 16; }
  void process(std::vector<item*>& items) override {
    for (item* it : items)
      if (it->response.empty()) it->response = preset_;
    calibrate_batched(items);
    for (item* it : items)
      if (it->error.empty()) compute_item(exec_, *it, cfg_);
  }

 private:
  /// Per-stack Debevec calibration of all 8-bit stacks in one batched solve.
  void calibrate_batched(std::vector<item*>& items) {
    if (cfg_.method != merge_method::debevec) return;
    std::vector<item*> todo;
    std::vector<exposure_stack<std::uint8_t>> stacks;
    for (item* it : items) {
      if (!it->response.empty() || it->stack.images.empty() || it->stack.type() != pixel_type::u8) continue;
      try {
        stacks.push_back(it->stack.view<std::uint8_t>());
        todo.push_back(it);
      } catch (const std::exception& e) {
        it->error = e.what();
      }
    }
    if (stacks.empty()) return;
    calibrate_debevec_options o = cfg_.debevec;
    o.profile = cfg_.profile;
    const auto t0 = clock::now();
    std::vector<calibration_result> results;
    try {
      results = calibrate_debevec_batch(exec_, std::span<const exposure_stack<std::uint8_t>>(stacks), o);
    } catch (const std::exception&) {
      // The batched solve failed as a whole (e.g. out of memory): leave the responses empty so that
      // compute_item calibrates each stack on its own and records its own error, not the group's.
      return;
    }
    const double each = ms_since(t0) / double(stacks.size());
    for (std::size_t k = 0; k < todo.size(); ++k) {
      todo[k]->calibrate_ms = each;
      if (results[k].ok())
        todo[k]->response = results[k].response;
      else
        todo[k]->error = results[k].error;
    }
  }

  const config& cfg_;
  const response_curve& preset_;
  cuda_executor exec_;
};

/// Which devices `cfg.device` asks for: empty = CPU.
std::vector<int> cuda_devices(const config& cfg) {
  const int count = cuda_device_count();
  if (cfg.device == "all") {
    if (count == 0) throw backend_unavailable("--device all: no CUDA device is available on this machine");
    std::vector<int> all(std::size_t(count), 0);
    for (int d = 0; d < count; ++d) all[std::size_t(d)] = d;
    return all;
  }
  const device_spec spec = device_spec::parse(cfg.device);
  if (spec.which == device_spec::kind::cpu) return {};
  if (spec.which == device_spec::kind::automatic && count == 0) return {};
  if (count == 0)
    throw backend_unavailable("--device " + cfg.device + ": no CUDA device is available on this machine" +
                              (build_has_cuda ? "" : " (this build has no CUDA backend)"));
  // Under a launcher, an unqualified device means "this rank's GPU": local rank modulo devices.
  const bool explicit_ordinal = cfg.device.find(':') != std::string::npos;
  const int ordinal = explicit_ordinal ? spec.ordinal : cfg.part.local_rank % count;
  if (ordinal >= count)
    throw backend_unavailable("--device " + cfg.device + ": only " + std::to_string(count) + " CUDA device(s)");
  return {ordinal};
}

}  // namespace

std::vector<std::unique_ptr<backend>> make_backends(const config& cfg, const response_curve& preset) {
  std::vector<std::unique_ptr<backend>> out;
  const std::vector<int> devices = cuda_devices(cfg);
  if (devices.empty()) {
    out.push_back(std::make_unique<cpu_backend>(cfg, preset));
    return out;
  }
  // Two streams per device: one stack's upload and download overlap the other's kernels.
  for (const int d : devices)
    for (int s = 0; s < 2; ++s) out.push_back(std::make_unique<cuda_backend>(cfg, preset, d));
  return out;
}

response_curve shared_response(const config& cfg, const std::vector<job>& all_jobs) {
  if (cfg.method == merge_method::mertens) return {};
  if (cfg.response == response_mode::file) return io::read_response_csv(cfg.response_file);
  if (cfg.response != response_mode::calibrate_once) return {};
  // The first stacks of the whole (unsharded) list, so every shard derives the same curve.
  std::vector<item> items;
  for (const job& j : all_jobs) {
    if (int(items.size()) >= cfg.calibrate_once_stacks) break;
    item it;
    it.work = j;
    try {
      load_job(it, cfg);
      if (it.stack.type() != pixel_type::u8) continue;
      items.push_back(std::move(it));
    } catch (const std::exception&) {
      continue;  // a bad stack is reported when its turn comes; calibration uses the good ones
    }
  }
  if (items.empty()) throw invalid_argument("--response calibrate-once: no readable 8-bit stack to calibrate from");
  std::vector<exposure_stack<std::uint8_t>> stacks;
  for (const item& it : items) stacks.push_back(it.stack.view<std::uint8_t>());
  const cpu_executor exec(cpu_executor::options{cfg.threads});
  if (cfg.method == merge_method::debevec) {
    std::vector<const exposure_stack<std::uint8_t>*> ptrs;
    for (const auto& s : stacks) ptrs.push_back(&s);
    return detail::cpu::calibrate_debevec_pooled(exec, ptrs, cfg.debevec.samples, cfg.debevec.lambda,
                                                 cfg.debevec.random, cfg.debevec.seed, cfg.profile);
  }
  // Robertson's iteration is per scene; pool by the geometric mean of the curves (each is 1 at z=128).
  // Stacks with another channel count than the first are left out (the curve must fit the first).
  response_curve mean(256, stacks.front().channels(), stacks.front().order());  // zero-filled
  int used = 0;
  for (const auto& s : stacks) {
    if (s.channels() != mean.channels()) continue;
    const response_curve r = calibrate_robertson(exec, s).reordered(mean.order());
    for (std::size_t i = 0; i < r.values().size(); ++i) mean.values()[i] += std::log(r.values()[i]);
    ++used;
  }
  for (float& v : mean.values()) v = std::exp(v / float(used));
  return mean;
}

}  // namespace hdrgpu::pipeline
