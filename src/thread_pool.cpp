// A small persistent thread pool behind cpu_executor: workers sleep on a condition variable
// and claim task indices from a shared counter; the caller works too, so no thread idles.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <hdrgpu/error.hpp>
#include <hdrgpu/executor.hpp>

namespace hdrgpu::detail {

class thread_pool {
 public:
  explicit thread_pool(unsigned threads) : size_(std::max(1u, threads)) {
    workers_.reserve(size_ - 1);
    for (unsigned i = 1; i < size_; ++i) {
      try {
        workers_.emplace_back([this] { worker(); });
      } catch (const std::system_error& e) {
        // The destructor does not run for a half-built pool: stop the workers that did start here, or
        // their std::thread objects would terminate the process (and they would wait forever).
        stop_workers();
        throw error("cannot start " + std::to_string(size_) + " CPU threads (thread " + std::to_string(i + 1) +
                    " failed: " + e.code().message() + "); use fewer threads or raise the process's limits");
      }
    }
  }
  ~thread_pool() { stop_workers(); }
  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;

  unsigned size() const noexcept { return size_; }

  void run(std::size_t tasks, const std::function<void(std::size_t)>& fn) {
    if (tasks == 0) return;
    if (size_ == 1 || tasks == 1) {
      for (std::size_t i = 0; i < tasks; ++i) fn(i);
      return;
    }
    std::lock_guard serial(run_mutex_);  // one parallel region at a time per pool
    {
      std::lock_guard lock(mutex_);
      job_ = &fn;
      tasks_ = tasks;
      next_.store(0);
      done_ = 0;
      error_ = nullptr;
      ++generation_;
    }
    wake_.notify_all();
    work();
    std::unique_lock lock(mutex_);
    finished_.wait(lock, [&] { return done_ == tasks_ && active_ == 0; });
    job_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void stop_workers() noexcept {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  void work() {
    std::size_t completed = 0;
    for (;;) {
      const std::size_t i = next_.fetch_add(1);
      if (i >= tasks_) break;
      try {
        (*job_)(i);
      } catch (...) {
        std::lock_guard lock(mutex_);
        if (!error_) error_ = std::current_exception();
      }
      ++completed;
    }
    std::lock_guard lock(mutex_);
    done_ += completed;
    if (done_ == tasks_) finished_.notify_all();
  }

  void worker() {
    std::uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        if (!job_) continue;
        ++active_;
      }
      work();
      std::lock_guard lock(mutex_);
      --active_;
      if (active_ == 0) finished_.notify_all();
    }
  }

  unsigned size_;
  std::vector<std::thread> workers_;
  std::mutex run_mutex_;
  std::mutex mutex_;
  std::condition_variable wake_, finished_;
  const std::function<void(std::size_t)>* job_ = nullptr;
  std::size_t tasks_ = 0, done_ = 0;
  unsigned active_ = 0;
  std::atomic<std::size_t> next_{0};
  std::uint64_t generation_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

}  // namespace hdrgpu::detail

namespace hdrgpu {

unsigned cpu_executor::max_threads() noexcept {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  return std::max(64u, 4 * cores);
}

cpu_executor::cpu_executor(options opts) {
  const unsigned n = opts.threads ? opts.threads : std::thread::hardware_concurrency();
  pool_ = std::make_shared<detail::thread_pool>(std::clamp(n, 1u, max_threads()));
}

unsigned cpu_executor::threads() const noexcept { return pool_->size(); }

void cpu_executor::parallel_for(std::size_t tasks, const std::function<void(std::size_t)>& fn) const {
  pool_->run(tasks, fn);
}

void cpu_executor::parallel_ranges(std::size_t n, std::size_t grain,
                                   const std::function<void(std::size_t, std::size_t)>& fn) const {
  if (n == 0) return;
  grain = std::max<std::size_t>(grain, 1);
  // A few chunks per thread balance uneven rows without much scheduling overhead.
  const std::size_t target = std::size_t(threads()) * 4;
  const std::size_t chunk = std::max(grain, (n + target - 1) / target);
  const std::size_t chunks = (n + chunk - 1) / chunk;
  pool_->run(chunks, [&](std::size_t k) { fn(k * chunk, std::min(n, (k + 1) * chunk)); });
}

}  // namespace hdrgpu
