// CSV manifests: a header 'id,image,time' (or 'id,image'), one row per image, a stack's rows consecutive.
#include <algorithm>

#include "manifest_builder.hpp"

namespace hdrgpu::io::manifest_detail {
namespace {

// Fields of one line; a field may be "quoted" ("" is a quote). Unquoted fields are trimmed.
std::vector<std::string> csv_fields(std::string_view line, const std::filesystem::path& file, int line_no) {
  std::vector<std::string> out;
  std::size_t i = 0;
  for (;;) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::string field;
    if (i < line.size() && line[i] == '"') {
      ++i;
      for (;;) {
        if (i >= line.size()) fail_at(file, line_no, "unterminated quoted field");
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += line[i++];
      }
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i < line.size() && line[i] != ',') fail_at(file, line_no, "text after a quoted field");
    } else {
      const std::size_t e = std::min(line.find(',', i), line.size());
      field = std::string(trim(line.substr(i, e - i)));
      if (field.find('"') != std::string::npos) fail_at(file, line_no, "a quote inside an unquoted field");
      i = e;
    }
    out.push_back(std::move(field));
    if (i >= line.size()) return out;
    ++i;  // the ','
  }
}

}  // namespace

std::vector<manifest_entry> read_csv(std::string_view text, const std::filesystem::path& file) {
  builder b(file);
  b.set_csv();
  std::size_t columns = 0;
  for_each_line(text, [&](std::string_view line, int n) {
    if (blank(line)) return;
    const auto f = csv_fields(line, file, n);
    if (columns == 0) {
      if (!(f.size() == 3 && f[0] == "id" && f[1] == "image" && f[2] == "time") &&
          !(f.size() == 2 && f[0] == "id" && f[1] == "image"))
        fail_at(file, n, "expected the header 'id,image,time' (or 'id,image'), found '" + detail::printable(line, 120) + "'");
      columns = f.size();
      return;
    }
    if (f.size() != columns)
      fail_at(file, n, std::to_string(f.size()) + " fields, expected " + std::to_string(columns) + " (id,image" +
                           (columns == 3 ? ",time)" : ")"));
    if (!b.continues(f[0])) b.start(f[0], n);
    std::optional<double> seconds;
    if (columns == 3 && !f[2].empty()) seconds = seconds_or_fail(f[2], file, n);
    b.add(f[1], seconds, n);
  });
  if (columns == 0) detail::throw_io(file, "is empty (expected the header 'id,image,time')");
  return b.finish();
}

}  // namespace hdrgpu::io::manifest_detail
