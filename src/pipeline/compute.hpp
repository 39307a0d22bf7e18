// The per-stack computation, written once for every executor type.
#pragma once

#include <type_traits>

#include <hdrgpu/calibrate.hpp>
#include <hdrgpu/merge.hpp>
#include <hdrgpu/mertens.hpp>

#include "internal.hpp"

namespace hdrgpu::pipeline {

/// Calibrates (unless the item carries a response already) and merges one stack of sample type T.
template <class Exec, class T>
void compute_typed(const Exec& exec, item& it, const config& cfg, const exposure_stack<T>& stack) {
  if (cfg.method == merge_method::mertens) {
    const auto t0 = clock::now();
    // Same grey rule as `hdrgpu merge`: reproduce OpenCV on the same files (imread data is BGR).
    it.result = merge_mertens(exec, stack, {.grey = grey_rule::opencv_bgr});
    it.merge_ms = ms_since(t0);
    return;
  }
  if (it.response.empty()) {
    if constexpr (std::is_same_v<T, std::uint8_t>) {
      const auto t0 = clock::now();
      if (cfg.method == merge_method::debevec) {
        calibrate_debevec_options o = cfg.debevec;
        o.profile = cfg.profile;
        it.response = calibrate_debevec(exec, stack, o);
      } else {
        calibrate_robertson_options o;
        if constexpr (!std::is_same_v<Exec, cpu_executor>) o.sums = robertson_sums::exact;  // GPU sums in double
        it.response = calibrate_robertson(exec, stack, o);
      }
      it.calibrate_ms = ms_since(t0);
    } else {
      throw invalid_argument(stack.label() + ": per-stack calibration needs 8-bit images; give --response FILE.csv");
    }
  }
  const auto t0 = clock::now();
  if (cfg.method == merge_method::debevec)
    it.result = merge_debevec(exec, stack, it.response, {.profile = cfg.profile});
  else
    it.result = merge_robertson(exec, stack, it.response);
  it.merge_ms = ms_since(t0);
}

/// compute_typed for the item's sample type, plus the result statistics. Failures land in it.error.
template <class Exec>
void compute_item(const Exec& exec, item& it, const config& cfg) {
  try {
    switch (it.stack.type()) {
      case pixel_type::u8: compute_typed(exec, it, cfg, it.stack.template view<std::uint8_t>()); break;
      case pixel_type::u16: compute_typed(exec, it, cfg, it.stack.template view<std::uint16_t>()); break;
      default: throw invalid_argument("stack '" + it.work.id + "': unsupported sample type");
    }
    it.nonfinite = count_nonfinite(it.result);
    it.width = it.result.width();
    it.height = it.result.height();
    it.channels = it.result.channels();
    it.clipped_percent = clipped_percent(it.stack);
  } catch (const std::exception& e) {
    it.error = e.what();
    it.result = {};
  }
}

}  // namespace hdrgpu::pipeline
