// What the manifest readers share (manifest_csv.cpp, manifest_jsonl.cpp): the stack builder that enforces
// the rules both formats promise, line splitting and "FILE: line N: why" errors.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "io_internal.hpp"

namespace hdrgpu::io::manifest_detail {

// "FILE: line N: why" (and ", column C" for JSON syntax errors).
[[noreturn]] inline void fail_at(const std::filesystem::path& file, int line, const std::string& why) {
  detail::throw_io(file, "line " + std::to_string(line) + ": " + why);
}

inline std::filesystem::path resolve(const std::filesystem::path& folder, const std::string& image) {
  const std::filesystem::path p(image);
  return (p.is_absolute() ? p : folder / p).lexically_normal();
}

// Collects the stacks of either format, enforcing what both formats promise: unique ids, the rows
// of a stack consecutive, all or none of a stack's times given, no image listed twice in a stack.
class builder {
 public:
  builder(std::filesystem::path file) : file_(std::move(file)) {
    folder_ = file_.has_parent_path() ? file_.parent_path() : std::filesystem::path(".");
  }

  void start(const std::string& id, int line) {
    if (id.empty()) fail_at(file_, line, "empty stack id");
    if (detail::has_control(id))
      fail_at(file_, line, "stack id '" + detail::printable(id) + "' has control characters (NUL, newline...)");
    if (const auto it = first_line_.find(id); it != first_line_.end())
      fail_at(file_, line, "stack id '" + detail::printable(id) + "' was already used on line " + std::to_string(it->second) +
                               (csv_ ? " (the rows of a stack must be consecutive)" : ""));
    first_line_.emplace(id, line);
    out_.push_back({id, {}, {}});
    timed_.reset();
    seen_.clear();
  }

  // In CSV the current stack continues while the id repeats.
  bool continues(const std::string& id) const { return !out_.empty() && out_.back().id == id; }

  void add(const std::string& image, std::optional<double> seconds, int line) {
    manifest_entry& e = out_.back();
    if (image.empty()) fail_at(file_, line, "stack '" + detail::printable(e.id) + "': empty image path");
    if (detail::has_control(image))
      fail_at(file_, line, "stack '" + detail::printable(e.id) + "': the image path '" + detail::printable(image) +
                               "' has control characters (NUL, newline...)");
    if (timed_ && *timed_ != seconds.has_value())
      fail_at(file_, line, "stack '" + detail::printable(e.id) + "': " +
                               (seconds ? "has a time here but not on the rows before"
                                        : "has no time here but the rows before have one") +
                               " (give every image of a stack a time, or none for EXIF)");
    timed_ = seconds.has_value();
    const std::filesystem::path p = resolve(folder_, image);
    if (!seen_.insert(p.string()).second) fail_at(file_, line, "stack '" + detail::printable(e.id) + "': '" + detail::printable(image) + "' is listed twice");
    e.images.push_back(p);
    if (seconds) e.times.push_back(*seconds);
  }

  void set_csv() { csv_ = true; }

  std::vector<manifest_entry> finish() {
    if (out_.empty()) detail::throw_io(file_, "lists no stacks");
    return std::move(out_);
  }

 private:
  std::filesystem::path file_, folder_;
  std::vector<manifest_entry> out_;
  std::map<std::string, int, std::less<>> first_line_;
  std::optional<bool> timed_;
  std::set<std::string> seen_;
  bool csv_ = false;
};

inline double seconds_or_fail(std::string_view text, const std::filesystem::path& file, int line) {
  try {
    return parse_seconds(text);
  } catch (const invalid_argument& e) {
    fail_at(file, line, e.what());
  }
}

using detail::for_each_line;

inline bool blank(std::string_view s) {
  return s.find_first_not_of(" \t") == std::string_view::npos;
}

inline std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::vector<manifest_entry> read_csv(std::string_view text, const std::filesystem::path& file);
std::vector<manifest_entry> read_jsonl(std::string_view text, const std::filesystem::path& file);

}  // namespace hdrgpu::io::manifest_detail
