// A tonemap chosen by name, as the command line and the Python package spell it:
//   gamma | gamma:G | gamma:gamma=G | drago[:k=v,...] | reinhard[:k=v,...] | mantiuk[:k=v,...]
// e.g. "drago:bias=0.9", "reinhard:intensity=0.5,light_adapt=0.8", "mantiuk:scale=0.9,saturation=1.2".
// Parameter names and defaults are OpenCV's (createTonemapDrago and friends).
#pragma once

#include <string>
#include <string_view>

#include <hdrgpu/tonemap.hpp>

namespace hdrgpu {

struct tonemap_spec {
  enum class kind { gamma, drago, reinhard, mantiuk } which = kind::gamma;
  tonemap_options gamma{};
  tonemap_drago_options drago{};
  tonemap_reinhard_options reinhard{};
  tonemap_mantiuk_options mantiuk{};

  /// Parses the syntax above. Throws invalid_argument naming the unknown operator, parameter or value.
  static tonemap_spec parse(std::string_view text);
  /// The canonical text ("drago:gamma=1,saturation=1,bias=0.9").
  std::string to_string() const;
};

/// Applies the chosen tonemap on `exec` (a cpu_executor or a cuda_executor); the result is a host image.
template <class Exec>
image<float> apply_tonemap(const Exec& exec, image_view<const float> src, const tonemap_spec& spec) {
  switch (spec.which) {
    case tonemap_spec::kind::drago: return tonemap_drago(exec, src, spec.drago);
    case tonemap_spec::kind::reinhard: return tonemap_reinhard(exec, src, spec.reinhard);
    case tonemap_spec::kind::mantiuk: return tonemap_mantiuk(exec, src, spec.mantiuk);
    case tonemap_spec::kind::gamma: break;
  }
  return tonemap_gamma(exec, src, spec.gamma);
}

}  // namespace hdrgpu
