// MergeDebevec and MergeRobertson on the GPU: one fused pass; a thread merges 4 consecutive pixels of packed
// data (1 of pitched data), walking the N exposures (lookup, weight, accumulate) and writing the finished
// radiance once, with the same per-pixel maths and LUTs as the CPU backend (include/hdrgpu/detail/cpu/merge.hpp);
// the LUTs are cached in the executor, Debevec's hat weights computed.
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include <hdrgpu/detail/lut.hpp>
#include <hdrgpu/merge.hpp>

#include "instances.hpp"
#include "stack_desc.hpp"
#include "merge_kernels.hpp"

namespace hdrgpu {
namespace detail::cuda {
namespace {

constexpr unsigned merge_block = 256;
constexpr int kQuad = 4;  // pixels per thread on the packed path

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

/// Four samples of T as one aligned load (u8: 4 bytes, u16: 8, f32: 16).
template <class T>
struct quad_word;
template <>
struct quad_word<std::uint8_t> {
  using type = unsigned int;
};
template <>
struct quad_word<std::uint16_t> {
  using type = uint2;
};
template <>
struct quad_word<float> {
  using type = float4;
};

/// Loads the 4 * C samples of pixels [4q, 4q + 4) of a packed image with C wide loads.
template <class T, int C>
__device__ void load_quad(const T* image, long long q, T (&v)[kQuad * C]) {
  using W = typename quad_word<T>::type;
  const W* src = reinterpret_cast<const W*>(image) + q * C;
#pragma unroll
  for (int k = 0; k < C; ++k) {
    const W w = __ldg(src + k);
    memcpy(&v[kQuad * k], &w, sizeof(W));
  }
}

/// Stores the 4 * C results of pixels [4q, 4q + 4) of a packed output with C float4 stores.
template <int C>
__device__ void store_quad(float* out, long long q, const float (&v)[kQuad * C]) {
  float4* dst = reinterpret_cast<float4*>(out) + q * C;
#pragma unroll
  for (int k = 0; k < C; ++k) dst[k] = make_float4(v[4 * k], v[4 * k + 1], v[4 * k + 2], v[4 * k + 3]);
}

/// Copies `n` floats of a LUT into shared memory (whole block participates; caller syncs).
__device__ void stage_lut(float* dst, const float* __restrict__ src, int n) {
  for (int i = int(threadIdx.x); i < n; i += int(blockDim.x)) dst[i] = __ldg(src + i);
}

__device__ float* out_pixel(const out_desc& out, int x, int y, int channels) {
  return reinterpret_cast<float*>(reinterpret_cast<char*>(out.data) + out.row_bytes * y) + std::ptrdiff_t(x) * channels;
}

/// MergeDebevec of one pixel whose samples are at `px[j]` (C each). Hat weights are computed, not looked up.
template <class T, int C>
__device__ void debevec_one(const T* const* px, const stack_desc<T>& s, const log_times& lt, compat profile,
                            const float* log_resp, float inv_c, float* dst) {
  constexpr int L = pixel_traits<T>::levels;
  math::debevec_pixel<C> acc;
  for (int j = 0; j < s.n; ++j) {
    int z[C];
    float hz[C];
#pragma unroll
    for (int c = 0; c < C; ++c) {
      z[c] = math::level_of(px[j][c]);
      hz[c] = math::hat_weight(z[c], L, profile);
    }
    acc.add_weighted(z, hz, C, inv_c, log_resp, L, lt.v[j]);
  }
#pragma unroll
  for (int c = 0; c < C; ++c) dst[c] = acc.radiance(c);
}

// The stack descriptor (~1.3 KB) is a __grid_constant__ parameter: threads index it dynamically and take
// its address (stack_desc::row) without each making a local copy.
//
// Packed stacks with a packed output (what every host-image call uploads) take the quad path: each thread
// merges 4 consecutive pixels with wide loads and stores; the last npix % 4 pixels and pitched device
// views take the per-pixel path.
template <class T, int C>
__global__ void
    debevec_kernel(const __grid_constant__ stack_desc<T> s, const __grid_constant__ log_times lt, compat profile,
                   const float* __restrict__ log_resp_g, out_desc out, bool quads) {
  constexpr int L = pixel_traits<T>::levels;
  __shared__ float lut[small_lut<T> ? C * 256 : 1];
  const float* log_resp = log_resp_g;
  if constexpr (small_lut<T>) {
    stage_lut(lut, log_resp_g, C * 256);
    __syncthreads();
    log_resp = lut;
  }
  const float inv_c = 1.0f / float(C);
  const long long npix = (long long)s.width * s.height;
  const long long stride = (long long)gridDim.x * blockDim.x;
  const long long first = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  long long done = 0;
  if (quads) {
    const long long nq = npix / kQuad;
    for (long long q = first; q < nq; q += stride) {
      math::debevec_pixel<C> acc[kQuad];
      for (int j = 0; j < s.n; ++j) {
        T v[kQuad * C];
        load_quad<T, C>(s.image[j], q, v);
#pragma unroll
        for (int k = 0; k < kQuad; ++k) {
          int z[C];
          float hz[C];
#pragma unroll
          for (int c = 0; c < C; ++c) {
            z[c] = math::level_of(v[k * C + c]);
            hz[c] = math::hat_weight(z[c], L, profile);
          }
          acc[k].add_weighted(z, hz, C, inv_c, log_resp, L, lt.v[j]);
        }
      }
      float r[kQuad * C];
#pragma unroll
      for (int k = 0; k < kQuad; ++k)
#pragma unroll
        for (int c = 0; c < C; ++c) r[k * C + c] = acc[k].radiance(c);
      store_quad<C>(out.data, q, r);
    }
    done = nq * kQuad;
  }
  for (long long p = done + first; p < npix; p += stride) {
    const int y = int(p / s.width);
    const int x = int(p - (long long)y * s.width);
    const T* px[max_device_exposures];
    for (int j = 0; j < s.n; ++j) px[j] = s.row(j, y) + std::ptrdiff_t(x) * C;
    debevec_one<T, C>(px, s, lt, profile, log_resp, inv_c, out_pixel(out, x, y, C));
  }
}

template <class T, int C>
__global__ void
    robertson_kernel(const __grid_constant__ stack_desc<T> s, const float* __restrict__ weight_g,
                     const float* __restrict__ weighted_g, out_desc out, bool quads) {
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
  const long long first = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  long long done = 0;
  if (quads) {
    const long long nq = npix / kQuad;
    for (long long q = first; q < nq; q += stride) {
      math::robertson_sample acc[kQuad * C];
      for (int j = 0; j < s.n; ++j) {
        const float t = s.time[j];
        const float tt = t * t;
        T v[kQuad * C];
        load_quad<T, C>(s.image[j], q, v);
#pragma unroll
        for (int i = 0; i < kQuad * C; ++i) {
          const int z = math::level_of(v[i]);
          acc[i].add(weighted[(i % C) * L + z], weight[z], t, tt);
        }
      }
      float r[kQuad * C];
#pragma unroll
      for (int i = 0; i < kQuad * C; ++i) r[i] = acc[i].radiance();
      store_quad<C>(out.data, q, r);
    }
    done = nq * kQuad;
  }
  for (long long p = done + first; p < npix; p += stride) {
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

/// Whether a launch can take the quad path: packed input and a packed, 16-byte aligned output.
template <class T>
bool quad_path(const stack_desc<T>& s, const out_desc& out) {
  return s.packed && out.row_bytes == (long long)s.width * s.channels * (long long)sizeof(float) &&
         reinterpret_cast<std::uintptr_t>(out.data) % 16 == 0;
}

template <class T>
void launch_debevec(cuda_context& ctx, const stack_desc<T>& s, const log_times& lt, compat profile,
                    const float* log_resp, out_desc out) {
  const bool quads = quad_path(s, out);
  const std::size_t items = quads ? (pixel_count(s.width, s.height) + kQuad - 1) / kQuad : pixel_count(s.width, s.height);
  const unsigned grid = grid_for(ctx, items, merge_block);
  with_channels(s.channels, [&]<int C>() {
    debevec_kernel<T, C><<<grid, merge_block, 0, ctx.stream()>>>(s, lt, profile, log_resp, out, quads);
    HDRGPU_CUDA_CHECK_LAUNCH();
  });
}

template <class T>
void launch_robertson(cuda_context& ctx, const stack_desc<T>& s, const float* weight, const float* weighted,
                      out_desc out) {
  const bool quads = quad_path(s, out);
  const std::size_t items = quads ? (pixel_count(s.width, s.height) + kQuad - 1) / kQuad : pixel_count(s.width, s.height);
  const unsigned grid = grid_for(ctx, items, merge_block);
  with_channels(s.channels, [&]<int C>() {
    robertson_kernel<T, C><<<grid, merge_block, 0, ctx.stream()>>>(s, weight, weighted, out, quads);
    HDRGPU_CUDA_CHECK_LAUNCH();
  });
}

/// Cache tag of a table built from a response curve for a stack of type T.
enum class table_kind : std::uint64_t { debevec_log_response = 1, robertson_weight = 2, robertson_weighted = 3 };

std::uint64_t table_tag(table_kind kind, int levels, int channels, channel_order stack_order, channel_order resp_order) {
  return std::uint64_t(kind) | std::uint64_t(levels) << 8 | std::uint64_t(channels) << 32 |
         std::uint64_t(stack_order == channel_order::bgr) << 40 | std::uint64_t(resp_order == channel_order::bgr) << 41;
}

/// The merges' device tables, from the executor's cache (built and uploaded on the first call with a
/// given response, then reused).
struct debevec_tables {
  const float* log_resp = nullptr;
  log_times lt{};
};

template <class T>
debevec_tables make_debevec_tables(cuda_context& ctx, const exposure_stack<T>& stack, const response_curve& response) {
  const int levels = pixel_traits<T>::levels;
  (void)detail::checked_response(response, levels, stack.channels(), stack.order(), stack.label());
  if (stack.size() > std::size_t(max_device_exposures))
    throw invalid_argument(stack.label() + ": " + std::to_string(stack.size()) +
                           " exposures; the CUDA backend takes at most " + std::to_string(max_device_exposures));
  debevec_tables t;
  for (std::size_t j = 0; j < stack.size(); ++j) t.lt.v[j] = std::log(stack.time(j));
  t.log_resp = ctx.tables().find_or_add(
      ctx, table_tag(table_kind::debevec_log_response, levels, stack.channels(), stack.order(), response.order()),
      response.values(), [&] { return log_response_lut(response.reordered(stack.order())); });
  return t;
}

struct robertson_tables {
  const float* weight = nullptr;
  const float* weighted = nullptr;
};

template <class T>
robertson_tables make_robertson_tables(cuda_context& ctx, const exposure_stack<T>& stack, const response_curve& response) {
  const int levels = pixel_traits<T>::levels;
  (void)detail::checked_response(response, levels, stack.channels(), stack.order(), stack.label());
  robertson_tables t;
  t.weight = ctx.tables().find_or_add(ctx, table_tag(table_kind::robertson_weight, levels, 1, channel_order::rgb,
                                                     channel_order::rgb),
                                      {}, [&] { return robertson_lut(levels); });
  t.weighted = ctx.tables().find_or_add(
      ctx, table_tag(table_kind::robertson_weighted, levels, stack.channels(), stack.order(), response.order()),
      response.values(), [&] { return weighted_response_lut(response.reordered(stack.order()), robertson_lut(levels)); });
  return t;
}

/// Device views of the stack must be aligned to their sample size (host views are packed when uploaded).
template <class T>
void check_device_alignment(const exposure_stack<T>& stack) {
  if (stack.space() != memory_space::device) return;
  for (std::size_t j = 0; j < stack.size(); ++j)
    check_rows_aligned<std::remove_const_t<T>>(stack[j].data(), stack[j].row_bytes(),
                                               stack.label() + ": image " + std::to_string(j));
}

/// Checks of the asynchronous overloads: a device output shaped like the stack (host stacks are uploaded).
template <class T>
void check_device_io(const exposure_stack<T>& stack, const image_view<float>& out, const char* who) {
  stack.validate();
  const std::string label = stack.label() + ": " + who;
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

}  // namespace detail::cuda

template <sample_type T>
radiance_map merge_debevec(const cuda_executor& exec, const exposure_stack<T>& stack, const response_curve& response,
                           const merge_debevec_options& opts) {
  detail::cuda::cuda_context& ctx = exec.context();
  const auto scope = ctx.activate();
  stack.validate();
  detail::cuda::check_device_alignment(stack);
  const detail::cuda::debevec_tables tables = detail::cuda::make_debevec_tables(ctx, stack, response);
  const detail::cuda::sync_on_unwind guard(ctx);
  const auto dev = detail::cuda::to_device(ctx, stack);
  radiance_map out = ctx.new_image<float>(stack.width(), stack.height(), stack.channels(), stack.order());
  detail::cuda::device_buffer<float> d_out(ctx, out.size());
  detail::cuda::launch_debevec(ctx, dev.desc, tables.lt, opts.profile, tables.log_resp,
                         detail::cuda::packed_out(d_out.data(), out.width(), out.channels()));
  detail::cuda::download_sync(ctx, d_out.data(), out.size(), out.data());
  return out;
}

template <sample_type T>
void merge_debevec(const cuda_executor& exec, const exposure_stack<T>& stack, const response_curve& response,
                   image_view<float> out, const merge_debevec_options& opts) {
  detail::cuda::cuda_context& ctx = exec.context();
  const auto scope = ctx.activate();
  detail::cuda::check_device_io(stack, out, "merge_debevec");
  const detail::cuda::debevec_tables tables = detail::cuda::make_debevec_tables(ctx, stack, response);
  const auto dev = detail::cuda::to_device(ctx, stack);  // device views: used in place, nothing copied
  detail::cuda::launch_debevec(ctx, dev.desc, tables.lt, opts.profile, tables.log_resp,
                         {out.data(), (long long)out.row_bytes()});
}

template <sample_type T>
radiance_map merge_robertson(const cuda_executor& exec, const exposure_stack<T>& stack,
                             const response_curve& response) {
  detail::cuda::cuda_context& ctx = exec.context();
  const auto scope = ctx.activate();
  stack.validate();
  detail::cuda::check_device_alignment(stack);
  const detail::cuda::robertson_tables tables = detail::cuda::make_robertson_tables(ctx, stack, response);
  const detail::cuda::sync_on_unwind guard(ctx);
  const auto dev = detail::cuda::to_device(ctx, stack);
  radiance_map out = ctx.new_image<float>(stack.width(), stack.height(), stack.channels(), stack.order());
  detail::cuda::device_buffer<float> d_out(ctx, out.size());
  detail::cuda::launch_robertson(ctx, dev.desc, tables.weight, tables.weighted,
                           detail::cuda::packed_out(d_out.data(), out.width(), out.channels()));
  detail::cuda::download_sync(ctx, d_out.data(), out.size(), out.data());
  return out;
}

template <sample_type T>
void merge_robertson(const cuda_executor& exec, const exposure_stack<T>& stack, const response_curve& response,
                     image_view<float> out) {
  detail::cuda::cuda_context& ctx = exec.context();
  const auto scope = ctx.activate();
  detail::cuda::check_device_io(stack, out, "merge_robertson");
  const detail::cuda::robertson_tables tables = detail::cuda::make_robertson_tables(ctx, stack, response);
  const auto dev = detail::cuda::to_device(ctx, stack);
  detail::cuda::launch_robertson(ctx, dev.desc, tables.weight, tables.weighted, {out.data(), (long long)out.row_bytes()});
}

HDRGPU_CUDA_SAMPLE_TYPES(HDRGPU_INSTANTIATE_CUDA_MERGES)

}  // namespace hdrgpu
