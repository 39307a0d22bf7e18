// Device side of the batched CalibrateDebevec solve (cuda/calibrate_debevec.cu): one thread block per
// (stack, channel) system. Internal header; it uses only CUDA built-ins (threadIdx, __syncthreads, int2,
// sqrt/exp), no runtime calls, so the block logic can be read (and exercised) on its own.
//
// Each block builds the CPU's reduced 255x255 normal equations (detail::cpu::build_debevec_system) in
// the same summation order, factors them with a right-looking Cholesky whose per-entry operation
// sequence equals detail::math::cholesky_solve's (so the factor is bit-identical), then solves. The
// packed lower triangle (255*256/2 doubles = 255 KiB) does not fit one block's shared memory: rows
// >= `global_rows` live in shared memory, the short first rows in a per-block global workspace.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hdrgpu::detail::cuda::debevec_solve {

constexpr int kLevels = 256, kAnchor = 128, kUnknowns = 255;
constexpr int kStageBytes = 2048;  // sample levels staged in shared memory per chunk
constexpr int kMaxChunk = 128;     // samples per chunk

enum solve_status : int { status_ok = 0, status_empty = 1, status_singular = 2 };

__host__ __device__ constexpr int tri(int r) { return r * (r + 1) / 2; }
__device__ inline int reduced(int z) { return z < kAnchor ? z : z - 1; }  // debevec_system::index

/// One stack's inputs to the solve.
struct job {
  long long level_offset;  // z of (sample i, image j, channel c): levels[level_offset + (i * images + j) * channels + c]
  long long out_offset;    // curve value (z, c) at response[out_offset + z * channels + c]
  int points, images, channels, logt_offset;
};

struct solve_params {
  const job* jobs;
  const int2* systems;  // (job, channel) per system
  int n_systems;
  const std::uint8_t* levels;
  const double* log_t;
  const float* hat;     // 256 hat weights of the profile
  float lambda;
  int global_rows;      // rows [0, global_rows) of every matrix live in global memory
  double* global_part;  // gridDim.x * tri(global_rows) doubles
  float* response;
  int* status;          // solve_status per system
};

// Dynamic shared memory: 4 double tables of 256 (col, rhs, mdiag, rg), 2 of kMaxChunk (sd, se), one
// reduction slot (padded to 2), the matrix rows >= global_rows, the hat LUT and the staged levels.
constexpr std::size_t kFixedDoubles = 4 * 256 + 2 * kMaxChunk + 2;
constexpr std::size_t kFixedBytes = kFixedDoubles * sizeof(double) + 256 * sizeof(float) + 3 * kStageBytes;

constexpr std::size_t shared_bytes(int global_rows) {
  return kFixedBytes + std::size_t(tri(kUnknowns) - tri(global_rows)) * sizeof(double);
}

/// The packed lower triangle (row p holds columns 0..p) split between global and shared memory.
struct tri_matrix {
  double* g;
  double* s;
  int split, split_tri;
  __device__ double* row(int p) const { return p < split ? g + tri(p) : s + (tri(p) - split_tri); }
  __device__ double& at(int p, int q) const { return row(p)[q]; }
};

struct block_smem {
  double *col, *rhs, *mdiag, *rg, *sd, *se, *red;
  float* hat;
  std::uint8_t* zb;     // levels of the staged samples, sample-major
  signed char* nx;      // next image of the same sample with the same level, or -1
  std::uint8_t* first;  // 1 when no earlier image of the sample has the same level
};

/// Builds the reduced system of channel c of `jb` into `a` and `m.rhs`, replaying
/// detail::cpu::build_debevec_system's additions entry by entry in its order. `ridge` (0, or
/// 1e-9 * max_diag on solve_debevec_system's retry) is added to the diagonal last.
__device__ inline void build_system(const tri_matrix& a, const block_smem& m, const solve_params& p, const job& jb,
                                    int c, double ridge) {
  const int tid = threadIdx.x, bs = blockDim.x;
  const int N = jb.images, C = jb.channels, P = jb.points;
  const double* logt = p.log_t + jb.logt_offset;
  for (int e = tid; e < a.split_tri; e += bs) a.g[e] = 0.0;
  for (int e = tid; e < tri(kUnknowns) - a.split_tri; e += bs) a.s[e] = 0.0;
  for (int z = tid; z < kLevels; z += bs) m.mdiag[z] = m.rg[z] = 0.0;
  __syncthreads();

  const int chunk = min(kMaxChunk, kStageBytes / N);
  for (int s0 = 0; s0 < P; s0 += chunk) {
    const int cnt = min(chunk, P - s0);
    const std::uint8_t* src = p.levels + jb.level_offset + (long long)s0 * N * C + c;
    for (int t = tid; t < cnt * N; t += bs) m.zb[t] = src[(long long)t * C];
    __syncthreads();
    for (int t = tid; t < cnt * N; t += bs) {
      const int i = t / N, j = t - i * N, z = m.zb[t];
      const std::uint8_t* zs = m.zb + i * N;
      bool is_first = true;
      for (int q = 0; q < j && is_first; ++q) is_first = zs[q] != z;
      int next = -1;
      for (int q = j + 1; q < N && next < 0; ++q) next = zs[q] == z ? q : -1;
      m.first[t] = is_first ? 1 : 0;
      m.nx[t] = static_cast<signed char>(next);
    }
    for (int i = tid; i < cnt; i += bs) {  // D_i and sum_j w^2 ln t_j, in image order
      double d = 0.0, e = 0.0;
      for (int j = 0; j < N; ++j) {
        const double w = m.hat[m.zb[i * N + j]];
        const double w2 = w * w;
        d += w2;
        e += w2 * logt[j];
      }
      m.sd[i] = d;
      m.se[i] = e;
    }
    __syncthreads();
    // Samples in order; within one, each touched entry is owned by the thread of its first (j, k) pair,
    // which replays that entry's subtractions in the CPU's (j, k) order.
    for (int i = 0; i < cnt; ++i) {
      const std::uint8_t* zs = m.zb + i * N;
      const signed char* nxs = m.nx + i * N;
      const std::uint8_t* fs = m.first + i * N;
      const double d = m.sd[i], e = m.se[i];
      const bool informative = d > 0.0;
      const double inv_d = informative ? 1.0 / d : 0.0;
      for (int t = tid; t < N * N + N; t += bs) {
        if (t < N * N) {
          const int j = t / N, k = t - j * N;
          const int zj = zs[j], zk = zs[k];
          if (!informative || !fs[j] || !fs[k] || zj < zk || zj == kAnchor || zk == kAnchor) continue;
          const double wj = m.hat[zj], wk = m.hat[zk];
          const double w2j = wj * wj, w2k = wk * wk;
          double& entry = a.at(reduced(zj), reduced(zk));
          double v = entry;
          for (int jj = j; jj >= 0; jj = nxs[jj])
            for (int kk = k; kk >= 0; kk = nxs[kk]) v -= w2j * w2k * inv_d;
          entry = v;
        } else {
          const int j = t - N * N;
          if (!fs[j]) continue;
          const int z = zs[j];
          const double w = m.hat[z];
          const double w2 = w * w;
          double md = m.mdiag[z], r = m.rg[z];
          for (int jj = j; jj >= 0; jj = nxs[jj]) {
            md += w2;
            r += w2 * logt[jj];
          }
          if (informative)
            for (int jj = j; jj >= 0; jj = nxs[jj]) r -= w2 * e * inv_d;
          m.mdiag[z] = md;
          m.rg[z] = r;
        }
      }
      __syncthreads();
    }
  }

  // Diagonal data term, then the smoothness rows k = 0..253 in order, then the ridge; drop g(128).
  for (int z = tid; z < kLevels; z += bs) {
    if (z == kAnchor) continue;
    const int pz = reduced(z);
    for (int y = max(0, z - 2); y <= z; ++y) {
      if (y == kAnchor) continue;
      double v = a.at(pz, reduced(y));
      if (y == z) v += m.mdiag[z];
      for (int k = max(0, z - 2); k <= y && k + 2 < kLevels; ++k) {
        const double cc = double(p.lambda) * double(m.hat[k + 1]);
        const double cz = z == k + 1 ? -2.0 * cc : cc, cy = y == k + 1 ? -2.0 * cc : cc;  // coef[z - k], coef[y - k]
        v += cz * cy;
      }
      if (y == z) v += ridge;
      a.at(pz, reduced(y)) = v;
    }
    m.rhs[pz] = m.rg[z];
  }
  __syncthreads();
}

/// max over the diagonal, folded from 0 as solve_debevec_system's std::max does (a NaN never wins).
__device__ inline double max_diagonal(const tri_matrix& a, double* red) {
  if (threadIdx.x == 0) {
    double mx = 0.0;
    for (int q = 0; q < kUnknowns; ++q) {
      const double v = a.at(q, q);
      mx = mx < v ? v : mx;
    }
    red[0] = mx;
  }
  __syncthreads();
  const double r = red[0];
  __syncthreads();  // red is written again by the next system
  return r;
}

/// Right-looking Cholesky in place (lower triangle). Entry (i, k) receives "-= L(i, m) * L(k, m)" for
/// m = 0, 1, ... and then "/ L(k, k)", exactly math::cholesky_solve's sequence. Returns false (in every
/// thread alike) at the first pivot not > min_pivot.
__device__ inline bool factor(const tri_matrix& a, double* col, double min_pivot) {
  const int tid = threadIdx.x, bs = blockDim.x, lane = tid & 31, warp = tid >> 5, warps = bs >> 5;
  for (int j = 0; j < kUnknowns; ++j) {
    const double d = a.at(j, j);
    if (!(d > min_pivot)) return false;
    const double ljj = sqrt(d);
    for (int i = j + 1 + tid; i < kUnknowns; i += bs) {
      double& r = a.at(i, j);
      const double v = r / ljj;
      r = v;
      col[i] = v;
    }
    __syncthreads();
    if (tid == 0) a.at(j, j) = ljj;  // nobody reads (j, j) in this phase
    for (int i = j + 1 + warp; i < kUnknowns; i += warps) {  // one row per warp: contiguous, conflict-free
      const double ci = col[i];
      double* row = a.row(i);
      for (int k = j + 1 + lane; k <= i; k += 32) row[k] -= ci * col[k];
    }
    __syncthreads();
  }
  return true;
}

/// L L^T x = b: forward substitution in cholesky_solve's order, backward by columns (another order).
/// `b` holds the right-hand side and receives x; `y` is scratch.
__device__ inline void solve(const tri_matrix& a, double* b, double* y) {
  const int tid = threadIdx.x, bs = blockDim.x;
  for (int k = 0; k < kUnknowns; ++k) {
    const double yk = b[k] / a.at(k, k);
    if (tid == 0) y[k] = yk;
    for (int i = k + 1 + tid; i < kUnknowns; i += bs) b[i] -= a.at(i, k) * yk;
    __syncthreads();
  }
  for (int k = kUnknowns - 1; k >= 0; --k) {
    const double xk = y[k] / a.at(k, k);
    if (tid == 0) b[k] = xk;
    const double* row = a.row(k);
    for (int i = tid; i < k; i += bs) y[i] -= row[i] * xk;
    __syncthreads();
  }
}

/// The body of the solve kernel: block blockIdx.x solves systems blockIdx.x, + gridDim.x, ... using
/// `smem` (shared_bytes(p.global_rows) bytes, 8-byte aligned) and its slice of p.global_part.
/// Needs blockDim.x a multiple of 32.
__device__ inline void solve_systems(const solve_params& p, double* smem) {
  const int tid = threadIdx.x;
  block_smem m;
  m.col = smem;
  m.rhs = m.col + 256;
  m.mdiag = m.rhs + 256;
  m.rg = m.mdiag + 256;
  m.sd = m.rg + 256;
  m.se = m.sd + kMaxChunk;
  m.red = m.se + kMaxChunk;
  double* smat = m.red + 2;
  m.hat = reinterpret_cast<float*>(smat + (tri(kUnknowns) - tri(p.global_rows)));
  m.zb = reinterpret_cast<std::uint8_t*>(m.hat + 256);
  m.nx = reinterpret_cast<signed char*>(m.zb + kStageBytes);
  m.first = m.zb + 2 * kStageBytes;
  const tri_matrix a{p.global_part + std::size_t(blockIdx.x) * std::size_t(tri(p.global_rows)), smat, p.global_rows,
                     tri(p.global_rows)};
  for (int z = tid; z < kLevels; z += blockDim.x) m.hat[z] = p.hat[z];
  __syncthreads();

  for (int s = blockIdx.x; s < p.n_systems; s += gridDim.x) {
    const int2 sys = p.systems[s];
    const job jb = p.jobs[sys.x];
    const int c = sys.y;
    build_system(a, m, p, jb, c, 0.0);
    const double max_diag = max_diagonal(a, m.red);
    int status = status_ok;
    if (!(max_diag > 0.0) || !isfinite(max_diag)) {
      status = status_empty;
    } else if (!factor(a, m.col, 1e-12 * max_diag)) {
      __syncthreads();  // every thread has read the failing pivot before the rebuild overwrites it
      build_system(a, m, p, jb, c, 1e-9 * max_diag);
      if (!factor(a, m.col, 0.0)) status = status_singular;
    }
    if (status == status_ok) {
      solve(a, m.rhs, m.col);
      float* out = p.response + jb.out_offset;
      for (int z = tid; z < kLevels; z += blockDim.x) {
        const double g = z == kAnchor ? 0.0 : m.rhs[reduced(z)];
        out[std::size_t(z) * jb.channels + c] = float(exp(g));
      }
    }
    if (tid == 0) p.status[s] = status;
    __syncthreads();  // shared tables are rebuilt for the next system
  }
}

}  // namespace hdrgpu::detail::cuda::debevec_solve
