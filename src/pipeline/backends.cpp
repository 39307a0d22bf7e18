// Compute backends of the batch engine: the CPU executor, or CUDA executors (several streams per
// device, calibrations batched across the stacks that are ready).
#include <cmath>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include <hdrgpu/calibrate.hpp>
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

/// What the lanes of one CUDA device share: after a fault that leaves the device unusable, every lane
/// fails its stacks at once with that reason instead of trying the device again.
struct device_health {
  std::mutex m;
  std::string fault;  ///< empty while the device is usable
  std::string why() {
    std::lock_guard lock(m);
    return fault;
  }
  void failed(const std::string& what) {
    std::lock_guard lock(m);
    if (fault.empty()) fault = what;
  }
};

class cuda_backend final : public backend {
 public:
  cuda_backend(const config& cfg, const response_curve& preset, const cuda_executor::options& opts,
               std::shared_ptr<device_health> health)
      : cfg_(cfg), preset_(preset), exec_(opts), results_(opts.result_allocator), health_(std::move(health)) {}
  std::string name() const override { return "cuda:" + std::to_string(exec_.device()) + " " + exec_.device_name(); }
  std::size_t batch() const override { return 16; }
  void bind_thread() const noexcept override {
    try {
      cuda_bind_thread(exec_.device());
    } catch (const std::exception&) {  // the calls that need the device report it per stack
    }
  }
  void process(std::vector<item*>& items) override {
    for (item* it : items)
      if (it->response.empty()) it->response = preset_;
    if (fail_if_unusable(items, 0)) return;
    calibrate_batched(items);
    for (std::size_t k = 0; k < items.size(); ++k) {
      if (fail_if_unusable(items, k)) return;
      item* it = items[k];
      if (!it->error.empty()) continue;
      if (encodes_on_gpu(cfg_)) compute_encoded(exec_, *it, cfg_, results_);
      else compute_item(exec_, *it, cfg_);
      if (it->device_fault) health_->failed(it->error);
    }
  }

 private:
  /// Once the device has faulted (in any lane): items[from...] without an error yet fail with the reason,
  /// and true is returned.
  bool fail_if_unusable(std::vector<item*>& items, std::size_t from) {
    const std::string fault = health_->why();
    if (fault.empty()) return false;
    for (std::size_t k = from; k < items.size(); ++k)
      if (items[k]->error.empty())
        items[k]->error = "stack '" + items[k]->work.id + "': not processed: CUDA device " +
                          std::to_string(exec_.device()) + " is unusable after an earlier fault (" + fault + ")";
    return true;
  }

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
    const auto t0 = clock::now();
    std::optional<std::vector<calibration_result>> results;
    try {
      results = detail::calibrate_debevec_batch_or_fallback(exec_, stacks, batch_options_of(cfg_));
    } catch (const device_fault& e) {
      health_->failed(e.what());
      return;
    }
    if (!results) return;  // compute_item calibrates each stack on its own
    const double each = ms_since(t0) / double(stacks.size());
    for (std::size_t k = 0; k < todo.size(); ++k) {
      todo[k]->calibrate_ms = each;
      if ((*results)[k].ok())
        todo[k]->response = (*results)[k].response;
      else
        todo[k]->error = (*results)[k].error;
    }
  }

  const config& cfg_;
  const response_curve& preset_;
  cuda_executor exec_;
  host_allocator results_;  // where encoded results go (pinned)
  std::shared_ptr<device_health> health_;
};

/// Which devices `cfg.device` asks for: empty = CPU (logging why when `auto` finds no usable GPU).
std::vector<int> cuda_devices(const config& cfg, const std::function<void(const std::string&)>& log) {
  const cuda_status status = cuda_probe();
  const int count = status.devices;
  if (cfg.device == "all") {
    if (count == 0) throw backend_unavailable("--device all: " + status.reason);
    std::vector<int> all(std::size_t(count), 0);
    for (int d = 0; d < count; ++d) all[std::size_t(d)] = d;
    return all;
  }
  const device_spec spec = device_spec::parse(cfg.device);
  if (spec.which == device_spec::kind::cpu) return {};
  if (count == 0) {
    if (spec.which == device_spec::kind::cuda) throw backend_unavailable("--device " + cfg.device + ": " + status.reason);
    if (log) log("hdrgpu batch: --device auto: running on the CPU: " + status.reason);
    return {};
  }
  // Under a launcher, an unqualified device means "this rank's GPU": local rank modulo devices.
  const bool explicit_ordinal = cfg.device.find(':') != std::string::npos;
  const int ordinal = explicit_ordinal ? spec.ordinal : cfg.part.local_rank % count;
  if (ordinal >= count)
    throw backend_unavailable("--device " + cfg.device + ": only " + std::to_string(count) + " CUDA device(s)");
  return {ordinal};
}

}  // namespace

void compute_plan::bind_thread() const noexcept {
  if (device < 0) return;
  try {
    cuda_bind_thread(device);
  } catch (const std::exception&) {
  }
}

compute_plan make_backends(const config& cfg, const response_curve& preset,
                           const std::function<void(const std::string&)>& log) {
  compute_plan plan;
  const std::vector<int> devices = cuda_devices(cfg, log);
  if (devices.empty()) {
    plan.backends.push_back(std::make_unique<cpu_backend>(cfg, preset));
    return plan;
  }
  // Inputs and results live in pinned memory (copied without staging), bounded by the byte budget.
  // Several lanes per device: their uploads, kernels and downloads overlap, and their host work (LUTs,
  // result statistics) runs on several cores.
  const unsigned lanes = cfg.gpu_lanes ? cfg.gpu_lanes : 4u;
  // Staging only carries what is not pinned (small tables): a little per lane, set aside in the budget.
  const std::size_t staging = std::size_t(1) << 20;
  const std::size_t fixed = staging * lanes * devices.size();
  const auto pinned =
      std::make_shared<pinned_host_pool>(cfg.memory_budget > fixed ? cfg.memory_budget - fixed : 0, devices.front());
  plan.input_allocator = pinned_host_pool::allocator_of(pinned);
  plan.device = devices.front();
  for (const int d : devices) {
    auto health = std::make_shared<device_health>();
    for (unsigned l = 0; l < lanes; ++l) {
      cuda_executor::options o;
      o.device = d;
      o.staging_bytes = staging;
      o.result_allocator = plan.input_allocator;
      plan.backends.push_back(std::make_unique<cuda_backend>(cfg, preset, o, health));
      plan.fixed_bytes += staging;
    }
  }
  return plan;
}

response_curve shared_response(const config& cfg, const std::vector<job>& all_jobs) {
  if (cfg.method == merge_method::mertens) return {};
  if (cfg.response == response_mode::file) return io::read_response_csv(cfg.response_file);
  if (cfg.response != response_mode::calibrate_once) return {};
  // The first stacks of the whole (unsharded) list, so every shard derives the same curve.
  std::vector<item> items;
  for (const job& j : all_jobs) {
    if (int(items.size()) >= cfg.calibrate_once_stacks) break;
    if (!j.error.empty()) continue;
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
    calibrate_debevec_options o = cfg.debevec;
    o.profile = cfg.profile;
    return calibrate_debevec_pooled(exec, stacks, o);
  }
  // Robertson pools the curves; stacks with another channel count than the first are left out (the
  // curve must fit the first).
  const int channels = stacks.front().channels();
  std::erase_if(stacks, [&](const auto& s) { return s.channels() != channels; });
  return calibrate_robertson_pooled(exec, stacks);
}

}  // namespace hdrgpu::pipeline
