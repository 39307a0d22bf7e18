// Lookup tables built once per call on the host and shared by CPU loops (and uploaded for kernels).
#pragma once

#include <cmath>
#include <vector>

#include <hdrgpu/compat.hpp>
#include <hdrgpu/detail/math/weights.hpp>
#include <hdrgpu/response_curve.hpp>

namespace hdrgpu::detail {

inline std::vector<float> hat_lut(int levels, compat profile) {
  std::vector<float> w(levels);
  for (int z = 0; z < levels; ++z) w[z] = math::hat_weight(z, levels, profile);
  return w;
}

inline std::vector<float> robertson_lut(int levels) {
  std::vector<float> w(levels);
  for (int z = 0; z < levels; ++z) w[z] = math::robertson_weight(z, levels);
  return w;
}

/// Channel-major log-response: out[c * L + z] = log(resp(z, c)).
inline std::vector<float> log_response_lut(const response_curve& r) {
  std::vector<float> out(std::size_t(r.levels()) * r.channels());
  for (int c = 0; c < r.channels(); ++c)
    for (int z = 0; z < r.levels(); ++z) out[std::size_t(c) * r.levels() + z] = math::log_response(r(z, c));
  return out;
}

/// Channel-major Robertson numerator term: out[c * L + z] = w(z) * resp(z, c), the f32 product OpenCV forms.
inline std::vector<float> weighted_response_lut(const response_curve& r, const std::vector<float>& w) {
  std::vector<float> out(std::size_t(r.levels()) * r.channels());
  for (int c = 0; c < r.channels(); ++c)
    for (int z = 0; z < r.levels(); ++z) out[std::size_t(c) * r.levels() + z] = w[z] * r(z, c);
  return out;
}

}  // namespace hdrgpu::detail
