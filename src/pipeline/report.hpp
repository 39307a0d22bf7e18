// JSON Lines report: a header object per run, then one object per stack, appended and handed to the OS
// as each stack finishes, so a killed run keeps the lines of everything it completed. A rerun appends.
#pragma once

#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

namespace hdrgpu::pipeline {

/// Builds one JSON object field by field (keys in insertion order).
class json_object {
 public:
  json_object& str(const char* key, const std::string& value);
  json_object& num(const char* key, double value);
  json_object& integer(const char* key, long long value);
  json_object& null(const char* key);
  /// `json` must already be valid JSON text (an array built by the caller).
  json_object& raw(const char* key, const std::string& json);
  json_object& boolean(const char* key, bool value);
  json_object& strings(const char* key, const std::vector<std::string>& values);
  json_object& numbers(const char* key, const std::vector<double>& values);
  json_object& object(const char* key, const json_object& value);
  std::string text() const { return "{" + body_ + "}"; }

 private:
  void key(const char* k);
  std::string body_;
};

/// JSON string literal of `s` (quotes, escapes; invalid UTF-8 bytes pass through unchanged).
std::string json_quote(const std::string& s);

class report_writer {
 public:
  /// Opens `path` for appending (creating it), refusing symbolic links and anything but a regular file,
  /// and drops an incomplete last line left by an earlier run. Throws io_error.
  explicit report_writer(const std::filesystem::path& path);
  ~report_writer();
  report_writer(const report_writer&) = delete;
  report_writer& operator=(const report_writer&) = delete;

  /// Appends one line with a single write; on failure (a full disk) any part written is taken back and
  /// io_error names the reason. Thread-safe.
  void write(const json_object& line);
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::mutex mutex_;
};

}  // namespace hdrgpu::pipeline
