// Job lists (directory or manifest input), sharding, and launcher (mpirun/srun) detection.
#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <set>
#include <string>

#include <hdrgpu/pipeline.hpp>

#include "../text_util.hpp"

namespace hdrgpu::pipeline {
namespace {

bool parse_int(std::string_view s, int& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size() && !s.empty();
}

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

/// Reads rank/size (and optionally the node-local rank) from one launcher's variables. False when the
/// launcher's rank variable is absent; throws invalid_argument when its variables are present but unusable
/// (a rank outside 0..size-1 would make every process run every stack, or none).
bool try_launcher(const char* rank_var, const char* size_var, const char* local_var, const char* source,
                  shard& out) {
  const char* r = env(rank_var);
  if (!r) return false;
  const char* s = env(size_var);
  const auto bad = [&](const std::string& why) {
    throw invalid_argument(std::string("launcher environment (") + source + "): " + rank_var + "=" + r + ", " +
                           size_var + "=" + (s ? s : "(unset)") + ": " + why + " (or pass --shard i/n)");
  };
  int rank = 0, size = 0;
  if (!s) bad(std::string(size_var) + " is not set");
  if (!parse_int(r, rank) || !parse_int(s, size)) bad("not integers");
  if (size < 1) bad("the size must be at least 1");
  if (rank < 0 || rank >= size) bad("the rank must be in 0.." + std::to_string(size - 1));
  out.index = rank;
  out.count = size;
  out.local_rank = 0;
  if (const char* l = local_var ? env(local_var) : nullptr) {
    int lr = 0;
    if (!parse_int(l, lr) || lr < 0)
      throw invalid_argument(std::string("launcher environment (") + source + "): " + local_var + "=" + l +
                             " is not a rank");
    out.local_rank = lr;
  }
  out.source = source;
  return true;
}

bool is_manifest(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext == ".csv" || ext == ".jsonl" || ext == ".json" || ext == ".ndjson";
}

}  // namespace

shard shard::parse(const std::string& text) {
  const auto slash = text.find('/');
  shard s;
  if (slash == std::string::npos || !parse_int(std::string_view(text).substr(0, slash), s.index) ||
      !parse_int(std::string_view(text).substr(slash + 1), s.count) || s.count < 1 || s.index < 0 ||
      s.index >= s.count)
    throw invalid_argument("--shard must be i/n with 0 <= i < n (got '" + text + "')");
  s.source = "--shard";
  return s;
}

shard shard::from_environment() {
  shard s;
  if (try_launcher("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK", "openmpi", s)) return s;
  if (try_launcher("PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "pmi", s)) return s;
  if (try_launcher("SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", "slurm", s)) return s;
  return shard{};
}

std::vector<job> list_jobs(const std::filesystem::path& input) {
  std::vector<job> jobs;
  std::error_code ec;
  if (std::filesystem::is_regular_file(input, ec) && is_manifest(input)) {
    for (auto& e : io::read_manifest(input)) jobs.push_back(job{e.id, {}, std::move(e.images), std::move(e.times), {}});
  } else if (std::filesystem::is_directory(input, ec)) {
    for (const auto& dir : io::discover_stacks(input)) {
      job j{dir.filename().string(), dir, {}, {}, {}};
      // A folder name with a newline, escape or other control byte would garble the report and
      // terminals as an output name: that stack fails on its own, the others run.
      if (detail::has_control(j.id))
        j.error = "stack folder '" + detail::printable(j.id) +
                  "': the name has control characters (NUL, newline, escape...); rename the folder";
      jobs.push_back(std::move(j));
    }
  } else {
    throw invalid_argument("batch input '" + input.string() +
                           "' is neither a directory nor a manifest (.csv or .jsonl)");
  }
  if (jobs.empty()) throw invalid_argument("batch input '" + input.string() + "' contains no stacks");
  std::sort(jobs.begin(), jobs.end(), [](const job& a, const job& b) { return a.id < b.id; });
  for (std::size_t i = 1; i < jobs.size(); ++i)
    if (jobs[i].id == jobs[i - 1].id)
      throw invalid_argument("batch input '" + input.string() + "': stack id '" + detail::printable(jobs[i].id) + "' appears twice");
  for (const job& j : jobs)
    if (j.id.empty() || j.id == "." || j.id == ".." || j.id.find('/') != std::string::npos || j.id.front() == '.')
      throw invalid_argument("batch input '" + input.string() + "': '" + detail::printable(j.id) + "' cannot name an output file");
  return jobs;
}

std::vector<job> select_shard(const std::vector<job>& all, const shard& part) {
  std::vector<job> mine;
  for (std::size_t k = 0; k < all.size(); ++k)
    if (k % std::size_t(part.count) == std::size_t(part.index)) mine.push_back(all[k]);
  return mine;
}

}  // namespace hdrgpu::pipeline
