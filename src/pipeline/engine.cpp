// The batch engine: readers decode stacks into memory under a byte budget, compute workers (one per
// backend instance) merge them, writers store each result atomically and append its report line.
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <cstdio>
#include <mutex>
#include <new>
#include <optional>
#include <set>
#include <span>
#include <thread>

#include <hdrgpu/config.hpp>
#include <hdrgpu/tonemap_spec.hpp>

#include "../text_util.hpp"
#include "internal.hpp"
#include "out_dir.hpp"
#include "progress.hpp"
#include "queue.hpp"
#include "report.hpp"

namespace hdrgpu::pipeline {
namespace {

using detail::printable;
using detail::shorten;

std::filesystem::path default_report(const config& cfg) {
  if (!cfg.report.empty()) return cfg.report;
  if (cfg.part.count > 1)
    return cfg.output_dir /
           ("report." + std::to_string(cfg.part.index) + "-of-" + std::to_string(cfg.part.count) + ".jsonl");
  return cfg.output_dir / "report.jsonl";
}

const char* to_string(merge_method m) {
  return m == merge_method::debevec ? "debevec" : m == merge_method::robertson ? "robertson" : "mertens";
}

const char* to_string(io::hdr_format f) {
  switch (f) {
    case io::hdr_format::exr: return "exr";
    case io::hdr_format::exr_half: return "exr-half";
    case io::hdr_format::hdr: return "hdr";
    case io::hdr_format::pfm: return "pfm";
  }
  return "?";
}

const char* to_string(response_mode r) {
  return r == response_mode::per_stack ? "per-stack" : r == response_mode::calibrate_once ? "calibrate-once" : "file";
}

std::string utc_now() {
  char when[32] = {};
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return when;
}

/// The first line a run appends to the report: which run the stack lines below it belong to.
json_object run_header(const config& cfg, const summary& sum, std::size_t stacks) {
  json_object r;
  r.str("started", utc_now()).str("hdrgpu", HDRGPU_VERSION_STRING);
  r.integer("pid", (long long)::getpid()).str("host", host_name());
  r.str("input", shorten(cfg.input.string())).str("output_dir", shorten(cfg.output_dir.string()));
  r.str("method", to_string(cfg.method)).str("response", to_string(cfg.response));
  r.str("format", to_string(cfg.format)).str("device", sum.device);
  r.str("shard", std::to_string(cfg.part.index) + "/" + std::to_string(cfg.part.count));
  r.integer("stacks", (long long)stacks);
  if (cfg.preview && cfg.preview_tonemap) r.str("preview_tonemap", cfg.preview_tonemap->to_string());
  json_object o;
  o.object("run", r);
  return o;
}

/// The last line: what the run did, and whether a signal stopped it.
json_object run_footer(const summary& sum) {
  json_object r;
  r.str("finished", utc_now());
  r.integer("ok", (long long)sum.ok).integer("skipped", (long long)sum.skipped);
  r.integer("failed", (long long)sum.failed).integer("not_started", (long long)sum.not_started);
  r.boolean("interrupted", sum.interrupted).num("seconds", sum.seconds);
  json_object o;
  o.object("run_end", r);
  return o;
}

/// Bytes a stack holds once decoded (images at their header size, plus the float result).
std::size_t stack_bytes(std::span<const io::image_info> headers) {
  std::size_t bytes = 0;
  for (const auto& h : headers)
    bytes += std::size_t(h.width) * std::size_t(h.height) * std::size_t(h.channels) * std::size_t(h.bit_depth / 8);
  if (!headers.empty())
    bytes += std::size_t(headers[0].width) * std::size_t(headers[0].height) * std::size_t(headers[0].channels) * sizeof(float);
  return bytes;
}

/// "stack 'ID': " + what, unless the message already names the stack.
std::string stack_error(const item& it, const std::string& what) {
  const std::string label = "stack '" + printable(it.work.id) + "'";
  return what.find(label) != std::string::npos ? what : label + ": " + what;
}

/// The preview next to the output: the tonemapped result (on the writers' shared pool), or Mertens's
/// display-referred fusion as it is.
void write_preview(const item& it, const std::optional<tonemap_spec>& tonemap, const cpu_executor& pool) {
  std::filesystem::path png = it.output;
  png.replace_extension(".png");
  if (!tonemap) {
    io::write_ldr(png, it.result.view());
    return;
  }
  io::write_ldr(png, apply_tonemap(pool, it.result.view(), *tonemap).view());
}

/// Warnings for a stack that merges but cannot mean much: one image, equal exposure times (no dynamic
/// range to recover), or no pixel measured by any exposure (saturated in the shortest or black in the
/// longest everywhere).
void flag_degenerate(item& it) {
  const auto& t = it.stack.times;
  if (it.stack.images.size() == 1) it.warnings.push_back("one image: nothing to merge");
  else if (!t.empty() && std::all_of(t.begin(), t.end(), [&](float v) { return v == t.front(); }))
    it.warnings.push_back("all exposure times are equal");
  if (it.clipped_percent >= 100.0) it.warnings.push_back("every pixel is clipped in every exposure");
}

/// AlignMTB on a loaded 8-bit stack: its images are replaced by the aligned ones (same size, or the
/// common area with cut) and the shifts kept for the report.
void align_stack(item& it, const cpu_executor& exec, const align_mtb_options& opts) {
  if (it.stack.type() != pixel_type::u8)
    throw invalid_argument("stack '" + printable(it.work.id) + "': --align mtb needs 8-bit images (this stack has " +
                           std::string(to_string(it.stack.type())) + " samples)");
  mtb_alignment a = align_mtb(exec, it.stack.view<std::uint8_t>(), opts);
  for (std::size_t i = 0; i < a.images.size(); ++i) it.stack.images[i] = std::move(a.images[i]);
  it.shifts = std::move(a.shifts);
}

/// Writes a finished stack's preview and output, or turns what stops it into the stack's error.
void write_result(item& it, const config& cfg, const std::optional<tonemap_spec>& preview_tonemap,
                  const io::write_options& wopts, const cpu_executor& encoder,
                  const std::function<void(const std::string&)>& say) {
  if (it.error.empty() && it.nonfinite > 0 && !cfg.keep_nonfinite)
    it.error = stack_error(it, std::to_string(it.nonfinite) +
                                   " output values are NaN or infinite (extreme exposure times or a stack with nothing "
                                   "measured?); not written (--keep-nonfinite writes it as a warning)");
  if (!it.error.empty()) return;
  const auto t0 = clock::now();
  try {
    // The preview goes first: a final output then implies a complete preview on resume.
    if (cfg.preview) write_preview(it, preview_tonemap, encoder);
    if (const auto* half = std::get_if<image<std::uint16_t>>(&it.encoded))
      io::write_exr_half(it.output, half->view(), wopts);
    else if (const auto* rgbe = std::get_if<image<std::uint8_t>>(&it.encoded))
      io::write_rgbe(it.output, rgbe->view(), &encoder);
    else
      io::write_radiance(it.output, it.result.view(), cfg.format, wopts);
  } catch (const std::bad_alloc&) {
    it.error = stack_error(it, "out of memory while writing " + printable(it.output.string()));
  } catch (const std::exception& e) {
    it.error = stack_error(it, e.what());
  }
  it.write_ms = ms_since(t0);
  if (!it.error.empty()) return;
  for (const auto& w : it.warnings) say("hdrgpu batch: warning: stack '" + printable(it.work.id) + "': " + w);
  if (it.clamped > 0)
    say("hdrgpu batch: warning: stack '" + printable(it.work.id) + "': " + std::to_string(it.clamped) +
        " samples above 65504 are stored as 65504, the largest half (--format exr keeps them)");
}

json_object report_line(const item& it, const char* status) {
  json_object o;
  const bool skipped = std::string(status) == "skipped";
  o.str("stack", shorten(it.work.id)).str("status", status);
  if (skipped || it.error.empty())
    o.str("output", shorten(it.output.string()));
  else
    o.null("output");
  if (it.error.empty()) o.null("error"); else o.str("error", shorten(it.error, 4096));
  if (it.exposure_source.empty()) o.null("exposure_source"); else o.str("exposure_source", it.exposure_source);
  if (skipped) {
    o.null("nonfinite").null("clamped");  // this run did not look at the file
  } else {
    o.integer("nonfinite", (long long)it.nonfinite);
    o.integer("clamped", (long long)it.clamped);
  }
  o.strings("warnings", it.warnings);
  std::vector<std::string> inputs;
  if (!it.stack.files.empty()) {
    for (const auto& f : it.stack.files) inputs.push_back(shorten((it.stack.dir / f).string()));
  } else if (!it.work.images.empty()) {
    for (const auto& f : it.work.images) inputs.push_back(shorten(f.string()));
  } else if (!it.work.dir.empty()) {
    inputs.push_back(shorten(it.work.dir.string()));
  }
  o.strings("inputs", inputs);
  if (!it.shifts.empty()) {
    std::string list = "[";
    for (std::size_t i = 0; i < it.shifts.size(); ++i)
      list += (i ? ", [" : "[") + std::to_string(it.shifts[i].dx) + ", " + std::to_string(it.shifts[i].dy) + "]";
    o.raw("shifts", list + "]");
  }
  if (!it.stack.times.empty()) o.numbers("times", std::vector<double>(it.stack.times.begin(), it.stack.times.end()));
  if (it.width > 0) {
    o.integer("width", it.width).integer("height", it.height).integer("channels", it.channels);
    o.num("clipped_percent", it.clipped_percent);
  }
  json_object t;
  t.num("read", it.read_ms).num("calibrate", it.calibrate_ms).num("merge", it.merge_ms).num("write", it.write_ms);
  o.object("ms", t);
  return o;
}

/// One batch run, in stages: open (everything that can reject the whole run, before any output), plan
/// (resume: skip finished outputs), then three groups of threads joined by two queues (read -> compute
/// -> write), then close (the report's footer and the run's errors).
class batch_run {
 public:
  using log_fn = std::function<void(const std::string&)>;

  batch_run(const config& cfg, const log_fn& log) : cfg_(cfg), log_(log) {
    if (cfg_.readers == 0) cfg_.readers = std::max(1u, std::thread::hardware_concurrency());
    cfg_.readers = std::min(cfg_.readers, cpu_executor::max_threads());
    // Previews: Mertens's fusion is display-referred already; merges are tonemapped (gamma by default).
    if (cfg_.preview_tonemap || cfg_.method != merge_method::mertens)
      preview_tonemap_ = cfg_.preview_tonemap.value_or(tonemap_spec::parse("gamma"));
  }

  summary execute() {
    open();
    plan();
    run_threads();
    return close();
  }

 private:
  // ---- stage 1: open. The jobs, the device, the response, the output folder, its lock and the report.
  void open() {
    const std::vector<job> all = list_jobs(cfg_.input);
    mine_ = select_shard(all, cfg_.part);
    plan_ = make_backends(cfg_, preset_, log_);  // the backends keep a reference to preset_, filled next
    preset_ = shared_response(cfg_, all);
    std::error_code ec;
    std::filesystem::create_directories(cfg_.output_dir, ec);
    if (!std::filesystem::is_directory(cfg_.output_dir))
      throw io_error(cfg_.output_dir, "cannot create the output folder '" + printable(cfg_.output_dir.string()) + "'" +
                                          (ec ? ": " + ec.message() : std::string()));
    // One run per shard and folder at a time; a second one is refused before it touches anything.
    lock_.emplace(cfg_.output_dir, cfg_.part);
    sum_.total = mine_.size();
    sum_.report = default_report(cfg_);
    sum_.device = plan_.backends.front()->name();
    report_.emplace(sum_.report);
    report_->write(run_header(cfg_, sum_, mine_.size()));  // a run that cannot write its report stops here
  }

  // ---- stage 2: plan. An output that exists is complete (outputs only appear by rename): skip it.
  void plan() {
    const std::string ext = extension_of(cfg_.format);
    std::set<std::string> my_ids;
    std::error_code ec;
    for (std::size_t k = 0; k < mine_.size(); ++k) {
      item it;
      it.index = k;
      it.work = mine_[k];
      it.error = mine_[k].error;
      it.output = cfg_.output_dir / (mine_[k].id + ext);
      if (!it.error.empty()) {  // never used as a path
        todo_.push_back(std::move(it));
        continue;
      }
      my_ids.insert(mine_[k].id);
      if (!cfg_.overwrite && std::filesystem::exists(it.output, ec)) {
        emit(report_line(it, "skipped"));
        ++sum_.skipped;
        continue;
      }
      todo_.push_back(std::move(it));
    }
    if (const std::size_t removed = remove_stale_temporaries(cfg_.output_dir, my_ids))
      say("hdrgpu batch: removed " + std::to_string(removed) + " temporary files left by an earlier run that died");
  }

  // A thread body that turns an exception nothing expected (outside any one stack) into a clean stop.
  template <class F>
  auto guarded(const char* where, F body) {
    return [this, where, body] {
      try {
        body();
      } catch (const std::exception& e) {
        fault(where, e.what());
      } catch (...) {
        fault(where, "unknown exception");
      }
    };
  }

  // ---- stage 3: readers, compute workers and writers, joined in that order.
  void run_threads() {
    budget_.set_aside(plan_.fixed_bytes);
    meter_.emplace(cfg_.progress, mine_.size(), sum_.skipped);
    encoder_.emplace(cpu_executor::options{cfg_.threads});
    std::vector<std::thread> readers, workers, writers;
    for (unsigned r = 0; r < cfg_.readers; ++r) readers.emplace_back(guarded("a reader thread", [this] { read_stacks(); }));
    for (auto& b : plan_.backends)
      workers.emplace_back(guarded("a compute thread", [this, be = b.get()] { compute(*be); }));
    const unsigned writer_count = std::max(1u, std::min(4u, cfg_.readers / 2));
    for (unsigned w = 0; w < writer_count; ++w) writers.emplace_back(guarded("a writer thread", [this] { write_results(); }));
    for (auto& t : readers) t.join();
    loaded_.close();
    for (auto& t : workers) t.join();
    finished_.close();
    for (auto& t : writers) t.join();
    meter_->stop();
  }

  // Reader: claim the next job, read its headers, reserve its decoded size in the budget (blocks while
  // the budget is used up), decode, and align when asked.
  void read_stacks() {
    plan_.bind_thread();  // pinned allocations on the run's device only
    // --align runs here, one thread per reader: readers already run in parallel.
    const cpu_executor aligner(cpu_executor::options{1});
    for (;;) {
      if (stopping()) return;
      const std::size_t k = next_.fetch_add(1);
      if (k >= todo_.size()) return;
      started_.fetch_add(1);
      item it = std::move(todo_[k]);
      if (it.error.empty()) read_one(it, aligner);
      loaded_.push(std::move(it));
    }
  }

  void read_one(item& it, const cpu_executor& aligner) {
    const auto t0 = clock::now();
    try {
      io::load_options opts;
      opts.allocator = plan_.input_allocator;
      opts.before_decode = [&](std::span<const io::image_info> headers) {
        const std::size_t need = stack_bytes(headers);
        budget_.acquire(need);
        it.bytes = need;
      };
      load_job(it, cfg_, std::move(opts));
      // Trade the header estimate for what the stack really holds, the result included.
      std::size_t real = 0;
      for (const auto& img : it.stack.images)
        std::visit([&](const auto& im) { real += im.size() * sizeof(*im.data()); }, img);
      if (!it.stack.images.empty())
        std::visit([&](const auto& im) { real += im.pixels() * std::size_t(im.channels()) * sizeof(float); },
                   it.stack.images.front());
      if (real > it.bytes) budget_.force(real - it.bytes); else budget_.release(it.bytes - real);
      it.bytes = real;
      if (cfg_.align) align_stack(it, aligner, cfg_.align_options);
    } catch (const std::bad_alloc&) {
      it.stack.images.clear();
      it.error = stack_error(it, "out of memory while reading its images (lower --memory or --readers)");
    } catch (const std::exception& e) {
      it.error = stack_error(it, e.what());
    }
    it.read_ms = ms_since(t0);
  }

  // Compute worker, one per backend instance: takes what is ready, up to the backend's batch size. A
  // backend-wide failure fails this group, not the run.
  void compute(backend& be) {
    be.bind_thread();
    for (;;) {
      auto first = loaded_.pop();
      if (!first) return;
      std::vector<item> group;
      group.push_back(std::move(*first));
      for (auto& more : loaded_.pop_ready(be.batch() - 1)) group.push_back(std::move(more));
      std::vector<item*> ptrs;
      for (auto& it : group)
        if (it.error.empty()) ptrs.push_back(&it);
      std::string failure;
      try {
        be.process(ptrs);
      } catch (const std::bad_alloc&) {
        failure = "out of memory while merging";
      } catch (const std::exception& e) {
        failure = e.what();
      }
      for (auto& it : group) {
        if (!failure.empty() && it.error.empty() && it.result.empty() && std::holds_alternative<std::monostate>(it.encoded))
          it.error = stack_error(it, failure);
        if (it.error.empty()) flag_degenerate(it);
        it.stack.images.clear();  // inputs are no longer needed; their memory goes back now
        it.stack.images.shrink_to_fit();
        finished_.push(std::move(it));
      }
    }
  }

  // Writer: atomic write, report line, release the stack's budget. Writers share one pool that spreads
  // each file's encoding (EXR blocks, .hdr scanlines, preview tonemaps) over all cores.
  void write_results() {
    plan_.bind_thread();  // pinned results are freed here
    io::write_options wopts;
    wopts.compression = cfg_.compression;
    wopts.executor = &*encoder_;
    const auto say_fn = [this](const std::string& line) { say(line); };
    while (auto it = finished_.pop()) {
      write_result(*it, cfg_, preview_tonemap_, wopts, *encoder_, say_fn);
      it->result = {};
      it->encoded = {};
      const bool good = it->error.empty();
      emit(report_line(*it, !good ? "error" : it->nonfinite > 0 ? "warning" : "ok"));
      (good ? ok_ : failed_).fetch_add(1);
      meter_->advance(!good);
      budget_.release(it->bytes);
    }
  }

  // ---- stage 4: close. The summary, the report's footer, the log line; then the run's own errors.
  summary close() {
    sum_.ok = ok_.load();
    sum_.failed = failed_.load();
    sum_.not_started = todo_.size() - std::min(todo_.size(), started_.load());
    sum_.interrupted = cfg_.stop && cfg_.stop->load() != 0;
    sum_.seconds = std::chrono::duration<double>(clock::now() - t_start_).count();
    sum_.peak_bytes_in_flight = budget_.peak();
    emit(run_footer(sum_), false);
    if (log_) {
      char line[512];
      const double rate = sum_.seconds > 0 ? double(sum_.ok) / sum_.seconds : 0.0;
      std::snprintf(line, sizeof line, "hdrgpu batch: %zu stacks: %zu ok, %zu skipped, %zu failed in %.1f s (%.2f stacks/s on %s); report: %s",
                    sum_.total, sum_.ok, sum_.skipped, sum_.failed, sum_.seconds, rate, sum_.device.c_str(),
                    printable(sum_.report.string()).c_str());
      say(line);
      if (sum_.interrupted)
        say("hdrgpu batch: stopped by a signal: " + std::to_string(sum_.not_started) +
            " stacks were not started; run the same command again to finish them");
    }
    if (!fatal_.empty()) throw error("batch stopped: " + fatal_);
    if (!report_error_.empty()) throw io_error(sum_.report, report_error_);
    return sum_;
  }

  // ---- shared by the stages

  void say(const std::string& line) {
    if (!log_) return;
    const std::lock_guard lock(log_mutex_);
    try {
      log_(line);
    } catch (...) {  // a logger that fails must not take the run down
    }
  }

  // Appends a report line. The first report failure (a full disk) is remembered: the run goes on, since
  // outputs are what a rerun checks, and ends with an error.
  void emit(const json_object& line, bool stack_row = true) {
    try {
      report_->write(line);
    } catch (const std::exception& e) {
      const std::lock_guard lock(error_mutex_);
      if (report_error_.empty()) {
        report_error_ = e.what();
        say("hdrgpu batch: error: " + report_error_);
      }
    }
    if (cfg_.on_stack && stack_row) {
      const std::lock_guard lock(on_stack_mutex_);
      try {
        cfg_.on_stack(line.text());
      } catch (...) {  // documented as must-not-throw; a throwing callback still cannot abort the run
      }
    }
  }

  void fault(const std::string& where, const char* what) {
    {
      const std::lock_guard lock(error_mutex_);
      if (fatal_.empty()) fatal_ = where + ": " + what;
    }
    broken_.store(true);
  }

  bool stopping() const { return broken_.load() || (cfg_.stop && cfg_.stop->load() != 0); }

  const clock::time_point t_start_ = clock::now();
  config cfg_;
  log_fn log_;
  std::optional<tonemap_spec> preview_tonemap_;
  std::vector<job> mine_;
  response_curve preset_;  // before plan_: the backends refer to it
  compute_plan plan_;
  std::optional<out_dir_lock> lock_;
  std::optional<report_writer> report_;
  summary sum_;
  std::vector<item> todo_;

  byte_budget budget_{cfg_.memory_budget};
  work_queue<item> loaded_, finished_;
  std::optional<progress_meter> meter_;
  std::optional<cpu_executor> encoder_;
  std::atomic<std::size_t> next_{0}, started_{0}, ok_{0}, failed_{0};
  std::atomic<bool> broken_{false};
  std::mutex log_mutex_, error_mutex_, on_stack_mutex_;
  std::string fatal_, report_error_;
};

}  // namespace

summary run(const config& cfg, const std::function<void(const std::string&)>& log) {
  return batch_run(cfg, log).execute();
}

}  // namespace hdrgpu::pipeline
