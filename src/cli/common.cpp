#include "common.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include <hdrgpu/error.hpp>

namespace hdrgpu::cli {

unsigned thread_count(const args& a, const std::string& name) {
  const unsigned n = unsigned(a.get_int(name, 0, 0));
  const unsigned cap = cpu_executor::max_threads();
  if (n <= cap) return n;
  std::fprintf(stderr, "hdrgpu: %s %u is more than %u (4 per hardware thread); using %u\n", name.c_str(), n, cap, cap);
  return cap;
}

std::uint64_t max_pixels_of(const args& a) {
  if (!a.has("--max-pixels")) return io::default_max_pixels;
  const std::string text = a.get("--max-pixels", "");
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty())
    throw usage_error("--max-pixels needs a pixel count (0: no limit), got '" + text + "'");
  return v;
}

bool parse_align(const args& a) {
  if (!a.has("--align")) return false;
  if (a.get("--align", "") != "mtb") throw usage_error("--align must be mtb (got '" + a.get("--align", "") + "')");
  return true;
}

io::load_options load_options_of(const args& a) {
  io::load_options o;
  o.apply_orientation = !a.has("--ignore-orientation");
  o.max_pixels = max_pixels_of(a);
  return o;
}

any_executor make_executor(const args& a) {
  device_spec dev;
  try {
    dev = device_spec::parse(a.get("--device", "auto"));
  } catch (const invalid_argument& e) {
    throw usage_error(e.what());
  }
  const cpu_executor::options cpu{.threads = thread_count(a, "--threads")};
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

std::optional<tonemap_spec> parse_tonemap(const args& a) {
  if (!a.has("--tonemap")) return std::nullopt;
  try {
    return tonemap_spec::parse(a.get("--tonemap", ""));
  } catch (const invalid_argument& e) {
    throw usage_error(std::string("--tonemap: ") + e.what());
  }
}

}  // namespace hdrgpu::cli
