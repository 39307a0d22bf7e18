#include "report.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include <hdrgpu/error.hpp>

#include "../text_util.hpp"

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

json_object& json_object::raw(const char* k, const std::string& json) {
  key(k);
  body_ += json;
  return *this;
}

json_object& json_object::boolean(const char* k, bool v) {
  key(k);
  body_ += v ? "true" : "false";
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
  const auto fail = [&](const std::string& why) {
    throw io_error(path, "cannot open the report '" + detail::printable(path.string()) + "': " + why);
  };
  // O_RDWR: a torn last line is read back to be dropped. O_NOFOLLOW: a link planted where the report goes must not redirect the writes to another file.
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd_ < 0) fail(errno == ELOOP ? std::string("it is a symbolic link (the report is never written through one)")
                                   : std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    fail("not a regular file");
  }
  // A line cut short by a crash or a full disk in an earlier run is dropped, so every line is whole JSON.
  off_t end = st.st_size;
  if (end > 0) {
    char last = 0;
    if (::pread(fd_, &last, 1, end - 1) == 1 && last != '\n') {
      off_t keep = 0;
      char buf[4096];
      for (off_t at = end; at > 0 && keep == 0;) {
        const off_t from = at > off_t(sizeof buf) ? at - off_t(sizeof buf) : 0;
        const ssize_t n = ::pread(fd_, buf, std::size_t(at - from), from);
        if (n <= 0) break;
        for (ssize_t i = n - 1; i >= 0; --i)
          if (buf[i] == '\n') {
            keep = from + i + 1;
            break;
          }
        at = from;
      }
      if (::ftruncate(fd_, keep) != 0) fail(std::string("cannot drop an incomplete last line: ") + std::strerror(errno));
    }
  }
}

report_writer::~report_writer() {
  if (fd_ >= 0) ::close(fd_);
}

void report_writer::write(const json_object& line) {
  const std::string text = line.text() + "\n";
  std::lock_guard lock(mutex_);
  struct stat st {};
  const off_t before = ::fstat(fd_, &st) == 0 ? st.st_size : -1;
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = n < 0 ? std::strerror(errno) : "nothing written";
      // Take back a partial line: the report holds whole lines or none.
      if (before >= 0 && done > 0) (void)!::ftruncate(fd_, before);
      throw io_error(path_, "cannot write the report '" + detail::printable(path_.string()) + "': " + why);
    }
    done += std::size_t(n);
  }
}
}  // namespace hdrgpu::pipeline
