// Batch manifests (CSV and JSON Lines; the formats are documented in io.hpp) and stack discovery.
// The JSON reader accepts exactly the one object shape a manifest line has, and nothing else.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "io_internal.hpp"

namespace hdrgpu::io {
namespace {

// "FILE: line N: why" (and ", column C" for JSON syntax errors).
[[noreturn]] void fail_at(const std::filesystem::path& file, int line, const std::string& why) {
  detail::throw_io(file, "line " + std::to_string(line) + ": " + why);
}

std::filesystem::path resolve(const std::filesystem::path& folder, const std::string& image) {
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

double seconds_or_fail(std::string_view text, const std::filesystem::path& file, int line) {
  try {
    return parse_seconds(text);
  } catch (const invalid_argument& e) {
    fail_at(file, line, e.what());
  }
}

// Splits the text into lines (LF or CRLF), numbered from 1.
template <class F>
void for_each_line(std::string_view text, F&& f) {
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    f(line, line_no);
  }
}

bool blank(std::string_view s) {
  return s.find_first_not_of(" \t") == std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// ---- CSV ----

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

// ---- JSON Lines ----

// Recursive-descent reader for one line: {"id": str, "images": [str...], "times": [num|str...]}.
class json_line {
 public:
  json_line(std::string_view s, const std::filesystem::path& file, int line) : s_(s), file_(file), line_(line) {}

  [[noreturn]] void fail(const std::string& why) const {
    fail_at(file_, line_, "column " + std::to_string(i_ + 1) + ": " + why);
  }

  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  bool peek(char c) {
    ws();
    return i_ < s_.size() && s_[i_] == c;
  }
  void expect(char c, const char* what) {
    if (!peek(c)) fail(std::string("expected ") + what + (i_ < s_.size() ? "" : ", found the end of the line"));
    ++i_;
  }
  bool at_end() {
    ws();
    return i_ >= s_.size();
  }

  std::string string() {
    expect('"', "a string");
    std::string out;
    for (;;) {
      if (i_ >= s_.size()) fail("unterminated string");
      const unsigned char c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') return out;
      if (c < 0x20) --i_, fail("control character in a string");
      if (c != '\\') {
        out += char(c);
        continue;
      }
      if (i_ >= s_.size()) fail("unterminated string");
      switch (const char e = s_[i_++]) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': append_utf8(out, code_point()); break;
        default: i_ -= 2, fail("invalid escape '\\" + detail::printable(std::string_view(&e, 1)) + "'");
      }
    }
  }

  double number() {
    ws();
    // JSON's grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    const std::size_t b = i_;
    std::size_t j = i_;
    const auto digits = [&] {
      const std::size_t d = j;
      while (j < s_.size() && s_[j] >= '0' && s_[j] <= '9') ++j;
      return j > d;
    };
    if (j < s_.size() && s_[j] == '-') ++j;
    if (j < s_.size() && s_[j] == '0') {
      if (++j < s_.size() && s_[j] >= '0' && s_[j] <= '9') fail("leading zero in a number");
    } else if (!digits()) {
      fail("expected a number");
    }
    if (j < s_.size() && s_[j] == '.' && (++j, !digits())) fail("expected digits after '.'");
    if (j < s_.size() && (s_[j] == 'e' || s_[j] == 'E')) {
      ++j;
      if (j < s_.size() && (s_[j] == '+' || s_[j] == '-')) ++j;
      if (!digits()) fail("expected digits in the exponent");
    }
    double v = 0;
    const auto [end, ec] = std::from_chars(s_.data() + b, s_.data() + j, v);
    if (ec != std::errc{} || end != s_.data() + j) fail("number out of range");
    i_ = j;
    return v;
  }

  /// Column of the next token.
  std::size_t column() {
    ws();
    return i_ + 1;
  }

 private:
  unsigned hex4() {
    if (s_.size() - i_ < 4) fail("expected 4 hex digits after \\u");
    unsigned v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= unsigned(c - '0');
      else if (c >= 'a' && c <= 'f') v |= unsigned(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= unsigned(c - 'A' + 10);
      else fail("expected 4 hex digits after \\u");
    }
    return v;
  }

  unsigned code_point() {
    const unsigned hi = hex4();
    if (hi >= 0xdc00 && hi <= 0xdfff) fail("unpaired low surrogate");
    if (hi < 0xd800 || hi > 0xdbff) return hi;
    if (s_.size() - i_ < 2 || s_[i_] != '\\' || s_[i_ + 1] != 'u') fail("unpaired high surrogate");
    i_ += 2;
    const unsigned lo = hex4();
    if (lo < 0xdc00 || lo > 0xdfff) fail("unpaired high surrogate");
    return 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xc0 | (cp >> 6));
      out += char(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += char(0xe0 | (cp >> 12));
      out += char(0x80 | ((cp >> 6) & 0x3f));
      out += char(0x80 | (cp & 0x3f));
    } else {
      out += char(0xf0 | (cp >> 18));
      out += char(0x80 | ((cp >> 12) & 0x3f));
      out += char(0x80 | ((cp >> 6) & 0x3f));
      out += char(0x80 | (cp & 0x3f));
    }
  }

  std::string_view s_;
  const std::filesystem::path& file_;
  int line_;
  std::size_t i_ = 0;
};

struct json_stack {
  std::string id;
  std::vector<std::string> images;
  std::vector<double> times;
  bool has_id = false, has_images = false;
};

json_stack parse_json_line(std::string_view line, const std::filesystem::path& file, int n) {
  json_line p(line, file, n);
  json_stack out;
  std::set<std::string> keys;
  p.expect('{', "'{' (each line is one JSON object)");
  bool first = true;
  while (!p.peek('}')) {
    if (!first) p.expect(',', "',' or '}'");
    first = false;
    const std::size_t key_col = p.column();
    const std::string key = p.string();
    if (!keys.insert(key).second) fail_at(file, n, "column " + std::to_string(key_col) + ": duplicate key \"" + detail::printable(key, 60) + "\"");
    p.expect(':', "':'");
    if (key == "id") {
      out.id = p.string();
      out.has_id = true;
    } else if (key == "images" || key == "times") {
      const bool images = key == "images";
      p.expect('[', images ? "'[' (images is an array of file names)" : "'[' (times is an array of seconds)");
      for (bool first_item = true; !p.peek(']'); first_item = false) {
        if (!first_item) p.expect(',', "',' or ']'");
        if (images) {
          out.images.push_back(p.string());
        } else if (p.peek('"')) {
          const std::size_t col = p.column();
          const std::string text = p.string();
          try {
            out.times.push_back(parse_seconds(text));
          } catch (const invalid_argument& e) {
            fail_at(file, n, "column " + std::to_string(col) + ": " + e.what());
          }
        } else {
          const std::size_t col = p.column();
          const double v = p.number();
          if (!(v > 0) || !std::isfinite(v))
            fail_at(file, n, "column " + std::to_string(col) + ": exposure time must be > 0 seconds");
          out.times.push_back(v);
        }
      }
      p.expect(']', "']'");
      out.has_images = out.has_images || images;
    } else {
      fail_at(file, n, "column " + std::to_string(key_col) + ": unknown key \"" + detail::printable(key, 60) +
                           "\" (expected \"id\", \"images\" and optionally \"times\")");
    }
  }
  p.expect('}', "'}'");
  if (!p.at_end()) p.fail("text after the object");
  if (!out.has_id) fail_at(file, n, "missing key \"id\"");
  if (!out.has_images || out.images.empty()) fail_at(file, n, "stack '" + detail::printable(out.id) + "': \"images\" is missing or empty");
  if (!out.times.empty() && out.times.size() != out.images.size())
    fail_at(file, n, "stack '" + detail::printable(out.id) + "': " + std::to_string(out.images.size()) + " images but " +
                         std::to_string(out.times.size()) + " times");
  return out;
}

std::vector<manifest_entry> read_jsonl(std::string_view text, const std::filesystem::path& file) {
  builder b(file);
  for_each_line(text, [&](std::string_view line, int n) {
    if (blank(line)) return;
    const json_stack s = parse_json_line(line, file, n);
    b.start(s.id, n);
    for (std::size_t i = 0; i < s.images.size(); ++i)
      b.add(s.images[i], s.times.empty() ? std::nullopt : std::optional<double>(s.times[i]), n);
  });
  return b.finish();
}

bool has_stack_content(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(dir / "exposures.txt", ec)) return true;
  std::filesystem::directory_iterator it(dir, ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    std::error_code fec;
    if (detail::is_image_file_name(it->path()) && it->is_regular_file(fec)) return true;
  }
  return false;
}

}  // namespace

std::vector<manifest_entry> read_manifest(const std::filesystem::path& manifest) {
  const std::string contents = detail::read_text(manifest, max_manifest_bytes);
  std::string_view text(contents);
  const std::string ext = detail::extension_of(manifest);
  bool json = ext == ".jsonl" || ext == ".ndjson" || ext == ".json";
  if (ext != ".csv" && !json) {
    const auto first = text.find_first_not_of(" \t\r\n");
    json = first != std::string_view::npos && text[first] == '{';
  }
  return json ? read_jsonl(text, manifest) : read_csv(text, manifest);
}

std::vector<std::filesystem::path> discover_stacks(const std::filesystem::path& dir) {
  std::error_code ec;
  const auto st = std::filesystem::status(dir, ec);
  if (st.type() == std::filesystem::file_type::not_found) detail::throw_io(dir, "no such directory");
  if (ec) detail::throw_io(dir, "cannot open: " + ec.message());
  if (st.type() != std::filesystem::file_type::directory) detail::throw_io(dir, "is not a directory");
  if (has_stack_content(dir)) return {dir};
  std::vector<std::filesystem::path> out;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) detail::throw_io(dir, "cannot list the folder: " + ec.message());
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) detail::throw_io(dir, "cannot list the folder: " + ec.message());
    std::error_code dec;
    const std::string name = it->path().filename().string();
    if (!name.empty() && name.front() != '.' && it->is_directory(dec) && has_stack_content(it->path()))
      out.push_back(it->path());
  }
  if (ec) detail::throw_io(dir, "cannot list the folder: " + ec.message());
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.filename().string() < b.filename().string(); });
  return out;
}

}  // namespace hdrgpu::io
