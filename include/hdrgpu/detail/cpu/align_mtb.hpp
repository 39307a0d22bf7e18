// CPU backend of AlignMTB (OpenCV photo/align.cpp): per image one pass computing the grey image and the
// histograms of every pyramid level (a pixel of level l is the grey pixel (x << l, y << l), so no pyramid
// is built), then the threshold and exclusion bitmaps of every level packed 64 pixels to a word, then the
// coarse-to-fine search of OpenCV's 9 candidates per level with XOR/AND/popcount on whole words. All of
// it is integer arithmetic and runs rows in parallel, so results do not depend on the thread count.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <span>
#include <string>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include <hdrgpu/compat.hpp>
#include <hdrgpu/detail/math/align.hpp>
#include <hdrgpu/error.hpp>
#include <hdrgpu/executor.hpp>
#include <hdrgpu/image.hpp>

namespace hdrgpu::detail::cpu {

// ---- grey conversion -------------------------------------------------------------------------------

#if defined(__SSE2__)
/// One step of the stride-3 deinterleave: viewing the 48 bytes (a, b, c) as one sequence, the byte at
/// position i moves to position 2 i mod 47. Four steps move byte 3 j + ch to 16 ch + j, because
/// 16 * 3 = 48 = 1 (mod 47): a, b, c then hold channel 0, 1, 2 of 16 pixels.
inline void mtb_deinterleave_step(__m128i& a, __m128i& b, __m128i& c) {
  const __m128i a1 = _mm_unpacklo_epi8(a, _mm_unpackhi_epi64(b, b));
  const __m128i b1 = _mm_unpacklo_epi8(_mm_unpackhi_epi64(a, a), c);
  const __m128i c1 = _mm_unpacklo_epi8(b, _mm_unpackhi_epi64(c, c));
  a = a1;
  b = b1;
  c = c1;
}

/// Y of 4 pixels from 16-bit channel lanes: k0 c0 + k1 c1 + k2 c2 + 16384 as two madd pairs, >> 15.
inline __m128i mtb_grey4(__m128i c0, __m128i c1, __m128i c2, __m128i k01, __m128i k2r) {
  const __m128i s = _mm_add_epi32(_mm_madd_epi16(_mm_unpacklo_epi16(c0, c1), k01),
                                  _mm_madd_epi16(_mm_unpacklo_epi16(c2, _mm_set1_epi16(1)), k2r));
  return _mm_srli_epi32(s, 15);
}
#endif

/// OpenCV's 8-bit RGB2GRAY of one row of `width` pixels with C (3 or 4) interleaved channels.
template <int C>
void mtb_grey_row(const std::uint8_t* src, int width, const math::mtb_grey_weights& g, std::uint8_t* out) {
  int x = 0;
#if defined(__SSE2__)
  const __m128i k01 = _mm_set1_epi32(int(std::uint32_t(g.k[0]) | (std::uint32_t(g.k[1]) << 16)));
  const __m128i k2r = _mm_set1_epi32(int(std::uint32_t(g.k[2]) | (16384u << 16)));
  const __m128i zero = _mm_setzero_si128();
  if constexpr (C == 3) {
    for (; x + 16 <= width; x += 16) {
      const std::uint8_t* p = src + std::ptrdiff_t(x) * 3;
      __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16));
      __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 32));
      for (int s = 0; s < 4; ++s) mtb_deinterleave_step(a, b, c);
      __m128i y[4];
      for (int h = 0; h < 2; ++h) {
        const __m128i c0 = h ? _mm_unpackhi_epi8(a, zero) : _mm_unpacklo_epi8(a, zero);
        const __m128i c1 = h ? _mm_unpackhi_epi8(b, zero) : _mm_unpacklo_epi8(b, zero);
        const __m128i c2 = h ? _mm_unpackhi_epi8(c, zero) : _mm_unpacklo_epi8(c, zero);
        y[2 * h] = mtb_grey4(c0, c1, c2, k01, k2r);
        y[2 * h + 1] = mtb_grey4(_mm_unpackhi_epi64(c0, c0), _mm_unpackhi_epi64(c1, c1), _mm_unpackhi_epi64(c2, c2),
                                 k01, k2r);
      }
      const __m128i lo = _mm_packs_epi32(y[0], y[1]), hi = _mm_packs_epi32(y[2], y[3]);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + x), _mm_packus_epi16(lo, hi));
    }
  } else {
    const __m128i low_bytes = _mm_set1_epi32(0x00ff00ff);
    const __m128i k1 = _mm_set1_epi32(g.k[1]);
    const __m128i k02 = _mm_set1_epi32(int(std::uint32_t(g.k[0]) | (std::uint32_t(g.k[2]) << 16)));
    const __m128i round = _mm_set1_epi32(16384);
    for (; x + 16 <= width; x += 16) {
      __m128i y[4];
      for (int q = 0; q < 4; ++q) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + std::ptrdiff_t(x + 4 * q) * 4));
        const __m128i even = _mm_and_si128(v, low_bytes);                    // c0, c2 as 16-bit lanes
        const __m128i odd = _mm_and_si128(_mm_srli_epi16(v, 8), low_bytes);  // c1, c3
        const __m128i s = _mm_add_epi32(_mm_add_epi32(_mm_madd_epi16(even, k02), _mm_madd_epi16(odd, k1)), round);
        y[q] = _mm_srli_epi32(s, 15);
      }
      const __m128i lo = _mm_packs_epi32(y[0], y[1]), hi = _mm_packs_epi32(y[2], y[3]);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + x), _mm_packus_epi16(lo, hi));
    }
  }
#endif
  for (; x < width; ++x) {
    const std::uint8_t* p = src + std::ptrdiff_t(x) * C;
    out[x] = math::mtb_grey(g, p[0], p[1], p[2]);
  }
}

// ---- bitmaps ---------------------------------------------------------------------------------------

/// Packs `n` contiguous grey samples into threshold and exclusion words (bit i of word k: sample 64 k + i;
/// bits past n are zero).
inline void mtb_pack_row(const std::uint8_t* g, int n, const math::mtb_thresholds& t, std::uint64_t* tb,
                         std::uint64_t* eb) {
  int x = 0, k = 0;
#if defined(__SSE2__)
  const __m128i gt = _mm_set1_epi8(char(t.gt)), hi = _mm_set1_epi8(char(t.hi)), lo = _mm_set1_epi8(char(t.lo));
  const __m128i zero = _mm_setzero_si128();
  for (; x + 64 <= n; x += 64, ++k) {
    std::uint64_t tw = 0, ew = 0;
    for (int q = 0; q < 4; ++q) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(g + x + 16 * q));
      // g > t exactly when the saturating difference g - t is not zero.
      const unsigned not_tb = unsigned(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_subs_epu8(v, gt), zero)));
      const __m128i out = _mm_or_si128(_mm_subs_epu8(v, hi), _mm_subs_epu8(lo, v));
      const unsigned not_eb = unsigned(_mm_movemask_epi8(_mm_cmpeq_epi8(out, zero)));
      tw |= std::uint64_t(~not_tb & 0xffffu) << (16 * q);
      ew |= std::uint64_t(~not_eb & 0xffffu) << (16 * q);
    }
    tb[k] = tw;
    eb[k] = ew;
  }
#endif
  for (; x < n; x += 64, ++k) {
    std::uint64_t tw = 0, ew = 0;
    const int m = std::min(64, n - x);
    for (int i = 0; i < m; ++i) {
      tw |= std::uint64_t(math::mtb_tb(t, g[x + i])) << i;
      ew |= std::uint64_t(math::mtb_eb(t, g[x + i])) << i;
    }
    tb[k] = tw;
    eb[k] = ew;
  }
}

/// The grey image an image's bitmaps are built from: the samples themselves for one channel, else the
/// converted copy in `scratch`.
struct mtb_grey_plane {
  const std::uint8_t* data;
  std::ptrdiff_t row_bytes;
  const std::uint8_t* row(int y) const { return data + std::ptrdiff_t(y) * row_bytes; }
};

/// Rows per parallel chunk for a level of `w` pixels: about 64 KB of grey per chunk.
inline std::size_t mtb_grain(int w) { return std::max<std::size_t>(1, std::size_t(65536) / std::size_t(std::max(w, 1))); }

/// Builds every level's bitmaps of `img` (host, validated) into `out` (plan.words words). `scratch` holds
/// the grey image of colour input between the two passes.
inline void mtb_build_bitmaps(const cpu_executor& exec, image_view<const std::uint8_t> img,
                              const math::mtb_grey_weights& gw, const math::mtb_plan& plan, int exclude_range,
                              std::vector<std::uint8_t>& scratch, std::uint64_t* out) {
  const int W = img.width(), H = img.height(), C = img.channels(), L = plan.levels;
  if (L == 0) return;
  mtb_grey_plane grey{img.data(), img.row_bytes()};
  if (C != 1) {
    scratch.resize(std::size_t(W) * std::size_t(H));
    grey = {scratch.data(), W};
  }
  std::uint8_t* const grey_out = C != 1 ? scratch.data() : nullptr;

  // Pass 1: grey (colour input) and the histogram of every level. Counts are integers, so merging the
  // chunks' histograms in any order gives the same totals. Neighbouring pixels are often equal, so each
  // histogram is split into interleaved copies (8 for level 0, 4 for the others): consecutive increments
  // then hit different counters instead of waiting for each other's stores.
  std::vector<unsigned> hist(std::size_t(L) * 256, 0u);
  std::mutex merge;
  exec.parallel_ranges(std::size_t(H), mtb_grain(W), [&](std::size_t a, std::size_t b) {
    std::vector<unsigned> local(std::size_t(8 + 4 * (L - 1)) * 256, 0u);
    unsigned* const h = local.data();
    auto level_hist = [h](int l) { return h + std::size_t(8 + 4 * (l - 1)) * 256; };
    for (int y = int(a); y < int(b); ++y) {
      if (C == 3) mtb_grey_row<3>(img.row(y), W, gw, grey_out + std::ptrdiff_t(y) * W);
      else if (C == 4) mtb_grey_row<4>(img.row(y), W, gw, grey_out + std::ptrdiff_t(y) * W);
      const std::uint8_t* g = grey.row(y);
      int x = 0;
      for (; x + 8 <= W; x += 8) {
        std::uint64_t v;
        std::memcpy(&v, g + x, 8);  // one load: the increments below cannot make the compiler reload g
        for (int k = 0; k < 8; ++k) ++h[256 * k + ((v >> (8 * k)) & 255u)];
      }
      for (; x < W; ++x) ++h[g[x]];
      for (int l = 1; l < L && (y & ((1 << l) - 1)) == 0; ++l) {
        if ((y >> l) >= plan.level[l].height) break;
        unsigned* const hl = level_hist(l);
        const int wl = plan.level[l].width;
        int xl = 0;
        for (; xl + 4 <= wl; xl += 4) {
          const unsigned v0 = g[std::ptrdiff_t(xl) << l], v1 = g[std::ptrdiff_t(xl + 1) << l];
          const unsigned v2 = g[std::ptrdiff_t(xl + 2) << l], v3 = g[std::ptrdiff_t(xl + 3) << l];
          ++hl[v0];
          ++hl[256 + v1];
          ++hl[512 + v2];
          ++hl[768 + v3];
        }
        for (; xl < wl; ++xl) ++hl[g[std::ptrdiff_t(xl) << l]];
      }
    }
    const std::lock_guard<std::mutex> lock(merge);
    for (int v = 0; v < 256; ++v)
      for (int k = 0; k < 8; ++k) hist[std::size_t(v)] += h[256 * k + v];
    for (int l = 1; l < L; ++l)
      for (int v = 0; v < 256; ++v)
        for (int k = 0; k < 4; ++k) hist[std::size_t(l) * 256 + std::size_t(v)] += level_hist(l)[256 * k + v];
  });

  math::mtb_thresholds thr[math::mtb_max_levels];
  for (int l = 0; l < L; ++l) {
    const math::mtb_level& lv = plan.level[l];
    thr[l] = math::make_mtb_thresholds(math::mtb_median(hist.data() + std::size_t(l) * 256,
                                                        (long long)lv.width * lv.height),
                                       exclude_range);
  }

  // Pass 2: the bitmaps of all levels, one task range over all their rows.
  std::size_t first_row[math::mtb_max_levels + 1];
  first_row[0] = 0;
  for (int l = 0; l < L; ++l) first_row[l + 1] = first_row[l] + std::size_t(plan.level[l].height);
  exec.parallel_ranges(first_row[L], mtb_grain(W), [&](std::size_t a, std::size_t b) {
    std::vector<std::uint8_t> row;
    int l = 0;
    for (std::size_t r = a; r < b; ++r) {
      while (r >= first_row[l + 1]) ++l;
      const math::mtb_level& lv = plan.level[l];
      const int y = int(r - first_row[l]);
      std::uint64_t* tb = out + lv.offset + std::ptrdiff_t(y) * 2 * lv.words;
      const std::uint8_t* g = grey.row(y << l);
      if (l > 0) {
        row.resize(std::size_t(lv.width));
        for (int x = 0; x < lv.width; ++x) row[std::size_t(x)] = g[std::ptrdiff_t(x) << l];
        g = row.data();
      }
      mtb_pack_row(g, lv.width, thr[l], tb, tb + lv.words);
    }
  });
}

// ---- shift search ----------------------------------------------------------------------------------

inline unsigned mtb_popcount(std::uint64_t x) {
#if defined(__x86_64__) && !defined(__POPCNT__)
  // Without the popcnt instruction GCC calls a libgcc routine; the SWAR count stays inline.
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
  return unsigned((x * 0x0101010101010101ull) >> 56);
#else
  return unsigned(std::popcount(x));
#endif
}

/// OpenCV's error count over one row: pixels where row 0's threshold bit differs from row 1's shifted
/// right by D pixels (zero-filled), and neither exclusion bit (row 1's shifted too) is clear.
inline unsigned long long mtb_row_error(const std::uint64_t* tb0, const std::uint64_t* eb0, const std::uint64_t* tb1,
                                        const std::uint64_t* eb1, int nw, int D) {
  const int q = D >> 6, r = D & 63;  // floor division and non-negative remainder
  unsigned long long acc = 0;
  // Words with both sources (k - q and k - q - 1) inside the row.
  const int k_lo = std::max(q + 1, 0), k_hi = std::min(q + nw - 1, nw - 1);
  for (int k = k_lo; k <= k_hi; ++k) {
    const int j = k - q;
    const std::uint64_t t = math::mtb_funnel(tb1[j], tb1[j - 1], r), e = math::mtb_funnel(eb1[j], eb1[j - 1], r);
    acc += mtb_popcount(math::mtb_error_bits(tb0[k], eb0[k], t, e));
  }
  // The two edge words: source k - q = 0 (nothing before it) and k - q = nw (only its predecessor).
  if (q >= 0 && q < nw)
    acc += mtb_popcount(math::mtb_error_bits(tb0[q], eb0[q], math::mtb_funnel(tb1[0], 0, r), math::mtb_funnel(eb1[0], 0, r)));
  const int k_end = q + nw;
  if (k_end >= 0 && k_end < nw)
    acc += mtb_popcount(math::mtb_error_bits(tb0[k_end], eb0[k_end], math::mtb_funnel(0, tb1[nw - 1], r),
                                             math::mtb_funnel(0, eb1[nw - 1], r)));
  return acc;
}

/// Outcome of one pair's search: the shift, or the level where a candidate left the image (OpenCV's
/// shiftMat fails its ROI assertion there).
struct mtb_search_result {
  int dx = 0, dy = 0;
  int failed_level = -1;
  bool ok() const { return failed_level < 0; }
};

/// The 9 candidates' error counts on level `l` around shift (sx, sy), rows of image 0 in parallel.
inline void mtb_level_errors(const cpu_executor& exec, const math::mtb_level& lv, const std::uint64_t* b0,
                             const std::uint64_t* b1, int sx, int sy, unsigned long long err[9]) {
  std::fill(err, err + 9, 0ull);
  std::mutex merge;
  const std::ptrdiff_t stride = 2 * std::ptrdiff_t(lv.words);
  exec.parallel_ranges(std::size_t(lv.height), mtb_grain(lv.width), [&](std::size_t a, std::size_t b) {
    unsigned long long local[9] = {};
    for (int y = int(a); y < int(b); ++y) {
      const std::uint64_t* r0 = b0 + lv.offset + y * stride;
      for (int c = 0; c < 9; ++c) {
        const int ys = y - (sy + math::mtb_candidate_dy(c));
        if (ys < 0 || ys >= lv.height) continue;
        const std::uint64_t* r1 = b1 + lv.offset + ys * stride;
        local[c] += mtb_row_error(r0, r0 + lv.words, r1, r1 + lv.words, lv.words, sx + math::mtb_candidate_dx(c));
      }
    }
    const std::lock_guard<std::mutex> lock(merge);
    for (int c = 0; c < 9; ++c) err[c] += local[c];
  });
}

/// OpenCV's calculateShift on two images' bitmaps (same plan).
inline mtb_search_result mtb_search(const cpu_executor& exec, const math::mtb_plan& plan, const std::uint64_t* b0,
                                    const std::uint64_t* b1) {
  mtb_search_result res;
  for (int l = plan.levels - 1; l >= 0; --l) {
    const math::mtb_level& lv = plan.level[l];
    const int sx = res.dx * 2, sy = res.dy * 2;
    if (!math::mtb_shift_fits(std::abs(sx) + 1, std::abs(sy) + 1, lv.width, lv.height)) {
      res.failed_level = l;
      res.dx = sx;
      res.dy = sy;
      return res;
    }
    unsigned long long err[9];
    mtb_level_errors(exec, lv, b0, b1, sx, sy, err);
    const int best = math::mtb_pick(err, (long long)lv.width * lv.height);
    res.dx = sx + (best < 0 ? 0 : math::mtb_candidate_dx(best));
    res.dy = sy + (best < 0 ? 0 : math::mtb_candidate_dy(best));
  }
  return res;
}

// ---- shifting --------------------------------------------------------------------------------------

/// Where the CPU backend allocates aligned images. Large ones go to 2 MiB-aligned memory marked for
/// transparent huge pages on Linux: a fresh 36 MB output is then faulted in 18 times instead of ~9000,
/// which makes writing it about three times faster (page faults, not copying, dominate otherwise).
/// Small images, and other systems, use the heap. Freed with std::free either way.
inline host_allocator mtb_image_allocator() {
  return {[](std::size_t bytes) -> void* {
            constexpr std::size_t huge = std::size_t(2) << 20;
            void* p = nullptr;
#if defined(__linux__)
            if (bytes >= 4 * huge) {
              const std::size_t rounded = (bytes + huge - 1) / huge * huge;
              p = std::aligned_alloc(huge, rounded);
              if (p) (void)::madvise(p, rounded, MADV_HUGEPAGE);  // only a hint: failure is harmless
            }
#endif
            if (!p) p = std::malloc(bytes ? bytes : 1);
            if (!p) throw std::bad_alloc();
            return p;
          },
          [](void* p) { std::free(p); }};
}

/// OpenCV's shiftMat followed by a crop: out(x, y) = src(x + ox - dx, y + oy - dy), zero where that is
/// outside src. `out` is a host image of the crop's size with src's channel count.
inline void mtb_shift_into(const cpu_executor& exec, image_view<const std::uint8_t> src, int dx, int dy, int ox, int oy,
                           image_view<std::uint8_t> out) {
  const int W = src.width(), H = src.height(), C = src.channels(), OW = out.width(), OH = out.height();
  const int xs0 = ox - dx;  // source x of output column 0
  const int x_lo = std::clamp(-xs0, 0, OW), x_hi = std::clamp(W - xs0, x_lo, OW);
  exec.parallel_ranges(std::size_t(OH), std::max<std::size_t>(1, 65536 / (std::size_t(OW) * C + 1)),
                       [&](std::size_t a, std::size_t b) {
    for (int y = int(a); y < int(b); ++y) {
      std::uint8_t* o = out.row(y);
      const int ys = y + oy - dy;
      if (ys < 0 || ys >= H || x_lo == x_hi) {
        std::memset(o, 0, std::size_t(OW) * C);
        continue;
      }
      std::memset(o, 0, std::size_t(x_lo) * C);
      std::memcpy(o + std::ptrdiff_t(x_lo) * C, src.row(ys) + std::ptrdiff_t(x_lo + xs0) * C, std::size_t(x_hi - x_lo) * C);
      std::memset(o + std::ptrdiff_t(x_hi) * C, 0, std::size_t(OW - x_hi) * C);
    }
  });
}

}  // namespace hdrgpu::detail::cpu
