// JSON Lines report: one object per stack, appended and flushed as each stack finishes, so a killed
// run keeps the lines of everything it completed.
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
  /// Truncates `path` (each run writes a complete report of its own stacks). Throws io_error.
  explicit report_writer(const std::filesystem::path& path);
  ~report_writer();
  report_writer(const report_writer&) = delete;
  report_writer& operator=(const report_writer&) = delete;

  /// Appends one line and flushes it to the OS. Thread-safe.
  void write(const json_object& line);
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
  std::mutex mutex_;
};

}  // namespace hdrgpu::pipeline
