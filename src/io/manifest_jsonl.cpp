// JSON Lines manifests: one object per line, {"id": str, "images": [str...], "times": [num|str...]}.
// nlohmann/json does the JSON (its syntax errors keep their column); this file checks the one shape a
// line may have and names the key or item that breaks it.
#include <cmath>

#include <nlohmann/json.hpp>

#include "manifest_builder.hpp"

namespace hdrgpu::io::manifest_detail {
namespace {

using json = nlohmann::json;

struct json_stack {
  std::string id;
  std::vector<std::string> images;
  std::vector<double> times;
};

// nlohmann's message without its prefix: "[json.exception.parse_error.101] parse error at line 1,
// column 7: syntax error ..." becomes "column 7: syntax error ...".
std::string parse_error_text(const json::exception& e) {
  const std::string what = e.what();
  const auto col = what.find("column ");
  if (col != std::string::npos) return detail::printable(what.substr(col), 200);
  const auto close = what.find("] ");
  return detail::printable(close == std::string::npos ? what : what.substr(close + 2), 200);
}

// Parses one line. Stops at a duplicate key (the parsed object would keep only one) and at nesting
// deeper than a manifest line has.
json parse_line(std::string_view line, const std::filesystem::path& file, int n) {
  std::set<std::string, std::less<>> keys;
  const auto guard = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1 && !keys.insert(parsed.get<std::string>()).second)
      fail_at(file, n, "duplicate key \"" + detail::printable(parsed.get<std::string>(), 60) + "\"");
    if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) && depth > 1)
      fail_at(file, n, "values nest too deeply (each line is {\"id\": ..., \"images\": [...], \"times\": [...]})");
    return true;
  };
  try {
    return json::parse(line, guard);
  } catch (const json::exception& e) {
    fail_at(file, n, parse_error_text(e));
  }
}

json_stack read_line(std::string_view line, const std::filesystem::path& file, int n) {
  const json j = parse_line(line, file, n);
  if (!j.is_object()) fail_at(file, n, "expected an object (each line is one JSON object)");
  json_stack out;
  for (const auto& [key, value] : j.items()) {
    if (key != "id" && key != "images" && key != "times")
      fail_at(file, n, "unknown key \"" + detail::printable(key, 60) + "\" (expected \"id\", \"images\" and optionally \"times\")");
  }
  const auto id = j.find("id");
  if (id == j.end()) fail_at(file, n, "missing key \"id\"");
  if (!id->is_string()) fail_at(file, n, "\"id\" must be a string");
  out.id = id->get<std::string>();
  const std::string stack = "stack '" + detail::printable(out.id) + "': ";

  const auto images = j.find("images");
  if (images == j.end() || (images->is_array() && images->empty()))
    fail_at(file, n, stack + "\"images\" is missing or empty");
  if (!images->is_array()) fail_at(file, n, stack + "\"images\" must be an array of file names");
  for (std::size_t i = 0; i < images->size(); ++i) {
    const json& v = (*images)[i];
    if (!v.is_string()) fail_at(file, n, stack + "images[" + std::to_string(i) + "] must be a string (a file name)");
    out.images.push_back(v.get<std::string>());
  }

  if (const auto times = j.find("times"); times != j.end()) {
    if (!times->is_array()) fail_at(file, n, stack + "\"times\" must be an array of seconds");
    for (std::size_t i = 0; i < times->size(); ++i) {
      const json& v = (*times)[i];
      const std::string where = stack + "times[" + std::to_string(i) + "]: ";
      double t = 0;
      if (v.is_string()) {
        try {
          t = parse_seconds(v.get<std::string>());
        } catch (const invalid_argument& e) {
          fail_at(file, n, where + e.what());
        }
      } else if (v.is_number()) {
        t = v.get<double>();
        if (!(t > 0) || !std::isfinite(t)) fail_at(file, n, where + "exposure time must be > 0 seconds");
      } else {
        fail_at(file, n, where + "expected a number of seconds or a string such as \"1/250\"");
      }
      out.times.push_back(t);
    }
    if (!out.times.empty() && out.times.size() != out.images.size())
      fail_at(file, n, stack + std::to_string(out.images.size()) + " images but " + std::to_string(out.times.size()) +
                           " times");
  }
  return out;
}

}  // namespace

std::vector<manifest_entry> read_jsonl(std::string_view text, const std::filesystem::path& file) {
  builder b(file);
  for_each_line(text, [&](std::string_view line, int n) {
    if (blank(line)) return;
    const json_stack s = read_line(line, file, n);
    b.start(s.id, n);
    for (std::size_t i = 0; i < s.images.size(); ++i)
      b.add(s.images[i], s.times.empty() ? std::nullopt : std::optional<double>(s.times[i]), n);
  });
  return b.finish();
}

}  // namespace hdrgpu::io::manifest_detail
