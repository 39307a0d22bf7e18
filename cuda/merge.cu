// MergeDebevec and MergeRobertson on the GPU: one fused pass, one thread per output pixel. Each thread
// walks the N exposures of its pixel (lookup, weight, accumulate) and writes the finished radiance once,
// with the same per-pixel maths and host-built LUTs as the CPU backend (include/hdrgpu/cpu/merge.hpp).
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include <hdrgpu/cpu/lut.hpp>
#include <hdrgpu/merge.hpp>

#include "context.hpp"
#include "merge_kernels.hpp"

namespace hdrgpu {
namespace detail {
namespace {

constexpr unsigned merge_block = 256;

/// ln t_j, computed on the host exactly as the CPU backend does (std::log of the f32 time).
struct log_times {
  float v[max_device_exposures];
};

/// Where a kernel writes: row y starts `row_bytes` * y bytes after `data`.
struct out_desc {
  float* data;
  long long row_bytes;
};

/// 256-level LUTs (u8 input) are copied into shared memory once per block; 65536-level ones (256 KiB per
/// channel) stay in global memory and are read through the L1/read-only path.
template <class T>
inline constexpr bool small_lut = pixel_traits<T>::levels == 256;

/// Copies `n` floats of a LUT into shared memory (whole block participates; caller syncs).
__device__ void stage_lut(float* dst, const float* __restrict__ src, int n) {
  for (int i = int(threadIdx.x); i < n; i += int(blockDim.x)) dst[i] = __ldg(src + i);
}

__device__ float* out_pixel(const out_desc& out, int x, int y, int channels) {
  return reinterpret_cast<float*>(reinterpret_cast<char*>(out.data) + out.row_bytes * y) + std::ptrdiff_t(x) * channels;
}

// The stack descriptor (~1.3 KB) is a __grid_constant__ parameter: threads index it dynamically and take
// its address (stack_desc::row) without each making a local copy.
template <class T, int C>
__global__ void
    debevec_kernel(const __grid_constant__ stack_desc<T> s, const __grid_constant__ log_times lt,
                   const float* __restrict__ hat_g, const float* __restrict__ log_resp_g, out_desc out) {
  constexpr int L = pixel_traits<T>::levels;
  __shared__ float lut[small_lut<T> ? (C + 1) * 256 : 1];
  const float* hat = hat_g;
  const float* log_resp = log_resp_g;
  if constexpr (small_lut<T>) {
    stage_lut(lut, hat_g, 256);
    stage_lut(lut + 256, log_resp_g, C * 256);
    __syncthreads();
    hat = lut;
    log_resp = lut + 256;
  }
  const float inv_c = 1.0f / float(C);
  const long long npix = (long long)s.width * s.height;
  const long long stride = (long long)gridDim.x * blockDim.x;
  for (long long p = (long long)blockIdx.x * blockDim.x + threadIdx.x; p < npix; p += stride) {
    const int y = int(p / s.width);
    const int x = int(p - (long long)y * s.width);
    math::debevec_pixel<C> acc;
    for (int j = 0; j < s.n; ++j) {
      const T* px = s.row(j, y) + std::ptrdiff_t(x) * C;
      int z[C];
#pragma unroll
      for (int c = 0; c < C; ++c) z[c] = math::level_of(px[c]);
      acc.add(z, C, inv_c, hat, log_resp, L, lt.v[j]);
    }
    float* dst = out_pixel(out, x, y, C);
#pragma unroll
    for (int c = 0; c < C; ++c) dst[c] = acc.radiance(c);
  }
}

template <class T, int C>
__global__ void
    robertson_kernel(const __grid_constant__ stack_desc<T> s, const float* __restrict__ weight_g,
                     const float* __restrict__ weighted_g, out_desc out) {
  constexpr int L = pixel_traits<T>::levels;
  __shared__ float lut[small_lut<T> ? (C + 1) * 256 : 1];
  const float* weight = weight_g;
  const float* weighted = weighted_g;
  if constexpr (small_lut<T>) {
    stage_lut(lut, weight_g, 256);
    stage_lut(lut + 256, weighted_g, C * 256);
    __syncthreads();
    weight = lut;
    weighted = lut + 256;
  }
  const long long npix = (long long)s.width * s.height;
  const long long stride = (long long)gridDim.x * blockDim.x;
  for (long long p = (long long)blockIdx.x * blockDim.x + threadIdx.x; p < npix; p += stride) {
    const int y = int(p / s.width);
    const int x = int(p - (long long)y * s.width);
    math::robertson_sample acc[C];
    for (int j = 0; j < s.n; ++j) {
      const float t = s.time[j];
      const float tt = t * t;
      const T* px = s.row(j, y) + std::ptrdiff_t(x) * C;
#pragma unroll
      for (int c = 0; c < C; ++c) {
        const int z = math::level_of(px[c]);
        acc[c].add(weighted[c * L + z], weight[z], t, tt);
      }
    }
    float* dst = out_pixel(out, x, y, C);
#pragma unroll
    for (int c = 0; c < C; ++c) dst[c] = acc[c].radiance();
  }
}

std::size_t pixel_count(int width, int height) { return std::size_t(width) * std::size_t(height); }

template <class T>
void launch_debevec(cuda_context& ctx, const stack_desc<T>& s, const log_times& lt, const float* hat,
                    const float* log_resp, out_desc out) {
  const unsigned grid = grid_for(ctx, pixel_count(s.width, s.height), merge_block);
  cpu::with_channels(s.channels, [&]<int C>() {
    debevec_kernel<T, C><<<grid, merge_block, 0, ctx.stream()>>>(s, lt, hat, log_resp, out);
    HDRGPU_CUDA_CHECK_LAUNCH();
  });
}

template <class T>
void launch_robertson(cuda_context& ctx, const stack_desc<T>& s, const float* weight, const float* weighted,
                      out_desc out) {
  const unsigned grid = grid_for(ctx, pixel_count(s.width, s.height), merge_block);
  cpu::with_channels(s.channels, [&]<int C>() {
    robertson_kernel<T, C><<<grid, merge_block, 0, ctx.stream()>>>(s, weight, weighted, out);
    HDRGPU_CUDA_CHECK_LAUNCH();
  });
}

device_buffer<float> upload_lut(cuda_context& ctx, const std::vector<float>& host) {
  device_buffer<float> d(ctx, host.size());
  d.upload(host.data(), host.size());
  return d;
}

/// The merges' LUTs on the device. Uploaded from pageable memory before the stack (the runtime returns
/// once it has copied the source, so the host vectors may die at once).
struct debevec_luts {
  device_buffer<float> hat, log_resp;
  log_times lt{};
};

template <class T>
debevec_luts make_debevec_luts(cuda_context& ctx, const exposure_stack<T>& stack, const response_curve& response,
                               compat profile) {
  const int levels = pixel_traits<T>::levels;
  const response_curve resp = cpu::checked_response(response, levels, stack.channels(), stack.order(), stack.label());
  if (stack.size() > std::size_t(max_device_exposures))
    throw invalid_argument(stack.label() + ": " + std::to_string(stack.size()) +
                           " exposures; the CUDA backend takes at most " + std::to_string(max_device_exposures));
  debevec_luts l;
  for (std::size_t j = 0; j < stack.size(); ++j) l.lt.v[j] = std::log(stack.time(j));
  l.hat = upload_lut(ctx, hat_lut(levels, profile));
  l.log_resp = upload_lut(ctx, log_response_lut(resp));
  return l;
}

struct robertson_luts {
  device_buffer<float> weight, weighted;
};

template <class T>
robertson_luts make_robertson_luts(cuda_context& ctx, const exposure_stack<T>& stack, const response_curve& response) {
  const int levels = pixel_traits<T>::levels;
  const response_curve resp = cpu::checked_response(response, levels, stack.channels(), stack.order(), stack.label());
  const std::vector<float> weight = robertson_lut(levels);
  robertson_luts l;
  l.weight = upload_lut(ctx, weight);
  l.weighted = upload_lut(ctx, weighted_response_lut(resp, weight));
  return l;
}

/// Device views of the stack must be aligned to their sample size (host views are packed when uploaded).
template <class T>
void check_device_alignment(const exposure_stack<T>& stack) {
  if (stack.space() != memory_space::device) return;
  for (std::size_t j = 0; j < stack.size(); ++j)
    check_rows_aligned<std::remove_const_t<T>>(stack[j].data(), stack[j].row_bytes(),
                                               stack.label() + ": image " + std::to_string(j));
}

/// Checks of the asynchronous overloads: device views in and out, output shaped like the stack.
template <class T>
void check_device_io(const exposure_stack<T>& stack, const image_view<float>& out, const char* who) {
  stack.validate();
  const std::string label = stack.label() + ": " + who;
  if (stack.space() != memory_space::device)
    throw invalid_argument(label + " with a device output needs device views (host stacks go to the overload "
                                   "returning a radiance_map)");
  if (out.empty() || out.space() != memory_space::device)
    throw invalid_argument(label + ": the output must be a device image_view");
  if (!rows_aligned<float>(out.data(), out.row_bytes())) throw invalid_argument(label + ": the output's rows must start on 4-byte boundaries");
  check_device_alignment(stack);
  if (out.width() != stack.width() || out.height() != stack.height() || out.channels() != stack.channels())
    throw invalid_argument(label + ": output is " + std::to_string(out.width()) + "x" + std::to_string(out.height()) +
                           "x" + std::to_string(out.channels()) + ", expected " + std::to_string(stack.width()) + "x" +
                           std::to_string(stack.height()) + "x" + std::to_string(stack.channels()));
  if (stack.channels() >= 3 && out.order() != stack.order())
    throw invalid_argument(label + ": output channel order differs from the stack's");
}

out_desc packed_out(float* data, int width, int channels) {
  return {data, (long long)width * channels * (long long)sizeof(float)};
}

}  // namespace

void launch_merge_robertson_u8(cuda_context& ctx, const stack_desc<std::uint8_t>& stack, const float* d_weight,
                               const float* d_weighted_resp, float* d_out) {
  launch_robertson(ctx, stack, d_weight, d_weighted_resp, packed_out(d_out, stack.width, stack.channels));
}

}  // namespace detail

template <sample_type T>
radiance_map merge_debevec(const cuda_executor& exec, const exposure_stack<T>& stack, const response_curve& response,
                           const merge_debevec_options& opts) {
  detail::cuda_context& ctx = exec.context();
  ctx.activate();
  stack.validate();
  detail::check_device_alignment(stack);
  const detail::debevec_luts luts = detail::make_debevec_luts(ctx, stack, response, opts.profile);
  const auto dev = detail::to_device(ctx, stack);
  radiance_map out(stack.width(), stack.height(), stack.channels(), stack.order());
  detail::device_buffer<float> d_out(ctx, out.size());
  detail::launch_debevec(ctx, dev.desc, luts.lt, luts.hat.data(), luts.log_resp.data(),
                         detail::packed_out(d_out.data(), out.width(), out.channels()));
  detail::download_sync(ctx, d_out.data(), out.size(), out.data());
  return out;
}

template <sample_type T>
void merge_debevec(const cuda_executor& exec, const exposure_stack<T>& stack, const response_curve& response,
                   image_view<float> out, const merge_debevec_options& opts) {
  detail::cuda_context& ctx = exec.context();
  ctx.activate();
  detail::check_device_io(stack, out, "merge_debevec");
  const detail::debevec_luts luts = detail::make_debevec_luts(ctx, stack, response, opts.profile);
  const auto dev = detail::to_device(ctx, stack);  // device views: used in place, nothing copied
  detail::launch_debevec(ctx, dev.desc, luts.lt, luts.hat.data(), luts.log_resp.data(),
                         {out.data(), (long long)out.row_bytes()});
}

template <sample_type T>
radiance_map merge_robertson(const cuda_executor& exec, const exposure_stack<T>& stack,
                             const response_curve& response) {
  detail::cuda_context& ctx = exec.context();
  ctx.activate();
  stack.validate();
  detail::check_device_alignment(stack);
  const detail::robertson_luts luts = detail::make_robertson_luts(ctx, stack, response);
  const auto dev = detail::to_device(ctx, stack);
  radiance_map out(stack.width(), stack.height(), stack.channels(), stack.order());
  detail::device_buffer<float> d_out(ctx, out.size());
  detail::launch_robertson(ctx, dev.desc, luts.weight.data(), luts.weighted.data(),
                           detail::packed_out(d_out.data(), out.width(), out.channels()));
  detail::download_sync(ctx, d_out.data(), out.size(), out.data());
  return out;
}

template <sample_type T>
void merge_robertson(const cuda_executor& exec, const exposure_stack<T>& stack, const response_curve& response,
                     image_view<float> out) {
  detail::cuda_context& ctx = exec.context();
  ctx.activate();
  detail::check_device_io(stack, out, "merge_robertson");
  const detail::robertson_luts luts = detail::make_robertson_luts(ctx, stack, response);
  const auto dev = detail::to_device(ctx, stack);
  detail::launch_robertson(ctx, dev.desc, luts.weight.data(), luts.weighted.data(),
                           {out.data(), (long long)out.row_bytes()});
}

#define HDRGPU_INSTANTIATE_MERGES(T)                                                                          \
  template radiance_map merge_debevec<T>(const cuda_executor&, const exposure_stack<T>&, const response_curve&, \
                                         const merge_debevec_options&);                                       \
  template void merge_debevec<T>(const cuda_executor&, const exposure_stack<T>&, const response_curve&,       \
                                 image_view<float>, const merge_debevec_options&);                            \
  template radiance_map merge_robertson<T>(const cuda_executor&, const exposure_stack<T>&, const response_curve&); \
  template void merge_robertson<T>(const cuda_executor&, const exposure_stack<T>&, const response_curve&,     \
                                   image_view<float>);

HDRGPU_INSTANTIATE_MERGES(std::uint8_t)
HDRGPU_INSTANTIATE_MERGES(std::uint16_t)
HDRGPU_INSTANTIATE_MERGES(float)
#undef HDRGPU_INSTANTIATE_MERGES

}  // namespace hdrgpu
