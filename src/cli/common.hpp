// Pieces shared by the CLI commands: executor choice and option parsing.
#pragma once

#include <optional>
#include <string>
#include <type_traits>
#include <variant>

#include <hdrgpu/calibrate.hpp>
#include <hdrgpu/compat.hpp>
#include <hdrgpu/cuda_executor.hpp>
#include <hdrgpu/executor.hpp>
#include <hdrgpu/io.hpp>
#include <hdrgpu/tonemap_spec.hpp>

#include "args.hpp"

namespace hdrgpu::cli {

/// The backend a command runs on; commands std::visit it, so each algorithm call resolves to the
/// executor's own overload.
using any_executor = std::variant<cpu_executor, cuda_executor>;

/// The value of a thread-count option (0 = automatic); above cpu_executor::max_threads() it is capped,
/// with a note on stderr. Negative or non-integer values are usage errors.
unsigned thread_count(const args& a, const std::string& name);

/// --align: true for "mtb" (AlignMTB with OpenCV's defaults), false when absent; a usage error otherwise.
bool parse_align(const args& a);

/// --ignore-orientation and --max-pixels as loading options.
io::load_options load_options_of(const args& a);

/// Resolves --device/--threads to the executor that runs the work. `auto` uses CUDA when a device is
/// present, else the CPU; an explicit `cuda[:N]` without that device throws backend_unavailable (exit 1).
any_executor make_executor(const args& a);

/// Calibration options valid on `Exec`: the GPU sums CalibrateRobertson's levels in double (`exact`).
template <class Exec>
constexpr robertson_sums robertson_sums_for() {
  return std::is_same_v<Exec, cpu_executor> ? robertson_sums::opencv_f32 : robertson_sums::exact;
}

/// --compat, default opencv-latest; usage_error on unknown values.
compat parse_compat_arg(const args& a);

/// --tonemap gamma[:G]|drago|reinhard|mantiuk[:key=value,...] (tonemap_spec's syntax); empty when absent,
/// a usage error when malformed or out of range.
std::optional<tonemap_spec> parse_tonemap(const args& a);

}  // namespace hdrgpu::cli
