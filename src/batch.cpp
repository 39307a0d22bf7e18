// process_batch for both executors, on the public per-stack API.
#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>

#include <hdrgpu/batch.hpp>

namespace hdrgpu {
namespace {

/// `what`, naming the stack unless it already does (runtime and device errors do not know the stack).
std::string naming(const exposure_stack<std::uint8_t>& s, const char* what) {
  const std::string label = s.label();
  return std::string(what).find(label) != std::string::npos ? std::string(what) : label + ": " + what;
}

/// One stack into `r`; returns true when its failure left the device unusable (device_fault).
template <class Exec>
bool process_one(const Exec& exec, const exposure_stack<std::uint8_t>& s, const batch_options& o, batch_result& r) {
  try {
    r.output = detail::calibrate_and_merge(exec, s, o, r.response);
  } catch (const device_fault& e) {
    r.error = naming(s, e.what());
    r.output = {};
    return true;
  } catch (const std::exception& e) {
    r.error = naming(s, e.what());
    r.output = {};
  }
  return false;
}

}  // namespace

std::vector<batch_result> process_batch(const cpu_executor& exec, std::span<const exposure_stack<std::uint8_t>> stacks,
                                        const batch_options& opts) {
  std::vector<batch_result> out(stacks.size());
  for (std::size_t i = 0; i < stacks.size(); ++i) (void)process_one(exec, stacks[i], opts, out[i]);
  return out;
}

namespace {

/// The first fault that left the device unusable, shared by process_batch's lanes.
class fault_record {
 public:
  bool set() const {
    std::lock_guard lock(m_);
    return !what_.empty();
  }
  void record(const std::string& what) {
    std::lock_guard lock(m_);
    if (what_.empty()) what_ = what;
  }
  /// The error of a stack that was not processed because of the fault.
  std::string for_stack(const exposure_stack<std::uint8_t>& s) const {
    std::lock_guard lock(m_);
    return s.label() + ": not processed: the CUDA device is unusable after an earlier fault (" + what_ + ")";
  }

 private:
  mutable std::mutex m_;
  std::string what_;
};

}  // namespace

std::vector<batch_result> process_batch(const cuda_executor& exec, std::span<const exposure_stack<std::uint8_t>> stacks,
                                        const batch_options& opts) {
  std::vector<batch_result> out(stacks.size());
  if (stacks.empty()) return out;
  fault_record fault;
  // Everything below may meet a device fault (or an allocation failure) at any call; no exception leaves.
  const auto unprocessed = [&](const std::string& why) {
    for (std::size_t i = 0; i < stacks.size(); ++i)
      if (out[i].error.empty() && out[i].output.empty()) out[i].error = stacks[i].label() + ": not processed: " + why;
  };
  if (opts.method == merge_method::debevec && opts.response.empty()) {
    try {
      if (const auto cal = detail::calibrate_debevec_batch_or_fallback(exec, stacks, opts))
        for (std::size_t i = 0; i < stacks.size(); ++i) {
          if ((*cal)[i].ok()) out[i].response = (*cal)[i].response;
          else out[i].error = (*cal)[i].error;
        }
    } catch (const device_fault& e) {
      fault.record(e.what());
    }
  }
  const std::vector<cuda_executor>* lanes = nullptr;
  int streams = 1;
  try {
    // The lanes run on their own streams: work the caller enqueued on exec's stream (e.g. producing the
    // device views) must be finished before they read the stacks.
    if (!fault.set()) exec.synchronize();
    // One executor (stream) per host thread; they share the caller's device and memory resource and are
    // kept with `exec`, so later batches reuse their streams and staging buffers.
    streams = std::max(1, std::min<int>(opts.streams, int(stacks.size())));
    if (!fault.set()) lanes = &exec.lanes(streams);
  } catch (const device_fault& e) {
    fault.record(e.what());
  } catch (const std::exception& e) {
    unprocessed(e.what());
    return out;
  }
  if (fault.set()) {
    for (std::size_t i = 0; i < stacks.size(); ++i)
      if (out[i].output.empty()) out[i].error = fault.for_stack(stacks[i]);
    return out;
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> threads;
  std::vector<std::exception_ptr> failures(static_cast<std::size_t>(streams));
  const auto lane_body = [&](int t) {
    try {
      const cuda_executor& lane = (*lanes)[std::size_t(t)];
      cuda_bind_thread(lane.device());  // this thread works for that device only
      for (std::size_t i; (i = next.fetch_add(1)) < stacks.size();) {
        if (!out[i].error.empty()) continue;
        if (fault.set()) {
          out[i].error = fault.for_stack(stacks[i]);
          continue;
        }
        if (process_one(lane, stacks[i], opts, out[i])) fault.record(out[i].error);
      }
    } catch (...) {
      failures[std::size_t(t)] = std::current_exception();
    }
  };
  // A thread that cannot be created must not leave the started ones joinable (std::terminate): the
  // lanes that did start take all the stacks, or this thread does when none did.
  try {
    for (int t = 0; t < streams; ++t) threads.emplace_back(lane_body, t);
  } catch (const std::system_error&) {
  }
  if (threads.empty()) lane_body(0);
  for (auto& th : threads) th.join();
  // A lane that could not even start (no stream): its stacks never ran; say so on each.
  std::string why = "not processed";
  for (const auto& f : failures)
    if (f) {
      try {
        std::rethrow_exception(f);
      } catch (const std::exception& e) {
        why = e.what();
      } catch (...) {
      }
      break;
    }
  for (std::size_t i = 0; i < stacks.size(); ++i)
    if (out[i].error.empty() && out[i].output.empty()) out[i].error = stacks[i].label() + ": " + why;
  return out;
}

}  // namespace hdrgpu
