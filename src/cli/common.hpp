// Pieces shared by the CLI commands: executor choice and option parsing.
#pragma once

#include <string>

#include <hdrgpu/compat.hpp>
#include <hdrgpu/executor.hpp>

#include "args.hpp"

namespace hdrgpu::cli {

/// Resolves --device/--threads to the executor that runs the work. `auto` uses CUDA when a device is
/// present and the CUDA backend supports the call, else the CPU; an explicit `cuda` without a usable
/// device throws backend_unavailable (exit 1).
cpu_executor make_executor(const args& a);

/// --compat, default opencv-latest; usage_error on unknown values.
compat parse_compat_arg(const args& a);

/// --tonemap gamma[:G] → G (default 2.2 when only "gamma"); returns 0 when absent.
float parse_tonemap_gamma(const args& a);

}  // namespace hdrgpu::cli
