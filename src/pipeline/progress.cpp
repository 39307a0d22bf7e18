#include "progress.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace hdrgpu::pipeline {
namespace {
double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

progress_meter::progress_meter(bool enabled, std::size_t total, std::size_t already)
    : total_(total), start_done_(already), done_(already), active_(enabled && ::isatty(STDERR_FILENO)), t0_(now_s()) {
  if (!active_) return;
  thread_ = std::thread([this] {
    std::unique_lock lock(m_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stopping_; })) draw(false);
  });
}

progress_meter::~progress_meter() { stop(); }

void progress_meter::advance(bool failed) {
  done_.fetch_add(1);
  if (failed) failed_.fetch_add(1);
}

void progress_meter::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(m_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
}

void progress_meter::draw(bool) {
  const std::size_t done = done_.load(), fresh = done - start_done_;
  const double elapsed = now_s() - t0_;
  const double rate = elapsed > 0 ? double(fresh) / elapsed : 0.0;
  char eta_text[32] = "--:--:--";  // unknown until the first stack of this run is done
  if (rate > 0) {
    const double eta = double(total_ - done) / rate;
    std::snprintf(eta_text, sizeof eta_text, "%02d:%02d:%02d", int(eta / 3600), int(eta / 60) % 60, int(eta) % 60);
  }
  std::fprintf(stderr, "\r\033[K%zu/%zu stacks, %zu failed, %.2f stacks/s, ETA %s", done, total_, failed_.load(), rate,
               eta_text);
  std::fflush(stderr);
}

}  // namespace hdrgpu::pipeline
