#include "text_util.hpp"

#include <cstdio>

namespace hdrgpu::detail {
namespace {

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }
bool is_continuation(unsigned char c) { return (c & 0xc0) == 0x80; }

}  // namespace

bool has_control(std::string_view s) noexcept {
  for (const char c : s)
    if (is_control(static_cast<unsigned char>(c))) return true;
  return false;
}

std::string shorten(std::string_view s, std::size_t max) {
  if (s.size() <= max || max < 16) return std::string(s);
  std::size_t head = max * 2 / 3, tail = max - head - 3;
  while (head > 0 && is_continuation(static_cast<unsigned char>(s[head]))) --head;
  std::size_t from = s.size() - tail;
  while (from < s.size() && is_continuation(static_cast<unsigned char>(s[from]))) ++from;
  return std::string(s.substr(0, head)) + "..." + std::string(s.substr(from)) + " (" + std::to_string(s.size()) +
         " bytes)";
}

std::string printable(std::string_view s, std::size_t max) {
  const std::string cut = shorten(s, max);
  if (!has_control(cut)) return cut;
  std::string out;
  out.reserve(cut.size() + 16);
  for (const char ch : cut) {
    const auto c = static_cast<unsigned char>(ch);
    if (!is_control(c)) {
      out += ch;
      continue;
    }
    char buf[5];
    std::snprintf(buf, sizeof buf, "\\x%02x", c);
    out += buf;
  }
  return out;
}

}  // namespace hdrgpu::detail
