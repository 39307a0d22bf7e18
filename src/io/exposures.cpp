// exposures.txt parsing: "<file> <seconds>" per line, '#' comments.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "io_internal.hpp"

namespace hdrgpu::io {
namespace {

// Whole-string decimal; std::from_chars is locale-independent, unlike strtod.
bool parse_decimal(std::string_view s, double& v) {
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc{} && end == s.data() + s.size();
}

std::vector<std::string_view> split_ws(std::string_view line) {
  std::vector<std::string_view> out;
  const auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; };
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && ws(line[i])) ++i;
    const std::size_t b = i;
    while (i < line.size() && !ws(line[i])) ++i;
    if (i > b) out.push_back(line.substr(b, i - b));
  }
  return out;
}

}  // namespace

double parse_seconds(std::string_view text) {
  const auto bad = [&](const std::string& why) {
    return invalid_argument("invalid exposure time '" + detail::printable(text, 60) + "': " + why);
  };
  double v = 0;
  if (const auto slash = text.find('/'); slash != std::string_view::npos) {
    double num = 0, den = 0;
    if (!parse_decimal(text.substr(0, slash), num) || !parse_decimal(text.substr(slash + 1), den))
      throw bad("expected a number like 0.5, 1e-3 or a fraction like 1/250");
    if (den == 0) throw bad("zero denominator");
    v = num / den;
  } else if (!parse_decimal(text, v)) {
    throw bad("expected a number like 0.5, 1e-3 or a fraction like 1/250");
  }
  if (!std::isfinite(v)) throw bad("not finite");
  if (!(v > 0)) throw bad("must be > 0 seconds");
  return v;
}

std::vector<exposure_entry> read_exposures(const std::filesystem::path& exposures_txt) {
  const std::string contents = detail::read_text(exposures_txt, max_text_file_bytes);
  std::string_view text(contents);

  std::vector<exposure_entry> out;
  std::map<std::string, int, std::less<>> seen;  // file -> line, to report both lines of a duplicate
  detail::for_each_line(text, [&](std::string_view line, int line_no) {
    if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    const auto fields = split_ws(line);
    if (fields.empty()) return;
    const auto fail = [&](const std::string& why) {
      detail::throw_io(exposures_txt, "line " + std::to_string(line_no) + ": " + why);
    };
    if (fields.size() == 1) fail("missing exposure time after '" + detail::printable(fields[0]) + "'");
    if (fields.size() > 2) fail("expected '<file> <seconds>', found " + std::to_string(fields.size()) + " fields");
    double seconds = 0;
    try {
      seconds = parse_seconds(fields[1]);
    } catch (const invalid_argument& e) {
      fail(e.what());
    }
    const std::string file(fields[0]);
    if (detail::has_control(file))
      fail("the file name '" + detail::printable(file) + "' has control characters (NUL, escape...)");
    // Only files inside the stack folder (subfolders allowed): an absolute path or ".." would let a
    // stack folder read anything on the machine.
    const std::filesystem::path rel(file);
    if (rel.is_absolute() || rel.has_root_name() ||
        std::any_of(rel.begin(), rel.end(), [](const std::filesystem::path& part) { return part == ".."; }))
      fail("'" + detail::printable(file) + "' is not inside the stack folder (absolute paths and '..' are not "
           "allowed; subfolders are)");
    if (const auto it = seen.find(file); it != seen.end())
      fail("'" + detail::printable(file) + "' is already listed on line " + std::to_string(it->second));
    seen.emplace(file, line_no);
    out.push_back({file, seconds});
  });
  return out;
}

}  // namespace hdrgpu::io
