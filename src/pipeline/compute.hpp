// The per-stack computation, written once for every executor type.
#pragma once

#include <type_traits>

#include <hdrgpu/batch.hpp>
#include <hdrgpu/calibrate.hpp>
#include <hdrgpu/merge.hpp>
#include <hdrgpu/mertens.hpp>

#include "internal.hpp"

namespace hdrgpu::pipeline {

/// The batch engine's settings as process_batch options (Mertens with OpenCV's grey rule, as `hdrgpu
/// merge`: the CLI reproduces OpenCV on the same files, whose imread data is BGR).
inline batch_options batch_options_of(const config& cfg) {
  batch_options o;
  o.method = cfg.method == merge_method::debevec   ? batch_method::debevec
             : cfg.method == merge_method::robertson ? batch_method::robertson
                                                     : batch_method::mertens;
  o.calibration = cfg.debevec;
  o.profile = cfg.profile;
  o.mertens.grey = grey_rule::opencv_bgr;
  return o;
}

template <class Exec, class T>
void compute_typed(const Exec& exec, item& it, const config& cfg, const exposure_stack<T>& stack) {
  double ms[2] = {0, 0};
  it.result = detail::calibrate_and_merge(exec, stack, batch_options_of(cfg), it.response, ms);
  it.calibrate_ms = ms[0] > 0 ? ms[0] : it.calibrate_ms;  // batched GPU calibration sets it beforehand
  it.merge_ms = ms[1];
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
