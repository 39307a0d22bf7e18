// Reading whole files and building file-naming errors.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "io_internal.hpp"

namespace hdrgpu::io::detail {

void throw_io(const std::filesystem::path& file, const std::string& why) {
  throw io_error(file, file.string() + ": " + why);
}

bytes read_bytes(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) throw failure("is a directory, not a file");
  // stdio rather than iostreams: errno gives the reason ("No such file or directory").
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(file.c_str(), "rb"), &std::fclose);
  if (!f) throw failure(std::string("cannot open: ") + std::strerror(errno));
  bytes data;
  if (const auto size = std::filesystem::file_size(file, ec); !ec) data.reserve(size);
  unsigned char buf[1 << 16];
  for (;;) {
    const std::size_t n = std::fread(buf, 1, sizeof buf, f.get());
    data.insert(data.end(), buf, buf + n);
    if (n < sizeof buf) break;
  }
  if (std::ferror(f.get())) throw failure(std::string("read error: ") + std::strerror(errno));
  return data;
}

std::string read_text(const std::filesystem::path& file) {
  bytes data;
  try {
    data = read_bytes(file);
  } catch (const failure& e) {
    throw_io(file, e.what());
  }
  std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  if (text.starts_with("\xef\xbb\xbf")) text.remove_prefix(3);
  return std::string(text);
}

std::string extension_of(const std::filesystem::path& file) {
  std::string e = file.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char ch) { return char(std::tolower(ch)); });
  return e;
}

}  // namespace hdrgpu::io::detail
