// Stack discovery for `hdrgpu batch DIR`: the folder itself when it holds a stack, else its sub-folders
// that do (images or an exposures.txt), sorted by name.
#include <algorithm>

#include "io_internal.hpp"

namespace hdrgpu::io {
namespace {

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
