// CPU CalibrateDebevec: OpenCV's least-squares system, solved exactly in double.
//
// Unknowns are g(0..255) and lnE_i per sample. Each lnE_i appears only in its own N data rows, so its
// block of the normal equations is diagonal (D_i = sum_j w_ij^2) and eliminates in closed form:
//   S = M_gg - sum_i a_i a_i^T / D_i,  r = r_g - sum_i a_i (sum_j w_ij^2 ln t_j) / D_i,
// with a_i[z] = sum_j w_ij^2 [z_ij == z]. The anchor row and the gauge freedom (g + c, lnE + c) are
// handled by fixing g(128) = 0 exactly and dropping it from the unknowns: the least-squares optimum
// has g(128) = 0 anyway, so this is the same solution without the ill-conditioned gauge direction
// that makes OpenCV's f32 SVD answer build-dependent.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <hdrgpu/detail/lut.hpp>
#include <hdrgpu/detail/math/solve.hpp>
#include <hdrgpu/detail/sample_points.hpp>
#include <hdrgpu/executor.hpp>
#include <hdrgpu/exposure_stack.hpp>
#include <hdrgpu/response_curve.hpp>

namespace hdrgpu::detail::cpu {

/// Normal equations of one channel, reduced to the 255 unknowns g(z), z != 128.
struct debevec_system {
  static constexpr int levels = 256, anchor = 128, unknowns = 255;
  std::vector<double> s = std::vector<double>(std::size_t(unknowns) * unknowns, 0.0);
  std::vector<double> r = std::vector<double>(std::size_t(unknowns), 0.0);

  static int index(int z) { return z < anchor ? z : z - 1; }  // position of g(z) in the reduced system
};

/// Builds the reduced system of one channel. `levels_of(i, j)` returns z of sample i in image j.
/// `log_t[j]` is ln t_j; `hat` the weight LUT; `lambda` the smoothness weight. Without `smoothness`
/// only the data rows are built: systems of several stacks then add up (pooled calibration).
template <class LevelsOf>
debevec_system build_debevec_system(std::size_t points, std::size_t images, LevelsOf&& levels_of,
                                    const std::vector<double>& log_t, const std::vector<float>& hat, float lambda,
                                    bool smoothness = true) {
  constexpr int L = debevec_system::levels;
  std::vector<double> m_diag(L, 0.0), r_g(L, 0.0);
  debevec_system sys;
  std::vector<double> full(std::size_t(L) * L, 0.0);  // M_gg - A D^-1 A^T before reduction
  std::vector<int> zs(images);
  std::vector<double> w2(images);
  for (std::size_t i = 0; i < points; ++i) {
    double d = 0.0, e = 0.0;  // D_i and sum_j w^2 ln t_j
    for (std::size_t j = 0; j < images; ++j) {
      zs[j] = levels_of(i, j);
      const double w = hat[zs[j]];  // the f32 weight OpenCV puts in A, widened exactly
      w2[j] = w * w;
      d += w2[j];
      e += w2[j] * log_t[j];
      m_diag[zs[j]] += w2[j];
      r_g[zs[j]] += w2[j] * log_t[j];
    }
    if (!(d > 0.0)) continue;  // a sample with all-zero weights carries no information
    const double inv_d = 1.0 / d;
    // a_i has at most `images` non-zeros (repeated levels add up), so the rank-1 update is N x N.
    for (std::size_t j = 0; j < images; ++j) {
      r_g[zs[j]] -= w2[j] * e * inv_d;
      for (std::size_t k = 0; k < images; ++k) full[std::size_t(zs[j]) * L + zs[k]] -= w2[j] * w2[k] * inv_d;
    }
  }
  for (int z = 0; z < L; ++z) full[std::size_t(z) * L + z] += m_diag[z];
  // Smoothness rows lambda * w(k+1) * (g(k) - 2 g(k+1) + g(k+2)), k = 0..253: add s s^T scaled.
  for (int k = 0; smoothness && k + 2 < L; ++k) {
    const double c = double(lambda) * double(hat[k + 1]);
    const double coef[3] = {c, -2.0 * c, c};
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) full[std::size_t(k + a) * L + (k + b)] += coef[a] * coef[b];
  }
  // The anchor row only touches g(128), which is fixed at 0: drop its row and column.
  for (int z = 0; z < L; ++z) {
    if (z == debevec_system::anchor) continue;
    sys.r[debevec_system::index(z)] = r_g[z];
    for (int y = 0; y < L; ++y) {
      if (y == debevec_system::anchor) continue;
      sys.s[std::size_t(debevec_system::index(z)) * debevec_system::unknowns + debevec_system::index(y)] =
          full[std::size_t(z) * L + y];
    }
  }
  return sys;
}

/// Solves the reduced system; returns g(0..255) with g(128) = 0. A singular system (e.g. a single
/// exposure, where every sample's lnE absorbs its data) gets a tiny ridge, which picks the smoothest
/// (minimum-norm) curve as OpenCV's SVD does.
inline std::vector<double> solve_debevec_system(debevec_system sys, const std::string& who) {
  constexpr std::size_t n = debevec_system::unknowns;
  double max_diag = 0.0;
  for (std::size_t i = 0; i < n; ++i) max_diag = std::max(max_diag, sys.s[i * n + i]);
  if (!(max_diag > 0.0) || !std::isfinite(max_diag))
    throw invalid_argument(who + ": CalibrateDebevec system is empty or not finite");
  std::vector<double> a = sys.s, x = sys.r;
  if (!math::cholesky_solve(a, x, n, 1e-12 * max_diag)) {
    a = sys.s;
    x = sys.r;
    for (std::size_t i = 0; i < n; ++i) a[i * n + i] += 1e-9 * max_diag;
    if (!math::cholesky_solve(a, x, n, 0.0)) throw invalid_argument(who + ": CalibrateDebevec system is singular");
  }
  std::vector<double> g(debevec_system::levels, 0.0);
  for (int z = 0; z < debevec_system::levels; ++z)
    if (z != debevec_system::anchor) g[z] = x[debevec_system::index(z)];
  return g;
}

inline std::vector<sample_point> debevec_points(const exposure_stack<std::uint8_t>& stack, int samples, bool random,
                                                std::uint64_t seed) {
  if (samples < 1) throw invalid_argument(stack.label() + ": CalibrateDebevec needs samples >= 1");
  return random ? random_points(samples, stack.width(), stack.height(), seed)
                : grid_points(samples, stack.width(), stack.height(), stack.label());
}

inline response_curve calibrate_debevec(const cpu_executor& exec, const exposure_stack<std::uint8_t>& stack,
                                        int samples, float lambda, bool random, std::uint64_t seed, compat profile) {
  stack.validate();
  if (stack.space() != memory_space::host)
    throw invalid_argument(stack.label() + ": the CPU backend needs host images, got device views");
  if (!std::isfinite(lambda) || lambda < 0.0f)
    throw invalid_argument(stack.label() + ": CalibrateDebevec lambda must be finite and >= 0");
  const std::vector<sample_point> pts = debevec_points(stack, samples, random, seed);
  const std::vector<float> hat = hat_lut(256, profile);
  std::vector<double> log_t(stack.size());
  for (std::size_t j = 0; j < stack.size(); ++j) log_t[j] = std::log(double(stack.time(j)));

  const int channels = stack.channels();
  response_curve out(256, channels, stack.order());
  exec.parallel_for(std::size_t(channels), [&](std::size_t c) {
    auto levels_of = [&](std::size_t i, std::size_t j) { return int(stack[j].at(pts[i].x, pts[i].y, int(c))); };
    const std::vector<double> g =
        solve_debevec_system(build_debevec_system(pts.size(), stack.size(), levels_of, log_t, hat, lambda),
                             stack.label());
    for (int z = 0; z < 256; ++z) out(z, int(c)) = float(std::exp(g[z]));
  });
  return out;
}

/// CalibrateDebevec over the samples of several stacks of the same camera: one system whose data rows
/// are every stack's samples (each with its own ln E unknowns and times) and one set of smoothness rows.
/// The reduced normal equations are additive over samples, so the pooled system is the sum of the
/// stacks' data parts plus the smoothness term once. With K stacks the data rows are K times as many, so
/// lambda is scaled by sqrt(K) (the smoothness term grows with lambda^2) to keep one stack's balance
/// between fit and smoothness. All stacks need the same channel count.
inline response_curve calibrate_debevec_pooled(const cpu_executor& exec,
                                               std::span<const exposure_stack<std::uint8_t>> stacks, int samples,
                                               float lambda, bool random, std::uint64_t seed, compat profile) {
  if (stacks.empty()) throw invalid_argument("pooled CalibrateDebevec needs at least one stack");
  const int channels = stacks.front().channels();
  std::vector<std::vector<sample_point>> pts;
  std::vector<std::vector<double>> log_ts;
  for (const auto& s : stacks) {
    s.validate();
    if (s.space() != memory_space::host)
      throw invalid_argument(s.label() + ": the CPU backend needs host images, got device views");
    if (s.channels() != channels)
      throw invalid_argument(s.label() + ": pooled calibration needs the same channel count in every stack");
    pts.push_back(debevec_points(s, samples, random, seed));
    std::vector<double> lt(s.size());
    for (std::size_t j = 0; j < s.size(); ++j) lt[j] = std::log(double(s.time(j)));
    log_ts.push_back(std::move(lt));
  }
  const std::vector<float> hat = hat_lut(256, profile);
  response_curve out(256, channels, stacks.front().order());
  exec.parallel_for(std::size_t(channels), [&](std::size_t c) {
    debevec_system sum;
    for (std::size_t k = 0; k < stacks.size(); ++k) {
      const auto& s = stacks[k];
      const auto& p = pts[k];
      // Colour channels are matched by meaning when a stack's order differs from the first one's.
      const int ch = (s.order() == stacks.front().order() || channels < 3 || c >= 3) ? int(c) : 2 - int(c);
      auto levels_of = [&](std::size_t i, std::size_t j) { return int(s[j].at(p[i].x, p[i].y, ch)); };
      const float pooled_lambda = lambda * float(std::sqrt(double(stacks.size())));
      const debevec_system sys =
          build_debevec_system(p.size(), s.size(), levels_of, log_ts[k], hat, pooled_lambda, k == 0);
      for (std::size_t i = 0; i < sum.s.size(); ++i) sum.s[i] += sys.s[i];
      for (std::size_t i = 0; i < sum.r.size(); ++i) sum.r[i] += sys.r[i];
    }
    const std::vector<double> g = solve_debevec_system(std::move(sum), "pooled calibration");
    for (int z = 0; z < 256; ++z) out(z, int(c)) = float(std::exp(g[z]));
  });
  return out;
}

}  // namespace hdrgpu::detail::cpu
