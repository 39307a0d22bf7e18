#include "common.hpp"

#include <cmath>
#include <cstdio>

#include <hdrgpu/error.hpp>

namespace hdrgpu::cli {

any_executor make_executor(const args& a) {
  device_spec dev;
  try {
    dev = device_spec::parse(a.get("--device", "auto"));
  } catch (const invalid_argument& e) {
    throw usage_error(e.what());
  }
  const cpu_executor::options cpu{.threads = unsigned(a.get_int("--threads", 0, 0))};
  if (dev.which == device_spec::kind::cpu) return cpu_executor(cpu);
  const cuda_status status = cuda_probe();
  if (status.devices == 0) {
    if (dev.which == device_spec::kind::cuda)
      throw backend_unavailable("--device " + dev.to_string() + ": " + status.reason);
    std::fprintf(stderr, "hdrgpu: --device auto: running on the CPU: %s\n", status.reason.c_str());
    return cpu_executor(cpu);
  }
  if (dev.ordinal >= status.devices)
    throw backend_unavailable("--device " + dev.to_string() + ": no such CUDA device (found " +
                              std::to_string(status.devices) + ")");
  cuda_executor::options o;
  o.device = dev.ordinal;
  return cuda_executor(o);
}

compat parse_compat_arg(const args& a) {
  try {
    return parse_compat(a.get("--compat", "opencv-latest"));
  } catch (const invalid_argument& e) {
    throw usage_error(e.what());
  }
}

float parse_tonemap_gamma(const args& a) {
  if (!a.has("--tonemap")) return 0.0f;
  const std::string t = a.get("--tonemap", "");
  if (t == "gamma") return 2.2f;
  if (t.rfind("gamma:", 0) == 0) {
    std::size_t used = 0;
    float g = 0;
    try {
      g = std::stof(t.substr(6), &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == t.size() - 6 && std::isfinite(g) && g > 0) return g;
  }
  throw usage_error("--tonemap needs gamma or gamma:G with G > 0, got '" + t + "'");
}

}  // namespace hdrgpu::cli
