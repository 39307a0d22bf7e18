// Internals of hdrgpu::synth shared by synth.cpp (camera, rendering) and synth_scene.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace hdrgpu::synth::detail {

/// splitmix64's output function: a strong 64-bit mixer, used as a counter-based hash so every
/// random draw depends on its coordinates only (never on thread scheduling).
inline std::uint64_t mix64(std::uint64_t x) noexcept {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// Sequential splitmix64 stream for the (serial) layout decisions.
class rng {
 public:
  explicit rng(std::uint64_t seed) noexcept : state_(seed) {}
  std::uint64_t next() noexcept { return mix64(state_++ * 0x9E3779B97F4A7C15ull); }
  /// Uniform in [a, b).
  float uniform(float a, float b) noexcept { return a + (b - a) * float(next() >> 40) * 0x1p-24f; }

 private:
  std::uint64_t state_;
};

/// A procedural outdoor scene: sky with clouds and a sun, buildings with windows, a tiled ground
/// with a cast shadow, street lamps. Coordinates are in image heights (x in [0, aspect], y in
/// [0, 1] downwards), so the picture does not depend on the resolution.
class scene {
 public:
  /// log2 radiance of every point lies in [-half_range, half_range] (at most 2.3e4 : 1 overall).
  static constexpr float half_range = 7.25f;

  scene(std::uint64_t seed, float aspect);

  /// Relative radiance of the three channels at (x, y): its log2 and the linear value.
  void eval(float x, float y, float log2_out[3], float lin_out[3]) const;

 private:
  struct building {
    float x0, x1, roof, lum, shade, win_period, win_lum;  // roof y; below the horizon: no building
    std::array<float, 3> tint;  // linear colour multipliers
    std::uint32_t salt;
  };
  struct lamp {
    float x, y, radius;
  };

  void sky(float x, float y, float hz, float out[3]) const;
  void facade(const building& b, float x, float y, float hz, float out[3]) const;
  void ground(float x, float y, float hz, float out[3]) const;

  float aspect_;
  std::uint32_t salt_;
  float horizon_, tilt_;
  float sky_top_, sky_hor_, cloud_lo_;
  std::array<float, 3> sky_tint_;
  float sun_x_, sun_y_, sun_r_;
  std::vector<building> buildings_;  // left to right, covering [0, aspect]
  std::array<std::array<float, 3>, 64> palette_;  // ground tile colours
  float tile_lum_, shadow_a_, shadow_b_, shadow_c_, shadow_depth_;
  std::vector<lamp> lamps_;
};

}  // namespace hdrgpu::synth::detail
