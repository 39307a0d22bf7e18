// Blocking hand-off queue and the byte budget that bounds a batch's memory.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

namespace hdrgpu::pipeline {

/// Unbounded FIFO between pipeline stages; memory is bounded by the byte_budget instead of the length.
template <class T>
class work_queue {
 public:
  void push(T item) {
    {
      std::lock_guard lock(m_);
      items_.push_back(std::move(item));
    }
    cv_.notify_one();
  }
  /// Blocks for an item; nullopt once the queue is closed and drained.
  std::optional<T> pop() {
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return !items_.empty() || closed_; });
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
  }
  /// Up to `max` more items that are ready now (never blocks).
  std::vector<T> pop_ready(std::size_t max) {
    std::vector<T> out;
    std::lock_guard lock(m_);
    while (!items_.empty() && out.size() < max) {
      out.push_back(std::move(items_.front()));
      items_.pop_front();
    }
    return out;
  }
  void close() {
    {
      std::lock_guard lock(m_);
      closed_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<T> items_;
  bool closed_ = false;
};

/// Counts bytes of decoded images and results in flight. acquire() blocks while the budget is used up
/// (backpressure on the readers), except when nothing is in flight, so one stack larger than the whole
/// budget still runs, alone. Memory set aside for the whole run counts against the limit too.
class byte_budget {
 public:
  explicit byte_budget(std::size_t limit) : limit_(limit) {}

  /// Holds `bytes` for the whole run (memory the backends keep, such as pinned staging).
  void set_aside(std::size_t bytes) {
    std::lock_guard lock(m_);
    fixed_ += bytes;
    add(bytes);
  }
  void acquire(std::size_t bytes) {
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return used_ == fixed_ || used_ + bytes <= limit_; });
    add(bytes);
  }
  /// Accounts for bytes already allocated (an estimate that came out low); never blocks.
  void force(std::size_t bytes) {
    std::lock_guard lock(m_);
    add(bytes);
  }
  void release(std::size_t bytes) {
    {
      std::lock_guard lock(m_);
      used_ -= std::min(bytes, used_ - fixed_);
    }
    cv_.notify_all();
  }
  std::size_t peak() const {
    std::lock_guard lock(m_);
    return peak_;
  }
  std::size_t limit() const { return limit_; }

 private:
  void add(std::size_t bytes) {
    used_ += bytes;
    peak_ = std::max(peak_, used_);
  }
  mutable std::mutex m_;
  std::condition_variable cv_;
  std::size_t limit_, used_ = 0, peak_ = 0, fixed_ = 0;
};

}  // namespace hdrgpu::pipeline
