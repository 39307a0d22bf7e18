// Exposure alignment by median threshold bitmaps (Ward 2003), reproducing OpenCV's AlignMTB (photo
// module, 4.6 = 4.10 = newest known): same grey conversion, same "median", same decimation pyramid, same
// 9-candidate search and tie-breaking, same shiftMat border and the same cut. Translation only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include <hdrgpu/compat.hpp>
#include <hdrgpu/detail/cpu/align_mtb.hpp>
#include <hdrgpu/cuda_executor.hpp>
#include <hdrgpu/detail/math/align.hpp>
#include <hdrgpu/error.hpp>
#include <hdrgpu/executor.hpp>
#include <hdrgpu/exposure_stack.hpp>
#include <hdrgpu/image.hpp>

namespace hdrgpu {

/// OpenCV's createAlignMTB(max_bits, exclude_range, cut) parameters, plus the grey rule.
struct align_mtb_options {
  /// log2 of the largest shift searched: at most 2^max_bits - 1 pixels per axis (63 for 6). The pyramid
  /// also stops at log2(max(W, H)) - 1 levels, as in OpenCV. 1..31 (OpenCV writes out of bounds below 1).
  int max_bits = 6;
  /// Pixels within this many grey levels of the median are left out of the comparison (noise). 0..255.
  int exclude_range = 4;
  /// Crop every aligned image to the area all of them cover (OpenCV's cut), instead of leaving the
  /// zero-filled borders.
  bool cut = true;
  /// How colour becomes grey: opencv_bgr is OpenCV's RGB2GRAY on imread (BGR) data, 0.299 on blue (the
  /// view's channel_order says which channel that is), so the same file gives OpenCV's shifts however it
  /// was loaded; rec601 puts 0.299 on red.
  grey_rule grey = grey_rule::opencv_bgr;
};

/// A translation: OpenCV's shiftMat moves the content dx pixels right and dy pixels down.
struct image_shift {
  int dx = 0, dy = 0;
  friend bool operator==(const image_shift&, const image_shift&) = default;
};

/// Where the aligned images lie in the reference (middle) image's frame: aligned pixel (0, 0) is pixel
/// (x, y) there, so image i's aligned pixel (u, v) is its input pixel (u + x - dx_i, v + y - dy_i), or 0
/// where that is outside. Without cut: the whole frame. All zero when only shifts were computed.
struct align_crop {
  int x = 0, y = 0, width = 0, height = 0;
  friend bool operator==(const align_crop&, const align_crop&) = default;
};

/// The result of align_mtb: one shift per input image (the middle image, index N / 2, is the reference
/// and has (0, 0)); the aligned images (input channel count and order, crop.width x crop.height).
struct mtb_alignment {
  std::vector<image_shift> shifts;
  std::vector<image<std::uint8_t>> images;  ///< empty when only shifts were asked for
  align_crop crop;
};

/// One stack's outcome in a batch: the alignment, or why there is none (the message names the stack).
struct align_result {
  mtb_alignment alignment;
  std::string error;
  bool ok() const { return error.empty(); }
};

/// What a batch returns per stack: the shifts only, or also the aligned images.
enum class align_output { shifts, images };

namespace detail {

inline void check_align_options(const align_mtb_options& o, const std::string& who) {
  if (o.max_bits < 1 || o.max_bits > 31)
    throw invalid_argument(who + ": max_bits must be in 1..31, got " + std::to_string(o.max_bits));
  if (o.exclude_range < 0 || o.exclude_range > 255)
    throw invalid_argument(who + ": exclude_range must be in 0..255, got " + std::to_string(o.exclude_range));
  if (o.grey != grey_rule::opencv_bgr && o.grey != grey_rule::rec601) throw invalid_argument(who + ": unknown grey rule");
}

/// The checks every AlignMTB entry point makes: at least `min_images` views, none empty, all of the first
/// one's size, channel count, channel order (colour only) and memory space; host memory when `host_only`.
inline void check_align_views(std::span<const image_view<const std::uint8_t>> views, const std::string& who,
                              std::size_t min_images, bool host_only) {
  if (views.size() < min_images)
    throw invalid_argument(who + ": AlignMTB needs at least " + std::to_string(min_images) + " images, got " +
                           std::to_string(views.size()));
  const image_view<const std::uint8_t>& f = views.front();
  for (std::size_t i = 0; i < views.size(); ++i) {
    const image_view<const std::uint8_t>& v = views[i];
    const std::string which = who + ": image " + std::to_string(i);
    if (v.empty()) throw invalid_argument(which + " has no pixel data");
    if (host_only && v.space() != memory_space::host)
      throw invalid_argument(which + " is in device memory; the CPU backend needs host images");
    if (v.space() != f.space()) throw invalid_argument(which + " lives in a different memory space from image 0");
    if (v.width() != f.width() || v.height() != f.height())
      throw invalid_argument(which + " is " + std::to_string(v.width()) + "x" + std::to_string(v.height()) +
                             ", expected " + std::to_string(f.width()) + "x" + std::to_string(f.height()));
    if (v.channels() != f.channels())
      throw invalid_argument(which + " has " + std::to_string(v.channels()) + " channels, expected " +
                             std::to_string(f.channels()));
    if (v.channels() > 1 && v.order() != f.order()) throw invalid_argument(which + " has a different channel order");
  }
}

/// The pyramid of a validated W x H stack; throws where every search fails (a top level narrower or lower
/// than 2 pixels), which is where OpenCV's AlignMTB fails its ROI assertion too.
inline math::mtb_plan make_align_plan(int W, int H, const align_mtb_options& o, const std::string& who) {
  const math::mtb_plan plan = math::make_mtb_plan(W, H, o.max_bits);
  if (plan.degenerate) {
    const int top = std::max(plan.levels - 1, 0);
    throw invalid_argument(who + ": " + std::to_string(W) + "x" + std::to_string(H) + " images are too small for max_bits " +
                           std::to_string(o.max_bits) + ": pyramid level " + std::to_string(top) + " is " +
                           std::to_string(W >> top) + "x" + std::to_string(H >> top) +
                           " pixels, less than 2 in a direction (OpenCV's AlignMTB fails there too); lower max_bits");
  }
  return plan;
}

/// Text of a search that left the image at `level` (OpenCV's shiftMat fails its ROI assertion there).
inline std::string align_search_failure(const std::string& who, std::size_t image, const math::mtb_plan& plan, int level,
                                        int sx, int sy) {
  const math::mtb_level& lv = plan.level[level];
  return who + ": image " + std::to_string(image) + ": the shift search leaves the image at pyramid level " +
         std::to_string(level) + " (" + std::to_string(lv.width) + "x" + std::to_string(lv.height) +
         " pixels, candidates around (" + std::to_string(sx) + ", " + std::to_string(sy) +
         ")), where OpenCV's AlignMTB fails too; lower max_bits";
}

/// OpenCV's cut: the rectangle between the corners (max(0, max dx), max(0, max dy)) and (min(0, min dx) + W,
/// min(0, min dy) + H), normalised as cv::Rect(Point, Point) does (so shifts spanning more than the
/// image give OpenCV's odd but valid rectangle). The whole frame without cut. Throws when it is empty.
inline align_crop align_cut(std::span<const image_shift> shifts, int W, int H, bool cut, const std::string& who) {
  if (!cut) return {0, 0, W, H};
  int max_x = 0, max_y = 0, min_x = 0, min_y = 0;
  for (const image_shift& s : shifts) {
    max_x = std::max(max_x, s.dx);
    max_y = std::max(max_y, s.dy);
    min_x = std::min(min_x, s.dx);
    min_y = std::min(min_y, s.dy);
  }
  align_crop c;
  c.x = std::min(max_x, min_x + W);
  c.y = std::min(max_y, min_y + H);
  c.width = std::max(max_x, min_x + W) - c.x;
  c.height = std::max(max_y, min_y + H) - c.y;
  if (c.width <= 0 || c.height <= 0)
    throw invalid_argument(who + ": the shifts span the whole " + std::to_string(W) + "x" + std::to_string(H) +
                           " frame: nothing is left after cutting (align with cut = false)");
  return c;
}

/// OpenCV's shiftMat bound: |dx| < W and |dy| < H.
inline void check_shift(int W, int H, image_shift s, const std::string& who) {
  if (!math::mtb_shift_fits(s.dx, s.dy, W, H))
    throw invalid_argument(who + ": shift (" + std::to_string(s.dx) + ", " + std::to_string(s.dy) + ") does not fit the " +
                           std::to_string(W) + "x" + std::to_string(H) +
                           " image (OpenCV's shiftMat needs |dx| < width and |dy| < height)");
}

namespace cpu {

/// Shifts of views[i] against views[pivot] (validated, host): bitmaps of the pivot once, then each
/// other image's bitmaps and search in turn (two bitmap pyramids and one grey image live at a time).
inline std::vector<image_shift> align_shifts(const cpu_executor& exec, std::span<const image_view<const std::uint8_t>> views,
                                             std::size_t pivot, const align_mtb_options& o, const std::string& who) {
  const image_view<const std::uint8_t>& f = views.front();
  const math::mtb_plan plan = make_align_plan(f.width(), f.height(), o, who);
  const math::mtb_grey_weights gw = math::make_mtb_grey_weights(o.grey, f.order(), f.channels());
  std::vector<image_shift> shifts(views.size());
  std::vector<std::uint64_t> b0(std::size_t(plan.words)), b1(std::size_t(plan.words));
  std::vector<std::uint8_t> grey;
  mtb_build_bitmaps(exec, views[pivot], gw, plan, o.exclude_range, grey, b0.data());
  for (std::size_t i = 0; i < views.size(); ++i) {
    if (i == pivot) continue;
    mtb_build_bitmaps(exec, views[i], gw, plan, o.exclude_range, grey, b1.data());
    const mtb_search_result r = mtb_search(exec, plan, b0.data(), b1.data());
    if (!r.ok()) throw invalid_argument(align_search_failure(who, i, plan, r.failed_level, r.dx, r.dy));
    shifts[i] = {r.dx, r.dy};
  }
  return shifts;
}

inline image<std::uint8_t> shifted_copy(const cpu_executor& exec, image_view<const std::uint8_t> src, image_shift s,
                                        const align_crop& c) {
  image<std::uint8_t> out = image<std::uint8_t>::allocate(c.width, c.height, src.channels(), src.order(), mtb_image_allocator());
  mtb_shift_into(exec, src, s.dx, s.dy, c.x, c.y, out.view());
  return out;
}

inline mtb_alignment align(const cpu_executor& exec, std::span<const image_view<const std::uint8_t>> views,
                           const align_mtb_options& o, bool images, const std::string& who) {
  check_align_options(o, who);
  check_align_views(views, who, 2, true);
  mtb_alignment r;
  r.shifts = align_shifts(exec, views, views.size() / 2, o, who);
  if (!images) return r;
  r.crop = align_cut(r.shifts, views.front().width(), views.front().height(), o.cut, who);
  for (std::size_t i = 0; i < views.size(); ++i) r.images.push_back(shifted_copy(exec, views[i], r.shifts[i], r.crop));
  return r;
}

}  // namespace cpu
}  // namespace detail

// ---- CPU backend -----------------------------------------------------------------------------------
//
// Synchronous; results do not depend on the thread count. 8-bit images only (as OpenCV), 1, 3 or 4
// channels: colour is converted with OpenCV's fixed-point RGB2GRAY (opts.grey picks the channel that gets
// 0.299), one channel is used as it is (OpenCV's process() takes colour only). Throws invalid_argument for
// bad options, fewer than 2 images, empty or device views, mismatched sizes, channel counts or orders,
// and images too small for max_bits (OpenCV fails an assertion there).

/// OpenCV's calculateShift: the shift that moves img1 onto img0 (shift_image(img1, s) ~ img0).
inline image_shift calculate_shift(const cpu_executor& exec, image_view<const std::uint8_t> img0,
                                   image_view<const std::uint8_t> img1, const align_mtb_options& opts = {}) {
  const std::string who = "calculate_shift";
  detail::check_align_options(opts, who);
  const image_view<const std::uint8_t> both[2] = {img0, img1};
  detail::check_align_views(both, who, 2, true);
  return detail::cpu::align_shifts(exec, both, 0, opts, who)[1];
}

/// The shifts OpenCV's process() applies: shifts[i] = calculate_shift(images[N / 2], images[i]), (0, 0) for
/// the middle image. No aligned images are made.
inline std::vector<image_shift> align_mtb_shifts(const cpu_executor& exec,
                                                 std::span<const image_view<const std::uint8_t>> images,
                                                 const align_mtb_options& opts = {}) {
  return detail::cpu::align(exec, images, opts, false, "align_mtb").shifts;
}
inline std::vector<image_shift> align_mtb_shifts(const cpu_executor& exec, const exposure_stack<std::uint8_t>& stack,
                                                 const align_mtb_options& opts = {}) {
  return detail::cpu::align(exec, stack.views(), opts, false, stack.label()).shifts;
}

/// OpenCV's AlignMTB::process: the shifts, and every image shifted by its shift (zeros where no data),
/// then, with cut, cropped to `crop`. Byte for byte OpenCV's output (the middle image is copied).
inline mtb_alignment align_mtb(const cpu_executor& exec, std::span<const image_view<const std::uint8_t>> images,
                               const align_mtb_options& opts = {}) {
  return detail::cpu::align(exec, images, opts, true, "align_mtb");
}
/// Same for an exposure stack (times ignored); messages name the stack.
inline mtb_alignment align_mtb(const cpu_executor& exec, const exposure_stack<std::uint8_t>& stack,
                               const align_mtb_options& opts = {}) {
  return detail::cpu::align(exec, stack.views(), opts, true, stack.label());
}

/// OpenCV's shiftMat: out(x + dx, y + dy) = src(x, y), zero elsewhere. Throws invalid_argument unless
/// |dx| < W and |dy| < H (where OpenCV's shiftMat asserts).
inline image<std::uint8_t> shift_image(const cpu_executor& exec, image_view<const std::uint8_t> src, image_shift s) {
  HDRGPU_EXPECTS(!src.empty(), "shift_image: empty image");
  HDRGPU_EXPECTS(src.space() == memory_space::host, "shift_image: the CPU backend needs a host image");
  detail::check_shift(src.width(), src.height(), s, "shift_image");
  return detail::cpu::shifted_copy(exec, src, s, {0, 0, src.width(), src.height()});
}

/// align_mtb on each stack in turn (each call uses all threads); a failing stack gets its message and the
/// others go on. Bad options throw.
inline std::vector<align_result> align_mtb_batch(const cpu_executor& exec, std::span<const exposure_stack<std::uint8_t>> stacks,
                                                 const align_mtb_options& opts = {},
                                                 align_output output = align_output::images) {
  detail::check_align_options(opts, "align_mtb_batch");
  std::vector<align_result> out(stacks.size());
  for (std::size_t i = 0; i < stacks.size(); ++i) {
    try {
      out[i].alignment = detail::cpu::align(exec, stacks[i].views(), opts, output == align_output::images, stacks[i].label());
    } catch (const invalid_argument& e) {
      out[i].error = e.what();
    }
  }
  return out;
}

// ---- CUDA backend (cuda/align_mtb.cu; backend_unavailable in a build without CUDA) ------------------
//
// The same results as the CPU backend, bit for bit (integer arithmetic only), with the same checks and
// messages, except that the views may be host or device memory (all of one call in the same space; device
// views are read in place). Grey conversion with all level histograms, medians, bitmaps and each level of
// the search are kernels; the output images are shifted on the device and returned as host images.
// Synchronous. CUDA runtime failures throw cuda_error / out_of_memory / device_fault.

image_shift calculate_shift(const cuda_executor& exec, image_view<const std::uint8_t> img0,
                            image_view<const std::uint8_t> img1, const align_mtb_options& opts = {});
std::vector<image_shift> align_mtb_shifts(const cuda_executor& exec, std::span<const image_view<const std::uint8_t>> images,
                                          const align_mtb_options& opts = {});
std::vector<image_shift> align_mtb_shifts(const cuda_executor& exec, const exposure_stack<std::uint8_t>& stack,
                                          const align_mtb_options& opts = {});
mtb_alignment align_mtb(const cuda_executor& exec, std::span<const image_view<const std::uint8_t>> images,
                        const align_mtb_options& opts = {});
mtb_alignment align_mtb(const cuda_executor& exec, const exposure_stack<std::uint8_t>& stack,
                        const align_mtb_options& opts = {});
image<std::uint8_t> shift_image(const cuda_executor& exec, image_view<const std::uint8_t> src, image_shift s);

/// AlignMTB of many stacks at once (sizes, channel counts and image counts may differ; host or device
/// views): every step runs as one launch over all stacks of a group (groups are bounded to about 1 GiB of
/// device memory), and every search level is one launch over all image pairs. Result i belongs to
/// stacks[i]; a stack that fails validation or whose search leaves the image gets its message and no
/// alignment, the others are unaffected. Bad options throw invalid_argument.
std::vector<align_result> align_mtb_batch(const cuda_executor& exec, std::span<const exposure_stack<std::uint8_t>> stacks,
                                          const align_mtb_options& opts = {}, align_output output = align_output::images);

}  // namespace hdrgpu
