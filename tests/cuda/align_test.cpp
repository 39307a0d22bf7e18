// AlignMTB on the CUDA executor. The same check bodies run on cpu_executor (suite "align") and on
// cuda_executor (suite "gpu"), against the CPU backend, which equals OpenCV (align_test.cpp). Everything is
// integer arithmetic, so the GPU must match bit for bit: shifts, crops, images and error messages.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <hdrgpu/align.hpp>
#include <hdrgpu/cuda_diagnostics.hpp>

#include "gpu_support.hpp"
#include "opencv_ref.hpp"

using namespace hdrgpu;
using hdrgpu_test::message_of;

namespace {

using u8view = image_view<const std::uint8_t>;

/// Value noise: random grids at 48, 12 and 3 pixel spacing, bilinearly interpolated and summed, so there is
/// structure at every pyramid level (built without OpenCV, any size).
image<std::uint8_t> texture(int w, int h, int c, unsigned seed, channel_order order = channel_order::bgr) {
  std::mt19937 rng(seed);
  std::vector<float> acc(std::size_t(w) * h * c, 0.0f);
  for (const auto& [cell, amp] : {std::pair{48, 0.55f}, std::pair{12, 0.3f}, std::pair{3, 0.15f}}) {
    const int gw = w / cell + 2, gh = h / cell + 2;
    std::vector<float> grid(std::size_t(gw) * gh * c);
    for (float& v : grid) v = float(rng() % 256);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const int gx = x / cell, gy = y / cell;
        const float fx = float(x % cell) / float(cell), fy = float(y % cell) / float(cell);
        for (int k = 0; k < c; ++k) {
          auto g = [&](int i, int j) { return grid[(std::size_t(gy + j) * gw + std::size_t(gx + i)) * c + k]; };
          const float v = (g(0, 0) * (1 - fx) + g(1, 0) * fx) * (1 - fy) + (g(0, 1) * (1 - fx) + g(1, 1) * fx) * fy;
          acc[(std::size_t(y) * w + x) * c + k] += amp * v;
        }
      }
  }
  image<std::uint8_t> img(w, h, c, order);
  for (std::size_t k = 0; k < acc.size(); ++k) img.data()[k] = std::uint8_t(std::clamp(acc[k], 0.0f, 255.0f));
  return img;
}

/// A crop of `base` at (x, y) of size w x h, its samples scaled by `gain` (saturating).
image<std::uint8_t> crop(const image<std::uint8_t>& base, int x, int y, int w, int h, double gain) {
  REQUIRE((x >= 0 && y >= 0 && x + w <= base.width() && y + h <= base.height()));
  image<std::uint8_t> out(w, h, base.channels(), base.order());
  for (int r = 0; r < h; ++r)
    for (int k = 0; k < w * base.channels(); ++k)
      out.row(r)[k] = std::uint8_t(std::min(255.0, base.row(y + r)[std::size_t(x) * base.channels() + k] * gain + 0.5));
  return out;
}

/// N frames of a w x h window moved by `offsets` (relative to the middle of `base`), with rising gains.
std::vector<image<std::uint8_t>> stack_of(const image<std::uint8_t>& base, int w, int h,
                                          const std::vector<std::pair<int, int>>& offsets) {
  std::vector<image<std::uint8_t>> out;
  const int cx = (base.width() - w) / 2, cy = (base.height() - h) / 2;
  for (std::size_t i = 0; i < offsets.size(); ++i)
    out.push_back(crop(base, cx + offsets[i].first, cy + offsets[i].second, w, h, 0.6 + 0.25 * double(i)));
  return out;
}

std::vector<u8view> views_of(const std::vector<image<std::uint8_t>>& imgs) {
  std::vector<u8view> v;
  for (const auto& i : imgs) v.push_back(i.view());
  return v;
}

bool same(const image<std::uint8_t>& a, const image<std::uint8_t>& b) {
  return a.width() == b.width() && a.height() == b.height() && a.channels() == b.channels() && a.order() == b.order() &&
         std::memcmp(a.data(), b.data(), a.size()) == 0;
}

void check_same(const mtb_alignment& got, const mtb_alignment& want) {
  CHECK(got.shifts == want.shifts);
  CHECK(got.crop == want.crop);
  REQUIRE(got.images.size() == want.images.size());
  for (std::size_t i = 0; i < got.images.size(); ++i) {
    CAPTURE(i);
    CHECK(same(got.images[i], want.images[i]));
  }
}

/// align_mtb, align_mtb_shifts and calculate_shift on `exec` against the CPU backend, for several options.
template <class Exec>
void compare_stacks(const Exec& exec) {
  const cpu_executor cpu;
  const image<std::uint8_t> base3 = texture(320, 250, 3, 1), base4 = texture(170, 130, 4, 2, channel_order::rgb);
  const image<std::uint8_t> base1 = texture(211, 157, 1, 3);
  struct input {
    std::string what;
    std::vector<image<std::uint8_t>> frames;
  };
  const std::vector<input> inputs = {
      {"3 channels, 5 frames", stack_of(base3, 240, 180, {{-20, 7}, {11, -25}, {0, 0}, {28, 30}, {-3, -14}})},  // see below
      {"4 channels rgb, 4 frames", stack_of(base4, 131, 97, {{5, -9}, {-17, 3}, {0, 0}, {12, 14}})},
      {"1 channel, 2 frames", stack_of(base1, 173, 121, {{8, -6}, {0, 0}})},
  };
  for (const input& in : inputs)
    for (const align_mtb_options& o : {align_mtb_options{}, align_mtb_options{.max_bits = 4, .exclude_range = 9, .cut = false},
                                       align_mtb_options{.max_bits = 1}, align_mtb_options{.exclude_range = 0, .grey = grey_rule::rec601}}) {
      INFO(in.what << ", max_bits " << o.max_bits << ", exclude " << o.exclude_range << ", cut " << o.cut);
      const std::vector<u8view> v = views_of(in.frames);
      const mtb_alignment want = align_mtb(cpu, v, o);
      check_same(align_mtb(exec, v, o), want);
      CHECK(align_mtb_shifts(exec, v, o) == want.shifts);
      CHECK(calculate_shift(exec, v[v.size() / 2], v[0], o) == calculate_shift(cpu, v[v.size() / 2], v[0], o));
    }
  // The window offsets (relative to the middle frame) are found, to a pixel on this soft texture.
  const mtb_alignment a = align_mtb(exec, views_of(inputs[0].frames));
  const std::vector<std::pair<int, int>> offsets = {{-20, 7}, {11, -25}, {0, 0}, {28, 30}, {-3, -14}};
  for (std::size_t i = 0; i < offsets.size(); ++i) {
    CAPTURE(i);
    CHECK(std::abs(a.shifts[i].dx - offsets[i].first) <= 1);
    CHECK(std::abs(a.shifts[i].dy - offsets[i].second) <= 1);
  }

  // A pitched window of a wider image.
  const image<std::uint8_t> wide = texture(260, 200, 3, 5);
  std::vector<u8view> pitched;
  for (int i = 0; i < 3; ++i)
    pitched.emplace_back(wide.row(10 + 3 * i) + (7 + 5 * i) * 3, 220, 170, 3, std::ptrdiff_t(wide.width()) * 3, wide.order());
  check_same(align_mtb(exec, pitched), align_mtb(cpu, pitched));

  // shift_image: inside, partly outside, exactly the size (all zero).
  for (const image_shift s : {image_shift{0, 0}, image_shift{13, -7}, image_shift{-239, 5}, image_shift{4, 179}})
    CHECK(same(shift_image(exec, inputs[0].frames[1].view(), s), shift_image(cpu, inputs[0].frames[1].view(), s)));
}

/// Tiny and thin images, including the ones where OpenCV (and so hdrgpu) fails: same result or same message.
template <class Exec>
void compare_tiny(const Exec& exec) {
  const cpu_executor cpu;
  std::mt19937 rng(3);
  for (int trial = 0; trial < 40; ++trial) {
    const int w = 1 + int(rng() % 40), h = 1 + int(rng() % 40);
    const align_mtb_options o{.max_bits = 1 + int(rng() % 6), .exclude_range = int(rng() % 6), .cut = rng() % 2 == 0};
    std::vector<image<std::uint8_t>> frames;
    for (int i = 0; i < 3; ++i) frames.push_back(texture(w, h, 3, unsigned(100 + 3 * trial + i)));
    const std::vector<u8view> v = views_of(frames);
    CAPTURE(w);
    CAPTURE(h);
    CAPTURE(o.max_bits);
    std::string cpu_error;
    mtb_alignment want;
    try {
      want = align_mtb(cpu, v, o);
    } catch (const invalid_argument& e) {
      cpu_error = e.what();
    }
    if (!cpu_error.empty()) CHECK(message_of([&] { align_mtb(exec, v, o); }) == cpu_error);
    else check_same(align_mtb(exec, v, o), want);
  }
}

template <class Exec>
void compare_errors(const Exec& exec) {
  const cpu_executor cpu;
  const image<std::uint8_t> a = texture(64, 48, 3, 1), b = texture(64, 48, 3, 2), c = texture(60, 48, 3, 3);
  const image<std::uint8_t> thin = texture(200, 40, 3, 4), thin2 = texture(200, 40, 3, 5);
  const std::vector<std::vector<u8view>> bad = {
      {a.view()}, {a.view(), c.view()}, {a.view(), u8view{}}, {thin.view(), thin2.view()},
      {a.view(), u8view(b.data(), 64, 48, 3, 0, channel_order::rgb)}};
  for (const auto& v : bad) {
    const std::string want = message_of([&] { align_mtb(cpu, v); });
    CHECK(!want.empty());
    CHECK(message_of([&] { align_mtb(exec, v); }) == want);
    CHECK(message_of([&] { align_mtb_shifts(exec, v); }) == want);
  }
  CHECK(message_of([&] { align_mtb(exec, std::vector<u8view>{a.view(), b.view()}, {.exclude_range = 300}); }) ==
        message_of([&] { align_mtb(cpu, std::vector<u8view>{a.view(), b.view()}, {.exclude_range = 300}); }));
  CHECK(message_of([&] { shift_image(exec, a.view(), {65, 0}); }) == message_of([&] { shift_image(cpu, a.view(), {65, 0}); }));
  CHECK(message_of([&] { calculate_shift(exec, a.view(), c.view()); }) ==
        message_of([&] { calculate_shift(cpu, a.view(), c.view()); }));
}

/// Many stacks of different sizes, channel counts and lengths in one batch, bad ones among them.
template <class Exec>
void compare_batch(const Exec& exec) {
  const cpu_executor cpu;
  std::vector<std::vector<image<std::uint8_t>>> frames;
  std::vector<exposure_stack<std::uint8_t>> stacks;
  std::mt19937 rng(17);
  for (int s = 0; s < 24; ++s) {
    const int c = s % 5 == 0 ? 1 : (s % 7 == 0 ? 4 : 3);
    // Both sides >= 64 = 2^max_bits: no search can leave these images.
    const int w = 64 + int(rng() % 120), h = 64 + int(rng() % 90), n = 2 + int(rng() % 4);
    const image<std::uint8_t> base = texture(w + 24, h + 24, c, unsigned(50 + s));
    std::vector<std::pair<int, int>> off;
    for (int i = 0; i < n; ++i) off.emplace_back(int(rng() % 21) - 10, int(rng() % 21) - 10);
    frames.push_back(stack_of(base, w, h, off));
  }
  for (std::size_t s = 0; s < frames.size(); ++s) {
    exposure_stack<std::uint8_t> st("s" + std::to_string(s));
    for (std::size_t i = 0; i < frames[s].size(); ++i) st.add(frames[s][i].view(), 1.0 + double(i));
    stacks.push_back(st);
  }
  // Bad stacks: one frame only; a 200 x 12 and a 200 x 40 frame pair (top pyramid levels 6 x 0 and 6 x 1,
  // where every search fails); an empty stack.
  const image<std::uint8_t> solo = texture(90, 70, 3, 9), thin = texture(200, 12, 3, 1), thin2 = texture(200, 12, 3, 2);
  const image<std::uint8_t> low = texture(200, 40, 3, 3), low2 = texture(200, 40, 3, 4);
  exposure_stack<std::uint8_t> one("one");
  one.add(solo.view(), 1.0);
  exposure_stack<std::uint8_t> flat("flat"), shallow("shallow");
  flat.add(thin.view(), 1.0);
  flat.add(thin2.view(), 2.0);
  shallow.add(low.view(), 1.0);
  shallow.add(low2.view(), 2.0);
  stacks.insert(stacks.begin() + 3, one);
  stacks.insert(stacks.begin() + 9, flat);
  stacks.insert(stacks.begin() + 15, shallow);
  stacks.emplace_back("empty");

  for (const align_output out : {align_output::images, align_output::shifts}) {
    const std::vector<align_result> got = align_mtb_batch(exec, stacks, {}, out);
    const std::vector<align_result> want = align_mtb_batch(cpu, stacks, {}, out);
    REQUIRE(got.size() == stacks.size());
    int failed = 0;
    for (std::size_t s = 0; s < stacks.size(); ++s) {
      CAPTURE(s);
      CHECK(got[s].error == want[s].error);
      failed += !got[s].ok();
      if (want[s].ok()) check_same(got[s].alignment, want[s].alignment);
    }
    CHECK(failed == 4);
    CHECK(got[3].error == "stack 'one': AlignMTB needs at least 2 images, got 1");
    CHECK(got.back().error == "stack 'empty': AlignMTB needs at least 2 images, got 0");
  }
  CHECK(message_of([&] { align_mtb_batch(exec, stacks, {.max_bits = 40}); }) ==
        "align_mtb_batch: max_bits must be in 1..31, got 40");
}

template <class Exec>
void compare_real(const Exec& exec) {
  // Memorial (16 x 768x512, aligned, very dark frames at the end: OpenCV's MTB returns large shifts there).
  const auto s = hdrgpu_test::load_cv_stack("memorial", 4, 7);
  const exposure_stack<std::uint8_t> st = s.view();
  check_same(align_mtb(exec, st), align_mtb(cpu_executor{}, st));
}

}  // namespace

TEST_SUITE("align") {
  TEST_CASE("align checks on the CPU executor: stacks, tiny images, errors and batches") {
    const cpu_executor exec;
    compare_stacks(exec);
    compare_tiny(exec);
    compare_errors(exec);
    compare_batch(exec);
  }
}

TEST_SUITE("gpu") {
  TEST_CASE("gpu align_mtb equals the CPU backend on synthetic stacks") {
    HDRGPU_REQUIRE_GPU(exec);
    compare_stacks(exec);
  }
  TEST_CASE("gpu align_mtb: tiny images and bad input as on the CPU") {
    HDRGPU_REQUIRE_GPU(exec);
    compare_tiny(exec);
    compare_errors(exec);
  }
  TEST_CASE("gpu align_mtb_batch: many stacks with bad ones isolated") {
    HDRGPU_REQUIRE_GPU(exec);
    compare_batch(exec);
  }
  TEST_CASE("gpu align_mtb on memorial frames equals the CPU backend") {
    HDRGPU_REQUIRE_GPU(exec);
    HDRGPU_REQUIRE_DATA("memorial");
    compare_real(exec);
  }
  TEST_CASE("gpu align_mtb on device views") {
    HDRGPU_REQUIRE_GPU(exec);
    const image<std::uint8_t> base = texture(220, 170, 3, 8);
    const std::vector<image<std::uint8_t>> frames = stack_of(base, 180, 140, {{-9, 4}, {0, 0}, {13, -6}});
    const std::ptrdiff_t pitch = 180 * 3 + 41;  // odd pitch: u8 rows need no alignment
    std::vector<std::unique_ptr<detail::device_allocation>> mem;
    std::vector<u8view> dev;
    for (const auto& f : frames) {
      mem.push_back(std::make_unique<detail::device_allocation>(exec, std::size_t(pitch) * 140));
      std::vector<std::uint8_t> staged(mem.back()->bytes(), 0);
      for (int y = 0; y < 140; ++y) std::memcpy(staged.data() + std::size_t(pitch) * y, f.row(y), 180 * 3);
      detail::copy_to_device(exec, mem.back()->get(), staged.data(), staged.size());
      dev.emplace_back(mem.back()->as<const std::uint8_t>(), 180, 140, 3, pitch, channel_order::bgr, memory_space::device);
    }
    const mtb_alignment want = align_mtb(cpu_executor{}, views_of(frames));
    check_same(align_mtb(exec, dev), want);
    CHECK(calculate_shift(exec, dev[1], dev[2]) == want.shifts[2]);
    CHECK(same(shift_image(exec, dev[0], {5, 5}), shift_image(cpu_executor{}, frames[0].view(), {5, 5})));
    exposure_stack<std::uint8_t> st("device");
    for (const u8view& v : dev) st.add(v, 1.0);
    std::vector<exposure_stack<std::uint8_t>> both{st, exposure_stack<std::uint8_t>("host", views_of(frames), {1, 2, 3})};
    const std::vector<align_result> r = align_mtb_batch(exec, both);
    CHECK(r[0].ok());
    CHECK(r[1].ok());
    check_same(r[0].alignment, want);
    check_same(r[1].alignment, want);
    // Mixed memory spaces in one stack are refused, as by the CPU backend's rule.
    const std::vector<u8view> mixed{dev[0], frames[1].view()};
    CHECK(message_of([&] { align_mtb(exec, mixed); }) == "align_mtb: image 1 lives in a different memory space from image 0");
  }
}
