#include "args.hpp"

#include <charconv>
#include <cmath>

namespace hdrgpu::cli {

args::args(int argc, char** argv, int first, const std::set<std::string>& valued,
           const std::set<std::string>& flags) {
  for (int i = first; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.size() > 1 && a[0] == '-' && !(a.size() > 1 && (std::isdigit(a[1]) || a[1] == '.'))) {
      std::string name = a;
      if (name == "-o") name = "--output";
      if (valued.count(name)) {
        if (i + 1 >= argc) throw usage_error(a + " needs a value");
        if (values_.count(name)) throw usage_error(a + " given twice");
        values_[name] = argv[++i];
      } else if (flags.count(name)) {
        flags_.insert(name);
      } else {
        throw usage_error("unknown option " + a);
      }
    } else {
      positional_.push_back(a);
    }
  }
}

std::string args::get(const std::string& name, const std::string& fallback) const {
  const auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

int args::get_int(const std::string& name, int fallback, int min_value) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  int v = 0;
  const auto& s = it->second;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v < min_value)
    throw usage_error(name + " needs an integer >= " + std::to_string(min_value) + ", got '" + s + "'");
  return v;
}

double args::get_double(const std::string& name, double fallback) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(it->second, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != it->second.size() || !std::isfinite(v)) throw usage_error(name + " needs a number, got '" + it->second + "'");
  return v;
}

void parse_size(const std::string& text, int& width, int& height) {
  const auto x = text.find('x');
  auto num = [&](std::string_view s) {
    int v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || v <= 0) throw usage_error("--size needs WxH, got '" + text + "'");
    return v;
  };
  if (x == std::string::npos) throw usage_error("--size needs WxH, got '" + text + "'");
  width = num(std::string_view(text).substr(0, x));
  height = num(std::string_view(text).substr(x + 1));
}

}  // namespace hdrgpu::cli
