// CalibrateDebevec on the CUDA backend, batched: the host validates every stack, gathers the sample
// levels (from host images on the host, from device images with a kernel), and one launch of the solve
// kernel (calibrate_kernels.cuh: one block per (stack, channel) system) computes every curve.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include <hdrgpu/calibrate.hpp>

#include "calibrate_kernels.cuh"
#include "stack_desc.hpp"

namespace hdrgpu {
namespace detail::cuda {
namespace {

using debevec_solve::job;
using debevec_solve::shared_bytes;
using debevec_solve::solve_params;
using debevec_solve::tri;

constexpr int kThreads = 512;     // per system
constexpr int kMaxBatch = 16384;                                // stacks per launch
constexpr std::size_t kMaxLevelBytes = std::size_t(256) << 20;  // sample levels per launch (about)

/// A device-resident stack whose sample levels the gather kernel reads from its images.
struct gather_job {
  long long level_offset;
  int points, images, channels, point_offset, image_offset;
};

__global__ void __launch_bounds__(kThreads) debevec_solve_kernel(solve_params p) {
  extern __shared__ double smem[];
  debevec_solve::solve_systems(p, smem);
}

/// Copies the sample levels of device-resident stacks into the levels array, one block per stack.
__global__ void gather_levels_kernel(const gather_job* jobs, int n_jobs, const int2* points,
                                     const std::uint8_t* const* images, const long long* row_bytes,
                                     std::uint8_t* levels) {
  for (int g = blockIdx.x; g < n_jobs; g += gridDim.x) {
    const gather_job gj = jobs[g];
    const long long count = (long long)gj.points * gj.images * gj.channels;
    for (long long t = threadIdx.x; t < count; t += blockDim.x) {
      const int c = int(t % gj.channels);
      const long long r = t / gj.channels;
      const int j = int(r % gj.images);
      const int i = int(r / gj.images);
      const int2 pt = points[gj.point_offset + i];
      const int im = gj.image_offset + j;
      levels[gj.level_offset + t] = images[im][(long long)pt.y * row_bytes[im] + (long long)pt.x * gj.channels + c];
    }
  }
}

/// Byte layout of one upload: arrays appended at 16-byte aligned offsets.
class blob {
 public:
  template <class T>
  std::size_t add(const std::vector<T>& v) {
    const std::size_t off = (size_ + 15) & ~std::size_t(15);
    parts_.push_back({off, v.data(), v.size() * sizeof(T)});
    size_ = off + v.size() * sizeof(T);
    return off;
  }
  std::size_t size() const { return size_; }
  /// The parts as one-row planes at their offsets, for staging_ring::upload.
  std::vector<host_plane> planes() const {
    std::vector<host_plane> out;
    for (const auto& p : parts_)
      if (p.bytes) out.push_back({p.src, std::ptrdiff_t(p.bytes), 1, p.bytes, p.off});
    return out;
  }

 private:
  struct part {
    std::size_t off;
    const void* src;
    std::size_t bytes;
  };
  std::vector<part> parts_;
  std::size_t size_ = 0;
};

const char* status_text(int status) {
  return status == debevec_solve::status_empty ? ": CalibrateDebevec system is empty or not finite"
                                              : ": CalibrateDebevec system is singular";
}

/// Rows kept in global memory so the rest of the matrix and the tables fit the device's shared memory.
int global_rows_for(const cudaDeviceProp& props) {
  for (int r = 0; r < debevec_solve::kUnknowns; ++r)
    if (shared_bytes(r) <= props.sharedMemPerBlockOptin) return r;
  return debevec_solve::kUnknowns;
}

/// Validates and solves stacks[0..n); `rethrow` makes the first bad stack throw (the single-stack API).
void debevec_batch(cuda_context& ctx, std::span<const exposure_stack<std::uint8_t>> stacks,
                   const calibrate_debevec_options& opts, bool rethrow, calibration_result* results) {
  std::vector<job> jobs;
  std::vector<int> job_stack;
  std::vector<int2> systems;
  std::vector<double> log_t;
  std::vector<std::uint8_t> levels;
  std::vector<gather_job> gathers;
  std::vector<int2> points;
  std::vector<const std::uint8_t*> images;
  std::vector<long long> row_bytes;
  long long out_floats = 0;

  for (std::size_t s = 0; s < stacks.size(); ++s) {
    const exposure_stack<std::uint8_t>& stack = stacks[s];
    std::vector<sample_point> pts;
    try {
      stack.validate();
      if (!std::isfinite(opts.lambda) || opts.lambda < 0.0f)
        throw invalid_argument(stack.label() + ": CalibrateDebevec lambda must be finite and >= 0");
      if (stack.size() > std::size_t(max_device_exposures))
        throw invalid_argument(stack.label() + ": " + std::to_string(stack.size()) +
                               " exposures; the CUDA backend takes at most " + std::to_string(max_device_exposures));
      if (stack.channels() < 1 || stack.channels() > 4)
        throw invalid_argument(stack.label() + ": CalibrateDebevec takes 1 to 4 channels, got " +
                               std::to_string(stack.channels()));
      pts = cpu::debevec_points(stack, opts.samples, opts.random, opts.seed);
    } catch (const invalid_argument& e) {
      if (rethrow) throw;
      results[s].error = stack_error_text(stack, e);
      continue;
    }
    const int N = int(stack.size()), C = stack.channels(), P = int(pts.size());
    job jb{};
    jb.level_offset = (long long)levels.size();
    jb.out_offset = out_floats;
    jb.points = P;
    jb.images = N;
    jb.channels = C;
    jb.logt_offset = int(log_t.size());
    for (int c = 0; c < C; ++c) systems.push_back(make_int2(int(jobs.size()), c));
    for (int j = 0; j < N; ++j) log_t.push_back(std::log(double(stack.time(std::size_t(j)))));
    const std::size_t count = std::size_t(P) * std::size_t(N) * std::size_t(C);
    levels.resize(levels.size() + count);
    if (stack.space() == memory_space::host) {
      std::uint8_t* dst = levels.data() + jb.level_offset;
      for (int i = 0; i < P; ++i)
        for (int j = 0; j < N; ++j)
          for (int c = 0; c < C; ++c) *dst++ = stack[std::size_t(j)].at(pts[i].x, pts[i].y, c);
    } else {  // filled on the device by gather_levels_kernel
      gathers.push_back({jb.level_offset, P, N, C, int(points.size()), int(images.size())});
      for (const auto& pt : pts) points.push_back(make_int2(pt.x, pt.y));
      for (int j = 0; j < N; ++j) {
        images.push_back(stack[std::size_t(j)].data());
        row_bytes.push_back(static_cast<long long>(stack[std::size_t(j)].row_bytes()));
      }
    }
    jobs.push_back(jb);
    job_stack.push_back(int(s));
    out_floats += 256LL * C;
  }
  if (jobs.empty()) return;

  const std::vector<float> hat = hat_lut(256, opts.profile);
  blob up;
  const std::size_t o_jobs = up.add(jobs), o_sys = up.add(systems), o_logt = up.add(log_t), o_hat = up.add(hat),
                    o_levels = up.add(levels), o_gather = up.add(gathers), o_pts = up.add(points),
                    o_img = up.add(images), o_rows = up.add(row_bytes);
  device_buffer<std::byte> d_in(ctx, up.size());
  ctx.staging().upload(d_in.data(), up.planes(), ctx.stream());
  auto in = [&](std::size_t off) { return reinterpret_cast<char*>(d_in.data()) + off; };

  const int n_systems = int(systems.size());
  const std::size_t out_bytes = std::size_t(out_floats) * sizeof(float) + std::size_t(n_systems) * sizeof(int);
  device_buffer<std::byte> d_out(ctx, out_bytes);
  float* d_response = reinterpret_cast<float*>(d_out.data());
  int* d_status = reinterpret_cast<int*>(d_response + out_floats);

  if (!gathers.empty()) {
    gather_levels_kernel<<<grid_for(ctx, gathers.size() * 128, 128), 128, 0, ctx.stream()>>>(
        reinterpret_cast<const gather_job*>(in(o_gather)), int(gathers.size()),
        reinterpret_cast<const int2*>(in(o_pts)),
        reinterpret_cast<const std::uint8_t* const*>(in(o_img)), reinterpret_cast<const long long*>(in(o_rows)),
        reinterpret_cast<std::uint8_t*>(in(o_levels)));
    HDRGPU_CUDA_CHECK_LAUNCH();
  }

  const int global_rows = global_rows_for(ctx.props());
  const std::size_t smem = shared_bytes(global_rows);
  HDRGPU_CUDA_CHECK(cudaFuncSetAttribute(debevec_solve_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem)));
  int per_sm = 0;
  HDRGPU_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, debevec_solve_kernel, kThreads, smem));
  const int blocks = std::min(n_systems, std::max(1, per_sm) * ctx.props().multiProcessorCount);
  device_buffer<double> workspace(ctx, std::size_t(blocks) * std::size_t(tri(global_rows)));

  solve_params p{};
  p.jobs = reinterpret_cast<const job*>(in(o_jobs));
  p.systems = reinterpret_cast<const int2*>(in(o_sys));
  p.n_systems = n_systems;
  p.levels = reinterpret_cast<const std::uint8_t*>(in(o_levels));
  p.log_t = reinterpret_cast<const double*>(in(o_logt));
  p.hat = reinterpret_cast<const float*>(in(o_hat));
  p.lambda = opts.lambda;
  p.global_rows = global_rows;
  p.global_part = workspace.data();
  p.response = d_response;
  p.status = d_status;
  debevec_solve_kernel<<<blocks, kThreads, smem, ctx.stream()>>>(p);
  HDRGPU_CUDA_CHECK_LAUNCH();

  std::vector<std::byte> host_out(out_bytes);
  ctx.staging().download_sync(host_out.data(), d_out.data(), out_bytes, ctx.stream());

  const float* response = reinterpret_cast<const float*>(host_out.data());
  const int* status = reinterpret_cast<const int*>(response + out_floats);
  int sys = 0;
  for (std::size_t k = 0; k < jobs.size(); ++k) {
    const exposure_stack<std::uint8_t>& stack = stacks[std::size_t(job_stack[k])];
    calibration_result& r = results[job_stack[k]];
    const int C = jobs[k].channels;
    int bad = debevec_solve::status_ok;
    for (int c = 0; c < C; ++c, ++sys)
      if (bad == debevec_solve::status_ok) bad = status[sys];
    if (bad != debevec_solve::status_ok) {
      if (rethrow) throw invalid_argument(stack.label() + status_text(bad));
      r.error = stack.label() + status_text(bad);
      continue;
    }
    r.response = response_curve(256, C, stack.order());
    std::memcpy(r.response.values().data(), response + jobs[k].out_offset, std::size_t(256) * C * sizeof(float));
  }
}

}  // namespace
}  // namespace detail::cuda

response_curve calibrate_debevec(const cuda_executor& exec, const exposure_stack<std::uint8_t>& stack,
                                 const calibrate_debevec_options& opts) {
  detail::cuda::cuda_context& ctx = exec.context();
  const auto scope = ctx.activate();
  calibration_result r;
  detail::cuda::debevec_batch(ctx, std::span<const exposure_stack<std::uint8_t>>(&stack, 1), opts, true, &r);
  return std::move(r.response);
}

std::vector<calibration_result> calibrate_debevec_batch(const cuda_executor& exec,
                                                        std::span<const exposure_stack<std::uint8_t>> stacks,
                                                        const calibrate_debevec_options& opts) {
  detail::cuda::cuda_context& ctx = exec.context();
  const auto scope = ctx.activate();
  std::vector<calibration_result> results(stacks.size());
  // Launches of at most kMaxBatch stacks and about kMaxLevelBytes of sample levels (an upper bound:
  // `samples` points per image and channel), so host and device staging stay bounded.
  std::size_t first = 0;
  while (first < stacks.size()) {
    std::size_t n = 0, bytes = 0;
    while (first + n < stacks.size() && n < std::size_t(detail::cuda::kMaxBatch) &&
           (n == 0 || bytes < detail::cuda::kMaxLevelBytes)) {
      const exposure_stack<std::uint8_t>& s = stacks[first + n];
      if (!s.empty()) bytes += std::size_t(std::max(opts.samples, 1)) * s.size() * std::size_t(s[0].channels());
      ++n;
    }
    detail::cuda::debevec_batch(ctx, stacks.subspan(first, n), opts, false, results.data() + first);
    first += n;
  }
  return results;
}

}  // namespace hdrgpu
