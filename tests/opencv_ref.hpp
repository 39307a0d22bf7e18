// Test-only bridge to OpenCV, the reference implementation: load stacks with cv::imread and wrap
// cv::Mat data in hdrgpu views (BGR order, as imread produces).
#pragma once

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include <hdrgpu/hdrgpu.hpp>

#include "support.hpp"

namespace hdrgpu_test {

struct cv_stack {
  std::string name;
  std::vector<cv::Mat> images;  // BGR 8-bit, as imread gives
  std::vector<float> times;
  std::vector<std::string> files;

  template <class T = std::uint8_t>
  hdrgpu::exposure_stack<T> view(hdrgpu::channel_order order = hdrgpu::channel_order::bgr) const {
    hdrgpu::exposure_stack<T> s(name);
    for (std::size_t i = 0; i < images.size(); ++i) {
      const cv::Mat& m = images[i];
      s.add(hdrgpu::image_view<const T>(m.ptr<T>(), m.cols, m.rows, m.channels(), std::ptrdiff_t(m.step), order),
            times[i], files[i]);
    }
    return s;
  }
};

/// Reads data_root()/name with cv::imread (times from its exposures.txt). `first`/`count` select a
/// contiguous subset in file order.
inline cv_stack load_cv_stack(const std::string& name, std::size_t first = 0, std::size_t count = 1000,
                              int flags = cv::IMREAD_COLOR) {
  cv_stack s;
  s.name = name;
  const auto dir = data_root() / name;
  std::ifstream in(dir / "exposures.txt");
  std::string line;
  std::size_t k = 0;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string file;
    double t = 0;
    if (!(ls >> file >> t) || file[0] == '#') continue;
    if (k++ < first || s.images.size() >= count) continue;
    cv::Mat m = cv::imread((dir / file).string(), flags);
    REQUIRE_MESSAGE(!m.empty(), "cannot read " << (dir / file).string());
    s.images.push_back(m);
    s.times.push_back(float(t));
    s.files.push_back(file);
  }
  return s;
}

inline cv::Mat to_mat(const hdrgpu::response_curve& r) {
  cv::Mat m(r.levels(), 1, CV_32FC(r.channels()));
  std::memcpy(m.ptr<float>(), r.values().data(), r.values().size() * sizeof(float));
  return m;
}

inline hdrgpu::response_curve from_mat(const cv::Mat& m, hdrgpu::channel_order order = hdrgpu::channel_order::bgr) {
  hdrgpu::response_curve r(int(m.total()), m.channels(), order);
  cv::Mat c = m.isContinuous() ? m : m.clone();
  std::memcpy(r.values().data(), c.ptr<float>(), r.values().size() * sizeof(float));
  return r;
}

/// Max relative difference between an hdrgpu float image and a CV_32F Mat of the same layout,
/// relative to max(|ref|, floor).
inline double max_rel(const hdrgpu::image<float>& a, const cv::Mat& ref, double floor = 1e-30) {
  REQUIRE(ref.isContinuous());
  REQUIRE(a.size() == ref.total() * ref.channels());
  return max_rel_diff(a.data(), ref.ptr<float>(), a.size(), floor);
}

/// Views of the Mats' bytes as samples of type T in `order` (no copy).
template <class T>
std::vector<hdrgpu::image_view<const T>> views_of(const std::vector<cv::Mat>& mats, hdrgpu::channel_order order) {
  std::vector<hdrgpu::image_view<const T>> v;
  for (const cv::Mat& m : mats)
    v.emplace_back(m.ptr<T>(), m.cols, m.rows, m.channels(), std::ptrdiff_t(m.step), order);
  return v;
}

/// How max_abs treats NaN. A NaN it does not skip makes the result infinite (a failed tolerance).
enum class nan_policy {
  never,             ///< NaN anywhere counts as infinitely different
  reference_nan,     ///< samples where the reference is NaN are skipped (OpenCV's NaN is not a target)
  both_nan_equal,    ///< NaN in both is equal; NaN in one only is infinitely different
};

/// max |a - ref| over all samples, NaN treated by `nans`. `ref` is a CV_32F Mat with a's rows and as many
/// samples per row (any step; a 1-channel image may stand for a 3-channel Mat of a third of its width).
inline double max_abs(const hdrgpu::image<float>& a, const cv::Mat& ref, nan_policy nans = nan_policy::never) {
  REQUIRE(ref.depth() == CV_32F);
  REQUIRE(ref.cols * ref.channels() == a.width() * a.channels());
  REQUIRE(ref.rows == a.height());
  double m = 0;
  for (int y = 0; y < a.height(); ++y) {
    const float *p = a.row(y), *r = ref.ptr<float>(y);
    for (std::size_t k = 0; k < std::size_t(a.width()) * a.channels(); ++k) {
      if (nans == nan_policy::reference_nan && std::isnan(r[k])) continue;
      if (nans == nan_policy::both_nan_equal && std::isnan(p[k]) && std::isnan(r[k])) continue;
      const double d = std::abs(double(p[k]) - double(r[k]));
      if (std::isnan(d)) return std::numeric_limits<double>::infinity();
      m = std::max(m, d);
    }
  }
  return m;
}

inline cv::Mat as_mat(const hdrgpu::image<float>& a) {
  return cv::Mat(a.height(), a.width(), CV_32FC(a.channels()), const_cast<float*>(a.data()));
}

/// A view of one Mat's samples as T in `order` (no copy).
template <class T>
hdrgpu::image_view<const T> mat_view(const cv::Mat& m, hdrgpu::channel_order order = hdrgpu::channel_order::bgr) {
  return {m.ptr<T>(), m.cols, m.rows, m.channels(), std::ptrdiff_t(m.step), order};
}

/// A smooth random radiance (bilinear upsampling of uniform noise, plus fine noise, exponentiated): large
/// areas and edges like a photograph, over ~3.5 decades. CV_32FC3, BGR.
inline cv::Mat synthetic_hdr(int w, int h, unsigned seed) {
  cv::RNG rng(seed);
  cv::Mat small(h / 16 + 2, w / 16 + 2, CV_32FC3), hdr, noise(h, w, CV_32FC3);
  rng.fill(small, cv::RNG::UNIFORM, 0.0, 1.0);
  cv::resize(small, hdr, cv::Size(w, h), 0, 0, cv::INTER_LINEAR);
  rng.fill(noise, cv::RNG::UNIFORM, 0.0, 0.05);
  hdr = hdr + noise;
  cv::exp(hdr * 8.0, hdr);
  return hdr;
}

/// OpenCV's golden response (opencv_extra hdr/exposures/response.csv, in data_root()/opencv-golden) as the
/// 256 x 1 CV_32FC3 Mat OpenCV's regression tests use.
inline cv::Mat golden_response() {
  std::ifstream in(data_root() / "opencv-golden" / "response.csv");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  for (char& ch : text)
    if (ch == ';' || ch == ',') ch = ' ';
  std::istringstream vals(text);
  cv::Mat resp(256, 1, CV_32FC3);
  for (int z = 0; z < 256; ++z)
    for (int c = 0; c < 3; ++c) vals >> resp.at<cv::Vec3f>(z)[c];
  REQUIRE_FALSE(vals.fail());
  return resp;
}

/// OpenCV's MergeDebevec of memorial with the golden response: the radiance OpenCV's own tonemap regression
/// test starts from (computed once).
inline const cv::Mat& memorial_golden_radiance() {
  static const cv::Mat hdr = [] {
    const cv_stack s = load_cv_stack("memorial");
    cv::Mat out;
    cv::createMergeDebevec()->process(s.images, out, cv::Mat(s.times, true), golden_response());
    return out;
  }();
  return hdr;
}

}  // namespace hdrgpu_test

namespace doctest {
template <>
struct StringMaker<hdrgpu::image_shift> {
  static String convert(const hdrgpu::image_shift& s) {
    return ("(" + std::to_string(s.dx) + ", " + std::to_string(s.dy) + ")").c_str();
  }
};
}  // namespace doctest
