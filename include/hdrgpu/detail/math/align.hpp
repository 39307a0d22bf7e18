// AlignMTB (Ward 2003, OpenCV photo/align.cpp) per-pixel and per-level maths, shared by the CPU loops and
// the CUDA kernels. Everything is integer arithmetic, so both backends give identical results.
//
// Bitmap layout (both backends): per image, per pyramid level l (w_l = W >> l, h_l = H >> l, the size
// OpenCV's repeated decimation gives), `words` = ceil(w_l / 64) 64-bit words per bitmap row. Row y of
// level l holds the threshold bitmap's words and then the exclusion bitmap's words (2 * words in all),
// starting at word `offset + y * 2 * words`. Bit i of word k is pixel x = 64 k + i; bits at x >= w_l are
// zero in both bitmaps, which is what makes the shifted XOR/AND below equal to OpenCV's zero-filled
// shiftMat without any bounds test per pixel.
#pragma once

#include <cmath>
#include <cstdint>

#include <hdrgpu/compat.hpp>
#include <hdrgpu/detail/macros.hpp>
#include <hdrgpu/image.hpp>

namespace hdrgpu::detail::math {

/// Most pyramid levels any image can have: maxlevel <= log2(2^31) - 1 = 30, so at most 31 levels.
inline constexpr int mtb_max_levels = 31;

/// Fixed-point RGB2GRAY weights (OpenCV's 8-bit cvtColor: 15 fractional bits, rounding constant 2^14)
/// in memory order; one channel: {32768, 0, 0}, which gives the sample back unchanged.
struct mtb_grey_weights {
  int k[3];
  int channels;
};

/// 0.299 (9798) goes to the heavy channel: blue under opencv_bgr (what OpenCV's RGB2GRAY does to imread
/// data), red under rec601; 0.587 (19235) to green; 0.114 (3735) to the remaining one.
inline mtb_grey_weights make_mtb_grey_weights(grey_rule rule, channel_order order, int channels) {
  mtb_grey_weights g{{32768, 0, 0}, channels};
  if (channels >= 3) {
    const int red = order == channel_order::rgb ? 0 : 2;
    const int heavy = rule == grey_rule::rec601 ? red : 2 - red;
    g.k[heavy] = 9798;
    g.k[1] = 19235;
    g.k[2 - heavy] = 3735;
  }
  return g;
}

/// OpenCV's 8-bit RGB2GRAY of one pixel in memory order (c1, c2 ignored for one channel).
HDRGPU_HOST_DEVICE inline std::uint8_t mtb_grey(const mtb_grey_weights& g, int c0, int c1, int c2) {
  return static_cast<std::uint8_t>((g.k[0] * c0 + g.k[1] * c1 + g.k[2] * c2 + 16384) >> 15);
}

/// One pyramid level: size, words per bitmap row, first word of its rows in the image's bitmap block.
struct mtb_level {
  int width, height, words;
  long long offset;
};

/// The pyramid of one image size: `levels` = maxlevel + 1.
struct mtb_plan {
  int levels;
  long long words;  ///< bitmap words per image, all levels
  mtb_level level[mtb_max_levels];
  /// True when the top level is narrower or lower than 2 pixels: its candidates dx = -1 and +1 (or dy) cannot
  /// both fit (see mtb_shift_fits), so OpenCV's search always fails its ROI assertion there. Otherwise no
  /// search can fail: H >> l >= 2 << (maxlevel - l) > 2^(maxlevel - l + 1) - 1, the largest |shift| on level l.
  bool degenerate;
};

/// OpenCV's maxlevel: (int)(log(max(H, W)) / log(2)) - 1 in double (the same libm calls, so the same
/// answer at exact powers of two), capped at max_bits - 1. Host only.
inline int mtb_max_level(int width, int height, int max_bits) {
  const int m = width > height ? width : height;
  int maxlevel = static_cast<int>(std::log(static_cast<double>(m)) / std::log(2.0)) - 1;
  if (maxlevel > max_bits - 1) maxlevel = max_bits - 1;
  if (maxlevel > mtb_max_levels - 1) maxlevel = mtb_max_levels - 1;
  return maxlevel;
}

inline mtb_plan make_mtb_plan(int width, int height, int max_bits) {
  mtb_plan p{};
  p.levels = mtb_max_level(width, height, max_bits) + 1;
  if (p.levels < 0) p.levels = 0;
  long long off = 0;
  for (int l = 0; l < p.levels; ++l) {
    mtb_level& v = p.level[l];
    v.width = width >> l;
    v.height = height >> l;
    v.words = (v.width + 63) / 64;
    v.offset = off;
    off += 2LL * v.words * v.height;
  }
  // No level at all happens only for 1x1 images (with max_bits >= 1); OpenCV then writes past its empty
  // pyramid vector, so that is refused too.
  p.degenerate = p.levels == 0 || p.level[p.levels - 1].width < 2 || p.level[p.levels - 1].height < 2;
  p.words = off;
  return p;
}

/// OpenCV's getMedian on a level's 256-bin histogram: the bins are f32 (calcHist), summed as int until
/// the running sum reaches npix / 2. The result is one more than the usual median bin (0..256).
HDRGPU_HOST_DEVICE inline int mtb_median(const unsigned* hist, long long npix) {
  const int thresh = static_cast<int>(npix) / 2;
  int m = 0, s = 0;
  while (s < thresh && m < 256) {
    s += static_cast<int>(static_cast<float>(hist[m]));
    ++m;
  }
  return m;
}

/// A level's bitmap rule as byte thresholds: tb = g > gt; eb = |g - m| > exclude_range, i.e. g > hi or
/// g < lo. Clamping to 0..255 keeps the comparisons exact: g > 255 and g < 0 are never true.
struct mtb_thresholds {
  std::uint8_t gt, hi, lo;
};

HDRGPU_HOST_DEVICE inline mtb_thresholds make_mtb_thresholds(int median, int exclude_range) {
  const int hi = median + exclude_range, lo = median - exclude_range;
  mtb_thresholds t;
  t.gt = static_cast<std::uint8_t>(median > 255 ? 255 : median);
  t.hi = static_cast<std::uint8_t>(hi > 255 ? 255 : hi);
  t.lo = static_cast<std::uint8_t>(lo < 0 ? 0 : lo);
  return t;
}

HDRGPU_HOST_DEVICE inline bool mtb_tb(const mtb_thresholds& t, int g) { return g > t.gt; }
HDRGPU_HOST_DEVICE inline bool mtb_eb(const mtb_thresholds& t, int g) { return (g > t.hi) | (g < t.lo); }

/// Word k of a bitmap row shifted right by D pixels (content moves to higher x, zeros come in), given
/// a = source word k - q and b = source word k - q - 1 (0 where outside the row), q = floor(D / 64),
/// r = D mod 64. (b >> 1) >> (63 - r) is b >> (64 - r) without the undefined shift by 64 when r = 0.
HDRGPU_HOST_DEVICE inline std::uint64_t mtb_funnel(std::uint64_t a, std::uint64_t b, int r) {
  return (a << r) | ((b >> 1) >> (63 - r));
}

/// Pixels counted by OpenCV's XOR/AND error in one word: threshold bits that differ, where neither image
/// excludes the pixel.
HDRGPU_HOST_DEVICE inline std::uint64_t mtb_error_bits(std::uint64_t tb0, std::uint64_t eb0, std::uint64_t tb1s,
                                                       std::uint64_t eb1s) {
  return (tb0 ^ tb1s) & eb0 & eb1s;
}

/// Candidate c (0..8) of the search around `shift`, in OpenCV's loop order: dx outer, dy inner, -1..1.
HDRGPU_HOST_DEVICE inline int mtb_candidate_dx(int c) { return c / 3 - 1; }
HDRGPU_HOST_DEVICE inline int mtb_candidate_dy(int c) { return c % 3 - 1; }

/// OpenCV's choice among the 9 candidates of a level: the first strict minimum, starting from the
/// level's pixel count. `err` are the candidates' counts. Returns the chosen candidate index, or -1
/// when none beats npix (the shift stays where it was).
HDRGPU_HOST_DEVICE inline int mtb_pick(const unsigned long long* err, long long npix) {
  long long min_err = static_cast<long long>(static_cast<int>(npix));  // OpenCV: (int)total()
  int best = -1;
  for (int c = 0; c < 9; ++c)
    if (static_cast<long long>(err[c]) < min_err) {
      min_err = static_cast<long long>(err[c]);
      best = c;
    }
  return best;
}

/// Whether OpenCV's shiftMat accepts `d` on a level of w x h pixels: |dx| < w and |dy| < h. (With |dx| = w
/// the copied region is empty and copyTo's release of the fixed-size destination ROI asserts.)
HDRGPU_HOST_DEVICE inline bool mtb_shift_fits(int dx, int dy, int w, int h) {
  return (dx < 0 ? -dx : dx) < w && (dy < 0 ? -dy : dy) < h;
}

}  // namespace hdrgpu::detail::math
