// Pieces shared by the batch engine's stages. Internal to libhdrgpu.
#pragma once

#include <chrono>
#include <functional>
#include <cstddef>
#include <memory>
#include <string>
#include <variant>
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
  /// The result as the file stores it, when the GPU encoded it (exr-half: half bits; hdr: RGBE pixels);
  /// then `result` stays empty.
  std::variant<std::monostate, image<std::uint16_t>, image<std::uint8_t>> encoded;
  std::string error;                ///< non-empty: the stack failed
  std::size_t nonfinite = 0;
  std::size_t clamped = 0;          ///< exr-half: finite samples beyond 65504, stored as 65504
  bool device_fault = false;        ///< the error left the GPU unusable (see hdrgpu::device_fault)
  int width = 0, height = 0, channels = 0;  ///< of the result (kept after the result is freed)
  double clipped_percent = 0;
  std::vector<image_shift> shifts;    ///< --align mtb: each input image's shift (empty without alignment)
  std::vector<std::string> warnings;  ///< degenerate input (one image, equal times, nothing measured)
  double read_ms = 0, calibrate_ms = 0, merge_ms = 0, write_ms = 0;
};

/// Decodes a job's images (EXIF orientation unless disabled) and finds its exposure times:
/// exposures.txt, the manifest's times, or each image's EXIF ExposureTime. `opts` gives the allocator
/// and before_decode hook; orientation and the pixel limit come from `cfg`. Throws with the stack's
/// name and the offending file.
void load_job(item& it, const config& cfg, io::load_options opts = {});

/// Runs the stacks' merges (and calibrations) on one backend instance. A backend reports each
/// stack's failure in item::error and never throws for one bad stack.
class backend {
 public:
  virtual ~backend() = default;
  virtual std::string name() const = 0;
  /// How many loaded stacks it likes to take at once (batched calibration on the GPU).
  virtual std::size_t batch() const { return 1; }
  /// Called first on the backend's worker thread: a GPU backend binds the thread to its device.
  virtual void bind_thread() const noexcept {}
  virtual void process(std::vector<item*>& items) = 0;
};

/// The compute side of a run: the backend instances (each with its own worker thread), where readers
/// should decode stacks (pinned memory when the backends are GPUs) and the host memory the backends
/// hold for the whole run (pinned staging), which the byte budget sets aside.
struct compute_plan {
  std::vector<std::unique_ptr<backend>> backends;
  host_allocator input_allocator;
  std::size_t fixed_bytes = 0;
  int device = -1;  ///< the CUDA device the engine's threads bind to (cuda_bind_thread); -1 on the CPU

  /// Binds the calling engine thread to `device` (no effect on the CPU). A failure is left to the calls
  /// that need the device, which report it per stack.
  void bind_thread() const noexcept;
};

/// The compute backends of `cfg.device`: one CPU backend, or cfg.gpu_lanes per CUDA device.
/// `preset` is the shared response (calibrate-once or file), empty for per-stack. `log` hears why
/// `--device auto` runs on the CPU. Throws backend_unavailable for an explicit CUDA request without a
/// usable device, saying why.
compute_plan make_backends(const config& cfg, const response_curve& preset,
                           const std::function<void(const std::string&)>& log);

/// The response used for every stack under calibrate-once or file (empty for per-stack and Mertens).
response_curve shared_response(const config& cfg, const std::vector<job>& all_jobs);

/// Percent of pixels no exposure measures well: saturated in the shortest or black in the longest.
double clipped_percent(const io::loaded_stack& s);

/// File extension of a format (".exr", ".hdr", ".pfm").
std::string extension_of(io::hdr_format f);

}  // namespace hdrgpu::pipeline
