// Checks shared by the CPU backend (detail/cpu/) and the CUDA backend (cuda/): channel-count dispatch
// and a response curve's fit to the input, with the same messages on both.
#pragma once

#include <string>

#include <hdrgpu/error.hpp>
#include <hdrgpu/image.hpp>
#include <hdrgpu/response_curve.hpp>

namespace hdrgpu::detail {

/// Calls fn.template operator()<C>() for the stack's channel count (1, 3 or 4).
template <class F>
void with_channels(int channels, F&& fn) {
  switch (channels) {
    case 1: fn.template operator()<1>(); break;
    case 3: fn.template operator()<3>(); break;
    case 4: fn.template operator()<4>(); break;
    default: throw invalid_argument("unsupported channel count " + std::to_string(channels));
  }
}

/// The response in the input's channel order, after checking it has the input's levels and channels
/// (`who` names the stack in the message).
inline response_curve checked_response(const response_curve& r, int levels, int channels, channel_order order,
                                       const std::string& who) {
  if (r.levels() != levels)
    throw invalid_argument(who + ": response curve has " + std::to_string(r.levels()) + " levels, the input needs " +
                           std::to_string(levels));
  if (r.channels() != channels)
    throw invalid_argument(who + ": response curve has " + std::to_string(r.channels()) +
                           " channels, the images have " + std::to_string(channels));
  return r.reordered(order);
}

}  // namespace hdrgpu::detail
