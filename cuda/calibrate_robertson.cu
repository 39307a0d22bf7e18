// CalibrateRobertson on the CUDA backend: the merge and the per-level sums run on the device, the
// 256 x C curve update runs on the host with the CPU backend's own code (exact, double sums).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <hdrgpu/calibrate.hpp>

#include "context.hpp"
#include "merge_kernels.hpp"

namespace hdrgpu {
namespace detail {
namespace {

constexpr int kLevels = 256;
constexpr unsigned kBlock = 256;

/// Exact histogram of levels per (level, channel) over all images: shared-memory counts per block,
/// added to `count` (256 * channels, zeroed by the caller).
__global__ void level_count_kernel(stack_desc<std::uint8_t> s, unsigned long long* count) {
  extern __shared__ unsigned long long hist[];
  const int bins = kLevels * s.channels;
  for (int b = threadIdx.x; b < bins; b += blockDim.x) hist[b] = 0;
  __syncthreads();
  const long long row = (long long)s.width * s.channels, total = row * s.height;
  for (long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x; idx < total;
       idx += (long long)gridDim.x * blockDim.x) {
    const int y = int(idx / row), i = int(idx - y * row), c = i % s.channels;
    for (int j = 0; j < s.n; ++j) atomicAdd(&hist[s.row(j, y)[i] * s.channels + c], 1ull);
  }
  __syncthreads();
  for (int b = threadIdx.x; b < bins; b += blockDim.x)
    if (hist[b]) atomicAdd(&count[b], hist[b]);
}

/// Robertson's numerator: sum over images and pixels of double(t_j * E) per (level of the pixel in image
/// j, channel), as robertson_numerator's exact mode, in atomic (unspecified) order. `e` is the packed
/// radiance map; `sums` (256 * channels) is zeroed by the caller.
__global__ void robertson_numerator_kernel(stack_desc<std::uint8_t> s, const float* e, double* sums) {
  extern __shared__ double acc[];
  const int bins = kLevels * s.channels;
  for (int b = threadIdx.x; b < bins; b += blockDim.x) acc[b] = 0.0;
  __syncthreads();
  const long long row = (long long)s.width * s.channels, total = row * s.height;
  for (long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x; idx < total;
       idx += (long long)gridDim.x * blockDim.x) {
    const int y = int(idx / row), i = int(idx - y * row), c = i % s.channels;
    const float ev = e[idx];
    for (int j = 0; j < s.n; ++j) atomicAdd(&acc[s.row(j, y)[i] * s.channels + c], double(s.time[j] * ev));
  }
  __syncthreads();
  for (int b = threadIdx.x; b < bins; b += blockDim.x)
    if (acc[b] != 0.0) atomicAdd(&sums[b], acc[b]);
}

}  // namespace
}  // namespace detail

response_curve calibrate_robertson(const cuda_executor& exec, const exposure_stack<std::uint8_t>& stack,
                                   const calibrate_robertson_options& opts, radiance_map* radiance) {
  detail::cuda_context& ctx = exec.context();
  ctx.activate();
  stack.validate();
  if (opts.max_iter < 1) throw invalid_argument(stack.label() + ": CalibrateRobertson needs max_iter >= 1");
  if (!(opts.threshold >= 0.0f)) throw invalid_argument(stack.label() + ": CalibrateRobertson threshold must be >= 0");
  if (opts.sums != robertson_sums::exact)
    throw invalid_argument(stack.label() +
                           ": CalibrateRobertson on the CUDA backend sums in double only; pass "
                           "sums = robertson_sums::exact (opencv_f32 replays OpenCV's sequential f32 order, "
                           "which only the CPU backend does)");
  const int C = stack.channels();
  if (C != 1 && C != 3 && C != 4)
    throw invalid_argument(stack.label() + ": unsupported channel count " + std::to_string(C));
  const int W = stack.width(), H = stack.height();
  constexpr int L = detail::kLevels;
  const std::size_t bins = std::size_t(L) * C, values = std::size_t(W) * H * C;

  const detail::device_stack<std::uint8_t> ds = detail::to_device(ctx, stack);
  const std::vector<float> weight = detail::robertson_lut(L);
  detail::device_buffer<float> d_weight(ctx, L), d_wresp(ctx, bins), d_e(ctx, values);
  detail::device_buffer<unsigned long long> d_count(ctx, bins);
  detail::device_buffer<double> d_sums(ctx, bins);
  d_weight.upload(weight.data(), weight.size());
  // A few blocks per SM: each flushes its 256 * C partial sums with global atomics, so fewer is cheaper.
  const unsigned grid =
      std::min(detail::grid_for(ctx, values, detail::kBlock), unsigned(ctx.props().multiProcessorCount) * 4u);

  d_count.zero();
  detail::level_count_kernel<<<grid, detail::kBlock, bins * sizeof(unsigned long long), ctx.stream()>>>(
      ds.desc, d_count.data());
  HDRGPU_CUDA_CHECK_LAUNCH();
  std::vector<unsigned long long> count64(bins);
  detail::download_sync(ctx, d_count.data(), bins, count64.data());
  const std::vector<std::uint64_t> count(count64.begin(), count64.end());
  bool all_observed = true;
  for (auto n : count) all_observed = all_observed && n > 0;

  // From here on the CPU's exact mode (detail::cpu::calibrate_robertson), with the sums from the device.
  response_curve f = response_curve::linear_robertson(C, L, stack.order());
  std::vector<double> fresh(bins);
  for (int iter = 0; iter < opts.max_iter; ++iter) {
    const std::vector<float> wresp = detail::weighted_response_lut(f, weight);
    d_wresp.upload(wresp.data(), wresp.size());
    detail::launch_merge_robertson_u8(ctx, ds.desc, d_weight.data(), d_wresp.data(), d_e.data());
    d_sums.zero();
    detail::robertson_numerator_kernel<<<grid, detail::kBlock, bins * sizeof(double), ctx.stream()>>>(
        ds.desc, d_e.data(), d_sums.data());
    HDRGPU_CUDA_CHECK_LAUNCH();
    detail::download_sync(ctx, d_sums.data(), bins, fresh.data());
    for (std::size_t b = 0; b < bins; ++b)
      if (count[b]) fresh[b] = fresh[b] / double(count[b]);
    const double diff = detail::cpu::robertson_update(fresh, count, C, f, stack.label());
    if (all_observed && float(diff / C) < opts.threshold) break;
  }
  if (radiance) {
    radiance_map e(W, H, C, stack.order());
    detail::download_sync(ctx, d_e.data(), values, e.data());
    *radiance = std::move(e);
  }
  return f;
}

}  // namespace hdrgpu
