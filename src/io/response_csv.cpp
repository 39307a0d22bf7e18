// Response curves as text, in the layout of OpenCV's golden files: one row per pixel level,
// columns B,G,R. Separators vary between OpenCV's files, so any run of ',', ';' or white space splits.
#include <charconv>
#include <cmath>

#include "io_internal.hpp"

namespace hdrgpu::io {
namespace {

bool is_sep(char c) { return c == ',' || c == ';' || c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

}  // namespace

response_curve read_response_csv(const std::filesystem::path& file, channel_order order) {
  const std::string text = detail::read_text(file, max_text_file_bytes);  // a BOM is skipped, as elsewhere
  const char* p = text.data();
  const char* const end = p + text.size();

  std::vector<float> values;
  int columns = 0, rows = 0, line_no = 0;
  while (p < end) {
    ++line_no;
    int n = 0;
    while (p < end && *p != '\n') {
      if (is_sep(*p)) {
        ++p;
        continue;
      }
      float v = 0;
      // from_chars<float> rounds the text straight to f32 (no double rounding) and accepts the
      // 3-digit exponents ("9.9913286e-006") that MSVC-built OpenCV wrote.
      const auto [q, ec] = std::from_chars(p, end, v);
      if (ec != std::errc{} || (q < end && *q != '\n' && !is_sep(*q))) {
        const char* e = p;
        while (e < end && *e != '\n' && !is_sep(*e)) ++e;
        detail::throw_io(file, "line " + std::to_string(line_no) + ": '" + detail::printable(std::string_view(p, std::size_t(e - p)), 60) +
                                   (ec == std::errc::result_out_of_range ? "' is outside the f32 range"
                                                                         : "' is not a number"));
      }
      // A response is exp(g): positive. NaN, infinity or a negative value would make every merge
      // with it non-finite or meaningless, so such a file is refused rather than used.
      if (!std::isfinite(v) || v < 0.0f)
        detail::throw_io(file, "line " + std::to_string(line_no) + ": '" + detail::printable(std::string_view(p, std::size_t(q - p)), 60) +
                                   "' is not a usable response value (must be finite and not negative)");
      values.push_back(v);
      ++n;
      p = q;
    }
    if (p < end) ++p;  // the '\n'
    if (n == 0) continue;  // blank line
    if (columns == 0) {
      if (n > 4) detail::throw_io(file, "line " + std::to_string(line_no) + ": " + std::to_string(n) +
                                            " columns, expected 1 to 4");
      columns = n;
    } else if (n != columns) {
      detail::throw_io(file, "line " + std::to_string(line_no) + ": " + std::to_string(n) + " columns, expected " +
                                 std::to_string(columns) + " like the first row");
    }
    ++rows;
  }
  if (rows != 256 && rows != 65536)
    detail::throw_io(file, std::to_string(rows) + " rows (last line " + std::to_string(line_no) +
                               "), expected 256 or 65536");

  // Colour columns are B,G,R as in OpenCV's files; reordered() then gives the caller's order.
  response_curve curve(rows, columns, columns >= 3 ? channel_order::bgr : order);
  curve.values() = std::move(values);
  return curve.reordered(order);
}

void write_response_csv(const std::filesystem::path& file, const response_curve& curve) {
  if (curve.empty()) throw invalid_argument(file.string() + ": response curve is empty");
  const response_curve bgr = curve.reordered(channel_order::bgr);
  std::string out;
  out.reserve(std::size_t(curve.levels()) * curve.channels() * 16);
  char buf[64];
  for (int z = 0; z < bgr.levels(); ++z) {
    for (int c = 0; c < bgr.channels(); ++c) {
      if (c) out += ", ";
      // Shortest text that reads back to the same f32, independent of the C locale.
      const auto r = std::to_chars(buf, buf + sizeof buf, bgr(z, c));
      out.append(buf, r.ptr);
    }
    out += '\n';
  }
  write_file_atomic(file, out);
}

}  // namespace hdrgpu::io
