// Device discovery and --device parsing. The CUDA runtime is only touched when the backend is built.
#include <charconv>
#include <string>

#include <hdrgpu/executor.hpp>

#if HDRGPU_HAS_CUDA
namespace hdrgpu::detail {
cuda_status cuda_runtime_probe() noexcept;  // cuda/runtime.cu
}
#endif

namespace hdrgpu {

cuda_status cuda_probe() noexcept {
#if HDRGPU_HAS_CUDA
  return detail::cuda_runtime_probe();
#else
  cuda_status s;
  try {
    s.reason = "this hdrgpu build has no CUDA backend (configure with -DHDRGPU_ENABLE_CUDA=ON)";
  } catch (...) {
  }
  return s;
#endif
}

int cuda_device_count() noexcept { return cuda_probe().devices; }

bool cuda_available() noexcept { return cuda_device_count() > 0; }

device_spec device_spec::parse(std::string_view text) {
  device_spec d;
  if (text == "auto") return d;
  if (text == "cpu") {
    d.which = kind::cpu;
    return d;
  }
  if (text == "cuda") {
    d.which = kind::cuda;
    return d;
  }
  if (text.starts_with("cuda:")) {
    const std::string_view num = text.substr(5);
    int n = -1;
    const auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
    if (ec == std::errc{} && end == num.data() + num.size() && n >= 0 && !num.empty()) {
      d.which = kind::cuda;
      d.ordinal = n;
      return d;
    }
  }
  throw invalid_argument("unknown device '" + std::string(text) + "' (expected auto, cpu, cuda or cuda:N)");
}

std::string device_spec::to_string() const {
  switch (which) {
    case kind::automatic: return "auto";
    case kind::cpu: return "cpu";
    case kind::cuda: return "cuda:" + std::to_string(ordinal);
  }
  return "?";
}

}  // namespace hdrgpu
