#include "common.hpp"

#include <cmath>

#include <hdrgpu/error.hpp>

namespace hdrgpu::cli {

any_executor make_executor(const args& a) {
  device_spec dev;
  try {
    dev = device_spec::parse(a.get("--device", "auto"));
  } catch (const invalid_argument& e) {
    throw usage_error(e.what());
  }
  const bool use_cuda = dev.which == device_spec::kind::cuda ||
                        (dev.which == device_spec::kind::automatic && cuda_available());
  if (use_cuda) {
    if (!build_has_cuda) throw backend_unavailable("--device " + dev.to_string() + ": this build has no CUDA backend");
    if (cuda_device_count() == 0)
      throw backend_unavailable("--device " + dev.to_string() + ": no CUDA device is available on this machine");
    if (dev.ordinal >= cuda_device_count())
      throw backend_unavailable("--device " + dev.to_string() + ": no such CUDA device (found " +
                                std::to_string(cuda_device_count()) + ")");
    cuda_executor::options o;
    o.device = dev.ordinal;
    return cuda_executor(o);
  }
  return cpu_executor({.threads = unsigned(a.get_int("--threads", 0, 0))});
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
