// AlignMTB on the CUDA executor, for one stack or many at once, with the CPU backend's integer maths
// (detail/math/align.hpp) and bitmap layout, so shifts and images are bit-identical to it. A group of
// stacks runs as:
//   1. grey_hist_kernel   grey image of every input image and the histograms of all its pyramid levels
//                         (a level-l pixel is the grey pixel (x << l, y << l): no pyramid is stored)
//   2. thresholds_kernel  OpenCV's median and the byte thresholds of every (image, level)
//   3. bitmap_kernel      threshold and exclusion bitmaps of every level, 64 pixels a word (warp ballots)
//   4. per level, coarse to fine: search_kernel (the 9 candidates' XOR/AND/popcount counts of every image
//      pair) and pick_kernel (OpenCV's choice, or the level where the search leaves the image)
//   5. shift_kernel       the shifted, cut images
// Each launch covers every image (or pair) of the group: blocks find their image through a table of
// first-block indices, so hundreds of stacks of any sizes take the same ~16 launches.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <hdrgpu/align.hpp>

#include "stack_desc.hpp"

namespace hdrgpu {
namespace detail::cuda {
namespace {

constexpr int kThreads = 256;
constexpr long long kGreyPixelsPerBlock = 4096;
constexpr long long kBitmapWordsPerBlock = 128;  // 8 warps, 16 words each
constexpr long long kSearchWordsPerBlock = 1024;
constexpr long long kShiftPixelsPerBlock = 4096;
/// Device memory one group may use (uploaded pixels, grey, bitmaps, shifted images), about.
constexpr std::size_t kGroupBytes = std::size_t(1) << 30;

/// One input image as the kernels see it.
struct mtb_image {
  const std::uint8_t* src;
  long long row_bytes;
  int width, height, channels;
  int plan;          ///< index into the plans
  math::mtb_grey_weights gw;
  long long grey;    ///< first byte of its grey image (width * height) in the grey buffer
  long long bits;    ///< first word of its bitmaps in the bitmap buffer
  int hist;          ///< its level-0 histogram (256 counters) in the histogram buffer; level l at hist + l
};

/// One image compared with its stack's reference: OpenCV's calculateShift(grey(ref), grey(img)).
struct mtb_pair {
  int ref, img;  ///< indices into the images
  int plan;
};

/// A pair's search state: the shift after the last level searched; `failed` is 1 + the level where the
/// search left the image (0 while it has not; the state starts zeroed).
struct mtb_state {
  int dx, dy, failed, pad;
};

/// A unit of work (an image, an (image, level) or a pair): `items` shared by blocks of `per_block` each.
struct mtb_task {
  int unit, level;
  long long items, per_block;
};

/// An output image: src shifted by (dx, dy) and cut at (ox, oy), width x height, into `dst`.
struct mtb_shift_task {
  const std::uint8_t* src;
  long long row_bytes;
  int width, height, channels, dx, dy, ox, oy, out_width, out_height;
  long long dst;  ///< first byte in the output buffer
};

/// Tasks and the first block of each (plus the total at the end), as uploaded for one launch.
struct task_table {
  const mtb_task* tasks;
  const long long* first;
  int n;
};

/// The task of block `b`: the last one whose first block is <= b.
__device__ inline int find_task(const long long* first, int n, long long b) {
  int lo = 0, hi = n - 1;
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (first[mid] <= b) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

// ---- kernels ---------------------------------------------------------------------------------------

/// Blocks take whole rows (about kGreyPixelsPerBlock pixels), threads consecutive pixels of a row.
__global__ void grey_hist_kernel(const mtb_image* images, const math::mtb_plan* plans, task_table t,
                                 std::uint8_t* grey, unsigned* hist) {
  __shared__ unsigned sh[math::mtb_max_levels * 256];
  const int ti = find_task(t.first, t.n, blockIdx.x);
  const mtb_task task = t.tasks[ti];
  const mtb_image im = images[task.unit];
  const math::mtb_plan& plan = plans[im.plan];
  const int L = plan.levels;
  for (int i = threadIdx.x; i < L * 256; i += blockDim.x) sh[i] = 0;
  __syncthreads();
  const int y0 = static_cast<int>((static_cast<long long>(blockIdx.x) - t.first[ti]) * task.per_block);
  const int y1 = static_cast<int>(min(static_cast<long long>(y0) + task.per_block, task.items));
  for (int y = y0; y < y1; ++y) {
    const std::uint8_t* src = im.src + im.row_bytes * y;
    std::uint8_t* out = grey + im.grey + static_cast<long long>(y) * im.width;
    for (int x = threadIdx.x; x < im.width; x += blockDim.x) {
      const std::uint8_t* px = src + static_cast<long long>(x) * im.channels;
      const int g = im.channels == 1 ? px[0] : math::mtb_grey(im.gw, px[0], px[1], px[2]);
      out[x] = static_cast<std::uint8_t>(g);
      atomicAdd(&sh[g], 1u);
      // The levels this pixel belongs to: (x, y) divisible by 2^l and inside the decimated level.
      for (int l = 1; l < L; ++l) {
        if (((x | y) & ((1 << l) - 1)) != 0 || (x >> l) >= plan.level[l].width || (y >> l) >= plan.level[l].height) break;
        atomicAdd(&sh[l * 256 + g], 1u);
      }
    }
  }
  __syncthreads();
  for (int i = threadIdx.x; i < L * 256; i += blockDim.x)
    if (sh[i]) atomicAdd(&hist[static_cast<long long>(im.hist) * 256 + i], sh[i]);
}

__global__ void thresholds_kernel(const mtb_image* images, const math::mtb_plan* plans, int n_images,
                                  const unsigned* hist, int exclude_range, math::mtb_thresholds* thr) {
  const long long k = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (k >= static_cast<long long>(n_images) * math::mtb_max_levels) return;
  const int i = static_cast<int>(k / math::mtb_max_levels), l = static_cast<int>(k % math::mtb_max_levels);
  const mtb_image& im = images[i];
  const math::mtb_plan& plan = plans[im.plan];
  if (l >= plan.levels) return;
  const math::mtb_level& lv = plan.level[l];
  const int m = math::mtb_median(hist + static_cast<long long>(im.hist + l) * 256,
                                 static_cast<long long>(lv.width) * lv.height);
  thr[im.hist + l] = math::make_mtb_thresholds(m, exclude_range);
}

/// Each warp builds words in turn: lane i decides pixels 64 k + i and 64 k + 32 + i, two ballots make the word.
__global__ void bitmap_kernel(const mtb_image* images, const math::mtb_plan* plans, task_table t, const std::uint8_t* grey,
                              const math::mtb_thresholds* thr, std::uint64_t* bits) {
  const int ti = find_task(t.first, t.n, blockIdx.x);
  const mtb_task task = t.tasks[ti];
  const mtb_image im = images[task.unit];
  const int l = task.level;
  const math::mtb_level lv = plans[im.plan].level[l];
  const math::mtb_thresholds th = thr[im.hist + l];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, warps = blockDim.x / 32;
  const long long first = (static_cast<long long>(blockIdx.x) - t.first[ti]) * task.per_block;
  const long long last = min(first + task.per_block, task.items);
  for (long long w = first + warp; w < last; w += warps) {  // the same trip count for every lane of a warp
    const int y = static_cast<int>(w / lv.words), k = static_cast<int>(w - static_cast<long long>(y) * lv.words);
    const std::uint8_t* g = grey + im.grey + (static_cast<long long>(y) << l) * im.width;
    const int x0 = 64 * k + lane, x1 = x0 + 32;
    const int g0 = x0 < lv.width ? g[static_cast<long long>(x0) << l] : 0;
    const int g1 = x1 < lv.width ? g[static_cast<long long>(x1) << l] : 0;
    const unsigned tb0 = __ballot_sync(0xffffffffu, x0 < lv.width && math::mtb_tb(th, g0));
    const unsigned tb1 = __ballot_sync(0xffffffffu, x1 < lv.width && math::mtb_tb(th, g1));
    const unsigned eb0 = __ballot_sync(0xffffffffu, x0 < lv.width && math::mtb_eb(th, g0));
    const unsigned eb1 = __ballot_sync(0xffffffffu, x1 < lv.width && math::mtb_eb(th, g1));
    if (lane == 0) {
      std::uint64_t* row = bits + im.bits + lv.offset + 2LL * lv.words * y;
      row[k] = static_cast<std::uint64_t>(tb0) | (static_cast<std::uint64_t>(tb1) << 32);
      row[lv.words + k] = static_cast<std::uint64_t>(eb0) | (static_cast<std::uint64_t>(eb1) << 32);
    }
  }
}

/// Word j of a bitmap row, 0 outside it.
__device__ inline std::uint64_t word_or_zero(const std::uint64_t* row, int j, int words) {
  return j >= 0 && j < words ? row[j] : 0ull;
}

/// The 9 candidates' error counts of every pair on level `l`, around twice the shift of level l + 1.
__global__ void search_kernel(int l, const mtb_pair* pairs, const mtb_image* images, const math::mtb_plan* plans,
                              task_table t, const std::uint64_t* bits, const mtb_state* state,
                              unsigned long long* err) {
  __shared__ unsigned long long block_err[9];
  const int ti = find_task(t.first, t.n, blockIdx.x);
  const mtb_task task = t.tasks[ti];
  const mtb_state st = state[task.unit];
  if (st.failed) return;  // the same for the whole block
  if (threadIdx.x < 9) block_err[threadIdx.x] = 0;
  __syncthreads();
  const mtb_pair pr = pairs[task.unit];
  const math::mtb_level lv = plans[pr.plan].level[l];
  const std::uint64_t* b0 = bits + images[pr.ref].bits + lv.offset;
  const std::uint64_t* b1 = bits + images[pr.img].bits + lv.offset;
  const int sx = 2 * st.dx, sy = 2 * st.dy, words = lv.words;
  unsigned count[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
  const long long first = (static_cast<long long>(blockIdx.x) - t.first[ti]) * task.per_block;
  const long long last = min(first + task.per_block, task.items);
  for (long long w = first + threadIdx.x; w < last; w += blockDim.x) {
    const int y = static_cast<int>(w / words), k = static_cast<int>(w - static_cast<long long>(y) * words);
    const std::uint64_t* r0 = b0 + 2LL * words * y;
    const std::uint64_t tb0 = r0[k], eb0 = r0[words + k];
    for (int c = 0; c < 9; ++c) {
      const int ys = y - (sy + math::mtb_candidate_dy(c));
      if (ys < 0 || ys >= lv.height) continue;
      const std::uint64_t* r1 = b1 + 2LL * words * ys;
      const int d = sx + math::mtb_candidate_dx(c), q = d >> 6, r = d & 63, j = k - q;
      const std::uint64_t tb1 = math::mtb_funnel(word_or_zero(r1, j, words), word_or_zero(r1, j - 1, words), r);
      const std::uint64_t eb1 =
          math::mtb_funnel(word_or_zero(r1 + words, j, words), word_or_zero(r1 + words, j - 1, words), r);
      count[c] += static_cast<unsigned>(__popcll(math::mtb_error_bits(tb0, eb0, tb1, eb1)));
    }
  }
  for (int c = 0; c < 9; ++c) {
    unsigned v = count[c];
    for (int o = 16; o > 0; o /= 2) v += __shfl_down_sync(0xffffffffu, v, o);
    if (threadIdx.x % 32 == 0 && v) atomicAdd(&block_err[c], static_cast<unsigned long long>(v));
  }
  __syncthreads();
  if (threadIdx.x < 9 && block_err[threadIdx.x])
    atomicAdd(&err[(static_cast<long long>(task.unit) * math::mtb_max_levels + l) * 9 + threadIdx.x],
              block_err[threadIdx.x]);
}

/// OpenCV's choice on level `l` for every pair that searches it (the CPU's mtb_search step by step).
__global__ void pick_kernel(int l, const mtb_pair* pairs, const math::mtb_plan* plans, int n_pairs,
                            const unsigned long long* err, mtb_state* state) {
  const int p = blockIdx.x * blockDim.x + threadIdx.x;
  if (p >= n_pairs) return;
  const math::mtb_plan& plan = plans[pairs[p].plan];
  mtb_state st = state[p];
  if (l >= plan.levels || st.failed) return;
  const math::mtb_level& lv = plan.level[l];
  const int sx = 2 * st.dx, sy = 2 * st.dy;
  if (!math::mtb_shift_fits(abs(sx) + 1, abs(sy) + 1, lv.width, lv.height)) {
    st.failed = l + 1;
    st.dx = sx;
    st.dy = sy;
  } else {
    const int best = math::mtb_pick(err + (static_cast<long long>(p) * math::mtb_max_levels + l) * 9,
                                    static_cast<long long>(lv.width) * lv.height);
    st.dx = sx + (best < 0 ? 0 : math::mtb_candidate_dx(best));
    st.dy = sy + (best < 0 ? 0 : math::mtb_candidate_dy(best));
  }
  state[p] = st;
}

/// Blocks take whole output rows (about kShiftPixelsPerBlock pixels), threads consecutive pixels.
__global__ void shift_kernel(const mtb_shift_task* shifts, task_table t, std::uint8_t* out) {
  const int ti = find_task(t.first, t.n, blockIdx.x);
  const mtb_task task = t.tasks[ti];
  const mtb_shift_task s = shifts[task.unit];
  const int y0 = static_cast<int>((static_cast<long long>(blockIdx.x) - t.first[ti]) * task.per_block);
  const int y1 = static_cast<int>(min(static_cast<long long>(y0) + task.per_block, task.items));
  for (int y = y0; y < y1; ++y) {
    const int ys = y + s.oy - s.dy;
    const bool row_inside = ys >= 0 && ys < s.height;
    const std::uint8_t* src = s.src + s.row_bytes * (row_inside ? ys : 0);
    std::uint8_t* o = out + s.dst + static_cast<long long>(y) * s.out_width * s.channels;
    for (int x = threadIdx.x; x < s.out_width; x += blockDim.x) {
      const int xs = x + s.ox - s.dx;
      const bool inside = row_inside && xs >= 0 && xs < s.width;
      const std::uint8_t* px = src + static_cast<long long>(inside ? xs : 0) * s.channels;
      for (int c = 0; c < s.channels; ++c) o[static_cast<long long>(x) * s.channels + c] = inside ? px[c] : 0;
    }
  }
}

// ---- host side -------------------------------------------------------------------------------------

/// Small host tables uploaded together: each part 256-byte aligned in one device buffer.
class upload_pack {
 public:
  template <class T>
  std::size_t add(const std::vector<T>& v) {
    const std::size_t off = (size_ + 255) / 256 * 256;
    if (!v.empty()) planes_.push_back({v.data(), std::ptrdiff_t(v.size() * sizeof(T)), 1, v.size() * sizeof(T), off});
    size_ = off + v.size() * sizeof(T);
    return off;
  }
  /// Uploads every part (the sources may be reused once this returns) and keeps the device copy.
  void upload(cuda_context& ctx) {
    buffer_ = device_buffer<std::byte>(ctx, std::max<std::size_t>(size_, 1));
    ctx.staging().upload(buffer_.data(), planes_, ctx.stream());
  }
  template <class T>
  T* at(std::size_t off) const {
    return reinterpret_cast<T*>(buffer_.data() + off);
  }

 private:
  std::vector<host_plane> planes_;
  std::size_t size_ = 0;
  device_buffer<std::byte> buffer_;
};

/// Launch tables of one kernel: tasks with their item counts, blocks of `per_block` items each.
struct task_list {
  std::vector<mtb_task> tasks;
  std::vector<long long> first{0};
  void add(int unit, int level, long long items, long long per_block) {
    if (items <= 0) return;
    per_block = std::max(per_block, 1LL);
    tasks.push_back({unit, level, items, per_block});
    first.push_back(first.back() + (items + per_block - 1) / per_block);
  }
  long long blocks() const { return first.back(); }
};

struct packed_tasks {
  std::size_t tasks = 0, first = 0;
  int n = 0;
  long long blocks = 0;
  task_table on(const upload_pack& p) const { return {p.at<const mtb_task>(tasks), p.at<const long long>(first), n}; }
};

packed_tasks pack(upload_pack& up, const task_list& l) {
  return {up.add(l.tasks), up.add(l.first), int(l.tasks.size()), l.blocks()};
}

unsigned grid_of(long long blocks) {
  if (blocks > 0x7fffffffLL) throw invalid_argument("align_mtb: the batch needs more than 2^31 blocks per launch");
  return unsigned(blocks);
}

/// One alignment to run: views (validated by run_group), who names it in messages, the reference image.
struct job {
  std::span<const image_view<const std::uint8_t>> views;
  std::string who;
  std::size_t pivot = 0;
  bool images = false;
  // results
  std::vector<image_shift> shifts;
  align_crop crop;
  std::vector<image<std::uint8_t>> out;
  std::string error;
};

/// Rough device bytes of a job: uploaded pixels, grey, bitmaps and shifted images.
std::size_t job_bytes(const job& j) {
  std::size_t b = 0;
  for (const auto& v : j.views) {
    if (v.empty()) continue;
    const std::size_t px = v.pixels(), c = std::size_t(v.channels());
    b += px * (1 + c * ((v.space() == memory_space::host ? 1 : 0) + (j.images ? 1 : 0))) + px / 3 + 1024;
  }
  return b;
}

/// Enqueues the shifted, cut images of the jobs that asked for them and copies them into host images.
void make_images(cuda_context& ctx, std::span<job*> jobs, const std::vector<std::vector<const std::uint8_t*>>& src,
                 const std::vector<std::vector<long long>>& row_bytes) {
  std::vector<mtb_shift_task> shifts;
  task_list tl;
  long long bytes = 0;
  for (std::size_t k = 0; k < jobs.size(); ++k) {
    job& j = *jobs[k];
    if (!j.images || !j.error.empty()) continue;
    const auto& f = j.views.front();
    for (std::size_t i = 0; i < j.views.size(); ++i) {
      mtb_shift_task s{src[k][i], row_bytes[k][i], f.width(), f.height(), f.channels(), j.shifts[i].dx, j.shifts[i].dy,
                       j.crop.x, j.crop.y, j.crop.width, j.crop.height, bytes};
      tl.add(int(shifts.size()), 0, j.crop.height, kShiftPixelsPerBlock / j.crop.width);
      shifts.push_back(s);
      bytes += (long long)packed_image_stride(std::size_t(j.crop.width) * j.crop.height * f.channels());
    }
  }
  if (shifts.empty()) return;
  upload_pack up;
  const std::size_t o_shift = up.add(shifts);
  const packed_tasks pt = pack(up, tl);
  up.upload(ctx);
  device_buffer<std::uint8_t> out(ctx, std::size_t(bytes));
  shift_kernel<<<grid_of(pt.blocks), kThreads, 0, ctx.stream()>>>(up.at<const mtb_shift_task>(o_shift), pt.on(up),
                                                                  out.data());
  HDRGPU_CUDA_CHECK_LAUNCH();
  std::size_t s = 0;
  for (job* jp : jobs) {
    job& j = *jp;
    if (!j.images || !j.error.empty()) continue;
    const auto& f = j.views.front();
    for (std::size_t i = 0; i < j.views.size(); ++i, ++s) {
      image<std::uint8_t> img = ctx.new_image<std::uint8_t>(j.crop.width, j.crop.height, f.channels(), f.order());
      download_sync(ctx, out.data() + shifts[s].dst, img.size(), img.data());
      j.out.push_back(std::move(img));
    }
  }
}

/// Runs a group of jobs (validated options) through the kernels; each job ends with its shifts (and
/// images) or its error.
void run_group(cuda_context& ctx, std::span<job*> jobs, const align_mtb_options& o) {
  // Every view's pixels on the device: host views are uploaded packed, device views read in place.
  std::vector<std::vector<const std::uint8_t*>> src(jobs.size());
  std::vector<std::vector<long long>> rows(jobs.size());
  std::vector<std::vector<std::size_t>> upload_at(jobs.size());  // offset in the upload, or npos
  std::vector<host_plane> uploads;
  std::size_t upload_bytes = 0;
  std::vector<math::mtb_plan> plans(jobs.size());
  constexpr std::size_t npos = std::size_t(-1);
  for (std::size_t k = 0; k < jobs.size(); ++k) {
    job& j = *jobs[k];
    try {
      check_align_views(j.views, j.who, 2, false);
      plans[k] = make_align_plan(j.views.front().width(), j.views.front().height(), o, j.who);
    } catch (const invalid_argument& e) {
      j.error = e.what();
      continue;
    }
    j.shifts.assign(j.views.size(), image_shift{});
    const std::size_t row = std::size_t(j.views.front().width()) * std::size_t(j.views.front().channels());
    const std::size_t H = std::size_t(j.views.front().height());
    for (const auto& v : j.views) {
      if (v.space() == memory_space::device) {
        src[k].push_back(v.data());
        rows[k].push_back(static_cast<long long>(v.row_bytes()));
        upload_at[k].push_back(npos);
      } else {
        src[k].push_back(nullptr);
        rows[k].push_back(static_cast<long long>(row));
        upload_at[k].push_back(upload_bytes);
        uploads.push_back({v.data(), v.row_bytes(), H, row, upload_bytes});
        upload_bytes += packed_image_stride(row * H);
      }
    }
  }
  device_buffer<std::uint8_t> pixels(ctx, upload_bytes);
  if (!uploads.empty()) ctx.staging().upload(pixels.data(), uploads, ctx.stream());
  for (std::size_t k = 0; k < jobs.size(); ++k)
    for (std::size_t i = 0; i < src[k].size(); ++i)
      if (upload_at[k][i] != npos) src[k][i] = pixels.data() + upload_at[k][i];

  // Tables of the jobs that search (a plan without levels leaves every shift at (0, 0)).
  std::vector<math::mtb_plan> used_plans;
  std::vector<mtb_image> images;
  std::vector<mtb_pair> pairs;
  std::vector<std::pair<std::size_t, std::size_t>> pair_of;  // (job, image index) of each pair
  long long grey_bytes = 0, bit_words = 0;
  int levels_max = 0;
  for (std::size_t k = 0; k < jobs.size(); ++k) {
    job& j = *jobs[k];
    if (!j.error.empty() || plans[k].levels == 0) continue;
    const auto& f = j.views.front();
    const int p = int(used_plans.size());
    used_plans.push_back(plans[k]);
    levels_max = std::max(levels_max, plans[k].levels);
    const int base = int(images.size());
    const math::mtb_grey_weights gw = math::make_mtb_grey_weights(o.grey, f.order(), f.channels());
    for (std::size_t i = 0; i < j.views.size(); ++i) {
      mtb_image im{};
      im.src = src[k][i];
      im.row_bytes = rows[k][i];
      im.width = f.width();
      im.height = f.height();
      im.channels = f.channels();
      im.plan = p;
      im.gw = gw;
      im.grey = grey_bytes;
      im.bits = bit_words;
      im.hist = int(images.size()) * math::mtb_max_levels;
      grey_bytes += (long long)packed_image_stride(std::size_t(f.width()) * std::size_t(f.height()));
      bit_words += plans[k].words;
      images.push_back(im);
    }
    for (std::size_t i = 0; i < j.views.size(); ++i) {
      if (i == j.pivot) continue;
      pairs.push_back({base + int(j.pivot), base + int(i), p});
      pair_of.emplace_back(k, i);
    }
  }

  if (!pairs.empty()) {
    task_list grey_tasks, bitmap_tasks;
    std::vector<task_list> search_tasks(static_cast<std::size_t>(levels_max));
    for (std::size_t i = 0; i < images.size(); ++i) {
      const mtb_image& im = images[i];
      const math::mtb_plan& plan = used_plans[std::size_t(im.plan)];
      grey_tasks.add(int(i), 0, im.height, kGreyPixelsPerBlock / im.width);
      for (int l = 0; l < plan.levels; ++l)
        bitmap_tasks.add(int(i), l, (long long)plan.level[l].words * plan.level[l].height, kBitmapWordsPerBlock);
    }
    for (std::size_t p = 0; p < pairs.size(); ++p) {
      const math::mtb_plan& plan = used_plans[std::size_t(pairs[p].plan)];
      for (int l = 0; l < plan.levels; ++l)
        search_tasks[std::size_t(l)].add(int(p), l, (long long)plan.level[l].words * plan.level[l].height,
                                         kSearchWordsPerBlock);
    }
    upload_pack up;
    const std::size_t o_plans = up.add(used_plans), o_images = up.add(images), o_pairs = up.add(pairs);
    const packed_tasks t_grey = pack(up, grey_tasks), t_bits = pack(up, bitmap_tasks);
    std::vector<packed_tasks> t_search;
    for (const task_list& l : search_tasks) t_search.push_back(pack(up, l));
    up.upload(ctx);
    const auto* d_plans = up.at<const math::mtb_plan>(o_plans);
    const auto* d_images = up.at<const mtb_image>(o_images);
    const auto* d_pairs = up.at<const mtb_pair>(o_pairs);

    const std::size_t n_img = images.size(), n_pairs = pairs.size();
    device_buffer<std::uint8_t> grey(ctx, std::size_t(grey_bytes));
    device_buffer<std::uint64_t> bits(ctx, std::size_t(bit_words));
    device_buffer<math::mtb_thresholds> thr(ctx, n_img * math::mtb_max_levels);
    // Counters zeroed by one memset: the histograms, the pairs' error counts and their search states.
    const std::size_t hist_bytes = (n_img * math::mtb_max_levels * 256 * sizeof(unsigned) + 255) / 256 * 256;
    const std::size_t err_bytes = (n_pairs * math::mtb_max_levels * 9 * sizeof(unsigned long long) + 255) / 256 * 256;
    device_buffer<std::byte> counters(ctx, hist_bytes + err_bytes + n_pairs * sizeof(mtb_state));
    counters.zero();
    auto* d_hist = reinterpret_cast<unsigned*>(counters.data());
    auto* d_err = reinterpret_cast<unsigned long long*>(counters.data() + hist_bytes);
    auto* d_state = reinterpret_cast<mtb_state*>(counters.data() + hist_bytes + err_bytes);

    grey_hist_kernel<<<grid_of(t_grey.blocks), kThreads, 0, ctx.stream()>>>(d_images, d_plans, t_grey.on(up), grey.data(),
                                                                            d_hist);
    HDRGPU_CUDA_CHECK_LAUNCH();
    const long long n_thr = (long long)n_img * math::mtb_max_levels;
    thresholds_kernel<<<grid_of((n_thr + kThreads - 1) / kThreads), kThreads, 0, ctx.stream()>>>(
        d_images, d_plans, int(n_img), d_hist, o.exclude_range, thr.data());
    HDRGPU_CUDA_CHECK_LAUNCH();
    bitmap_kernel<<<grid_of(t_bits.blocks), kThreads, 0, ctx.stream()>>>(d_images, d_plans, t_bits.on(up), grey.data(),
                                                                         thr.data(), bits.data());
    HDRGPU_CUDA_CHECK_LAUNCH();
    const unsigned pick_grid = grid_of((long long)(n_pairs + kThreads - 1) / kThreads);
    for (int l = levels_max - 1; l >= 0; --l) {
      const packed_tasks& ts = t_search[std::size_t(l)];
      if (ts.n > 0) {
        search_kernel<<<grid_of(ts.blocks), kThreads, 0, ctx.stream()>>>(l, d_pairs, d_images, d_plans, ts.on(up),
                                                                         bits.data(), d_state, d_err);
        HDRGPU_CUDA_CHECK_LAUNCH();
      }
      pick_kernel<<<pick_grid, kThreads, 0, ctx.stream()>>>(l, d_pairs, d_plans, int(n_pairs), d_err, d_state);
      HDRGPU_CUDA_CHECK_LAUNCH();
    }
    std::vector<mtb_state> states(n_pairs);
    download_sync(ctx, d_state, n_pairs, states.data());

    // Pairs run in image order, so the first failure of a job is the one the CPU backend reports.
    for (std::size_t p = 0; p < n_pairs; ++p) {
      job& j = *jobs[pair_of[p].first];
      if (!j.error.empty()) continue;
      const std::size_t i = pair_of[p].second;
      const mtb_state& st = states[p];
      if (st.failed) j.error = align_search_failure(j.who, i, plans[pair_of[p].first], st.failed - 1, st.dx, st.dy);
      else j.shifts[i] = {st.dx, st.dy};
    }
  }

  for (job* jp : jobs) {
    job& j = *jp;
    if (j.error.empty() && j.images) {
      try {
        j.crop = align_cut(j.shifts, j.views.front().width(), j.views.front().height(), o.cut, j.who);
      } catch (const invalid_argument& e) {
        j.error = e.what();
      }
    }
    if (!j.error.empty()) j.shifts.clear();
  }
  make_images(ctx, jobs, src, rows);
  // Pinned host views are copied straight from the caller's memory: the stream must have read them before
  // this returns (make_images and the state download synchronise already when they run).
  if (!uploads.empty()) ctx.synchronize();
}

/// Runs the jobs in groups of about kGroupBytes of device memory.
void run_jobs(cuda_context& ctx, std::vector<job>& jobs, const align_mtb_options& o) {
  std::size_t first = 0;
  while (first < jobs.size()) {
    std::vector<job*> group;
    std::size_t bytes = 0;
    while (first + group.size() < jobs.size() && (group.empty() || bytes < kGroupBytes)) {
      job& j = jobs[first + group.size()];
      const std::size_t b = job_bytes(j);
      if (!group.empty() && bytes + b > kGroupBytes) break;
      bytes += b;
      group.push_back(&j);
    }
    run_group(ctx, group, o);
    first += group.size();
  }
}

/// A single call: its job's error becomes the exception the CPU backend throws.
job run_one(const cuda_executor& exec, std::span<const image_view<const std::uint8_t>> views, std::string who,
            std::size_t pivot, bool images, const align_mtb_options& o) {
  check_align_options(o, who);
  check_align_views(views, who, 2, false);
  cuda_context& ctx = exec.context();
  const auto scope = ctx.activate();
  const sync_on_unwind guard(ctx);
  std::vector<job> jobs(1);
  jobs[0].views = views;
  jobs[0].who = std::move(who);
  jobs[0].pivot = pivot;
  jobs[0].images = images;
  run_jobs(ctx, jobs, o);
  if (!jobs[0].error.empty()) throw invalid_argument(jobs[0].error);
  return std::move(jobs[0]);
}

}  // namespace
}  // namespace detail::cuda

image_shift calculate_shift(const cuda_executor& exec, image_view<const std::uint8_t> img0,
                            image_view<const std::uint8_t> img1, const align_mtb_options& opts) {
  const image_view<const std::uint8_t> both[2] = {img0, img1};
  return detail::cuda::run_one(exec, both, "calculate_shift", 0, false, opts).shifts[1];
}

std::vector<image_shift> align_mtb_shifts(const cuda_executor& exec, std::span<const image_view<const std::uint8_t>> images,
                                          const align_mtb_options& opts) {
  return detail::cuda::run_one(exec, images, "align_mtb", images.size() / 2, false, opts).shifts;
}

std::vector<image_shift> align_mtb_shifts(const cuda_executor& exec, const exposure_stack<std::uint8_t>& stack,
                                          const align_mtb_options& opts) {
  return detail::cuda::run_one(exec, stack.views(), stack.label(), stack.size() / 2, false, opts).shifts;
}

mtb_alignment align_mtb(const cuda_executor& exec, std::span<const image_view<const std::uint8_t>> images,
                        const align_mtb_options& opts) {
  detail::cuda::job j = detail::cuda::run_one(exec, images, "align_mtb", images.size() / 2, true, opts);
  return {std::move(j.shifts), std::move(j.out), j.crop};
}

mtb_alignment align_mtb(const cuda_executor& exec, const exposure_stack<std::uint8_t>& stack,
                        const align_mtb_options& opts) {
  detail::cuda::job j = detail::cuda::run_one(exec, stack.views(), stack.label(), stack.size() / 2, true, opts);
  return {std::move(j.shifts), std::move(j.out), j.crop};
}

image<std::uint8_t> shift_image(const cuda_executor& exec, image_view<const std::uint8_t> src, image_shift s) {
  HDRGPU_EXPECTS(!src.empty(), "shift_image: empty image");
  detail::check_shift(src.width(), src.height(), s, "shift_image");
  detail::cuda::cuda_context& ctx = exec.context();
  const auto scope = ctx.activate();
  const detail::cuda::sync_on_unwind guard(ctx);
  detail::cuda::job j;
  j.views = std::span<const image_view<const std::uint8_t>>(&src, 1);
  j.images = true;
  j.shifts = {s};
  j.crop = {0, 0, src.width(), src.height()};
  const std::size_t row = std::size_t(src.width()) * std::size_t(src.channels());
  std::vector<std::vector<const std::uint8_t*>> ptr{{src.data()}};
  std::vector<std::vector<long long>> rows{{static_cast<long long>(src.row_bytes())}};
  detail::cuda::device_buffer<std::uint8_t> up;
  if (src.space() == memory_space::host) {
    up = detail::cuda::upload_packed(ctx, src);
    ptr[0][0] = up.data();
    rows[0][0] = static_cast<long long>(row);
  }
  detail::cuda::job* jp = &j;
  detail::cuda::make_images(ctx, std::span<detail::cuda::job*>(&jp, 1), ptr, rows);
  return std::move(j.out.front());
}

std::vector<align_result> align_mtb_batch(const cuda_executor& exec, std::span<const exposure_stack<std::uint8_t>> stacks,
                                          const align_mtb_options& opts, align_output output) {
  detail::check_align_options(opts, "align_mtb_batch");
  detail::cuda::cuda_context& ctx = exec.context();
  const auto scope = ctx.activate();
  const detail::cuda::sync_on_unwind guard(ctx);
  std::vector<detail::cuda::job> jobs(stacks.size());
  for (std::size_t i = 0; i < stacks.size(); ++i) {
    jobs[i].views = stacks[i].views();
    jobs[i].who = stacks[i].label();
    jobs[i].pivot = stacks[i].size() / 2;
    jobs[i].images = output == align_output::images;
  }
  detail::cuda::run_jobs(ctx, jobs, opts);
  std::vector<align_result> out(stacks.size());
  for (std::size_t i = 0; i < stacks.size(); ++i) {
    if (!jobs[i].error.empty()) {
      out[i].error = std::move(jobs[i].error);
      continue;
    }
    out[i].alignment = {std::move(jobs[i].shifts), std::move(jobs[i].out),
                        output == align_output::images ? jobs[i].crop : align_crop{}};
  }
  return out;
}

}  // namespace hdrgpu
