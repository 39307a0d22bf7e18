// Exception types thrown at the hdrgpu API edge.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

namespace hdrgpu {

/// Base of every exception hdrgpu throws.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A caller-supplied value is unusable: mismatched sizes, bad exposure times, wrong channel count...
class invalid_argument : public error {
 public:
  using error::error;
};

/// A file could not be read, decoded or written. `path()` names it.
class io_error : public error {
 public:
  io_error(std::filesystem::path path, const std::string& what)
      : error(what), path_(std::move(path)) {}
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

/// The requested backend is not in this build, or no device is present at run time.
class backend_unavailable : public error {
 public:
  using error::error;
};

/// A CUDA runtime call failed. `code()` is the cudaError_t value.
class cuda_error : public error {
 public:
  cuda_error(int code, const std::string& what) : error(what), code_(code) {}
  int code() const noexcept { return code_; }

 private:
  int code_;
};

/// Device memory ran out (cudaErrorMemoryAllocation); the caller may retry smaller or on the CPU.
class out_of_memory : public cuda_error {
 public:
  using cuda_error::cuda_error;
};

/// The device hit an error that leaves its CUDA context unusable (illegal address, launch failure,
/// uncorrectable ECC error...): every later call on it fails the same way until the process restarts.
class device_fault : public cuda_error {
 public:
  using cuda_error::cuda_error;
};

}  // namespace hdrgpu

/// Throws hdrgpu::invalid_argument with `msg` when `cond` is false. `cond` must be side-effect free.
#define HDRGPU_EXPECTS(cond, msg)                              \
  do {                                                         \
    if (!(cond)) throw ::hdrgpu::invalid_argument(msg);        \
  } while (0)
