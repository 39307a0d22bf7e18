// EXIF orientation as a pixel transform, matching OpenCV's ExifTransform (flip / transpose).
//
// Each orientation maps destination pixel (x, y) to source pixel
//   base + x * step_x + y * step_y        (in samples, steps are +-channels or +-row pitch),
// so one copy loop serves all eight. Samples are copied as they are (channel order is not changed).
// For 5..8 (a transpose) consecutive destination pixels are a source row apart; the copy then goes
// in 64x64 tiles so that the source rows of a tile stay in cache.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>

#include "io_internal.hpp"

namespace hdrgpu::io {
namespace {

struct mapping {
  std::ptrdiff_t base, step_x, step_y;  // in samples of the source
};

// OpenCV: 2 flip(1), 3 flip(-1), 4 flip(0), 5 transpose, 6 transpose+flip(1), 7 transpose+flip(-1),
// 8 transpose+flip(0). W, H: the source size; P: its row pitch in samples; C: channels.
mapping mapping_for(int orientation, std::ptrdiff_t W, std::ptrdiff_t H, std::ptrdiff_t P, std::ptrdiff_t C) {
  const std::ptrdiff_t right = (W - 1) * C, bottom = (H - 1) * P;
  switch (orientation) {
    case 1: return {0, C, P};                 // src(x, y)
    case 2: return {right, -C, P};            // src(W-1-x, y)
    case 3: return {right + bottom, -C, -P};  // src(W-1-x, H-1-y)
    case 4: return {bottom, C, -P};           // src(x, H-1-y)
    case 5: return {0, P, C};                 // src(y, x)
    case 6: return {bottom, -P, C};           // src(y, H-1-x)
    case 7: return {right + bottom, -P, -C};  // src(W-1-y, H-1-x)
    case 8: return {right, P, -C};            // src(W-1-y, x)
  }
  throw invalid_argument("apply_orientation: orientation " + std::to_string(orientation) + " is not 1..8");
}

template <class T, int C>
void copy_block(const T* src, const T* src_end, const mapping& m, const image_view<T>& dst, int x0, int x1, int y0,
                int y1) {
  for (int y = y0; y < y1; ++y) {
    const T* s = src + m.base + std::ptrdiff_t(y) * m.step_y + std::ptrdiff_t(x0) * m.step_x;
    T* d = dst.row(y) + std::ptrdiff_t(x0) * C;
    if (m.step_x == C) {  // orientation 4 (and 1): whole rows
      std::memcpy(d, s, std::size_t(x1 - x0) * C * sizeof(T));
      continue;
    }
    int x = x0;
    if constexpr (sizeof(T) * C == 3) {
      // 3-byte pixels moved as 4 bytes (one instruction each way instead of three): the extra byte
      // lands on the next pixel of the row, which the next step rewrites. The last pixel of the run,
      // and a source pixel within 4 bytes of the source's end, take the exact copy below.
      for (; x < x1 - 1 && src_end - s >= 4; ++x, s += m.step_x, d += C) {
        std::uint32_t v;
        std::memcpy(&v, s, 4);
        std::memcpy(d, &v, 4);
      }
    }
    for (; x < x1; ++x, s += m.step_x, d += C)
      for (int k = 0; k < C; ++k) d[k] = s[k];
  }
}

template <class T, int C>
void copy_all(const T* src, const T* src_end, const mapping& m, const image_view<T>& dst, bool transposed) {
  const int w = dst.width(), h = dst.height();
  if (!transposed) {
    copy_block<T, C>(src, src_end, m, dst, 0, w, 0, h);
    return;
  }
  constexpr int tile = 64;
  for (int y0 = 0; y0 < h; y0 += tile)
    for (int x0 = 0; x0 < w; x0 += tile)
      copy_block<T, C>(src, src_end, m, dst, x0, std::min(x0 + tile, w), y0, std::min(y0 + tile, h));
}

template <class T>
void orient(image_view<const T> src, image_view<T> dst, int orientation) {
  const std::string who = "apply_orientation: ";
  if (orientation < 1 || orientation > 8)
    throw invalid_argument(who + "orientation " + std::to_string(orientation) + " is not 1..8");
  if (src.empty() || dst.empty()) throw invalid_argument(who + "image has no pixel data");
  if (src.space() != memory_space::host || dst.space() != memory_space::host)
    throw invalid_argument(who + "device images are not supported");
  const bool transposed = orientation >= 5 && orientation <= 8;
  const int want_w = transposed ? src.height() : src.width(), want_h = transposed ? src.width() : src.height();
  if (dst.width() != want_w || dst.height() != want_h || dst.channels() != src.channels())
    throw invalid_argument(who + "destination is " + std::to_string(dst.width()) + "x" + std::to_string(dst.height()) +
                           "x" + std::to_string(dst.channels()) + ", orientation " + std::to_string(orientation) +
                           " of a " + std::to_string(src.width()) + "x" + std::to_string(src.height()) + "x" +
                           std::to_string(src.channels()) + " image needs " + std::to_string(want_w) + "x" +
                           std::to_string(want_h) + "x" + std::to_string(src.channels()));
  const auto* s0 = reinterpret_cast<const std::byte*>(src.data());
  const auto* s1 = reinterpret_cast<const std::byte*>(src.row(src.height() - 1) + std::ptrdiff_t(src.width()) * src.channels());
  const auto* d0 = reinterpret_cast<const std::byte*>(dst.data());
  const auto* d1 = reinterpret_cast<const std::byte*>(dst.row(dst.height() - 1) + std::ptrdiff_t(dst.width()) * dst.channels());
  if (std::less<>{}(s0, d1) && std::less<>{}(d0, s1)) throw invalid_argument(who + "source and destination overlap");
  if (src.row_bytes() % std::ptrdiff_t(sizeof(T)) != 0)
    throw invalid_argument(who + "source row pitch is not a multiple of the sample size");

  const std::ptrdiff_t pitch = src.row_bytes() / std::ptrdiff_t(sizeof(T));
  const mapping m = mapping_for(orientation, src.width(), src.height(), pitch, src.channels());
  const T* end = src.row(src.height() - 1) + std::ptrdiff_t(src.width()) * src.channels();
  switch (src.channels()) {
    case 1: copy_all<T, 1>(src.data(), end, m, dst, transposed); break;
    case 3: copy_all<T, 3>(src.data(), end, m, dst, transposed); break;
    default: copy_all<T, 4>(src.data(), end, m, dst, transposed); break;
  }
}

}  // namespace

void apply_orientation(image_view<const std::uint8_t> src, image_view<std::uint8_t> dst, int orientation) {
  orient(src, dst, orientation);
}
void apply_orientation(image_view<const std::uint16_t> src, image_view<std::uint16_t> dst, int orientation) {
  orient(src, dst, orientation);
}
void apply_orientation(image_view<const float> src, image_view<float> dst, int orientation) {
  orient(src, dst, orientation);
}

}  // namespace hdrgpu::io
