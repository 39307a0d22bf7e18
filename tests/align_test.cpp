// AlignMTB against live OpenCV 4.6: shifts (calculateShift) and aligned images (process) byte for byte,
// on the hand-held stacks, on synthetic stacks with known shifts, on tiny and degenerate images (where
// OpenCV throws, hdrgpu throws invalid_argument), for 1/3/4 channels and both channel orders.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include <hdrgpu/align.hpp>
#include <hdrgpu/io.hpp>

#include "opencv_ref.hpp"

using namespace hdrgpu;
using hdrgpu_test::message_of;

namespace {

using u8view = image_view<const std::uint8_t>;

u8view view_of(const cv::Mat& m, channel_order order = channel_order::bgr) {
  return hdrgpu_test::mat_view<std::uint8_t>(m, order);
}

std::vector<u8view> views_of(const std::vector<cv::Mat>& mats, channel_order order = channel_order::bgr) {
  std::vector<u8view> v;
  for (const cv::Mat& m : mats) v.push_back(view_of(m, order));
  return v;
}

cv::Ptr<cv::AlignMTB> cv_mtb(const align_mtb_options& o) { return cv::createAlignMTB(o.max_bits, o.exclude_range, o.cut); }

cv::Mat cv_grey(const cv::Mat& m) {
  if (m.channels() == 1) return m;
  cv::Mat g;
  cv::cvtColor(m, g, cv::COLOR_RGB2GRAY);  // what AlignMTB::process does to BGR data
  return g;
}

/// OpenCV's shifts as process() computes them: calculateShift(grey(pivot), grey(i)).
std::vector<image_shift> cv_shifts(const std::vector<cv::Mat>& mats, const align_mtb_options& o) {
  const std::size_t pivot = mats.size() / 2;
  const cv::Mat ref = cv_grey(mats[pivot]);
  std::vector<image_shift> out(mats.size());
  for (std::size_t i = 0; i < mats.size(); ++i)
    if (i != pivot) {
      const cv::Point p = cv_mtb(o)->calculateShift(ref, cv_grey(mats[i]));
      out[i] = {p.x, p.y};
    }
  return out;
}

bool same_bytes(const image<std::uint8_t>& a, const cv::Mat& b) {
  if (a.width() != b.cols || a.height() != b.rows || a.channels() != b.channels()) return false;
  const std::size_t row = std::size_t(a.width()) * a.channels();
  for (int y = 0; y < a.height(); ++y)
    if (std::memcmp(a.row(y), b.ptr(y), row) != 0) return false;
  return true;
}

bool same_bytes(const image<std::uint8_t>& a, const image<std::uint8_t>& b) {
  return a.width() == b.width() && a.height() == b.height() && a.channels() == b.channels() && a.order() == b.order() &&
         std::memcmp(a.data(), b.data(), a.size()) == 0;
}

/// Ours against OpenCV's process() on the same bytes: shifts against calculateShift, images byte for byte.
/// Returns OpenCV's images.
std::vector<cv::Mat> check_against_opencv(const std::vector<cv::Mat>& mats, const align_mtb_options& o,
                                          const std::string& what, const cpu_executor& exec = cpu_executor{}) {
  INFO(what);
  const mtb_alignment ours = align_mtb(exec, views_of(mats), o);
  const std::vector<image_shift> want = cv_shifts(mats, o);
  std::vector<cv::Mat> ref;
  cv_mtb(o)->process(mats, ref);
  REQUIRE(ours.shifts.size() == mats.size());
  REQUIRE(ours.images.size() == ref.size());
  for (std::size_t i = 0; i < mats.size(); ++i) {
    CAPTURE(i);
    CHECK(ours.shifts[i] == want[i]);
    CHECK(same_bytes(ours.images[i], ref[i]));
    CHECK(ours.images[i].order() == channel_order::bgr);
  }
  CHECK(ours.crop.width == ref[0].cols);
  CHECK(ours.crop.height == ref[0].rows);
  CHECK(align_mtb_shifts(exec, views_of(mats), o) == ours.shifts);
  return ref;
}

/// A smooth random texture with edges at several scales (MTB needs structure at every pyramid level).
cv::Mat texture(int w, int h, int channels, unsigned seed) {
  cv::RNG rng(seed);
  cv::Mat base(h, w, CV_8UC(channels));
  rng.fill(base, cv::RNG::UNIFORM, 0, 256);
  cv::Mat fine, coarse;
  cv::GaussianBlur(base, fine, cv::Size(0, 0), 2.0);
  cv::GaussianBlur(base, coarse, cv::Size(0, 0), 12.0);
  cv::Mat out;
  cv::addWeighted(fine, 1.5, coarse, 4.0, -500.0, out);
  for (int k = 0; k < 12; ++k) {  // a few hard-edged shapes
    const cv::Point c(rng.uniform(0, w), rng.uniform(0, h));
    cv::circle(out, c, rng.uniform(5, std::max(6, w / 6)), cv::Scalar::all(rng.uniform(0, 256)), cv::FILLED);
  }
  return out;
}

/// Exposure `gain` of 8-bit data (saturating), as a differently exposed frame.
cv::Mat exposed(const cv::Mat& m, double gain) {
  cv::Mat out;
  m.convertTo(out, m.type(), gain);
  return out;
}

/// N crops of `base` at the given offsets (relative to the centre window), each with its own gain.
std::vector<cv::Mat> shifted_stack(const cv::Mat& base, int w, int h, const std::vector<cv::Point>& offsets,
                                   const std::vector<double>& gains) {
  std::vector<cv::Mat> out;
  const int cx = (base.cols - w) / 2, cy = (base.rows - h) / 2;
  for (std::size_t i = 0; i < offsets.size(); ++i)
    out.push_back(exposed(base(cv::Rect(cx + offsets[i].x, cy + offsets[i].y, w, h)), gains[i]).clone());
  return out;
}

cv::Mat swap_rb(const cv::Mat& m) {
  cv::Mat out;
  cv::cvtColor(m, out, m.channels() == 4 ? cv::COLOR_BGRA2RGBA : cv::COLOR_BGR2RGB);
  return out;
}

}  // namespace

TEST_SUITE("align") {

TEST_CASE("align_mtb matches OpenCV AlignMTB on stlouis-arch") {
  HDRGPU_REQUIRE_DATA("stlouis-arch");
  const auto s = hdrgpu_test::load_cv_stack("stlouis-arch");
  REQUIRE(s.images.size() == 4);
  check_against_opencv(s.images, {}, "stlouis-arch, defaults");
  const mtb_alignment a = align_mtb(cpu_executor{}, s.view());  // the exposure_stack overload
  MESSAGE("stlouis-arch shifts: " << a.shifts[0].dx << "," << a.shifts[0].dy << "  " << a.shifts[1].dx << ","
                                  << a.shifts[1].dy << "  " << a.shifts[3].dx << "," << a.shifts[3].dy);
  CHECK(a.shifts == align_mtb_shifts(cpu_executor{}, views_of(s.images)));
}

TEST_CASE("align_mtb matches OpenCV AlignMTB on window-handheld: full-size 8 MP frames") {
  HDRGPU_REQUIRE_DATA("window-handheld");
  // Three of the eight 2448x3264 frames (imread applies EXIF orientation 6), to keep the test short:
  // OpenCV takes ~0.3 s per full-size calculateShift on one core.
  const auto s = hdrgpu_test::load_cv_stack("window-handheld", 2, 3);
  REQUIRE(s.images.size() == 3);
  REQUIRE(s.images[0].cols == 2448);
  REQUIRE(s.images[0].rows == 3264);
  const std::vector<cv::Mat> ref = check_against_opencv(s.images, {}, "window-handheld 3.JPG 4.JPG 5.JPG");

  // The same files decoded by hdrgpu (RGB memory order): opencv_bgr puts 0.299 on the real blue channel,
  // so the shifts are OpenCV's, and the images are OpenCV's with red and blue swapped.
  std::vector<image<std::uint8_t>> decoded;
  std::vector<u8view> rgb;
  for (const std::string& f : s.files) decoded.push_back(io::load_image_u8(hdrgpu_test::data_root() / "window-handheld" / f));
  for (const auto& d : decoded) rgb.push_back(d.view());
  REQUIRE(rgb[0].order() == channel_order::rgb);
  const mtb_alignment a = align_mtb(cpu_executor{}, rgb);
  CHECK(a.shifts == align_mtb_shifts(cpu_executor{}, views_of(s.images)));
  for (std::size_t i = 0; i < ref.size(); ++i) CHECK(same_bytes(a.images[i], swap_rb(ref[i])));
}

TEST_CASE("calculate_shift matches OpenCV on a full-size window-handheld pair") {
  HDRGPU_REQUIRE_DATA("window-handheld");
  const auto s = hdrgpu_test::load_cv_stack("window-handheld", 0, 8, cv::IMREAD_GRAYSCALE);
  REQUIRE(s.images.size() == 8);
  // The darkest frame against the middle one: the pair with the largest motion in the stack.
  const cv::Point want = cv::createAlignMTB()->calculateShift(s.images[4], s.images[0]);
  const image_shift got = calculate_shift(cpu_executor{}, view_of(s.images[4]), view_of(s.images[0]));
  MESSAGE("1.JPG vs 5.JPG (IMREAD_GRAYSCALE): OpenCV (" << want.x << ", " << want.y << "), hdrgpu (" << got.dx << ", "
                                                         << got.dy << ")");
  CHECK(got == image_shift{want.x, want.y});
}

TEST_CASE("align_mtb recovers known shifts up to 40 px on synthetic stacks, as OpenCV does") {
  const cv::Mat base = texture(820, 640, 3, 7);
  const std::vector<cv::Point> offsets = {{-40, 17}, {23, -40}, {0, 0}, {40, 40}, {-7, -33}};
  const std::vector<double> gains = {0.35, 0.6, 1.0, 1.7, 2.6};
  const std::vector<cv::Mat> stack = shifted_stack(base, 640, 480, offsets, gains);
  const mtb_alignment a = align_mtb(cpu_executor{}, views_of(stack));
  for (std::size_t i = 0; i < stack.size(); ++i) {
    CAPTURE(i);
    CHECK(a.shifts[i] == image_shift{offsets[i].x, offsets[i].y});
  }
  CHECK(a.crop == align_crop{40, 40, 640 - 80, 480 - 80});
  check_against_opencv(stack, {}, "synthetic, defaults");
  check_against_opencv(stack, {.cut = false}, "synthetic, no cut");
  check_against_opencv(stack, {.max_bits = 5, .exclude_range = 10}, "synthetic, max_bits 5, exclude 10");

  // Odd sizes, an even image count (the reference is image N/2), 4 channels.
  const cv::Mat base4 = texture(523, 397, 4, 11);
  const std::vector<cv::Mat> four = shifted_stack(base4, 451, 333, {{3, -9}, {-31, 12}, {0, 0}, {19, 26}},
                                                  {0.5, 0.8, 1.2, 2.0});
  const mtb_alignment b = align_mtb(cpu_executor{}, views_of(four));
  CHECK(b.shifts[1] == image_shift{-31 - 0, 12 - 0});
  check_against_opencv(four, {}, "4 channels, 4 images");
  check_against_opencv(four, {.cut = false}, "4 channels, no cut");
}

TEST_CASE("calculate_shift equals OpenCV on random shifts and options, failures included") {
  const cv::Mat grey = cv_grey(texture(333, 251, 3, 3));
  std::mt19937 rng(5);
  int mismatches = 0, total = 0;
  for (const int max_bits : {4, 5, 6})
    for (const int exclude : {0, 4, 12})
      for (int trial = 0; trial < 6; ++trial) {
        const align_mtb_options o{.max_bits = max_bits, .exclude_range = exclude};
        const cv::Point s(int(rng() % 81) - 40, int(rng() % 81) - 40);
        cv::Mat moved, darker;
        cv_mtb(o)->shiftMat(grey, moved, s);
        moved.convertTo(darker, CV_8U, 0.45);
        const cv::Point want = cv_mtb(o)->calculateShift(grey, darker);
        const image_shift got = calculate_shift(cpu_executor{}, view_of(grey), view_of(darker), o);
        ++total;
        if (!(got == image_shift{want.x, want.y})) {
          ++mismatches;
          MESSAGE("max_bits " << max_bits << " exclude " << exclude << " shift " << s << ": OpenCV " << want << ", hdrgpu "
                              << got.dx << "," << got.dy);
        }
      }
  CHECK(mismatches == 0);
  MESSAGE(total << " random shifts, " << mismatches << " differ from OpenCV");
}

TEST_CASE("tiny, flat and extreme images: same shifts as OpenCV, and an error where OpenCV throws") {
  std::mt19937 rng(9);
  int opencv_throws = 0, compared = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const int w = 1 + int(rng() % 24), h = 1 + int(rng() % 24);
    const align_mtb_options o{.max_bits = 1 + int(rng() % 7), .exclude_range = int(rng() % 3) == 0 ? 255 : int(rng() % 8)};
    cv::Mat a(h, w, CV_8UC1), b(h, w, CV_8UC1);
    switch (rng() % 4) {
      case 0: a.setTo(255); b.setTo(rng() % 2 ? 255 : 0); break;  // median 256: only the exact |g - 256| works
      case 1: a.setTo(int(rng() % 256)); cv::randu(b, 0, 256); break;
      default: cv::randu(a, 0, 256); cv::randu(b, 0, 256); break;
    }
    CAPTURE(w);
    CAPTURE(h);
    CAPTURE(o.max_bits);
    CAPTURE(o.exclude_range);
    if (w == 1 && h == 1) {  // OpenCV writes past its empty pyramid vector here (maxlevel -1)
      CHECK_THROWS_AS(calculate_shift(cpu_executor{}, view_of(a), view_of(b), o), invalid_argument);
      continue;
    }
    bool cv_threw = false;
    cv::Point want;
    try {
      want = cv_mtb(o)->calculateShift(a, b);
    } catch (const cv::Exception&) {
      cv_threw = true;
    }
    if (cv_threw) {
      ++opencv_throws;
      CHECK_THROWS_AS(calculate_shift(cpu_executor{}, view_of(a), view_of(b), o), invalid_argument);
    } else {
      ++compared;
      CHECK(calculate_shift(cpu_executor{}, view_of(a), view_of(b), o) == image_shift{want.x, want.y});
    }

    // process() on a 3-image colour stack of the same size: images, or OpenCV's exception / empty cut.
    std::vector<cv::Mat> mats(3);
    for (cv::Mat& m : mats) {
      m.create(h, w, CV_8UC3);
      cv::randu(m, 0, 256);
    }
    std::vector<cv::Mat> ref;
    bool process_threw = false;
    try {
      cv_mtb(o)->process(mats, ref);
    } catch (const cv::Exception&) {
      process_threw = true;
    }
    if (process_threw || ref[0].empty()) {
      CHECK_THROWS_AS(align_mtb(cpu_executor{}, views_of(mats), o), invalid_argument);
    } else {
      const mtb_alignment r = align_mtb(cpu_executor{}, views_of(mats), o);
      for (std::size_t i = 0; i < 3; ++i) CHECK(same_bytes(r.images[i], ref[i]));
    }
  }
  MESSAGE(compared << " tiny pairs compared, " << opencv_throws << " where OpenCV throws");
  CHECK(opencv_throws > 0);
  CHECK(compared > 0);
}

TEST_CASE("align_mtb: one channel, channel orders, grey rules and pitched views") {
  const cv::Mat base = texture(420, 330, 3, 21);
  const std::vector<cv::Mat> bgr = shifted_stack(base, 360, 270, {{-12, 5}, {0, 0}, {9, -14}}, {0.5, 1.0, 1.9});
  const mtb_alignment ref = align_mtb(cpu_executor{}, views_of(bgr));

  // The same pixels in RGB memory order: opencv_bgr follows the order, so nothing changes but the order.
  std::vector<cv::Mat> rgb;
  for (const cv::Mat& m : bgr) rgb.push_back(swap_rb(m));
  const mtb_alignment r = align_mtb(cpu_executor{}, views_of(rgb, channel_order::rgb));
  CHECK(r.shifts == ref.shifts);
  for (std::size_t i = 0; i < bgr.size(); ++i) {
    CHECK(r.images[i].order() == channel_order::rgb);
    CHECK(same_bytes(r.images[i], swap_rb(cv::Mat(ref.images[i].height(), ref.images[i].width(), CV_8UC3,
                                                  const_cast<std::uint8_t*>(ref.images[i].data())))));
  }
  // rec601 on BGR data is OpenCV's rule applied to the swapped data.
  const std::vector<image_shift> rec = align_mtb_shifts(cpu_executor{}, views_of(bgr), {.grey = grey_rule::rec601});
  CHECK(rec == cv_shifts(rgb, {}));

  // One channel: the grey images themselves (OpenCV's process takes colour only; its calculateShift and
  // shiftMat give the reference).
  std::vector<cv::Mat> greys;
  for (const cv::Mat& m : bgr) greys.push_back(cv_grey(m));
  const mtb_alignment g = align_mtb(cpu_executor{}, views_of(greys));
  CHECK(g.shifts == ref.shifts);
  CHECK(g.crop == ref.crop);
  for (std::size_t i = 0; i < greys.size(); ++i) {
    cv::Mat moved;
    cv::createAlignMTB()->shiftMat(greys[i], moved, cv::Point(g.shifts[i].dx, g.shifts[i].dy));
    CHECK(same_bytes(g.images[i], moved(cv::Rect(g.crop.x, g.crop.y, g.crop.width, g.crop.height))));
  }

  // Pitched views (windows of wider images) give what packed copies give.
  std::vector<cv::Mat> wide;
  std::vector<u8view> pitched;
  for (const cv::Mat& m : bgr) {
    cv::Mat w(m.rows + 3, m.cols + 17, CV_8UC3, cv::Scalar::all(77));
    m.copyTo(w(cv::Rect(5, 2, m.cols, m.rows)));
    wide.push_back(w);
    pitched.push_back(view_of(w(cv::Rect(5, 2, m.cols, m.rows))));
  }
  const mtb_alignment p = align_mtb(cpu_executor{}, pitched);
  CHECK(p.shifts == ref.shifts);
  for (std::size_t i = 0; i < bgr.size(); ++i) CHECK(same_bytes(p.images[i], ref.images[i]));
}

TEST_CASE("align_mtb does not depend on the thread count") {
  const cv::Mat base = texture(700, 520, 3, 31);
  const std::vector<cv::Mat> stack = shifted_stack(base, 640, 480, {{-25, 11}, {4, -19}, {0, 0}, {30, 2}},
                                                   {0.4, 0.7, 1.0, 1.6});
  const mtb_alignment one = align_mtb(cpu_executor({.threads = 1}), views_of(stack));
  for (const unsigned t : {2u, 3u, 7u}) {
    const mtb_alignment many = align_mtb(cpu_executor({.threads = t}), views_of(stack));
    CHECK(many.shifts == one.shifts);
    CHECK(many.crop == one.crop);
    for (std::size_t i = 0; i < stack.size(); ++i) CHECK(same_bytes(many.images[i], one.images[i]));
  }
}

TEST_CASE("shift_image equals OpenCV shiftMat") {
  const cv::Mat m = texture(37, 23, 3, 1);
  for (const cv::Point s : {cv::Point(0, 0), cv::Point(5, -3), cv::Point(-36, 22), cv::Point(36, 0), cv::Point(-36, -22),
                            cv::Point(12, 22)}) {
    cv::Mat want;
    cv::createAlignMTB()->shiftMat(m, want, s);
    CAPTURE(s);
    CHECK(same_bytes(shift_image(cpu_executor{}, view_of(m), {s.x, s.y}), want));
  }
  // A shift of the full width or height leaves nothing to copy; OpenCV's shiftMat asserts there.
  cv::Mat unused;
  CHECK_THROWS_AS(cv::createAlignMTB()->shiftMat(m, unused, cv::Point(37, 0)), cv::Exception);
  CHECK_THROWS_AS(cv::createAlignMTB()->shiftMat(m, unused, cv::Point(0, -23)), cv::Exception);
  CHECK(message_of([&] { shift_image(cpu_executor{}, view_of(m), {37, 0}); }) ==
        "shift_image: shift (37, 0) does not fit the 37x23 image (OpenCV's shiftMat needs |dx| < width and |dy| < height)");
  CHECK_THROWS_AS(shift_image(cpu_executor{}, view_of(m), {0, -23}), invalid_argument);
}

TEST_CASE("align_mtb refuses bad input with clear messages") {
  const cv::Mat a = texture(64, 48, 3, 1), b = texture(64, 48, 3, 2), small = texture(60, 48, 3, 3);
  const cv::Mat grey = cv_grey(a), four(48, 64, CV_8UC4, cv::Scalar::all(9));
  const cpu_executor exec;
  auto msg = [&](const std::vector<u8view>& v, const align_mtb_options& o = {}) {
    return message_of([&] { align_mtb(exec, v, o); });
  };
  CHECK(msg({view_of(a)}) == "align_mtb: AlignMTB needs at least 2 images, got 1");
  CHECK(msg({}) == "align_mtb: AlignMTB needs at least 2 images, got 0");
  CHECK(msg({view_of(a), view_of(small)}) == "align_mtb: image 1 is 60x48, expected 64x48");
  CHECK(msg({view_of(a), view_of(grey)}) == "align_mtb: image 1 has 1 channels, expected 3");
  CHECK(msg({view_of(a), view_of(four)}) == "align_mtb: image 1 has 4 channels, expected 3");
  CHECK(msg({view_of(a), view_of(b, channel_order::rgb)}) == "align_mtb: image 1 has a different channel order");
  CHECK(msg({view_of(a), u8view{}}) == "align_mtb: image 1 has no pixel data");
  const u8view on_device(a.ptr<std::uint8_t>(), 64, 48, 3, 0, channel_order::bgr, memory_space::device);
  CHECK(msg({view_of(a), on_device}) == "align_mtb: image 1 is in device memory; the CPU backend needs host images");
  CHECK(msg({view_of(a), view_of(b)}, {.max_bits = 0}) == "align_mtb: max_bits must be in 1..31, got 0");
  CHECK(msg({view_of(a), view_of(b)}, {.max_bits = 32}) == "align_mtb: max_bits must be in 1..31, got 32");
  const cv::Mat dot = texture(1, 1, 3, 8);  // OpenCV writes past its empty pyramid for 1x1 images
  CHECK(msg({view_of(dot), view_of(dot)}) ==
        "align_mtb: 1x1 images are too small for max_bits 6: pyramid level 0 is 1x1 pixels, less than 2 in a direction "
        "(OpenCV's AlignMTB fails there too); lower max_bits");
  CHECK(msg({view_of(a), view_of(b)}, {.exclude_range = -1}) == "align_mtb: exclude_range must be in 0..255, got -1");
  CHECK(msg({view_of(a), view_of(b)}, {.exclude_range = 256}) == "align_mtb: exclude_range must be in 0..255, got 256");
  // 200 x 40 images have a 6 x 1 top level with the default max_bits: its candidates dy = -1 and +1 cannot
  // both fit, so OpenCV's search always fails there (and no search can fail on images without such a level).
  const cv::Mat low = texture(200, 40, 3, 4), low2 = texture(200, 40, 3, 5);
  CHECK(msg({view_of(low), view_of(low2)}) ==
        "align_mtb: 200x40 images are too small for max_bits 6: pyramid level 5 is 6x1 pixels, less than 2 in a "
        "direction (OpenCV's AlignMTB fails there too); lower max_bits");
  std::vector<cv::Mat> unused;
  CHECK_THROWS_AS(cv::createAlignMTB()->process(std::vector<cv::Mat>{low, low2}, unused), cv::Exception);
  CHECK_NOTHROW(align_mtb(exec, std::vector<u8view>{view_of(low), view_of(low2)}, {.max_bits = 4}));
  CHECK_NOTHROW(cv::createAlignMTB(4)->process(std::vector<cv::Mat>{low, low2}, unused));

  // Stacks: messages name the stack.
  exposure_stack<std::uint8_t> one("kitchen");
  one.add(view_of(a), 1.0, "a.jpg");
  CHECK(message_of([&] { align_mtb(exec, one); }) == "stack 'kitchen': AlignMTB needs at least 2 images, got 1");
  CHECK(message_of([&] { calculate_shift(exec, view_of(a), view_of(small)); }) ==
        "calculate_shift: image 1 is 60x48, expected 64x48");
  CHECK(message_of([&] { shift_image(exec, u8view{}, {}); }) == "shift_image: empty image");
}

TEST_CASE("align_mtb_batch on the CPU: results equal single calls, a bad stack is isolated") {
  const cv::Mat base = texture(300, 240, 3, 41);
  const std::vector<cv::Mat> s1 = shifted_stack(base, 256, 200, {{-9, 4}, {0, 0}, {6, -11}}, {0.5, 1.0, 2.0});
  const std::vector<cv::Mat> s2 = shifted_stack(base, 200, 150, {{3, 3}, {0, 0}}, {1.0, 0.6});
  std::vector<exposure_stack<std::uint8_t>> stacks(3);
  stacks[0] = exposure_stack<std::uint8_t>("one", views_of(s1), {1, 2, 3});
  stacks[1] = exposure_stack<std::uint8_t>("lonely", {view_of(s2[0])}, {1});
  stacks[2] = exposure_stack<std::uint8_t>("two", views_of(s2), {1, 2});
  const std::vector<align_result> r = align_mtb_batch(cpu_executor{}, stacks);
  REQUIRE(r.size() == 3);
  CHECK(r[0].ok());
  CHECK(r[1].error == "stack 'lonely': AlignMTB needs at least 2 images, got 1");
  CHECK(r[2].ok());
  const mtb_alignment a = align_mtb(cpu_executor{}, stacks[2]);
  CHECK(r[2].alignment.shifts == a.shifts);
  CHECK(r[2].alignment.crop == a.crop);
  for (std::size_t i = 0; i < a.images.size(); ++i) CHECK(same_bytes(r[2].alignment.images[i], a.images[i]));
  const std::vector<align_result> only = align_mtb_batch(cpu_executor{}, stacks, {}, align_output::shifts);
  CHECK(only[0].alignment.shifts == r[0].alignment.shifts);
  CHECK(only[0].alignment.images.empty());
  CHECK(message_of([&] { align_mtb_batch(cpu_executor{}, stacks, {.max_bits = 99}); }) ==
        "align_mtb_batch: max_bits must be in 1..31, got 99");
}

}  // TEST_SUITE
