// Atomic file replacement: readers see either the old file or the complete new one, never a partial
// write, even if the process dies mid-way (the temporary then stays behind under a hidden name).
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "io_internal.hpp"

namespace hdrgpu::io {
namespace {

std::string errno_text() { return std::strerror(errno); }

// The temporaries being written right now, readable from a signal handler: a fixed table of slots, each
// claimed with an atomic (free -> filling -> ready). A write that finds no free slot still works; only a
// fatal signal during it would leave its temporary for the next batch run to clean.
struct temp_slot {
  std::atomic<int> state{0};  // 0 free, 1 being filled, 2 ready
  char path[4096];
};
constexpr int slot_count = 128;
temp_slot slots[slot_count];

int register_temp(const std::filesystem::path& p) {
  const std::string& s = p.native();
  if (s.size() >= sizeof slots[0].path) return -1;
  for (int i = 0; i < slot_count; ++i) {
    int expected = 0;
    if (!slots[i].state.compare_exchange_strong(expected, 1, std::memory_order_acquire)) continue;
    std::memcpy(slots[i].path, s.c_str(), s.size() + 1);
    slots[i].state.store(2, std::memory_order_release);
    return i;
  }
  return -1;
}

// Closes the descriptor and unlinks the temporary unless committed.
struct temp_file {
  std::filesystem::path path;
  int fd = -1;
  int slot = -1;
  bool committed = false;
  ~temp_file() {
    if (fd >= 0) ::close(fd);
    if (!committed && !path.empty()) ::unlink(path.c_str());
    if (slot >= 0) slots[slot].state.store(0, std::memory_order_release);
  }
};

// Same directory as the target, so rename() cannot cross file systems. pid + counter keep
// concurrent writers (threads or processes) apart; O_EXCL guards against leftovers.
void open_temp(const std::filesystem::path& file, temp_file& t) {
  static std::atomic<unsigned> counter{0};
  const std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name(".");  // hidden; appended piecewise (GCC 12 -Wrestrict false positive on "." + str)
    name += file.filename().string();
    name += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
    t.path = dir / name;
    t.fd = ::open(t.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (t.fd >= 0) {
      t.slot = register_temp(t.path);
      return;
    }
    if (errno != EEXIST) {
      const std::string why = errno_text();
      t.path.clear();  // nothing was created
      detail::throw_io(file, "cannot create a temporary file in '" + dir.string() + "': " + why);
    }
  }
  t.path.clear();
  detail::throw_io(file, "cannot find an unused temporary file name in '" + dir.string() + "'");
}

}  // namespace

void remove_temporaries_now() noexcept {
  for (auto& slot : slots)
    if (slot.state.load(std::memory_order_acquire) == 2) ::unlink(slot.path);
}

void write_file_atomic(const std::filesystem::path& file, std::span<const std::byte> data) {
  const std::span<const unsigned char> whole(reinterpret_cast<const unsigned char*>(data.data()), data.size());
  detail::write_file_atomic_parts(file, std::span(&whole, 1));
}

namespace detail {

void write_file_atomic_parts(const std::filesystem::path& file, std::span<const std::span<const unsigned char>> parts) {
  if (file.empty() || !file.has_filename()) throw io_error(file, "'" + file.string() + "': not a file name");
  temp_file t;
  open_temp(file, t);
  // writev in batches; a short write resumes inside the part where it stopped.
  std::vector<iovec> iov;
  std::size_t part = 0, done_in_part = 0;
  while (part < parts.size()) {
    iov.clear();
    for (std::size_t k = part; k < parts.size() && iov.size() < 512; ++k) {
      const std::size_t skip = k == part ? done_in_part : 0;
      if (parts[k].size() > skip)
        iov.push_back({const_cast<unsigned char*>(parts[k].data() + skip), parts[k].size() - skip});
    }
    if (iov.empty()) break;
    const ssize_t n = ::writev(t.fd, iov.data(), int(iov.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_io(file, "write failed: " + errno_text());
    std::size_t left = std::size_t(n);
    while (part < parts.size() && left >= parts[part].size() - done_in_part) {
      left -= parts[part].size() - done_in_part;
      ++part;
      done_in_part = 0;
    }
    done_in_part += left;
  }
  if (::fsync(t.fd) != 0) throw_io(file, "fsync failed: " + errno_text());
  const int fd = t.fd;
  t.fd = -1;
  if (::close(fd) != 0) throw_io(file, "close failed: " + errno_text());
  if (::rename(t.path.c_str(), file.c_str()) != 0) throw_io(file, "cannot rename into place: " + errno_text());
  t.committed = true;
  // Make the rename itself durable; failure here cannot undo it, so it is not an error.
  const std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace detail

void write_file_atomic(const std::filesystem::path& file, std::string_view text) {
  write_file_atomic(file, std::as_bytes(std::span(text.data(), text.size())));
}

}  // namespace hdrgpu::io
