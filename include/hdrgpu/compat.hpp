// Which OpenCV behaviour to reproduce.
#pragma once

#include <string>
#include <string_view>

#include <hdrgpu/error.hpp>

namespace hdrgpu {

/// OpenCV version whose weights and defaults an algorithm reproduces.
///  - opencv_4_6: Debevec hat w(z) = z+1 (z < L/2), L-z otherwise; never zero (OpenCV 4.6 ... 4.11).
///  - opencv_latest: hat min(z, L-1-z) with w(0) = w(L-1) = 1e-6 (OpenCV 4.13+).
/// Robertson, Mertens and the gamma tonemap are the same in both.
enum class compat { opencv_4_6, opencv_latest };

/// hdrgpu's default profile: the current OpenCV.
inline constexpr compat default_compat = compat::opencv_latest;

/// How colour is reduced to grey (Mertens contrast).
///  - rec601: Y = 0.299 R + 0.587 G + 0.114 B on the real channels (the view's channel_order says which is red).
///  - opencv_bgr: what OpenCV computes on imread's BGR data: 0.299 multiplies *blue*. Use it to reproduce
///    OpenCV's numbers for the same file.
enum class grey_rule { rec601, opencv_bgr };

inline compat parse_compat(std::string_view s) {
  if (s == "opencv-4.6") return compat::opencv_4_6;
  if (s == "opencv-latest") return compat::opencv_latest;
  throw invalid_argument("unknown compat profile '" + std::string(s) + "' (expected opencv-4.6 or opencv-latest)");
}
inline const char* to_string(compat c) { return c == compat::opencv_4_6 ? "opencv-4.6" : "opencv-latest"; }

}  // namespace hdrgpu
