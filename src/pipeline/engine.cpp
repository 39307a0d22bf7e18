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

void write_preview(const item& it, const config& cfg) {
  std::filesystem::path png = it.output;
  png.replace_extension(".png");
  if (cfg.method == merge_method::mertens && !cfg.preview_tonemap) {
    io::write_ldr(png, it.result.view());  // fused output is display-referred already
    return;
  }
  const cpu_executor one(cpu_executor::options{1});
  io::write_ldr(png, apply_tonemap(one, it.result.view(), cfg.preview_tonemap.value_or(tonemap_spec::parse("gamma"))).view());
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
void write_result(item& it, const config& cfg, const io::write_options& wopts, const cpu_executor& encoder,
                  const std::function<void(const std::string&)>& say) {
  if (it.error.empty() && it.nonfinite > 0 && !cfg.keep_nonfinite)
    it.error = stack_error(it, std::to_string(it.nonfinite) +
                                   " output values are NaN or infinite (extreme exposure times or a stack with nothing "
                                   "measured?); not written (--keep-nonfinite writes it as a warning)");
  if (!it.error.empty()) return;
  const auto t0 = clock::now();
  try {
    // The preview goes first: a final output then implies a complete preview on resume.
    if (cfg.preview) write_preview(it, cfg);
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

}  // namespace


summary run(const config& cfg_in, const std::function<void(const std::string&)>& log) {
  const auto t_start = clock::now();
  config cfg = cfg_in;
  if (cfg.readers == 0) cfg.readers = std::max(1u, std::thread::hardware_concurrency());
  cfg.readers = std::min(cfg.readers, cpu_executor::max_threads());
  // Everything that can reject the whole run (input, device, response file) comes before any output.
  const std::vector<job> all = list_jobs(cfg.input);
  const std::vector<job> mine = select_shard(all, cfg.part);
  response_curve preset;  // the backends keep a reference; filled in below, before any worker starts
  compute_plan plan = make_backends(cfg, preset, log);
  auto& backends = plan.backends;
  preset = shared_response(cfg, all);
  std::error_code ec;
  std::filesystem::create_directories(cfg.output_dir, ec);
  if (!std::filesystem::is_directory(cfg.output_dir))
    throw io_error(cfg.output_dir, "cannot create the output folder '" + printable(cfg.output_dir.string()) + "'" +
                                       (ec ? ": " + ec.message() : std::string()));
  // One run per shard and folder at a time; a second one is refused before it touches anything.
  const out_dir_lock lock(cfg.output_dir, cfg.part);

  summary sum;
  sum.total = mine.size();
  sum.report = default_report(cfg);
  sum.device = backends.front()->name();
  report_writer report(sum.report);
  report.write(run_header(cfg, sum, mine.size()));  // a run that cannot write its report stops here

  std::mutex log_mutex;
  const auto say = [&](const std::string& line) {
    if (!log) return;
    const std::lock_guard lock(log_mutex);
    try {
      log(line);
    } catch (...) {  // a logger that fails must not take the run down
    }
  };
  // The first report failure (a full disk): the run goes on, since outputs are what a rerun checks,
  // and ends with an error.
  std::mutex report_mutex;
  std::string report_error;
  std::mutex on_stack_mutex;
  const auto emit = [&](const json_object& line, bool stack_row = true) {
    try {
      report.write(line);
    } catch (const std::exception& e) {
      const std::lock_guard lock(report_mutex);
      if (report_error.empty()) {
        report_error = e.what();
        say("hdrgpu batch: error: " + report_error);
      }
    }
    if (cfg.on_stack && stack_row) {
      const std::lock_guard lock(on_stack_mutex);
      try {
        cfg.on_stack(line.text());
      } catch (...) {  // documented as must-not-throw; a throwing callback still cannot abort the run
      }
    }
  };

  // Resume: an output that exists is complete (outputs only appear by rename), so skip it.
  const std::string ext = extension_of(cfg.format);
  std::set<std::string> my_ids;
  std::vector<item> todo;
  for (std::size_t k = 0; k < mine.size(); ++k) {
    item it;
    it.index = k;
    it.work = mine[k];
    it.error = mine[k].error;
    it.output = cfg.output_dir / (mine[k].id + ext);
    if (!it.error.empty()) {  // never used as a path
      todo.push_back(std::move(it));
      continue;
    }
    my_ids.insert(mine[k].id);
    if (!cfg.overwrite && std::filesystem::exists(it.output, ec)) {
      emit(report_line(it, "skipped"));
      ++sum.skipped;
      continue;
    }
    todo.push_back(std::move(it));
  }
  if (const std::size_t removed = remove_stale_temporaries(cfg.output_dir, my_ids))
    say("hdrgpu batch: removed " + std::to_string(removed) + " temporary files left by an earlier run that died");

  byte_budget budget(cfg.memory_budget);
  budget.set_aside(plan.fixed_bytes);
  work_queue<item> loaded, finished;
  std::atomic<std::size_t> next{0}, started{0}, ok{0}, failed{0};
  progress_meter meter(cfg.progress, mine.size(), sum.skipped);
  // A fault outside any one stack (a thread that threw where nothing expected it) stops the run cleanly.
  std::atomic<bool> broken{false};
  std::string fatal;
  const auto fault = [&](const std::string& where, const char* what) {
    {
      const std::lock_guard lock(report_mutex);
      if (fatal.empty()) fatal = where + ": " + what;
    }
    broken.store(true);
  };
  const auto stopping = [&] { return broken.load() || (cfg.stop && cfg.stop->load() != 0); };

  auto finish = [&](item& it) {
    const bool good = it.error.empty();
    emit(report_line(it, !good ? "error" : it.nonfinite > 0 ? "warning" : "ok"));
    (good ? ok : failed).fetch_add(1);
    meter.advance(!good);
    budget.release(it.bytes);
    it.bytes = 0;
  };

  // Readers: claim the next job, read its headers, reserve its decoded size in the budget (blocks while
  // the budget is used up), then decode.
  std::vector<std::thread> readers;
  for (unsigned r = 0; r < cfg.readers; ++r)
    readers.emplace_back([&] {
      try {
        plan.bind_thread();  // pinned allocations on the run's device only
        // --align runs here, one thread per reader: readers already run in parallel.
        const cpu_executor aligner(cpu_executor::options{1});
        for (;;) {
          if (stopping()) return;
          const std::size_t k = next.fetch_add(1);
          if (k >= todo.size()) return;
          started.fetch_add(1);
          item it = std::move(todo[k]);
          if (it.error.empty()) {
            const auto t0 = clock::now();
            try {
              io::load_options opts;
              opts.allocator = plan.input_allocator;
              opts.before_decode = [&](std::span<const io::image_info> headers) {
                const std::size_t need = stack_bytes(headers);
                budget.acquire(need);
                it.bytes = need;
              };
              load_job(it, cfg, std::move(opts));
              std::size_t real = 0;
              for (const auto& img : it.stack.images)
                std::visit([&](const auto& im) { real += im.size() * sizeof(*im.data()); }, img);
              if (!it.stack.images.empty())
                std::visit([&](const auto& im) { real += im.pixels() * std::size_t(im.channels()) * sizeof(float); },
                           it.stack.images.front());  // the result
              if (real > it.bytes) budget.force(real - it.bytes); else budget.release(it.bytes - real);
              it.bytes = real;
              if (cfg.align) align_stack(it, aligner, cfg.align_options);
            } catch (const std::bad_alloc&) {
              it.stack.images.clear();
              it.error = stack_error(it, "out of memory while reading its images (lower --memory or --readers)");
            } catch (const std::exception& e) {
              it.error = stack_error(it, e.what());
            }
            it.read_ms = ms_since(t0);
          }
          loaded.push(std::move(it));
        }
      } catch (const std::exception& e) {
        fault("a reader thread", e.what());
      } catch (...) {
        fault("a reader thread", "unknown exception");
      }
    });

  // Compute workers: one per backend instance; each takes what is ready, up to its batch size.
  std::vector<std::thread> workers;
  for (auto& b : backends)
    workers.emplace_back([&, be = b.get()] {
      try {
        be->bind_thread();
        for (;;) {
          auto first = loaded.pop();
          if (!first) return;
          std::vector<item> group;
          group.push_back(std::move(*first));
          for (auto& more : loaded.pop_ready(be->batch() - 1)) group.push_back(std::move(more));
          std::vector<item*> ptrs;
          for (auto& it : group)
            if (it.error.empty()) ptrs.push_back(&it);
          std::string failure;
          try {
            be->process(ptrs);
          } catch (const std::bad_alloc&) {  // a backend-wide failure fails this group, not the run
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
            finished.push(std::move(it));
          }
        }
      } catch (const std::exception& e) {
        fault("a compute thread", e.what());
      } catch (...) {
        fault("a compute thread", "unknown exception");
      }
    });

  // Writers: atomic write, report line, release the stack's budget. They share one pool that spreads each
  // file's encoding (EXR blocks, .hdr scanlines) over all cores.
  const cpu_executor encoder(cpu_executor::options{cfg.threads});
  io::write_options wopts;
  wopts.compression = cfg.compression;
  wopts.executor = &encoder;
  const unsigned writer_count = std::max(1u, std::min(4u, cfg.readers / 2));
  std::vector<std::thread> writers;
  for (unsigned w = 0; w < writer_count; ++w)
    writers.emplace_back([&] {
      try {
        plan.bind_thread();  // pinned results are freed here
        while (auto it = finished.pop()) {
          write_result(*it, cfg, wopts, encoder, say);
          it->result = {};
          it->encoded = {};
          finish(*it);
        }
      } catch (const std::exception& e) {
        fault("a writer thread", e.what());
      } catch (...) {
        fault("a writer thread", "unknown exception");
      }
    });

  for (auto& t : readers) t.join();
  loaded.close();
  for (auto& t : workers) t.join();
  finished.close();
  for (auto& t : writers) t.join();
  meter.stop();

  sum.ok = ok.load();
  sum.failed = failed.load();
  sum.not_started = todo.size() - std::min(todo.size(), started.load());
  sum.interrupted = cfg.stop && cfg.stop->load() != 0;
  sum.seconds = std::chrono::duration<double>(clock::now() - t_start).count();
  sum.peak_bytes_in_flight = budget.peak();
  emit(run_footer(sum), false);
  if (log) {
    char line[512];
    const double rate = sum.seconds > 0 ? double(sum.ok) / sum.seconds : 0.0;
    std::snprintf(line, sizeof line, "hdrgpu batch: %zu stacks: %zu ok, %zu skipped, %zu failed in %.1f s (%.2f stacks/s on %s); report: %s",
                  sum.total, sum.ok, sum.skipped, sum.failed, sum.seconds, rate, sum.device.c_str(),
                  printable(sum.report.string()).c_str());
    say(line);
    if (sum.interrupted)
      say("hdrgpu batch: stopped by a signal: " + std::to_string(sum.not_started) +
          " stacks were not started; run the same command again to finish them");
  }
  if (!fatal.empty()) throw error("batch stopped: " + fatal);
  if (!report_error.empty()) throw io_error(sum.report, report_error);
  return sum;
}

}  // namespace hdrgpu::pipeline
