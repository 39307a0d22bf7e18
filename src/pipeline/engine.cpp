// The batch engine: readers decode stacks into memory under a byte budget, compute workers (one per
// backend instance) merge them, writers store each result atomically and append its report line.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <cstdio>
#include <set>
#include <thread>

#include <hdrgpu/tonemap.hpp>

#include "internal.hpp"
#include "progress.hpp"
#include "queue.hpp"
#include "report.hpp"

namespace hdrgpu::pipeline {
namespace {

std::filesystem::path default_report(const config& cfg) {
  if (!cfg.report.empty()) return cfg.report;
  if (cfg.part.count > 1)
    return cfg.output_dir /
           ("report." + std::to_string(cfg.part.index) + "-of-" + std::to_string(cfg.part.count) + ".jsonl");
  return cfg.output_dir / "report.jsonl";
}

/// Removes temporaries a killed run left behind (".ID.ext.tmp-PID-N"), only for this shard's outputs:
/// other shards may be writing theirs in the same folder right now.
void remove_stale_temporaries(const std::filesystem::path& dir, const std::set<std::string>& mine) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const auto tmp = name.find(".tmp-");
    if (name.size() < 2 || name[0] != '.' || tmp == std::string::npos) continue;
    if (mine.count(name.substr(1, tmp - 1))) std::filesystem::remove(entry.path(), ec);
  }
}

void write_preview(const item& it, const config& cfg) {
  std::filesystem::path png = it.output;
  png.replace_extension(".png");
  if (cfg.method == merge_method::mertens) {
    io::write_ldr(png, it.result.view());  // fused output is display-referred already
    return;
  }
  const cpu_executor one(cpu_executor::options{1});
  io::write_ldr(png, tonemap_gamma(one, it.result.view(), {.gamma = 2.2f}).view());
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

json_object report_line(const item& it, const char* status) {
  json_object o;
  o.str("stack", it.work.id).str("status", status);
  if (std::string(status) == "skipped" || it.error.empty())
    o.str("output", it.output.string());
  else
    o.null("output");
  if (it.error.empty()) o.null("error"); else o.str("error", it.error);
  if (it.exposure_source.empty()) o.null("exposure_source"); else o.str("exposure_source", it.exposure_source);
  o.integer("nonfinite", (long long)it.nonfinite);
  o.integer("clamped", (long long)it.clamped);
  o.strings("warnings", it.warnings);
  std::vector<std::string> inputs;
  if (!it.stack.files.empty()) {
    for (const auto& f : it.stack.files) inputs.push_back((it.stack.dir / f).string());
  } else if (!it.work.images.empty()) {
    for (const auto& f : it.work.images) inputs.push_back(f.string());
  } else if (!it.work.dir.empty()) {
    inputs.push_back(it.work.dir.string());
  }
  o.strings("inputs", inputs);
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
    throw io_error(cfg.output_dir, "cannot create the output folder '" + cfg.output_dir.string() + "'");

  summary sum;
  sum.total = mine.size();
  sum.report = default_report(cfg);
  sum.device = backends.front()->name();
  report_writer report(sum.report);

  // Resume: an output that exists is complete (outputs only appear by rename), so skip it.
  const std::string ext = extension_of(cfg.format);
  std::set<std::string> my_outputs;
  std::vector<item> todo;
  for (std::size_t k = 0; k < mine.size(); ++k) {
    item it;
    it.index = k;
    it.work = mine[k];
    it.output = cfg.output_dir / (mine[k].id + ext);
    my_outputs.insert(it.output.filename().string());
    if (!cfg.overwrite && std::filesystem::exists(it.output, ec)) {
      const json_object line = report_line(it, "skipped");
      report.write(line);
      if (cfg.on_stack) cfg.on_stack(line.text());
      ++sum.skipped;
      continue;
    }
    todo.push_back(std::move(it));
  }
  remove_stale_temporaries(cfg.output_dir, my_outputs);

  byte_budget budget(cfg.memory_budget);
  budget.set_aside(plan.fixed_bytes);
  work_queue<item> loaded, finished;
  std::atomic<std::size_t> next{0}, ok{0}, failed{0}, done{sum.skipped};
  std::atomic<std::size_t> estimate{0};  // bytes of the largest stack seen so far
  std::mutex first_stack;
  progress_meter meter(cfg.progress, mine.size(), sum.skipped);

  std::mutex on_stack_mutex;
  auto finish = [&](item& it) {
    const bool good = it.error.empty();
    const json_object line = report_line(it, !good ? "error" : it.nonfinite > 0 ? "warning" : "ok");
    report.write(line);
    if (cfg.on_stack) {
      const std::lock_guard lock(on_stack_mutex);
      cfg.on_stack(line.text());
    }
    (good ? ok : failed).fetch_add(1);
    meter.advance(!good);
    budget.release(it.bytes);
    it.bytes = 0;
  };

  // Readers: claim the next job, reserve its estimated memory (blocks when the budget is used up),
  // decode, then correct the reservation to the real size.
  std::vector<std::thread> readers;
  for (unsigned r = 0; r < cfg.readers; ++r)
    readers.emplace_back([&] {
      plan.bind_thread();  // pinned allocations on the run's device only
      for (;;) {
        const std::size_t k = next.fetch_add(1);
        if (k >= todo.size()) return;
        item it = std::move(todo[k]);
        // Until one stack has been decoded its size is unknown: the first decodes alone.
        std::unique_lock first(first_stack, std::defer_lock);
        if (estimate.load() == 0) first.lock();
        const std::size_t guess = estimate.load();
        budget.acquire(guess);
        it.bytes = guess;
        const auto t0 = clock::now();
        try {
          load_job(it, cfg, plan.input_allocator);
          std::size_t real = 0;
          for (const auto& img : it.stack.images)
            std::visit([&](const auto& im) { real += im.size() * sizeof(*im.data()); }, img);
          if (!it.stack.images.empty())
            std::visit([&](const auto& im) { real += im.pixels() * std::size_t(im.channels()) * sizeof(float); },
                       it.stack.images.front());  // the result
          std::size_t seen = estimate.load();
          while (real > seen && !estimate.compare_exchange_weak(seen, real)) {
          }
          if (real > it.bytes) budget.force(real - it.bytes); else budget.release(it.bytes - real);
          it.bytes = real;
        } catch (const std::exception& e) {
          it.error = e.what();
        }
        it.read_ms = ms_since(t0);
        loaded.push(std::move(it));
      }
    });

  // Compute workers: one per backend instance; each takes what is ready, up to its batch size.
  std::vector<std::thread> workers;
  for (auto& b : backends)
    workers.emplace_back([&, be = b.get()] {
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
        try {
          be->process(ptrs);
        } catch (const std::exception& e) {  // a backend-wide failure fails this group, not the run
          for (item* it : ptrs)
            if (it->error.empty() && it->result.empty()) it->error = e.what();
        }
        for (auto& it : group) {
          if (it.error.empty()) flag_degenerate(it);
          it.stack.images.clear();  // inputs are no longer needed; their memory goes back now
          it.stack.images.shrink_to_fit();
          finished.push(std::move(it));
        }
      }
    });

  // Writers: atomic write, report line, release the stack's budget. They share one pool that spreads each
  // file's encoding (EXR blocks, .hdr scanlines) over all cores.
  const cpu_executor encoder(cpu_executor::options{cfg.threads});
  io::write_options wopts;
  wopts.compression = cfg.compression;
  wopts.executor = &encoder;
  std::mutex log_mutex;
  const unsigned writer_count = std::max(1u, std::min(4u, cfg.readers / 2));
  std::vector<std::thread> writers;
  for (unsigned w = 0; w < writer_count; ++w)
    writers.emplace_back([&] {
      plan.bind_thread();  // pinned results are freed here
      while (auto it = finished.pop()) {
        if (it->error.empty() && it->nonfinite > 0 && !cfg.keep_nonfinite)
          it->error = "stack '" + it->work.id + "': " + std::to_string(it->nonfinite) +
                      " output values are NaN or infinite (extreme exposure times or a stack with nothing "
                      "measured?); not written (--keep-nonfinite writes it as a warning)";
        if (it->error.empty()) {
          const auto t0 = clock::now();
          try {
            // The preview goes first: a final output then implies a complete preview on resume.
            if (cfg.preview) write_preview(*it, cfg);
            if (const auto* half = std::get_if<image<std::uint16_t>>(&it->encoded))
              io::write_exr_half(it->output, half->view(), wopts);
            else if (const auto* rgbe = std::get_if<image<std::uint8_t>>(&it->encoded))
              io::write_rgbe(it->output, rgbe->view(), &encoder);
            else
              io::write_radiance(it->output, it->result.view(), cfg.format, wopts);
          } catch (const std::exception& e) {
            it->error = e.what();
          }
          it->write_ms = ms_since(t0);
          if (it->error.empty() && log)
            for (const auto& w : it->warnings) {
              const std::lock_guard lock(log_mutex);
              log("hdrgpu batch: warning: stack '" + it->work.id + "': " + w);
            }
          if (it->error.empty() && it->clamped > 0 && log) {
            const std::lock_guard lock(log_mutex);
            log("hdrgpu batch: warning: stack '" + it->work.id + "': " + std::to_string(it->clamped) +
                " samples above 65504 are stored as 65504, the largest half (--format exr keeps them)");
          }
        }
        it->result = {};
        it->encoded = {};
        finish(*it);
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
  sum.seconds = std::chrono::duration<double>(clock::now() - t_start).count();
  sum.peak_bytes_in_flight = budget.peak();
  if (log) {
    char line[512];
    const double rate = sum.seconds > 0 ? double(sum.ok) / sum.seconds : 0.0;
    std::snprintf(line, sizeof line, "hdrgpu batch: %zu stacks: %zu ok, %zu skipped, %zu failed in %.1f s (%.2f stacks/s on %s); report: %s",
                  sum.total, sum.ok, sum.skipped, sum.failed, sum.seconds, rate, sum.device.c_str(),
                  sum.report.string().c_str());
    log(line);
  }
  return sum;
}

}  // namespace hdrgpu::pipeline
