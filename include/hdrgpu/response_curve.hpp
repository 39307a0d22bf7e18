// Inverse camera response: relative radiance*time for each pixel level and channel.
#pragma once

#include <cstddef>
#include <vector>

#include <hdrgpu/compat.hpp>
#include <hdrgpu/error.hpp>
#include <hdrgpu/image.hpp>

namespace hdrgpu {

/// `levels` rows (256 for 8-bit input, 65536 for 16-bit and float input) by `channels` f32 values,
/// stored row-major (value(z, c) = values()[z * channels + c]). The channels follow `order()`;
/// merges reorder a curve whose order differs from the stack's.
class response_curve {
 public:
  response_curve() = default;
  response_curve(int levels, int channels, channel_order order = channel_order::rgb)
      : levels_(levels), channels_(channels), order_(order), values_(std::size_t(levels) * channels, 0.0f) {
    HDRGPU_EXPECTS(levels == 256 || levels == 65536, "response_curve: levels must be 256 or 65536");
    HDRGPU_EXPECTS(channels >= 1 && channels <= 4, "response_curve: channels must be 1..4");
  }

  int levels() const noexcept { return levels_; }
  int channels() const noexcept { return channels_; }
  channel_order order() const noexcept { return order_; }
  bool empty() const noexcept { return values_.empty(); }
  float& operator()(int z, int c) noexcept { return values_[std::size_t(z) * channels_ + c]; }
  float operator()(int z, int c) const noexcept { return values_[std::size_t(z) * channels_ + c]; }
  const std::vector<float>& values() const noexcept { return values_; }
  std::vector<float>& values() noexcept { return values_; }

  /// The same curve with its colour channels in `order` (identity for 1 channel or same order).
  response_curve reordered(channel_order order) const {
    if (order == order_ || channels_ < 3) {
      response_curve r = *this;
      r.order_ = order;
      return r;
    }
    response_curve r(levels_, channels_, order);
    for (int z = 0; z < levels_; ++z)
      for (int c = 0; c < channels_; ++c) r(z, c) = (*this)(z, c < 3 ? 2 - c : c);
    return r;
  }

  /// OpenCV's default for MergeDebevec: resp[z] = z, with resp[0] = resp[1] = 1 to avoid log(0).
  static response_curve linear_debevec(int channels, int levels = 256, channel_order order = channel_order::rgb) {
    response_curve r(levels, channels, order);
    for (int z = 0; z < levels; ++z)
      for (int c = 0; c < channels; ++c) r(z, c) = z < 2 ? 1.0f : float(z);
    return r;
  }

  /// OpenCV's default for MergeRobertson and CalibrateRobertson's start: resp[z] = z / (L/2).
  static response_curve linear_robertson(int channels, int levels = 256, channel_order order = channel_order::rgb) {
    response_curve r(levels, channels, order);
    const float half = float(levels / 2);
    for (int z = 0; z < levels; ++z)
      for (int c = 0; c < channels; ++c) r(z, c) = float(z) / half;
    return r;
  }

 private:
  int levels_ = 0, channels_ = 0;
  channel_order order_ = channel_order::rgb;
  std::vector<float> values_;
};

}  // namespace hdrgpu
