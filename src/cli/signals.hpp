// SIGINT/SIGTERM/SIGHUP for the command-line tool. A batch stops cleanly on the first signal: no new
// stacks, in-flight ones finish, the report and summary are written, and the exit code is 128 + signal.
// Elsewhere, or on a second signal, the temporaries being written are removed and the process dies of the
// signal (the shell then sees 130 or 143 as usual).
#pragma once

#include <atomic>

namespace hdrgpu::cli {

/// The signal that asked a graceful stop, or 0.
extern std::atomic<int> stop_signal;

/// Installs the handlers (once, at start-up).
void install_signal_handlers();

/// While true, the first signal only sets stop_signal (the batch engine watches it).
void set_graceful_stop(bool on);

}  // namespace hdrgpu::cli
