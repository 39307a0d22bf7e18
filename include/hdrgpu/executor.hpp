// Executors select the backend an algorithm runs on. Every algorithm takes one as its first argument.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <hdrgpu/config.hpp>
#include <hdrgpu/error.hpp>

namespace hdrgpu {

namespace detail {
class thread_pool;
}

/// Multi-threaded CPU backend. Copies share one thread pool. Calls on a cpu_executor are
/// synchronous: they return when the result is complete.
class cpu_executor {
 public:
  struct options {
    unsigned threads = 0;  ///< worker threads; 0 = all hardware threads; capped at max_threads()
  };

  /// The most threads a pool starts: 4 per hardware thread, at least 64. More only adds switching.
  static unsigned max_threads() noexcept;

  cpu_executor() : cpu_executor(options{}) {}
  /// Throws hdrgpu::error naming the limit when the OS refuses to create a worker thread (the threads
  /// already started are stopped first).
  explicit cpu_executor(options opts);

  /// Number of threads work is spread over (>= 1).
  unsigned threads() const noexcept;

  /// Runs fn(i) for i in [0, tasks) on the pool and the calling thread; returns when all are done.
  /// The first exception thrown by a task is rethrown here after the others finish.
  void parallel_for(std::size_t tasks, const std::function<void(std::size_t)>& fn) const;

  /// Splits [0, n) into contiguous ranges of at least `grain` items and runs fn(begin, end) on each.
  void parallel_ranges(std::size_t n, std::size_t grain,
                       const std::function<void(std::size_t, std::size_t)>& fn) const;

 private:
  std::shared_ptr<detail::thread_pool> pool_;
};

/// What the CUDA runtime says about this machine: how many devices it can use, and when none, why.
struct cuda_status {
  int devices = 0;     ///< usable CUDA devices
  int error = 0;       ///< the cudaError_t of cudaGetDeviceCount (0 when it succeeded)
  std::string reason;  ///< empty when devices > 0: "no CUDA device is present", "the NVIDIA driver is
                       ///< older than this build's CUDA runtime ...", "this build has no CUDA backend", ...
};

/// Asks the CUDA runtime for its devices. Never throws. A driver too old for the runtime, a missing
/// driver and other runtime failures are reported as what they are, not as "no device".
cuda_status cuda_probe() noexcept;

/// True when this build has the CUDA backend and at least one CUDA device is usable now.
/// Never throws; a GPU-less machine simply returns false (cuda_probe() says why).
bool cuda_available() noexcept;

/// Number of usable CUDA devices (0 without the CUDA backend or without a device).
int cuda_device_count() noexcept;

/// A parsed `--device` value: auto, cpu, cuda or cuda:N.
struct device_spec {
  enum class kind { automatic, cpu, cuda } which = kind::automatic;
  int ordinal = 0;

  /// Parses "auto", "cpu", "cuda", "cuda:N"; throws invalid_argument otherwise.
  static device_spec parse(std::string_view text);
  std::string to_string() const;
};

}  // namespace hdrgpu
