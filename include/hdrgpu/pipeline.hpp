// The batch engine behind `hdrgpu batch`: many exposure stacks in, one HDR file per stack out,
// with bounded memory, resumable runs, per-stack error isolation and a JSON Lines report.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <hdrgpu/align.hpp>
#include <hdrgpu/calibrate.hpp>
#include <hdrgpu/compat.hpp>
#include <hdrgpu/io.hpp>
#include <hdrgpu/merge_method.hpp>
#include <hdrgpu/tonemap_spec.hpp>

namespace hdrgpu::pipeline {

using hdrgpu::merge_method;

/// Where each stack's response curve comes from (Debevec and Robertson; Mertens needs none).
enum class response_mode {
  per_stack,       ///< calibrate every stack on its own images (what OpenCV users do today)
  calibrate_once,  ///< pool samples from the first stacks of the run, calibrate once, reuse for all
  file,            ///< a given CSV (config::response_file)
};

/// One unit of work: a stack id, its images and (optionally) their exposure times.
struct job {
  std::string id;                           ///< output name: OUT_DIR/id.<ext>
  std::filesystem::path dir;                ///< the stack folder (directory input); empty for manifests
  std::vector<std::filesystem::path> images;  ///< manifest input: the image files, in order
  std::vector<double> times;                ///< manifest input: seconds; empty = from EXIF
  /// Set by list_jobs for a stack that cannot run (a folder name with control characters): the stack
  /// fails with this message and nothing is read or written for it.
  std::string error;
};

/// Which part of the job list this process takes: jobs k with k % count == index (k in id order).
struct shard {
  int index = 0, count = 1;
  int local_rank = 0;  ///< rank on this node (selects the GPU under mpirun/srun)
  std::string source = "default";  ///< "default", "--shard", "openmpi", "pmi" or "slurm"

  /// Parses "i/n" (0 <= i < n); throws invalid_argument.
  static shard parse(const std::string& text);
  /// The shard of this process from OpenMPI (OMPI_COMM_WORLD_*), PMI (PMI_RANK/PMI_SIZE) or Slurm
  /// (SLURM_PROCID/SLURM_NTASKS) variables; count 1 when started by none of them. Throws
  /// invalid_argument, naming the variables, when a launcher's rank is set but its size is missing or not
  /// an integer, or the rank is not below the size.
  static shard from_environment();
};

struct config {
  std::filesystem::path input;       ///< directory of stack folders, one stack folder, or a manifest (.csv/.jsonl)
  std::filesystem::path output_dir;  ///< created if missing
  std::filesystem::path report;      ///< empty: OUT_DIR/report.jsonl, or report.<i>-of-<n>.jsonl when sharded
  merge_method method = merge_method::debevec;
  response_mode response = response_mode::per_stack;
  std::filesystem::path response_file;  ///< for response_mode::file
  io::hdr_format format = io::hdr_format::exr;
  /// For exr and exr_half; unset: io::default_exr_compression(format) (none for float, piz for half).
  std::optional<io::exr_compression> compression;
  std::string device = "auto";  ///< auto, cpu, cuda, cuda:N or all
  shard part;                   ///< which jobs this process runs
  bool overwrite = false;       ///< redo stacks whose output already exists
  /// Bytes of host memory for decoded images and results in flight, plus (on a GPU) the pinned staging the
  /// lanes hold. On a GPU the images and results live in page-locked memory, which never exceeds it.
  std::size_t memory_budget = std::size_t(6) << 30;
  bool apply_orientation = true;  ///< rotate/flip JPEGs by their EXIF orientation, as OpenCV's imread does
  /// AlignMTB (OpenCV's defaults unless changed) on each 8-bit stack before calibration and merging, on
  /// the reader threads; the per-image shifts go in the report. 16-bit stacks then fail.
  bool align = false;
  align_mtb_options align_options{};
  /// Images whose header claims more pixels fail their stack before anything is decoded (0: no limit).
  std::uint64_t max_pixels = io::default_max_pixels;
  bool preview = false;           ///< also write OUT_DIR/id.png: gamma-2.2 tonemap (Mertens: the fused image)
  /// The preview's tonemap instead (applied to Mertens' fused image too); computed on the CPU.
  std::optional<tonemap_spec> preview_tonemap;
  /// A result with NaN or infinite values fails its stack and is not written (default); true writes it
  /// and reports the stack with status "warning".
  bool keep_nonfinite = false;
  bool progress = false;          ///< live progress line on stderr
  unsigned readers = 0;           ///< decoding threads; 0 = one per core
  unsigned threads = 0;           ///< CPU backend threads; 0 = all cores
  unsigned gpu_lanes = 0;         ///< CUDA: streams (each with a host thread) per device; 0 = 4
  compat profile = default_compat;
  int calibrate_once_stacks = 8;  ///< how many stacks calibrate_once pools samples from
  calibrate_debevec_options debevec{};
  /// Called with each report line (one JSON object, as written to the report) when a stack is skipped or
  /// finished, from the engine's threads, one call at a time. For progress displays; must not throw.
  std::function<void(const std::string& report_line)> on_stack;
  /// When set and non-zero (a SIGINT/SIGTERM handler sets it), the run takes no new stacks, finishes
  /// those in flight (writes complete or are removed), writes the report and returns with
  /// summary::interrupted. Stacks not started are left for a rerun.
  const std::atomic<int>* stop = nullptr;
};

struct summary {
  std::size_t total = 0, ok = 0, skipped = 0, failed = 0;
  double seconds = 0;
  std::size_t peak_bytes_in_flight = 0;  ///< the memory accounting's high-water mark
  std::filesystem::path report;
  std::string device;                    ///< what the stacks ran on, e.g. "cpu (16 threads)"
  std::size_t not_started = 0;           ///< stacks left untouched because the run was stopped
  bool interrupted = false;              ///< config::stop ended the run early
};

/// The jobs of `input`: each sub-folder of a directory that holds images (sorted by name), the
/// directory itself when it is a stack folder, or the entries of a CSV/JSON Lines manifest.
/// Throws invalid_argument for an empty input or duplicate ids, io_error for an unreadable manifest.
std::vector<job> list_jobs(const std::filesystem::path& input);

/// The jobs of `all` that belong to `part` (all.size() need not be a multiple of part.count).
std::vector<job> select_shard(const std::vector<job>& all, const shard& part);

/// Runs the whole batch. Per-stack failures are reported (report + summary.failed), never thrown;
/// throws only for unusable configuration (bad device, unwritable output folder, bad response file).
/// `log` receives one-line messages (warnings, the final summary); may be empty.
summary run(const config& cfg, const std::function<void(const std::string&)>& log = {});

}  // namespace hdrgpu::pipeline
