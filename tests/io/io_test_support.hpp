// Helpers of the hdrgpu::io tests in this folder: file bytes, expected exceptions, OpenCV cross-checks
// (BGR Mats), radiance-like data and hand-made TGA files.
#pragma once

#include <hdrgpu/io.hpp>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "support.hpp"

namespace io_test {

namespace fs = std::filesystem;
namespace io = hdrgpu::io;
using hdrgpu::channel_order;
using hdrgpu::image;
using hdrgpu::image_view;
using hdrgpu_test::temp_dir;

inline std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

inline void spit(const fs::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary);
  f << bytes;
}

// what() of the E thrown by f, or a marker that makes the CHECKs on it fail.
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("<wrong exception type: ") + e.what() + ">";
  }
  return "<no exception>";
}

inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Same samples, with R and B swapped for colour: compares our RGB image with OpenCV's BGR Mat.
template <class T>
bool equals_bgr_mat(const image<T>& img, const cv::Mat& m) {
  if (m.cols != img.width() || m.rows != img.height() || m.channels() != img.channels()) return false;
  const int c = img.channels();
  for (int y = 0; y < img.height(); ++y) {
    const T* r = m.ptr<T>(y);
    for (int x = 0; x < img.width(); ++x)
      for (int k = 0; k < c; ++k) {
        const T a = img.at(x, y, k), b = r[x * c + (c >= 3 && k < 3 ? 2 - k : k)];
        if (std::memcmp(&a, &b, sizeof(T)) != 0) return false;  // bitwise, so NaN == NaN
      }
  }
  return true;
}

template <class T>
bool bitwise_equal(const image<T>& a, const image<T>& b) {
  return a.width() == b.width() && a.height() == b.height() && a.channels() == b.channels() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

// Radiance-like test data: log-uniform magnitudes over 12 stops, a few zeros.
inline image<float> random_radiance(int w, int h, int c, unsigned seed, bool negatives = false) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> stops(-6.0f, 6.0f);
  image<float> img(w, h, c);
  for (std::size_t i = 0; i < img.size(); ++i) {
    float v = std::exp2(stops(rng));
    if (negatives && rng() % 5 == 0) v = -v;
    if (rng() % 50 == 0) v = 0;
    img.data()[i] = v;
  }
  return img;
}

// OpenCV 4.6 only reads EXR when asked to; it reads the variable on its first EXR decode.
inline void enable_opencv_exr() { ::setenv("OPENCV_IO_ENABLE_OPENEXR", "1", 1); }

// A minimal uncompressed, top-left-origin 24-bit TGA (OpenCV cannot write TGA).
inline std::string tga_bytes(const cv::Mat& bgr) {
  std::string s(18, '\0');
  s[2] = 2;  // uncompressed true-colour
  s[12] = char(bgr.cols & 0xff), s[13] = char(bgr.cols >> 8);
  s[14] = char(bgr.rows & 0xff), s[15] = char(bgr.rows >> 8);
  s[16] = 24, s[17] = 0x20;  // 24 bpp, rows from the top
  for (int y = 0; y < bgr.rows; ++y) s.append(reinterpret_cast<const char*>(bgr.ptr(y)), bgr.cols * 3);
  return s;
}

inline cv::Mat pattern_u8(int w, int h, int type, unsigned seed) {
  cv::Mat m(h, w, type);
  cv::RNG rng(seed);
  rng.fill(m, cv::RNG::UNIFORM, 0, 256);
  return m;
}

}  // namespace io_test
