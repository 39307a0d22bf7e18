// Shared test helpers: where the real data lives, skipping rules, and small comparisons.
#pragma once

#include <doctest/doctest.h>

#include <hdrgpu/error.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace hdrgpu_test {

/// Root of the shared exposure stacks: $HDRGPU_TEST_DATA, else ../shared/data next to the checkout.
std::filesystem::path data_root();

/// True when running under CI (CI=true): missing data is then a failure, not a skip.
bool in_ci();

/// Records that the current test case skipped itself (main() turns "all skipped" into exit code 77).
void mark_skipped(const std::string& why);

/// Checks that data_root()/sub exists. Absent: fails under CI, otherwise marks the test skipped.
bool have_data(const std::string& sub);

/// Maximum over elements of |a-b| / max(|b|, floor).
template <class A, class B>
double max_rel_diff(const A& a, const B& b, std::size_t n, double floor = 1e-30) {
  double m = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = std::abs(double(a[i]) - double(b[i])) / std::max(std::abs(double(b[i])), floor);
    if (!(d <= m)) m = d;  // NaN propagates as a failure
  }
  return m;
}

/// A fresh folder under the system temp dir (named after `tag`, the process and a counter), removed with
/// everything in it at scope exit.
struct temp_dir {
  std::filesystem::path path;
  explicit temp_dir(const std::string& tag = "test") {
    static std::atomic<int> n{0};
    path = std::filesystem::temp_directory_path() /
           ("hdrgpu-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  std::filesystem::path operator/(const std::string& name) const { return path / name; }
  /// File names directly inside the folder, sorted.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(path)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
};

/// The message of the hdrgpu::invalid_argument `fn` throws; "" and a failed check when it throws
/// nothing or something else.
inline std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const hdrgpu::invalid_argument& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL_CHECK("unexpected exception: " << e.what());
    return "";
  }
  FAIL_CHECK("no exception");
  return "";
}

}  // namespace hdrgpu_test

/// Leaves the current test case (skipped or failed) when `sub` is not in the test data folder.
#define HDRGPU_REQUIRE_DATA(sub) \
  do {                           \
    if (!::hdrgpu_test::have_data(sub)) return; \
  } while (0)
