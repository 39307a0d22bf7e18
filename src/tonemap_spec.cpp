#include <hdrgpu/tonemap_spec.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <hdrgpu/detail/cpu/tonemap_local.hpp>

#include "text_util.hpp"

namespace hdrgpu {
namespace {

float number(std::string_view op, std::string_view key, std::string_view value) {
  float v = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (value.empty() || ec != std::errc{} || end != value.data() + value.size() || !std::isfinite(v))
    throw invalid_argument("tonemap " + std::string(op) + ": " + std::string(key) + " needs a number, got '" +
                           detail::printable(value, 40) + "'");
  return v;
}

std::string fmt(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", double(v));
  return buf;
}

}  // namespace

tonemap_spec tonemap_spec::parse(std::string_view text) {
  const auto colon = text.find(':');
  const std::string_view op = text.substr(0, colon);
  std::string_view rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
  tonemap_spec s;
  std::vector<std::pair<const char*, float*>> keys;
  if (op == "gamma") {
    s.which = kind::gamma;
    s.gamma.gamma = 2.2f;  // the command line's long-standing default for 8-bit output
    keys = {{"gamma", &s.gamma.gamma}};
    // "gamma:G" is the short form.
    if (!rest.empty() && rest.find('=') == std::string_view::npos) {
      s.gamma.gamma = number(op, "gamma", rest);
      rest = {};
    }
  } else if (op == "drago") {
    s.which = kind::drago;
    keys = {{"gamma", &s.drago.gamma}, {"saturation", &s.drago.saturation}, {"bias", &s.drago.bias}};
  } else if (op == "reinhard") {
    s.which = kind::reinhard;
    keys = {{"gamma", &s.reinhard.gamma},
            {"intensity", &s.reinhard.intensity},
            {"light_adapt", &s.reinhard.light_adapt},
            {"color_adapt", &s.reinhard.color_adapt}};
  } else if (op == "mantiuk") {
    s.which = kind::mantiuk;
    keys = {{"gamma", &s.mantiuk.gamma}, {"scale", &s.mantiuk.scale}, {"saturation", &s.mantiuk.saturation}};
  } else {
    throw invalid_argument("tonemap must be gamma[:G], drago, reinhard or mantiuk (with optional :key=value,...), got '" +
                           detail::printable(text, 60) + "'");
  }
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const auto eq = item.find('=');
    const std::string_view key = item.substr(0, eq);
    if (eq == std::string_view::npos)
      throw invalid_argument("tonemap " + std::string(op) + ": expected key=value, got '" + detail::printable(item, 40) + "'");
    float* target = nullptr;
    std::string known;
    for (const auto& [name, field] : keys) {
      if (key == name) target = field;
      known += (known.empty() ? "" : ", ") + std::string(name);
    }
    if (!target)
      throw invalid_argument("tonemap " + std::string(op) + ": unknown parameter '" + detail::printable(key, 40) +
                             "' (it takes " + known + ")");
    *target = number(op, key, item.substr(eq + 1));
  }
  // Out-of-range values fail here, before any file is read, with the library's own messages.
  switch (s.which) {
    case kind::drago: detail::check_drago(s.drago.gamma, s.drago.saturation, s.drago.bias); break;
    case kind::reinhard:
      detail::check_reinhard(s.reinhard.gamma, s.reinhard.intensity, s.reinhard.light_adapt, s.reinhard.color_adapt);
      break;
    case kind::mantiuk: detail::check_mantiuk(s.mantiuk.gamma, s.mantiuk.scale, s.mantiuk.saturation); break;
    case kind::gamma:
      if (!(s.gamma.gamma > 0) || !std::isfinite(s.gamma.gamma))
        throw invalid_argument("tonemap gamma: gamma must be finite and > 0, got " + fmt(s.gamma.gamma));
      break;
  }
  return s;
}

std::string tonemap_spec::to_string() const {
  switch (which) {
    case kind::drago:
      return "drago:gamma=" + fmt(drago.gamma) + ",saturation=" + fmt(drago.saturation) + ",bias=" + fmt(drago.bias);
    case kind::reinhard:
      return "reinhard:gamma=" + fmt(reinhard.gamma) + ",intensity=" + fmt(reinhard.intensity) +
             ",light_adapt=" + fmt(reinhard.light_adapt) + ",color_adapt=" + fmt(reinhard.color_adapt);
    case kind::mantiuk:
      return "mantiuk:gamma=" + fmt(mantiuk.gamma) + ",scale=" + fmt(mantiuk.scale) + ",saturation=" + fmt(mantiuk.saturation);
    case kind::gamma: break;
  }
  return "gamma:" + fmt(gamma.gamma);
}

}  // namespace hdrgpu
