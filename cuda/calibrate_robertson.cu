// CalibrateRobertson on the CUDA backend: the merge and the per-level sums run on the device, the
// 256 x C curve update runs on the host with the CPU backend's own code (exact, double sums).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <hdrgpu/calibrate.hpp>

#include "stack_desc.hpp"
#include "merge_kernels.hpp"

namespace hdrgpu {
namespace detail::cuda {
namespace {

constexpr int kLevels = 256;
constexpr unsigned kBlock = 256;  // a multiple of the warp size: warps take whole tasks

/// Exact histogram of levels per (level, channel) over all images: 32-bit shared-memory counts per
/// block (the grid is sized so that no block counts 2^32 samples), added to the 64-bit `count`
/// (256 * channels, zeroed by the caller).
__global__ void level_count_kernel(stack_desc<std::uint8_t> s, unsigned long long* count) {
  extern __shared__ unsigned int hist[];
  const int bins = kLevels * s.channels;
  for (int b = threadIdx.x; b < bins; b += blockDim.x) hist[b] = 0;
  __syncthreads();
  const long long row = (long long)s.width * s.channels, total = row * s.height;
  for (long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x; idx < total;
       idx += (long long)gridDim.x * blockDim.x) {
    const int y = int(idx / row), i = int(idx - y * row), c = i % s.channels;
    for (int j = 0; j < s.n; ++j) atomicAdd(&hist[s.row(j, y)[i] * s.channels + c], 1u);
  }
  __syncthreads();
  for (int b = threadIdx.x; b < bins; b += blockDim.x)
    if (hist[b]) atomicAdd(&count[b], (unsigned long long)hist[b]);
}

/// Adds every active lane's `v` to acc[bin], warp-aggregated: the lanes that share lane 0's bin (a whole
/// warp of saturated or black pixels, or the dominant level of a smooth region) sum their values with a
/// butterfly over the warp and lane 0 adds that sum with one atomic; the other lanes add their own.
/// So the case where many lanes hit one bin at once, which serialises shared-memory double atomics, costs
/// one atomic. All 32 lanes must call it together.
__device__ void warp_aggregated_add(double* acc, int bin, double v, bool active) {
  constexpr unsigned full = 0xffffffffu;
  const int lead_bin = __shfl_sync(full, active ? bin : -1, 0);
  const bool mine = active && bin == lead_bin;
  const unsigned group = __ballot_sync(full, mine);
  if (__popc(group) > 1) {  // warp-uniform branch
    double part = mine ? v : 0.0;
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) part += __shfl_xor_sync(full, part, o);
    if ((threadIdx.x & 31u) == 0) atomicAdd(&acc[lead_bin], part);
    if (active && !mine) atomicAdd(&acc[bin], v);
  } else if (active) {
    atomicAdd(&acc[bin], v);
  }
}

constexpr int kRun = 32;  // consecutive pixels per lane and task in the numerator kernel

/// Robertson's numerator: sum over images and pixels of double(t_j * E) per (level of the pixel in image
/// j, channel), as robertson_numerator's exact mode, in atomic (unspecified) order. `e` is the packed
/// radiance map; `sums` (256 * channels) is zeroed by the caller.
/// A warp takes 32 runs of kRun consecutive pixels of one channel. Each lane sums its run's values while
/// the level stays the same (neighbouring pixels mostly share levels) and adds a sum to shared memory
/// only when the level changes; the last sum of every run goes through warp_aggregated_add.
__global__ void robertson_numerator_kernel(stack_desc<std::uint8_t> s, const float* e, double* sums) {
  extern __shared__ double acc[];
  const int C = s.channels, W = s.width, bins = kLevels * C;
  for (int b = threadIdx.x; b < bins; b += blockDim.x) acc[b] = 0.0;
  __syncthreads();
  const long long npix = (long long)W * s.height;
  const long long span = 32LL * kRun;
  const long long tasks = (npix + span - 1) / span * C;  // (span of pixels, channel)
  const int lane = int(threadIdx.x & 31u);
  const long long warps = ((long long)gridDim.x * blockDim.x) >> 5;
  for (long long task = (blockIdx.x * (long long)blockDim.x + threadIdx.x) >> 5; task < tasks; task += warps) {
    const int c = int(task % C);
    const long long p0 = (task / C) * span + (long long)lane * kRun;
    const int count = p0 < npix ? int(min((long long)kRun, npix - p0)) : 0;
    const int y0 = count ? int(p0 / W) : 0;
    const int x0 = count ? int(p0 - (long long)y0 * W) : 0;
    for (int j = 0; j < s.n; ++j) {
      int cur = -1;
      double sum = 0.0;
      for (int k = 0, x = x0, y = y0; k < count; ++k) {
        const int bin = int(s.row(j, y)[x * C + c]) * C + c;
        const double v = double(s.time[j] * e[(p0 + k) * C + c]);
        if (bin == cur) {
          sum += v;
        } else {
          if (cur >= 0) atomicAdd(&acc[cur], sum);
          cur = bin;
          sum = v;
        }
        if (++x == W) x = 0, ++y;
      }
      warp_aggregated_add(acc, cur, sum, cur >= 0);
    }
  }
  __syncthreads();
  for (int b = threadIdx.x; b < bins; b += blockDim.x)
    if (acc[b] != 0.0) atomicAdd(&sums[b], acc[b]);
}

}  // namespace
}  // namespace detail::cuda

response_curve calibrate_robertson(const cuda_executor& exec, const exposure_stack<std::uint8_t>& stack,
                                   const calibrate_robertson_options& opts, radiance_map* radiance) {
  detail::cuda::cuda_context& ctx = exec.context();
  const auto scope = ctx.activate();
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
  constexpr int L = detail::cuda::kLevels;
  const std::size_t bins = std::size_t(L) * C, values = std::size_t(W) * H * C;

  const detail::cuda::sync_on_unwind guard(ctx);
  const detail::cuda::device_stack<std::uint8_t> ds = detail::cuda::to_device(ctx, stack);
  const std::vector<float> weight = detail::robertson_lut(L);
  detail::cuda::device_buffer<float> d_weight(ctx, L), d_wresp(ctx, bins), d_e(ctx, values);
  detail::cuda::device_buffer<unsigned long long> d_count(ctx, bins);
  detail::cuda::device_buffer<double> d_sums(ctx, bins);
  d_weight.upload(weight.data(), weight.size());
  // A few blocks per SM: each flushes its 256 * C partial sums with global atomics, so fewer is cheaper;
  // enough that no block's 32-bit level counts can overflow.
  const std::size_t samples = values * stack.size();
  const unsigned min_grid = unsigned(samples / (std::size_t(1) << 31) + 1);
  const unsigned grid = std::max(
      min_grid, std::min(detail::cuda::grid_for(ctx, values, detail::cuda::kBlock), unsigned(ctx.props().multiProcessorCount) * 4u));

  d_count.zero();
  detail::cuda::level_count_kernel<<<grid, detail::cuda::kBlock, bins * sizeof(unsigned int), ctx.stream()>>>(ds.desc,
                                                                                                  d_count.data());
  HDRGPU_CUDA_CHECK_LAUNCH();
  std::vector<unsigned long long> count64(bins);
  detail::cuda::download_sync(ctx, d_count.data(), bins, count64.data());
  const std::vector<std::uint64_t> count(count64.begin(), count64.end());
  bool all_observed = true;
  for (auto n : count) all_observed = all_observed && n > 0;

  // From here on the CPU's exact mode (detail::cpu::calibrate_robertson), with the sums from the device.
  response_curve f = response_curve::linear_robertson(C, L, stack.order());
  std::vector<double> fresh(bins);
  for (int iter = 0; iter < opts.max_iter; ++iter) {
    const std::vector<float> wresp = detail::weighted_response_lut(f, weight);
    d_wresp.upload(wresp.data(), wresp.size());
    detail::cuda::launch_merge_robertson_u8(ctx, ds.desc, d_weight.data(), d_wresp.data(), d_e.data());
    d_sums.zero();
    detail::cuda::robertson_numerator_kernel<<<grid, detail::cuda::kBlock, bins * sizeof(double), ctx.stream()>>>(
        ds.desc, d_e.data(), d_sums.data());
    HDRGPU_CUDA_CHECK_LAUNCH();
    detail::cuda::download_sync(ctx, d_sums.data(), bins, fresh.data());
    for (std::size_t b = 0; b < bins; ++b)
      if (count[b]) fresh[b] = fresh[b] / double(count[b]);
    const double diff = detail::cpu::robertson_update(fresh, count, C, f, stack.label());
    if (all_observed && float(diff / C) < opts.threshold) break;
  }
  if (radiance) {
    radiance_map e = ctx.new_image<float>(W, H, C, stack.order());
    detail::cuda::download_sync(ctx, d_e.data(), values, e.data());
    *radiance = std::move(e);
  }
  return f;
}

}  // namespace hdrgpu
