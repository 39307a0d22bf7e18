// The procedural scene behind hdrgpu::synth: composed in linear radiance, returned as log2 radiance
// softly limited to a known range so the renderer can bracket it analytically.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "synth_detail.hpp"

namespace hdrgpu::synth::detail {

namespace {

/// Lattice hash in [0, 1) (lowbias32 finaliser): value noise and per-tile/per-window choices.
float hash01(int ix, int iy, std::uint32_t salt) noexcept {
  std::uint32_t h = std::uint32_t(ix) * 0x8da6b343u ^ std::uint32_t(iy) * 0xd8163841u ^ salt * 0xcb1ab31fu;
  h ^= h >> 16;
  h *= 0x7feb352du;
  h ^= h >> 15;
  h *= 0x846ca68bu;
  h ^= h >> 16;
  return float(h >> 8) * 0x1p-24f;
}

float smoothstep(float e0, float e1, float x) noexcept {
  const float t = std::clamp((x - e0) / (e1 - e0), 0.0f, 1.0f);
  return t * t * (3.0f - 2.0f * t);
}

/// Smooth value noise in [0, 1], unit lattice spacing.
float vnoise(float x, float y, std::uint32_t salt) noexcept {
  const float fx = std::floor(x), fy = std::floor(y);
  const int ix = int(fx), iy = int(fy);
  float tx = x - fx, ty = y - fy;
  tx = tx * tx * tx * (tx * (tx * 6.0f - 15.0f) + 10.0f);  // quintic fade: no visible lattice creases
  ty = ty * ty * ty * (ty * (ty * 6.0f - 15.0f) + 10.0f);
  const float a = hash01(ix, iy, salt), b = hash01(ix + 1, iy, salt);
  const float c = hash01(ix, iy + 1, salt), d = hash01(ix + 1, iy + 1, salt);
  const float top = a + (b - a) * tx, bottom = c + (d - c) * tx;
  return top + (bottom - top) * ty;
}

/// Three octaves of value noise in [0, 1]; the odd lacunarity keeps octaves' lattices apart.
float fbm(float x, float y, std::uint32_t salt) noexcept {
  return (vnoise(x, y, salt) + 0.5f * vnoise(x * 2.03f, y * 2.03f, salt + 1) +
          0.25f * vnoise(x * 4.11f, y * 4.11f, salt + 2)) * (1.0f / 1.75f);
}

/// Identity in the middle, exponential approach to +-half_range: keeps the scene's dynamic range
/// (and so the bracket) known without flat clipped areas.
float soft_limit(float l) noexcept {
  constexpr float h = scene::half_range, k = 0.5f;
  if (l > h - k) return h - k * std::exp((h - k - l) / k);
  if (l < -h + k) return -h + k * std::exp((l + h - k) / k);
  return l;
}

/// Linear colour multipliers with zero-mean log2 offsets: saturation `sat` (stops), hue `hue` (radians).
std::array<float, 3> tint(float sat, float hue) noexcept {
  constexpr float third = 2.0f * std::numbers::pi_v<float> / 3.0f;
  return {std::exp2(sat * std::cos(hue)), std::exp2(sat * std::cos(hue - third)), std::exp2(sat * std::cos(hue + third))};
}

constexpr std::array<float, 3> sun_colour{1.10f, 1.0f, 0.82f};
constexpr std::array<float, 3> lamp_colour{1.15f, 0.95f, 0.70f};
constexpr std::array<float, 3> lit_window{1.19f, 1.0f, 0.73f};
constexpr std::array<float, 3> dark_glass{0.93f, 1.0f, 1.11f};
constexpr float lamp_reach = 0.4f;  // the wide glow fades smoothly to 0 here

}  // namespace

scene::scene(std::uint64_t seed, float aspect) : aspect_(aspect) {
  rng r(seed);
  salt_ = std::uint32_t(r.next());
  horizon_ = r.uniform(0.42f, 0.55f);
  tilt_ = r.uniform(-0.05f, 0.05f);
  sky_top_ = r.uniform(0.4f, 0.9f);
  sky_hor_ = r.uniform(1.8f, 2.4f);
  cloud_lo_ = r.uniform(0.45f, 0.6f);
  sky_tint_ = tint(r.uniform(0.6f, 0.9f), r.uniform(3.4f, 3.9f));  // blue-ish, varying
  sun_x_ = r.uniform(0.12f, 0.88f) * aspect;
  sun_y_ = r.uniform(0.08f, horizon_ - 0.2f);
  sun_r_ = r.uniform(0.022f, 0.04f);

  for (float x0 = 0.0f; x0 < aspect;) {
    building b{};
    b.x0 = x0;
    b.x1 = std::min(aspect, x0 + r.uniform(0.1f, 0.32f));
    const float base = horizon_ + tilt_ * (0.5f * (b.x0 + b.x1) - 0.5f * aspect);
    float height = r.uniform(-0.08f, 0.3f);
    if (b.x0 < sun_x_ + 4 * sun_r_ && b.x1 > sun_x_ - 4 * sun_r_)  // keep the sun in view
      height = std::min(height, base - sun_y_ - 4 * sun_r_);
    b.roof = height > 0.03f ? base - height : 2.0f;
    b.lum = r.uniform(-2.4f, 0.3f);
    b.shade = r.uniform(0.0f, 1.0f) < 0.4f ? -2.0f : 0.0f;
    b.tint = tint(r.uniform(0.1f, 0.8f), r.uniform(0.0f, 6.2832f));
    b.win_period = r.uniform(0.035f, 0.07f);
    b.win_lum = r.uniform(1.8f, 3.2f);
    b.salt = std::uint32_t(r.next());
    buildings_.push_back(b);
    x0 = b.x1;
  }

  tile_lum_ = r.uniform(-1.2f, -0.4f);
  for (auto& p : palette_) p = tint(r.uniform(0.0f, 0.7f), r.uniform(0.0f, 6.2832f));
  // Cast shadow: the ground on one side of a line from the horizon to the bottom edge.
  const float sx0 = r.uniform(0.3f, 0.7f) * aspect, sx1 = sx0 + r.uniform(-0.3f, 0.3f);
  const float side = sx0 + sx1 < aspect ? -1.0f : 1.0f;  // shade the smaller part: few clipped pixels
  const float dx = sx1 - sx0, dy = 1.0f - horizon_, len = std::hypot(dx, dy);
  shadow_a_ = side * dy / len;
  shadow_b_ = -side * dx / len;
  shadow_c_ = -(shadow_a_ * sx0 + shadow_b_ * horizon_);
  shadow_depth_ = r.uniform(4.2f, 5.0f);

  const int n_lamps = 1 + int(r.next() % 3);
  for (int i = 0; i < n_lamps; ++i)
    lamps_.push_back({r.uniform(0.05f, 0.95f) * aspect, r.uniform(horizon_ + 0.08f, 0.95f), r.uniform(0.008f, 0.016f)});
}

void scene::sky(float x, float y, float hz, float out[3]) const {
  const float t = std::clamp(y / hz, 0.0f, 1.0f);  // 0 at the top, 1 at the horizon
  const float n = fbm(x * 2.2f, y * 6.5f, salt_ + 10);  // stretched: layered clouds
  const float cover = smoothstep(cloud_lo_, cloud_lo_ + 0.2f, n);
  const float grey = std::exp2(sky_top_ + (sky_hor_ - sky_top_) * t * t + 0.9f * cover + 0.15f * (n - 0.5f));
  const float sat = (1.0f - 0.6f * t) * (1.0f - 0.85f * cover);
  const float d = std::sqrt((x - sun_x_) * (x - sun_x_) + (y - sun_y_) * (y - sun_y_));
  float sun = 2.5f * std::exp(-d / 0.2f);
  if (d < 25.0f * sun_r_)  // beyond, the disk and the tight halo are below f32 resolution
    sun += 90.0f * (1.0f - smoothstep(0.8f * sun_r_, sun_r_, d)) + 9.0f * std::exp(-d / (0.9f * sun_r_));
  for (int c = 0; c < 3; ++c) out[c] = grey * (1.0f + sat * (sky_tint_[c] - 1.0f)) + sun * sun_colour[c];
}

void scene::facade(const building& b, float x, float y, float hz, float out[3]) const {
  const float t = (y - b.roof) / (hz - b.roof);  // 0 at the roof, 1 at the ground
  float lum = b.lum + b.shade - 0.5f * t + 0.5f * (fbm(x * 25.0f, y * 25.0f, b.salt) - 0.5f);
  const std::array<float, 3>* tint = &b.tint;
  const float p = b.win_period;
  const float wx = (x - b.x0) / p - 0.5f, wy = (y - b.roof) / (1.3f * p) - 0.4f;
  if (wx >= 0.0f && wy >= 0.0f && (b.x1 - x) > 0.5f * p && (hz - y) > 0.6f * p) {
    const float fx = wx - std::floor(wx), fy = wy - std::floor(wy);
    if (fx > 0.2f && fx < 0.8f && fy > 0.25f && fy < 0.8f) {
      const int cx = int(wx), cy = int(wy);
      if (hash01(cx, cy, b.salt) < 0.35f) {
        lum = b.win_lum + 0.4f * (hash01(cx, cy, b.salt + 1) - 0.5f) + 0.3f * (fy - 0.5f);
        tint = &lit_window;
      } else {  // dark glass reflecting the sky
        lum = b.lum - 1.2f + 0.6f * fy;
        tint = &dark_glass;
      }
    }
  }
  const float grey = std::exp2(lum);
  for (int c = 0; c < 3; ++c) out[c] = grey * (*tint)[std::size_t(c)];
}

void scene::ground(float x, float y, float hz, float out[3]) const {
  const float dz = y - hz + 0.04f;  // perspective floor: tiles shrink towards the horizon
  const float gx = (x - 0.5f * aspect_) / dz * 0.5f, gy = 0.5f / dz;
  const float tx = std::floor(gx), ty = std::floor(gy);
  const int ix = int(tx), iy = int(ty);
  const float detail = smoothstep(0.02f, 0.12f, dz);  // tiles fade out before they alias
  float lum = tile_lum_ + 0.6f * (fbm(x * 40.0f, y * 40.0f, salt_ + 20) - 0.5f) +
              detail * (1.6f * (hash01(ix, iy, salt_) - 0.5f) - (std::min(gx - tx, gy - ty) < 0.04f ? 1.0f : 0.0f));
  // Shadow with a sharp edge and a long soft gradient inside: every level gets data.
  const float s = shadow_a_ * x + shadow_b_ * y + shadow_c_;
  lum -= 1.5f * smoothstep(-0.006f, 0.006f, s) + (shadow_depth_ - 1.5f) * smoothstep(0.0f, 0.25f, s);
  const auto& tint = palette_[std::size_t(hash01(ix, iy, salt_ + 1) * float(palette_.size()))];
  const float grey = std::exp2(lum);
  for (int c = 0; c < 3; ++c) out[c] = grey * (1.0f + detail * (tint[std::size_t(c)] - 1.0f));
}

void scene::eval(float x, float y, float log2_out[3], float lin_out[3]) const {
  const float hz = horizon_ + tilt_ * (x - 0.5f * aspect_);
  float* lin = lin_out;
  if (y >= hz) {
    ground(x, y, hz, lin);
  } else {
    auto b = std::upper_bound(buildings_.begin(), buildings_.end() - 1, x,
                              [](float v, const building& c) { return v < c.x1; });  // first with x < x1
    if (y >= b->roof) facade(*b, x, y, hz, lin);
    else sky(x, y, hz, lin);
  }
  for (const lamp& l : lamps_) {  // in front of everything
    const float d2 = (x - l.x) * (x - l.x) + (y - l.y) * (y - l.y);
    if (d2 >= lamp_reach * lamp_reach) continue;
    const float d = std::sqrt(d2), fade = 1.0f - d2 / (lamp_reach * lamp_reach);
    const float glow = 48.0f * (1.0f - smoothstep(0.75f * l.radius, l.radius, d)) +
                       5.6f * std::exp(-d / (2.0f * l.radius)) + 0.5f * fade * fade * std::exp(-d / 0.08f);
    for (int c = 0; c < 3; ++c) lin[c] += glow * lamp_colour[std::size_t(c)];
  }
  for (int c = 0; c < 3; ++c) {
    const float l = std::log2(lin[c]), limited = soft_limit(l);
    log2_out[c] = limited;
    if (limited != l) lin[c] = std::exp2(limited);
  }
}

}  // namespace hdrgpu::synth::detail
