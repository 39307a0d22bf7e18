// hdrgpu::synth: the camera model and the renderer. See synth_scene.cpp for the scene.
#include <hdrgpu/synth.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include <hdrgpu/error.hpp>

#include "synth_detail.hpp"

namespace hdrgpu::synth {

namespace {

using detail::mix64;

/// Asymptotes of the S-curve, just outside [0, 255], so levels 0 and 255 are reached at finite
/// exposure (the inverse response stays finite there) and clip beyond it.
constexpr double level_lo = -8.0, level_hi = 263.0;
/// Noise-free levels the bracket keeps every scene point inside in some image: [20, 235] plus
/// room for the noise.
constexpr double well_lo = 24.0, well_hi = 231.0;
constexpr double log2_t_ref = -6.0;  // exposures are centred on 1/64 s

/// Film-like characteristic curve per channel: level = lo + (hi - lo) * logistic(k u + s0)^p with
/// u = log2(exposure). k and p differ slightly per channel; s0 pins level 128 to exposure 1, so the
/// inverse responses agree at z = 128 (what a calibration anchored at g(128) = 0 assumes).
struct camera {
  double k[3], p[3], s0[3];

  explicit camera(std::uint64_t seed) {
    detail::rng r(mix64(seed ^ 0xca3e7a5ull));
    constexpr double dk[3] = {-0.05, 0.0, 0.06}, p0[3] = {1.12, 1.0, 0.9};
    for (int c = 0; c < 3; ++c) {
      k[c] = 0.5 * (1.0 + dk[c] + r.uniform(-0.02f, 0.02f));
      p[c] = p0[c] + r.uniform(-0.03f, 0.03f);
      s0[c] = arg(128.0, c);
    }
  }
  /// Logistic argument at which channel c reaches continuous level v (lo < v < hi).
  double arg(double v, int c) const {
    const double q = std::pow((v - level_lo) / (level_hi - level_lo), 1.0 / p[c]);
    return std::log(q / (1.0 - q));
  }
  double level(double u, int c) const {
    return level_lo + (level_hi - level_lo) * std::pow(1.0 / (1.0 + std::exp(-(k[c] * u + s0[c]))), p[c]);
  }
  /// log2 exposure giving continuous level v: the exact inverse of level(); 0 at v = 128.
  double log_exposure(double v, int c) const { return (arg(v, c) - s0[c]) / k[c]; }
};

/// level(u) tabulated at 1/128 stop for u in [-u_span, u_span]: linear interpolation stays within
/// ~1e-4 levels of the curve (|level''| < 16 per stop^2); outside, the curve is at its asymptotes.
class level_lut {
 public:
  static constexpr float u_span = 24.0f, step_inv = 128.0f;
  static constexpr int n = int(2 * u_span * step_inv) + 1;

  explicit level_lut(const camera& cam) : v_(3 * std::size_t(n)) {
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < n; ++i) v_[std::size_t(c) * n + i] = float(cam.level(double(i) / step_inv - u_span, c));
  }
  float operator()(float u, int c) const noexcept {
    const float t = std::clamp((u + u_span) * step_inv, 0.0f, float(n - 1) - 0.001f);
    const int i = int(t);
    const float* v = v_.data() + std::size_t(c) * n + i;
    return v[0] + (t - float(i)) * (v[1] - v[0]);
  }

 private:
  std::vector<float> v_;
};

/// Unit-variance noise for the three channels of one sample from 128 hash bits: each is the sum of
/// four 10-bit uniforms (Irwin-Hall), close to Gaussian, no transcendental calls, identical on
/// every platform.
inline std::array<float, 3> unit_noise3(std::uint64_t h0, std::uint64_t h1) noexcept {
  const auto f = [](std::uint64_t h, int i) { return std::int32_t((h >> (10 * i)) & 0x3ff); };
  constexpr float scale = 1.0f / 591.2074f;  // 1 / sqrt(4 * (1024^2 - 1) / 12)
  return {float(f(h0, 0) + f(h0, 1) + f(h0, 2) + f(h0, 3) - 2046) * scale,
          float(f(h0, 4) + f(h0, 5) + f(h1, 0) + f(h1, 1) - 2046) * scale,
          float(f(h1, 2) + f(h1, 3) + f(h1, 4) + f(h1, 5) - 2046) * scale};
}

std::vector<float> exposure_times(const options& o) {
  std::vector<float> t(static_cast<std::size_t>(std::max(o.exposures, 0)));
  for (int i = 0; i < o.exposures; ++i)
    t[std::size_t(i)] = float(std::exp2(log2_t_ref + (i - 0.5 * (o.exposures - 1)) * o.stops));
  return t;
}

}  // namespace

void validate(const options& o) {
  HDRGPU_EXPECTS(o.width > 0 && o.height > 0, "synth: width and height must be > 0");
  HDRGPU_EXPECTS(o.exposures >= 1, "synth: exposures must be >= 1");
  HDRGPU_EXPECTS(std::isfinite(o.stops) && o.stops > 0.0, "synth: stops must be finite and > 0");
  HDRGPU_EXPECTS(std::isfinite(o.noise) && o.noise >= 0.0, "synth: noise must be finite and >= 0");
  for (float t : exposure_times(o))
    HDRGPU_EXPECTS(std::isnormal(t), "synth: exposure times outside f32 range; use fewer exposures or stops");
}

stack render(const cpu_executor& exec, const options& o, int index) {
  validate(o);
  HDRGPU_EXPECTS(index >= 0, "synth: stack index must be >= 0");
  const int w = o.width, h = o.height, k_n = o.exposures;

  stack s;
  char name[32];
  std::snprintf(name, sizeof name, "stack_%04d", index);
  s.name = name;

  const camera cam(o.seed);
  s.response = response_curve(256, 3, channel_order::rgb);
  for (int z = 0; z < 256; ++z)
    for (int c = 0; c < 3; ++c) s.response(z, c) = float(std::exp2(cam.log_exposure(z, c)));

  // Centre the scene's known log range on the window all channels expose well, at t_ref.
  double lo = -1e9, hi = 1e9;
  for (int c = 0; c < 3; ++c) {
    lo = std::max(lo, cam.log_exposure(well_lo, c));
    hi = std::min(hi, cam.log_exposure(well_hi, c));
  }
  const double centre = 0.5 * (lo + hi);
  const float log2_scale = float(centre - log2_t_ref);  // radiance = 2^(scene log + log2_scale)

  s.times = exposure_times(o);
  std::vector<float> offset(static_cast<std::size_t>(k_n));  // log2 exposure = scene log + offset[i]
  for (int i = 0; i < k_n; ++i) offset[std::size_t(i)] = float(centre - log2_t_ref + std::log2(double(s.times[std::size_t(i)])));

  const std::uint64_t stack_key = mix64(mix64(o.seed) ^ mix64(0x5eed0000ull + std::uint64_t(index)));
  const detail::scene scene(stack_key, float(w) / float(h));
  const level_lut lut(cam);
  std::vector<std::uint64_t> noise_key(static_cast<std::size_t>(k_n));
  for (int i = 0; i < k_n; ++i) noise_key[std::size_t(i)] = mix64(stack_key ^ mix64(std::uint64_t(i) + 1));
  const float noise = float(o.noise);

  s.radiance = image<float>(w, h, 3);
  s.images.reserve(std::size_t(k_n));
  for (int i = 0; i < k_n; ++i) s.images.emplace_back(w, h, 3);

  const float inv_h = 1.0f / float(h), scale = std::exp2(log2_scale);
  exec.parallel_ranges(std::size_t(h), 8, [&](std::size_t y0, std::size_t y1) {
    std::vector<std::uint8_t*> rows(static_cast<std::size_t>(k_n));
    for (std::size_t y = y0; y < y1; ++y) {
      float* rad = s.radiance.row(int(y));
      for (int i = 0; i < k_n; ++i) rows[std::size_t(i)] = s.images[std::size_t(i)].row(int(y));
      for (int x = 0; x < w; ++x) {
        float lg[3], lin[3];
        scene.eval((float(x) + 0.5f) * inv_h, (float(y) + 0.5f) * inv_h, lg, lin);
        for (int c = 0; c < 3; ++c) rad[3 * x + c] = lin[c] * scale;
        const std::uint64_t counter = 2 * (std::uint64_t(y) * std::uint64_t(w) + std::uint64_t(x));
        for (int i = 0; i < k_n; ++i) {
          std::array<float, 3> n{};
          if (noise > 0.0f) {
            const std::uint64_t key = noise_key[std::size_t(i)];
            n = unit_noise3(mix64(key + counter * 0x9E3779B97F4A7C15ull),
                            mix64(key + (counter + 1) * 0x9E3779B97F4A7C15ull));
          }
          std::uint8_t* out = rows[std::size_t(i)] + 3 * x;
          for (int c = 0; c < 3; ++c) {
            const float v = lut(lg[c] + offset[std::size_t(i)], c) + noise * n[std::size_t(c)];
            out[c] = std::uint8_t(std::clamp(v, 0.0f, 255.0f) + 0.5f);
          }
        }
      }
    }
  });
  return s;
}

}  // namespace hdrgpu::synth
