#include "signals.hpp"

#include <signal.h>

#include <hdrgpu/io.hpp>

namespace hdrgpu::cli {

std::atomic<int> stop_signal{0};

namespace {

std::atomic<bool> graceful{false};

void on_signal(int sig) {
  int none = 0;
  if (graceful.load() && stop_signal.compare_exchange_strong(none, sig)) return;
  io::remove_temporaries_now();  // async-signal-safe: unlink only
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (const int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old {};
    // A signal ignored by whoever started us (nohup, a shell's background job) stays ignored.
    if (::sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    ::sigaction(sig, &sa, nullptr);
  }
}

void set_graceful_stop(bool on) { graceful.store(on); }

}  // namespace hdrgpu::cli
