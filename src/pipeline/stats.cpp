// Per-stack numbers for the report.
#include <cmath>

#include "internal.hpp"

namespace hdrgpu::pipeline {
namespace {

template <class T>
double clipped_typed(const io::loaded_stack& s) {
  // Shortest and longest exposure by time.
  std::size_t lo = 0, hi = 0;
  for (std::size_t j = 1; j < s.times.size(); ++j) {
    if (s.times[j] < s.times[lo]) lo = j;
    if (s.times[j] > s.times[hi]) hi = j;
  }
  const auto& dark = std::get<image<T>>(s.images[lo]);
  const auto& bright = std::get<image<T>>(s.images[hi]);
  const T top = T(pixel_traits<T>::levels - 1);
  const int c = dark.channels();
  std::size_t clipped = 0;
  for (std::size_t p = 0; p < dark.pixels(); ++p) {
    bool sat = false, black = true;
    for (int k = 0; k < c; ++k) {
      sat = sat || dark.data()[p * c + k] == top;
      black = black && bright.data()[p * c + k] == 0;
    }
    clipped += (sat || black) ? 1 : 0;
  }
  return dark.pixels() ? 100.0 * double(clipped) / double(dark.pixels()) : 0.0;
}

}  // namespace

double clipped_percent(const io::loaded_stack& s) {
  if (s.images.empty()) return 0.0;
  return s.type() == pixel_type::u8 ? clipped_typed<std::uint8_t>(s) : clipped_typed<std::uint16_t>(s);
}

std::string extension_of(io::hdr_format f) {
  switch (f) {
    case io::hdr_format::exr:
    case io::hdr_format::exr_half: return ".exr";
    case io::hdr_format::hdr: return ".hdr";
    case io::hdr_format::pfm: return ".pfm";
  }
  return ".exr";
}

}  // namespace hdrgpu::pipeline
