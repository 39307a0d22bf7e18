// Sharing one OUT_DIR safely: a lock per shard, and removal of only those temporaries whose writer died.
#pragma once

#include <filesystem>
#include <set>
#include <string>

#include <hdrgpu/pipeline.hpp>

namespace hdrgpu::pipeline {

/// Exclusive use of an output folder by one run of one shard: an flock on OUT_DIR/.hdrgpu-lock (or
/// .hdrgpu-lock.I-of-N when sharded) that records "pid host start-time". The kernel drops the lock when
/// its process dies, however it dies, so a stale lock never blocks a rerun. Throws io_error naming the
/// holder when another live run has it.
class out_dir_lock {
 public:
  out_dir_lock(const std::filesystem::path& dir, const shard& part);
  ~out_dir_lock();
  out_dir_lock(const out_dir_lock&) = delete;
  out_dir_lock& operator=(const out_dir_lock&) = delete;

 private:
  int fd_ = -1;
};

/// This machine's host name ("unknown" when it has none).
std::string host_name();

/// Removes temporaries (".ID.ext.tmp-PID-N", any output or preview extension) of the stacks in `ids`
/// whose writing process is no longer alive on this machine. Returns how many were removed.
std::size_t remove_stale_temporaries(const std::filesystem::path& dir, const std::set<std::string>& ids);

}  // namespace hdrgpu::pipeline
