#include "report.hpp"

#include <cmath>

#include <hdrgpu/error.hpp>

namespace hdrgpu::pipeline {

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

void json_object::key(const char* k) {
  if (!body_.empty()) body_ += ", ";
  body_ += json_quote(k);
  body_ += ": ";
}

json_object& json_object::str(const char* k, const std::string& v) {
  key(k);
  body_ += json_quote(v);
  return *this;
}

json_object& json_object::num(const char* k, double v) {
  key(k);
  if (!std::isfinite(v)) {
    body_ += "null";  // JSON has no NaN/Inf
    return *this;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  body_ += buf;
  return *this;
}

json_object& json_object::integer(const char* k, long long v) {
  key(k);
  body_ += std::to_string(v);
  return *this;
}

json_object& json_object::null(const char* k) {
  key(k);
  body_ += "null";
  return *this;
}

json_object& json_object::strings(const char* k, const std::vector<std::string>& v) {
  key(k);
  body_ += "[";
  for (std::size_t i = 0; i < v.size(); ++i) body_ += (i ? ", " : "") + json_quote(v[i]);
  body_ += "]";
  return *this;
}

json_object& json_object::numbers(const char* k, const std::vector<double>& v) {
  key(k);
  body_ += "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", v[i]);
    body_ += (i ? ", " : "") + std::string(buf);
  }
  body_ += "]";
  return *this;
}

json_object& json_object::object(const char* k, const json_object& v) {
  key(k);
  body_ += v.text();
  return *this;
}

report_writer::report_writer(const std::filesystem::path& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "w");
  if (!file_) throw io_error(path, "cannot create the report '" + path.string() + "'");
}

report_writer::~report_writer() {
  if (file_) std::fclose(file_);
}

void report_writer::write(const json_object& line) {
  const std::string text = line.text() + "\n";
  std::lock_guard lock(mutex_);
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::fflush(file_) != 0)
    throw io_error(path_, "cannot write the report '" + path_.string() + "'");
}

}  // namespace hdrgpu::pipeline
