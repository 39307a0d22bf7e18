// Pieces shared by the batch engine's stages. Internal to libhdrgpu.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <hdrgpu/io.hpp>
#include <hdrgpu/merge.hpp>
#include <hdrgpu/mertens.hpp>
#include <hdrgpu/pipeline.hpp>

namespace hdrgpu::pipeline {

using clock = std::chrono::steady_clock;

inline double ms_since(clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock::now() - t0).count();
}

/// One stack travelling through the pipeline: its inputs, then its result, then its report line.
struct item {
  std::size_t index = 0;  ///< position in this shard's job list
  job work;
  std::filesystem::path output;
  io::loaded_stack stack;
  std::string exposure_source;      ///< "file", "manifest" or "exif"
  std::size_t bytes = 0;            ///< held in the byte budget
  response_curve response;          ///< preset (calibrate-once/file/batched calibration) or calibrated here
  image<float> result;
  std::string error;                ///< non-empty: the stack failed
  std::size_t nonfinite = 0;
  int width = 0, height = 0, channels = 0;  ///< of the result (kept after the result is freed)
  double clipped_percent = 0;
  double read_ms = 0, calibrate_ms = 0, merge_ms = 0, write_ms = 0;
};

/// Decodes a job's images (EXIF orientation unless disabled) and finds its exposure times:
/// exposures.txt, the manifest's times, or each image's EXIF ExposureTime. Throws with the stack's
/// name and the offending file.
void load_job(item& it, const config& cfg);

/// Runs the stacks' merges (and calibrations) on one backend instance. A backend reports each
/// stack's failure in item::error and never throws for one bad stack.
class backend {
 public:
  virtual ~backend() = default;
  virtual std::string name() const = 0;
  /// How many loaded stacks it likes to take at once (batched calibration on the GPU).
  virtual std::size_t batch() const { return 1; }
  virtual void process(std::vector<item*>& items) = 0;
};

/// The compute backends of `cfg.device`: one CPU backend, or one or more per CUDA device.
/// `preset` is the shared response (calibrate-once or file), empty for per-stack.
/// Throws backend_unavailable for an explicit CUDA request without a device.
std::vector<std::unique_ptr<backend>> make_backends(const config& cfg, const response_curve& preset);

/// The response used for every stack under calibrate-once or file (empty for per-stack and Mertens).
response_curve shared_response(const config& cfg, const std::vector<job>& all_jobs);

/// Percent of pixels no exposure measures well: saturated in the shortest or black in the longest.
double clipped_percent(const io::loaded_stack& s);
/// NaN/Inf samples in a result.
std::size_t count_nonfinite(const image<float>& img);

/// File extension of a format (".exr", ".hdr", ".pfm").
std::string extension_of(io::hdr_format f);

}  // namespace hdrgpu::pipeline
