// MergeMertens on the CUDA executor, in the CPU backend's order (include/hdrgpu/detail/cpu/mertens.hpp):
// per-pixel weight sums over all images, then per image (in input order) its normalised weight and f32
// image, their Gaussian pyramids, and the Laplacian bands blended into the result pyramid, which is
// collapsed at the end. Every kernel computes each output sample with the CPU's f32 operations, so the
// only differences come from the device's expf/powf (non-default exponents).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <hdrgpu/mertens.hpp>

#include "instances.hpp"
#include "stack_desc.hpp"
#include "mertens_steps.hpp"

namespace hdrgpu {
namespace detail::cuda {
namespace {

/// Visits every (x, y) of a width x height image from a grid_2d launch, grid-stride in both axes so any size
/// fits the grid limits; consecutive threads take consecutive x, so row accesses coalesce.
#define HDRGPU_FOR_EACH_PIXEL(x, y, width, height)                                                   \
  for (int y = static_cast<int>(blockIdx.y * blockDim.y + threadIdx.y); y < (height);               \
       y += static_cast<int>(gridDim.y * blockDim.y))                                                \
    for (int x = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x); x < (width);              \
         x += static_cast<int>(gridDim.x * blockDim.x))

template <class T, int C>
__global__ void weight_sum_kernel(stack_desc<T> d, math::mertens_params mp, float* wsum) {
  HDRGPU_FOR_EACH_PIXEL(x, y, d.width, d.height) weight_sum_pixel<C>(d, mp, wsum, x, y);
}

template <class T, int C>
__global__ void level0_kernel(stack_desc<T> d, math::mertens_params mp, int i, const float* wsum, float* img,
                              float* weight) {
  HDRGPU_FOR_EACH_PIXEL(x, y, d.width, d.height) level0_pixel<C>(d, mp, i, wsum, img, weight, x, y);
}

template <int K>
__global__ void pyr_down_kernel(fplane src, fplane dst) {
  HDRGPU_FOR_EACH_PIXEL(x, y, dst.width, dst.height) pyr_down_pixel<K>(src, dst, x, y);
}

template <int C>
__global__ void blend_kernel(fplane g, fplane coarse, bool has_coarse, fplane w, fplane result, bool first) {
  HDRGPU_FOR_EACH_PIXEL(x, y, g.width, g.height) blend_pixel<C>(g, coarse, has_coarse, w, result, first, x, y);
}

template <int C>
__global__ void collapse_kernel(fplane coarse, fplane fine) {
  HDRGPU_FOR_EACH_PIXEL(x, y, fine.width, fine.height) collapse_pixel<C>(coarse, fine, x, y);
}

#undef HDRGPU_FOR_EACH_PIXEL

/// 32 x 8 threads per block; enough blocks to cover the image (y capped at the 65535 grid limit; the
/// kernels' grid-stride loops take the rest).
const dim3 block_2d(32, 8);
dim3 grid_2d(int width, int height) {
  const unsigned gx = (unsigned(width) + block_2d.x - 1) / block_2d.x, gy = (unsigned(height) + block_2d.y - 1) / block_2d.y;
  return dim3(gx < 1 ? 1 : (gx > 65535u ? 65535u : gx), gy < 1 ? 1 : (gy > 65535u ? 65535u : gy));
}

/// run_mertens_steps' runner: one kernel per step on the context's stream, each launch checked.
template <class T, int C>
struct kernel_runner {
  cuda_context& ctx;
  const stack_desc<T>& d;
  const math::mertens_params& mp;

  void weight_sum(float* wsum) {
    weight_sum_kernel<T, C><<<grid_2d(d.width, d.height), block_2d, 0, ctx.stream()>>>(d, mp, wsum);
    HDRGPU_CUDA_CHECK_LAUNCH();
  }
  void level0(int i, const float* wsum, float* img, float* weight) {
    level0_kernel<T, C><<<grid_2d(d.width, d.height), block_2d, 0, ctx.stream()>>>(d, mp, i, wsum, img, weight);
    HDRGPU_CUDA_CHECK_LAUNCH();
  }
  template <int K>
  void down(const fplane& src, const fplane& dst) {
    pyr_down_kernel<K><<<grid_2d(dst.width, dst.height), block_2d, 0, ctx.stream()>>>(src, dst);
    HDRGPU_CUDA_CHECK_LAUNCH();
  }
  void blend(const fplane& g, const fplane& coarse, bool has_coarse, const fplane& w, const fplane& result, bool first) {
    blend_kernel<C><<<grid_2d(g.width, g.height), block_2d, 0, ctx.stream()>>>(g, coarse, has_coarse, w, result, first);
    HDRGPU_CUDA_CHECK_LAUNCH();
  }
  void collapse(const fplane& coarse, const fplane& fine) {
    collapse_kernel<C><<<grid_2d(fine.width, fine.height), block_2d, 0, ctx.stream()>>>(coarse, fine);
    HDRGPU_CUDA_CHECK_LAUNCH();
  }
};

/// Enqueues the fusion of `d` (validated, C channels) into `out` (W x H x C on the device). The workspace
/// is released in stream order, so it may go out of scope while the kernels are queued.
template <class T, int C>
void fuse(cuda_context& ctx, const stack_desc<T>& d, const math::mertens_params& mp, const fplane& out) {
  const mertens_layout p = plan_mertens(d.width, d.height, C);
  device_buffer<float> work(ctx, p.total);
  kernel_runner<T, C> run{ctx, d, mp};
  run_mertens_steps<C>(run, d.n, p, work.data(), out);
}

/// The CPU backend's checks and messages, except that the images may be host or device memory (one space).
template <class T>
void check_inputs(std::span<const image_view<const T>> views, const std::string& who) {
  if (views.empty()) throw invalid_argument(who + " has no images");
  const image_view<const T>& f = views.front();
  for (std::size_t i = 0; i < views.size(); ++i) {
    const image_view<const T>& v = views[i];
    const std::string which = who + ": image " + std::to_string(i);
    if (v.empty()) throw invalid_argument(which + " has no pixel data");
    if (v.space() != f.space()) throw invalid_argument(which + " lives in a different memory space from image 0");
    if (v.width() != f.width() || v.height() != f.height() || v.channels() != f.channels())
      throw invalid_argument(which + " differs in size or channel count from image 0");
    if (v.channels() == 3 && v.order() != f.order())
      throw invalid_argument(which + " has a different channel order from image 0");
    if (v.space() == memory_space::device) check_rows_aligned<T>(v.data(), v.row_bytes(), which);
  }
  if (f.channels() != 1 && f.channels() != 3)
    throw invalid_argument(who + ": MergeMertens needs 1 or 3 channels, got " + std::to_string(f.channels()));
  if (views.size() > std::size_t(max_device_exposures))
    throw invalid_argument(who + ": " + std::to_string(views.size()) + " images; the CUDA backend takes at most " +
                           std::to_string(max_device_exposures));
}

/// Makes the (validated) pixels available on the device and enqueues the fusion into `out` (W x H x C on
/// the device). Host views are staged through the context's pinned buffer and uploaded asynchronously; the
/// uploaded copy and the workspace are released in stream order.
template <class T>
void enqueue(cuda_context& ctx, std::span<const image_view<const T>> views, const mertens_options& opts,
             const fplane& out) {
  const image_view<const T>& f = views.front();
  // to_device takes a stack; 1-channel views may carry any channel order, so give them the first one's.
  exposure_stack<T> stack;
  for (const image_view<const T>& v : views)
    stack.add(image_view<const T>(v.data(), v.width(), v.height(), v.channels(), v.row_bytes(), f.order(), v.space()),
              1.0);
  const device_stack<T> dev = to_device(ctx, stack);
  const math::mertens_params mp = math::make_mertens_params(opts.contrast_weight, opts.saturation_weight,
                                                            opts.exposure_weight, opts.grey, f.order(), f.channels());
  if (mp.channels == 1) fuse<T, 1>(ctx, dev.desc, mp, out);
  else fuse<T, 3>(ctx, dev.desc, mp, out);
}

template <class T>
image<float> fuse_sync(const cuda_executor& exec, std::span<const image_view<const T>> views,
                       const mertens_options& opts, const std::string& who) {
  check_inputs<T>(views, who);
  cuda_context& ctx = exec.context();
  const auto scope = ctx.activate();
  const image_view<const T>& f = views.front();
  const int W = f.width(), H = f.height(), C = f.channels();
  image<float> result = ctx.new_image<float>(W, H, C, f.order());
  device_buffer<float> out(ctx, result.size());
  const sync_on_unwind guard(ctx);
  enqueue<T>(ctx, views, opts, fplane{out.data(), static_cast<long long>(W) * C * static_cast<long long>(sizeof(float)), W, H});
  download_sync(ctx, out.data(), result.size(), result.data());
  return result;
}

template <class T>
void fuse_async(const cuda_executor& exec, std::span<const image_view<const T>> views, image_view<float> out,
                const mertens_options& opts, const std::string& who) {
  check_inputs<T>(views, who);
  const image_view<const T>& f = views.front();
  if (out.empty() || out.space() != memory_space::device)
    throw invalid_argument(who + ": the output must be a non-empty device view");
  if (!rows_aligned<float>(out.data(), out.row_bytes()))
    throw invalid_argument(who + ": the output's rows must start on 4-byte boundaries");
  if (out.width() != f.width() || out.height() != f.height() || out.channels() != f.channels())
    throw invalid_argument(who + ": the output is " + std::to_string(out.width()) + "x" + std::to_string(out.height()) +
                           "x" + std::to_string(out.channels()) + ", expected " + std::to_string(f.width()) + "x" +
                           std::to_string(f.height()) + "x" + std::to_string(f.channels()));
  cuda_context& ctx = exec.context();
  const auto scope = ctx.activate();
  enqueue<T>(ctx, views, opts, fplane{out.data(), static_cast<long long>(out.row_bytes()), out.width(), out.height()});
}

}  // namespace
}  // namespace detail::cuda

template <sample_type T>
image<float> merge_mertens(const cuda_executor& exec, std::span<const image_view<const T>> images,
                           const mertens_options& opts) {
  return detail::cuda::fuse_sync<T>(exec, images, opts, "merge_mertens");
}

template <sample_type T>
image<float> merge_mertens(const cuda_executor& exec, const exposure_stack<T>& stack, const mertens_options& opts) {
  stack.validate();
  return detail::cuda::fuse_sync<T>(exec, std::span<const image_view<const T>>(stack.views()), opts, stack.label());
}

template <sample_type T>
void merge_mertens(const cuda_executor& exec, std::span<const image_view<const T>> images, image_view<float> out,
                   const mertens_options& opts) {
  detail::cuda::fuse_async<T>(exec, images, out, opts, "merge_mertens");
}

template <sample_type T>
void merge_mertens(const cuda_executor& exec, const exposure_stack<T>& stack, image_view<float> out,
                   const mertens_options& opts) {
  stack.validate();
  detail::cuda::fuse_async<T>(exec, std::span<const image_view<const T>>(stack.views()), out, opts, stack.label());
}

HDRGPU_CUDA_SAMPLE_TYPES(HDRGPU_INSTANTIATE_CUDA_MERTENS)

}  // namespace hdrgpu
