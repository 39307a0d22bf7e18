// CPU CalibrateRobertson (OpenCV calibrate.cpp), with a defined rule for never-observed levels.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <hdrgpu/detail/cpu/merge.hpp>
#include <hdrgpu/executor.hpp>
#include <hdrgpu/exposure_stack.hpp>
#include <hdrgpu/response_curve.hpp>

namespace hdrgpu::detail::cpu {

/// Rows per reduction chunk. Fixed (not derived from the thread count) so the summation order,
/// and hence the result, is the same for any number of threads.
inline constexpr int robertson_rows_per_chunk = 16;

/// Fills levels with count == 0 by linear interpolation between the nearest observed levels of the
/// same channel, constant beyond the first/last observed one. Returns false if a channel has no data.
inline bool fill_unobserved(std::vector<double>& v, const std::vector<std::uint64_t>& count, int channels) {
  constexpr int L = 256;
  for (int c = 0; c < channels; ++c) {
    int prev = -1;
    for (int z = 0; z < L; ++z) {
      if (count[std::size_t(z) * channels + c] == 0) continue;
      const double vz = v[std::size_t(z) * channels + c];
      if (prev < 0) {
        for (int k = 0; k < z; ++k) v[std::size_t(k) * channels + c] = vz;
      } else {
        const double vp = v[std::size_t(prev) * channels + c];
        for (int k = prev + 1; k < z; ++k)
          v[std::size_t(k) * channels + c] = vp + (vz - vp) * double(k - prev) / double(z - prev);
      }
      prev = z;
    }
    if (prev < 0) return false;
    for (int k = prev + 1; k < L; ++k) v[std::size_t(k) * channels + c] = v[std::size_t(prev) * channels + c];
  }
  return true;
}

/// Sum of t_j * E(p, c) per (level, channel), the numerator of Robertson's update.
/// opencv_order: f32, one channel per task, images then pixels in raster order, exactly the sequence
/// OpenCV adds in (its f32 rounding is then reproduced bit for bit). Otherwise double, in fixed
/// row chunks reduced in chunk order (deterministic for any thread count, and GPU-reproducible).
inline std::vector<double> robertson_numerator(const cpu_executor& exec, const exposure_stack<std::uint8_t>& stack,
                                               const radiance_map& e, bool opencv_order,
                                               std::vector<std::vector<double>>& part) {
  const int C = stack.channels(), W = stack.width(), H = stack.height();
  const std::size_t bins = std::size_t(256) * C;
  std::vector<double> sum(bins, 0.0);
  if (opencv_order) {
    exec.parallel_for(std::size_t(C), [&](std::size_t c) {
      float acc[256] = {};
      for (std::size_t j = 0; j < stack.size(); ++j) {
        const float t = stack.time(j);
        for (int y = 0; y < H; ++y) {
          const std::uint8_t* row = stack[j].row(y);
          const float* er = e.row(y);
          for (int x = 0; x < W; ++x) acc[row[x * C + c]] += t * er[x * C + c];
        }
      }
      for (int z = 0; z < 256; ++z) sum[std::size_t(z) * C + c] = acc[z];
    });
    return sum;
  }
  exec.parallel_for(part.size(), [&](std::size_t k) {
    std::fill(part[k].begin(), part[k].end(), 0.0);
    const int y0 = int(k) * robertson_rows_per_chunk, y1 = std::min(H, y0 + robertson_rows_per_chunk);
    for (std::size_t j = 0; j < stack.size(); ++j) {
      const float t = stack.time(j);
      for (int y = y0; y < y1; ++y) {
        const std::uint8_t* row = stack[j].row(y);
        const float* er = e.row(y);
        for (int i = 0; i < W * C; ++i) part[k][std::size_t(row[i]) * C + i % C] += double(t * er[i]);
      }
    }
  });
  for (const auto& p : part)
    for (std::size_t b = 0; b < bins; ++b) sum[b] += p[b];
  return sum;
}

/// One curve update from the per-level means `fresh` (level-major, C channels): never-observed levels
/// filled in, each channel normalised by level 128, written to `f`. Returns the summed absolute change
/// over observed levels. Shared by the CPU and CUDA backends so both update the curve identically.
/// A channel whose update is not a usable curve (a non-finite mean, or a level-128 value that is not
/// positive and finite: a stack that is fully saturated or fully black there measures nothing, and
/// OpenCV returns NaN) keeps its previous values, so the result is never NaN: for such a stack, the
/// linear starting curve.
inline double robertson_update(std::vector<double>& fresh, const std::vector<std::uint64_t>& count, int C,
                               response_curve& f, const std::string& label) {
  if (!fill_unobserved(fresh, count, C))
    throw invalid_argument(label + ": CalibrateRobertson found no samples in a channel");
  double diff = 0.0;
  for (int c = 0; c < C; ++c) {
    const float norm = float(fresh[std::size_t(128) * C + c]);
    bool usable = norm > 0.0f && std::isfinite(norm);
    for (int z = 0; z < f.levels() && usable; ++z) usable = std::isfinite(float(fresh[std::size_t(z) * C + c]) / norm);
    if (!usable) continue;
    for (int z = 0; z < f.levels(); ++z) {
      const float v = float(fresh[std::size_t(z) * C + c]) / norm;
      if (count[std::size_t(z) * C + c]) diff += std::abs(double(v) - double(f(z, c)));
      f(z, c) = v;
    }
  }
  return diff;
}

inline response_curve calibrate_robertson(const cpu_executor& exec, const exposure_stack<std::uint8_t>& stack,
                                          int max_iter, float threshold, bool opencv_order,
                                          radiance_map* radiance_out) {
  check_host_stack(stack);
  if (max_iter < 1) throw invalid_argument(stack.label() + ": CalibrateRobertson needs max_iter >= 1");
  if (!(threshold >= 0.0f)) throw invalid_argument(stack.label() + ": CalibrateRobertson threshold must be >= 0");
  constexpr int L = 256;
  const int C = stack.channels(), W = stack.width(), H = stack.height();
  const std::size_t bins = std::size_t(L) * C;
  const std::size_t chunks = std::size_t((H + robertson_rows_per_chunk - 1) / robertson_rows_per_chunk);

  // Level histogram over all images, exact.
  std::vector<std::uint64_t> count(bins, 0);
  std::vector<std::vector<std::uint64_t>> hist(chunks, std::vector<std::uint64_t>(bins, 0));
  exec.parallel_for(chunks, [&](std::size_t k) {
    const int y0 = int(k) * robertson_rows_per_chunk, y1 = std::min(H, y0 + robertson_rows_per_chunk);
    for (std::size_t j = 0; j < stack.size(); ++j)
      for (int y = y0; y < y1; ++y) {
        const std::uint8_t* row = stack[j].row(y);
        for (int i = 0; i < W * C; ++i) ++hist[k][std::size_t(row[i]) * C + i % C];
      }
  });
  for (const auto& h : hist)
    for (std::size_t b = 0; b < bins; ++b) count[b] += h[b];
  bool all_observed = true;
  for (auto n : count) all_observed = all_observed && n > 0;
  // OpenCV counts in f32 by adding 1.0, which saturates at 2^24; its reciprocal is an f32 too.
  std::vector<float> inv_count(bins);
  for (std::size_t b = 0; b < bins; ++b)
    inv_count[b] = 1.0f / float(opencv_order ? std::min<std::uint64_t>(count[b], 1u << 24) : count[b]);

  response_curve f = response_curve::linear_robertson(C, L, stack.order());
  radiance_map e;
  std::vector<std::vector<double>> part(opencv_order ? 0 : chunks, std::vector<double>(bins));
  for (int iter = 0; iter < max_iter; ++iter) {
    merge_robertson_into(exec, stack, f, e);
    std::vector<double> fresh = robertson_numerator(exec, stack, e, opencv_order, part);
    for (std::size_t b = 0; b < bins; ++b) {
      if (!count[b]) continue;
      fresh[b] = opencv_order ? double(float(fresh[b]) * inv_count[b]) : fresh[b] / double(count[b]);
    }
    const double diff = robertson_update(fresh, count, C, f, stack.label());
    // OpenCV's change is NaN when any level is unobserved, so it never stops early then.
    if (all_observed && float(diff / C) < threshold) break;
  }
  if (radiance_out) *radiance_out = std::move(e);
  return f;
}

}  // namespace hdrgpu::detail::cpu
