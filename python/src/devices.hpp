// Where the Python module runs its work: "cpu", "cuda", "cuda:N" or "auto" (CUDA when a device is usable,
// else the CPU). Executors are created once per process and shared; calls on one CUDA device take turns
// (its executor is not meant for concurrent callers), CPU calls share one thread pool.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <hdrgpu/cuda_executor.hpp>
#include <hdrgpu/executor.hpp>

namespace hdrgpu::python {

struct cuda_slot {
  std::unique_ptr<cuda_executor> exec;
  std::mutex turn;
};

inline std::mutex& devices_mutex() {
  static std::mutex m;
  return m;
}

inline const cpu_executor& shared_cpu() {
  static const cpu_executor exec;
  return exec;
}

/// The CUDA device `device` names, or -1 for the CPU. Throws invalid_argument for a bad name and
/// backend_unavailable (with the runtime's reason) for "cuda" without a usable device.
inline int device_ordinal(const std::string& device) {
  const device_spec spec = device_spec::parse(device);
  if (spec.which == device_spec::kind::cpu) return -1;
  const cuda_status status = cuda_probe();
  if (status.devices == 0) {
    if (spec.which == device_spec::kind::cuda) throw backend_unavailable("device '" + device + "': " + status.reason);
    return -1;
  }
  if (spec.ordinal >= status.devices)
    throw backend_unavailable("device '" + device + "': no such CUDA device (found " + std::to_string(status.devices) + ")");
  return spec.ordinal;
}

inline cuda_slot& cuda_slot_for(int ordinal) {
  static std::map<int, std::unique_ptr<cuda_slot>> slots;
  const std::lock_guard lock(devices_mutex());
  auto& slot = slots[ordinal];
  if (!slot) {
    slot = std::make_unique<cuda_slot>();
    cuda_executor::options o;
    o.device = ordinal;
    slot->exec = std::make_unique<cuda_executor>(o);
  }
  return *slot;
}

/// f(executor) on the device `device` names.
template <class F>
auto run_on(const std::string& device, F&& f) {
  const int ordinal = device_ordinal(device);
  if (ordinal < 0) return f(shared_cpu());
  cuda_slot& slot = cuda_slot_for(ordinal);
  const std::lock_guard turn(slot.turn);
  return f(*slot.exec);
}

/// What `device` resolves to, and why the CPU when "auto" cannot use a GPU: "cpu", "cuda:0", or
/// "cpu (no NVIDIA driver is installed)".
inline std::string describe_device(const std::string& device) {
  const int ordinal = device_ordinal(device);
  if (ordinal >= 0) return "cuda:" + std::to_string(ordinal);
  if (device_spec::parse(device).which == device_spec::kind::cpu) return "cpu";
  return "cpu (" + cuda_probe().reason + ")";
}

}  // namespace hdrgpu::python
