// CalibrateDebevec's sample points: OpenCV's grid, or seeded random points.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <hdrgpu/error.hpp>

namespace hdrgpu::detail {

struct sample_point {
  int x, y;
};

/// OpenCV's grid: x_points = (int)sqrt(samples * cols / rows), y_points = samples / x_points,
/// points at step/2 + i*step, ordered x-major. At most `samples` points.
inline std::vector<sample_point> grid_points(int samples, int cols, int rows, const std::string& who) {
  const int x_points = int(std::sqrt(double(samples) * cols / rows));
  if (x_points <= 0 || x_points > cols)
    throw invalid_argument(who + ": " + std::to_string(samples) + " samples do not fit a " + std::to_string(cols) +
                           "x" + std::to_string(rows) + " image (OpenCV's grid has no column)");
  const int y_points = samples / x_points;
  if (y_points <= 0 || y_points > rows)
    throw invalid_argument(who + ": " + std::to_string(samples) + " samples do not fit a " + std::to_string(cols) +
                           "x" + std::to_string(rows) + " image (OpenCV's grid has no row)");
  const int step_x = cols / x_points, step_y = rows / y_points;
  std::vector<sample_point> pts;
  pts.reserve(std::size_t(x_points) * y_points);
  for (int i = 0, x = step_x / 2; i < x_points; ++i, x += step_x)
    for (int j = 0, y = step_y / 2; j < y_points; ++j, y += step_y) pts.push_back({x, y});
  return pts;
}

/// splitmix64: tiny, high-quality, and identical on every platform (unlike C rand()).
inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// `samples` uniformly random points (duplicates possible, as in OpenCV), deterministic in `seed`.
inline std::vector<sample_point> random_points(int samples, int cols, int rows, std::uint64_t seed) {
  std::vector<sample_point> pts(static_cast<std::size_t>(samples));
  std::uint64_t s = seed;
  for (auto& p : pts) {
    p.y = int(splitmix64(s) % std::uint64_t(rows));
    p.x = int(splitmix64(s) % std::uint64_t(cols));
  }
  return pts;
}

}  // namespace hdrgpu::detail
