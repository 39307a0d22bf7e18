#include "out_dir.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>

#include <hdrgpu/error.hpp>

#include "../text_util.hpp"

namespace hdrgpu::pipeline {
namespace {

std::string lock_name(const shard& part) {
  if (part.count <= 1) return ".hdrgpu-lock";
  return ".hdrgpu-lock." + std::to_string(part.index) + "-of-" + std::to_string(part.count);
}

std::string read_all(int fd) {
  std::string text;
  char buf[256];
  ssize_t n = 0;
  off_t at = 0;
  while ((n = ::pread(fd, buf, sizeof buf, at)) > 0 && text.size() < 4096) {
    text.append(buf, std::size_t(n));
    at += n;
  }
  return text;
}

bool process_alive(long pid) {
  if (pid <= 0) return false;
  return ::kill(pid_t(pid), 0) == 0 || errno == EPERM;  // EPERM: alive, owned by someone else
}

}  // namespace

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "unknown";
  return buf;
}

out_dir_lock::out_dir_lock(const std::filesystem::path& dir, const shard& part) {
  const std::filesystem::path path = dir / lock_name(part);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd_ < 0)
    throw io_error(path, "cannot create the lock file '" + detail::printable(path.string()) + "': " +
                             std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    std::string holder = read_all(fd_);
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK)
      throw io_error(path, "the output folder '" + detail::printable(dir.string()) + "' is in use by another run" +
                               (part.count > 1 ? " of the same shard" : "") +
                               (holder.empty() ? std::string() : " (" + detail::printable(holder, 200) + ")") +
                               "; wait for it to finish, or use another output folder");
    throw io_error(path, "cannot lock '" + detail::printable(path.string()) + "': " + std::strerror(err));
  }
  char when[32] = {};
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  const std::string owner = "pid " + std::to_string(::getpid()) + " on host " + host_name() + " since " + when + "\n";
  // Best effort: the lock is the flock, the text only names its holder in the message above.
  if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, owner.data(), owner.size(), 0);
}

out_dir_lock::~out_dir_lock() {
  // The file stays: unlinking it would let a third run lock a new file while a second holds the old one.
  if (fd_ >= 0) ::close(fd_);
}

std::size_t remove_stale_temporaries(const std::filesystem::path& dir, const std::set<std::string>& ids) {
  std::size_t removed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const auto tmp = name.rfind(".tmp-");
    if (name.size() < 2 || name[0] != '.' || tmp == std::string::npos) continue;
    // ".ID.ext.tmp-PID-N": the output name is ID.ext, whatever format the earlier run wrote.
    const std::string output = name.substr(1, tmp - 1);
    const auto dot = output.rfind('.');
    if (dot == std::string::npos || !ids.count(output.substr(0, dot))) continue;
    const std::string rest = name.substr(tmp + 5);
    long pid = 0;
    const auto [end, perr] = std::from_chars(rest.data(), rest.data() + rest.size(), pid);
    if (perr != std::errc{} || end == rest.data() || *end != '-') continue;
    if (process_alive(pid)) continue;  // still being written (or a reused pid: left alone, never damaged)
    std::error_code rec;
    if (std::filesystem::remove(entry.path(), rec)) ++removed;
  }
  return removed;
}

}  // namespace hdrgpu::pipeline
