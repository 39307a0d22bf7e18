// Reading whole files and building file-naming errors.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "io_internal.hpp"

namespace hdrgpu::io::detail {

void throw_io(const std::filesystem::path& file, const std::string& why) {
  throw io_error(file, printable(file.string()) + ": " + why);
}

namespace {

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

bytes read_bytes(const std::filesystem::path& file, std::uint64_t max_bytes) {
  // Only regular files (or links to them): a FIFO would block the open, and a device such as
  // /dev/zero never ends. stat() first, because open() itself blocks on a FIFO without a writer.
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) throw failure(errno_text("cannot open"));
  if (!S_ISREG(st.st_mode)) throw failure(std::string("is ") + kind_of(st.st_mode) + ", not a regular file");
  // O_NONBLOCK: if the path was swapped for a FIFO since stat(), the open still returns.
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw failure(errno_text("cannot open"));
  const std::unique_ptr<int, void (*)(int*)> guard(new int(fd), [](int* p) {
    ::close(*p);
    delete p;
  });
  if (::fstat(fd, &st) != 0) throw failure(errno_text("cannot stat"));
  if (!S_ISREG(st.st_mode)) throw failure(std::string("is ") + kind_of(st.st_mode) + ", not a regular file");
  const auto too_big = [&](std::uint64_t size) {
    return failure("is " + std::to_string(size) + " bytes, more than the limit of " + std::to_string(max_bytes) +
                   " bytes for this kind of file");
  };
  if (std::uint64_t(st.st_size) > max_bytes) throw too_big(std::uint64_t(st.st_size));
  bytes data;
  try {
    data.resize(std::size_t(st.st_size));
  } catch (const std::bad_alloc&) {
    throw failure("out of memory reading " + std::to_string(st.st_size) + " bytes");
  }
  // The size can change while it is read (a file still being written): read to the end, within the cap.
  std::size_t used = 0;
  for (;;) {
    if (used == data.size()) {
      if (data.size() >= max_bytes) {
        unsigned char probe = 0;
        const ssize_t more = ::read(fd, &probe, 1);
        if (more > 0) throw too_big(std::uint64_t(data.size()) + 1);
        if (more < 0 && errno == EINTR) continue;
        if (more < 0) throw failure(errno_text("read error"));
        break;
      }
      data.resize(std::min<std::uint64_t>(max_bytes, std::max<std::size_t>(data.size() * 2, 1 << 16)));
    }
    const ssize_t n = ::read(fd, data.data() + used, data.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw failure(errno_text("read error"));
    if (n == 0) break;
    used += std::size_t(n);
  }
  data.resize(used);
  return data;
}

std::string read_text(const std::filesystem::path& file, std::uint64_t max_bytes) {
  bytes data;
  try {
    data = read_bytes(file, max_bytes);
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
