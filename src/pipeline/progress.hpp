// Live progress on a terminal: stacks done, failures, stacks/s and ETA, redrawn twice a second.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>

namespace hdrgpu::pipeline {

class progress_meter {
 public:
  /// Draws only when `enabled` and stderr is a terminal. `already` stacks count as done (skipped).
  progress_meter(bool enabled, std::size_t total, std::size_t already);
  ~progress_meter();
  void advance(bool failed);
  /// Stops the redraw thread and clears the line.
  void stop();

 private:
  void draw(bool final_line);
  std::size_t total_, start_done_;
  std::atomic<std::size_t> done_, failed_{0};
  bool active_ = false;
  double t0_;
  std::mutex m_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hdrgpu::pipeline
