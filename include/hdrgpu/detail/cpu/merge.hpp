// CPU backend of MergeDebevec and MergeRobertson: rows in parallel, exposures innermost, so each
// output pixel is finished in registers and written once.
#pragma once

#include <cstdint>
#include <vector>

#include <hdrgpu/detail/lut.hpp>
#include <hdrgpu/detail/stack_checks.hpp>
#include <hdrgpu/detail/math/debevec.hpp>
#include <hdrgpu/detail/math/robertson.hpp>
#include <hdrgpu/executor.hpp>
#include <hdrgpu/exposure_stack.hpp>

namespace hdrgpu::detail::cpu {

template <sample_type T, int C>
void debevec_rows(const exposure_stack<T>& stack, const float* hat, const float* log_resp, const float* log_t,
                  int levels, radiance_map& out, int y0, int y1) {
  const std::size_t n = stack.size();
  const float inv_c = 1.0f / float(C);
  std::vector<const T*> rows(n);
  for (int y = y0; y < y1; ++y) {
    for (std::size_t j = 0; j < n; ++j) rows[j] = stack[j].row(y);
    float* dst = out.row(y);
    const int w = out.width();
    for (int x = 0; x < w; ++x) {
      math::debevec_pixel<C> acc;
      for (std::size_t j = 0; j < n; ++j) {
        int z[C];
        for (int c = 0; c < C; ++c) z[c] = math::level_of(rows[j][x * C + c]);
        acc.add(z, C, inv_c, hat, log_resp, levels, log_t[j]);
      }
      for (int c = 0; c < C; ++c) dst[x * C + c] = acc.radiance(c);
    }
  }
}

template <sample_type T, int C>
void robertson_rows(const exposure_stack<T>& stack, const float* weight, const float* weighted_resp,
                    int levels, radiance_map& out, int y0, int y1) {
  const std::size_t n = stack.size();
  std::vector<const T*> rows(n);
  std::vector<float> t(n), tt(n);
  for (std::size_t j = 0; j < n; ++j) {
    t[j] = stack.time(j);
    tt[j] = t[j] * t[j];
  }
  for (int y = y0; y < y1; ++y) {
    for (std::size_t j = 0; j < n; ++j) rows[j] = stack[j].row(y);
    float* dst = out.row(y);
    const int w = out.width();
    for (int x = 0; x < w; ++x) {
      math::robertson_sample acc[C];
      for (std::size_t j = 0; j < n; ++j)
        for (int c = 0; c < C; ++c) {
          const int z = math::level_of(rows[j][x * C + c]);
          acc[c].add(weighted_resp[c * levels + z], weight[z], t[j], tt[j]);
        }
      for (int c = 0; c < C; ++c) dst[x * C + c] = acc[c].radiance();
    }
  }
}

template <sample_type T>
void check_host_stack(const exposure_stack<T>& stack) {
  stack.validate();
  if (stack.space() != memory_space::host)
    throw invalid_argument(stack.label() + ": the CPU backend needs host images, got device views");
}

template <sample_type T>
radiance_map merge_debevec(const cpu_executor& exec, const exposure_stack<T>& stack, const response_curve& response,
                           compat profile) {
  check_host_stack(stack);
  const int levels = pixel_traits<T>::levels, channels = stack.channels();
  const response_curve resp = checked_response(response, levels, channels, stack.order(), stack.label());
  const std::vector<float> hat = hat_lut(levels, profile);
  const std::vector<float> log_resp = log_response_lut(resp);
  std::vector<float> log_t(stack.size());
  for (std::size_t j = 0; j < stack.size(); ++j) log_t[j] = std::log(stack.time(j));
  radiance_map out(stack.width(), stack.height(), channels, stack.order());
  with_channels(channels, [&]<int C>() {
    exec.parallel_ranges(std::size_t(out.height()), 1, [&](std::size_t y0, std::size_t y1) {
      debevec_rows<T, C>(stack, hat.data(), log_resp.data(), log_t.data(), levels, out, int(y0), int(y1));
    });
  });
  return out;
}

/// MergeRobertson into `out`, which is (re)allocated only when its shape differs: CalibrateRobertson
/// calls this once per iteration with the same buffer.
template <sample_type T>
void merge_robertson_into(const cpu_executor& exec, const exposure_stack<T>& stack, const response_curve& response,
                          radiance_map& out) {
  check_host_stack(stack);
  const int levels = pixel_traits<T>::levels, channels = stack.channels();
  const response_curve resp = checked_response(response, levels, channels, stack.order(), stack.label());
  const std::vector<float> weight = robertson_lut(levels);
  const std::vector<float> weighted = weighted_response_lut(resp, weight);
  if (out.width() != stack.width() || out.height() != stack.height() || out.channels() != channels)
    out = radiance_map(stack.width(), stack.height(), channels, stack.order());
  out.set_order(stack.order());
  with_channels(channels, [&]<int C>() {
    exec.parallel_ranges(std::size_t(out.height()), 1, [&](std::size_t y0, std::size_t y1) {
      robertson_rows<T, C>(stack, weight.data(), weighted.data(), levels, out, int(y0), int(y1));
    });
  });
}

template <sample_type T>
radiance_map merge_robertson(const cpu_executor& exec, const exposure_stack<T>& stack, const response_curve& response) {
  radiance_map out;
  merge_robertson_into(exec, stack, response, out);
  return out;
}

}  // namespace hdrgpu::detail::cpu
