// A validated set of differently exposed views of one scene.
#pragma once

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <hdrgpu/error.hpp>
#include <hdrgpu/image.hpp>

namespace hdrgpu {

/// N views of the same size, channel count and order, each with its exposure time in seconds.
/// The views are not owned. Every check names the stack and the offending file, so batch
/// reports can say which input was bad. Times are stored as f32, as OpenCV does.
template <sample_type T>
class exposure_stack {
 public:
  using view_type = image_view<const T>;

  exposure_stack() = default;
  explicit exposure_stack(std::string name) : name_(std::move(name)) {}

  /// Builds a stack from parallel lists; throws invalid_argument when the counts differ
  /// or any view/time is unusable.
  exposure_stack(std::string name, const std::vector<view_type>& views, const std::vector<float>& times,
                 const std::vector<std::string>& sources = {})
      : name_(std::move(name)) {
    if (views.size() != times.size())
      throw invalid_argument(label() + ": " + std::to_string(views.size()) + " images but " +
                             std::to_string(times.size()) + " exposure times");
    if (!sources.empty() && sources.size() != views.size())
      throw invalid_argument(label() + ": " + std::to_string(views.size()) + " images but " +
                             std::to_string(sources.size()) + " source names");
    for (std::size_t i = 0; i < views.size(); ++i) add(views[i], times[i], sources.empty() ? std::string{} : sources[i]);
  }

  /// Appends one exposure. Throws invalid_argument if the view is empty, differs in size,
  /// channels or order from the first one, or the time is not finite and > 0.
  void add(view_type view, double seconds, std::string source = {}) {
    const std::string who = label() + ": image " + std::to_string(views_.size()) +
                            (source.empty() ? std::string{} : " '" + source + "'");
    if (view.empty()) throw invalid_argument(who + " has no pixel data");
    if (!std::isfinite(seconds) || !(seconds > 0.0))
      throw invalid_argument(who + " has exposure time " + std::to_string(seconds) +
                             " s; times must be finite and > 0");
    if (!std::isfinite(float(seconds)) || !(float(seconds) > 0.0f))
      throw invalid_argument(who + ": exposure time " + std::to_string(seconds) + " s is outside f32 range");
    if (!views_.empty()) {
      const view_type& f = views_.front();
      if (view.width() != f.width() || view.height() != f.height())
        throw invalid_argument(who + " is " + std::to_string(view.width()) + "x" + std::to_string(view.height()) +
                               ", expected " + std::to_string(f.width()) + "x" + std::to_string(f.height()));
      if (view.channels() != f.channels())
        throw invalid_argument(who + " has " + std::to_string(view.channels()) + " channels, expected " +
                               std::to_string(f.channels()));
      if (view.order() != f.order()) throw invalid_argument(who + " has a different channel order");
      if (view.space() != f.space()) throw invalid_argument(who + " lives in a different memory space");
    }
    views_.push_back(view);
    times_.push_back(float(seconds));
    sources_.push_back(std::move(source));
  }

  /// Throws invalid_argument if the stack has no exposures.
  void validate() const {
    if (views_.empty()) throw invalid_argument(label() + " has no images");
  }

  const std::string& name() const noexcept { return name_; }
  std::size_t size() const noexcept { return views_.size(); }
  bool empty() const noexcept { return views_.empty(); }
  const view_type& operator[](std::size_t i) const { return views_[i]; }
  const std::vector<view_type>& views() const noexcept { return views_; }
  const std::vector<float>& times() const noexcept { return times_; }
  float time(std::size_t i) const { return times_[i]; }
  const std::string& source(std::size_t i) const { return sources_[i]; }
  int width() const { validate(); return views_.front().width(); }
  int height() const { validate(); return views_.front().height(); }
  int channels() const { validate(); return views_.front().channels(); }
  channel_order order() const { validate(); return views_.front().order(); }
  memory_space space() const { validate(); return views_.front().space(); }

  /// "stack 'NAME'" (or "stack" when unnamed), the prefix of every message about this stack.
  std::string label() const { return name_.empty() ? std::string("stack") : "stack '" + name_ + "'"; }

 private:
  std::string name_;
  std::vector<view_type> views_;
  std::vector<float> times_;
  std::vector<std::string> sources_;
};

}  // namespace hdrgpu
