// The per-stack computation, written once for every executor type.
#pragma once

#include <type_traits>

#include <hdrgpu/batch.hpp>
#include <hdrgpu/calibrate.hpp>
#include <hdrgpu/convert.hpp>
#include <hdrgpu/cuda_diagnostics.hpp>
#include <hdrgpu/merge.hpp>
#include <hdrgpu/mertens.hpp>

#include "internal.hpp"

namespace hdrgpu::pipeline {

/// The batch engine's settings as process_batch options (Mertens with OpenCV's grey rule, as `hdrgpu
/// merge`: the CLI reproduces OpenCV on the same files, whose imread data is BGR).
inline batch_options batch_options_of(const config& cfg) {
  batch_options o;
  o.method = cfg.method;
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

/// `what`, naming the stack unless it already does (runtime and device errors do not know the stack).
inline std::string naming(const item& it, const char* what) {
  const std::string label = "stack '" + it.work.id + "'";
  return std::string(what).find(label) == std::string::npos ? label + ": " + what : std::string(what);
}

/// Runs `body(stack)` with the item's stack viewed as its sample type, then the clipping statistic.
/// Failures land in it.error (naming the stack); a device fault also sets it.device_fault.
template <class Body>
void guarded(item& it, Body&& body) {
  try {
    switch (it.stack.type()) {
      case pixel_type::u8: body(it.stack.template view<std::uint8_t>()); break;
      case pixel_type::u16: body(it.stack.template view<std::uint16_t>()); break;
      default: throw invalid_argument("stack '" + it.work.id + "': unsupported sample type");
    }
    it.clipped_percent = clipped_percent(it.stack);
  } catch (const device_fault& e) {
    it.error = naming(it, e.what());
    it.device_fault = true;
    it.result = {};
    it.encoded = {};
  } catch (const std::exception& e) {
    it.error = naming(it, e.what());
    it.result = {};
    it.encoded = {};
  }
}

/// compute_typed for the item's sample type, plus the result statistics.
template <class Exec>
void compute_item(const Exec& exec, item& it, const config& cfg) {
  guarded(it, [&](const auto& stack) {
    compute_typed(exec, it, cfg, stack);
    const sample_census n = census(it.result.view());
    it.nonfinite = n.nonfinite;
    it.clamped = cfg.format == io::hdr_format::exr_half ? n.above_half : 0;
    it.width = it.result.width();
    it.height = it.result.height();
    it.channels = it.result.channels();
  });
}

/// Whether the GPU writes the file's own encoding (half bits for exr-half, RGBE pixels for hdr): then only
/// those are copied back, a half or a third of the float map, and the writers do not convert.
inline bool encodes_on_gpu(const config& cfg) {
  return !cfg.preview && (cfg.format == io::hdr_format::exr_half || cfg.format == io::hdr_format::hdr);
}

/// compute_item on the GPU for encodes_on_gpu(cfg): merge into device memory, count non-finite (and half-clamped) samples
/// there, convert there, and copy the encoded image into host memory from `alloc` (pinned: no staging).
inline void compute_encoded(const cuda_executor& exec, item& it, const config& cfg, const host_allocator& alloc) {
  guarded(it, [&](const auto& stack) {
    const int w = stack.width(), h = stack.height(), c = stack.channels();
    const std::size_t px = std::size_t(w) * std::size_t(h);
    detail::device_allocation radiance(exec, px * std::size_t(c) * sizeof(float));
    const image_view<float> map(radiance.as<float>(), w, h, c, 0, stack.order(), memory_space::device);
    double ms[2] = {0, 0};
    const auto t0 = clock::now();
    detail::calibrate_and_merge_into(exec, stack, batch_options_of(cfg), it.response, map, ms);
    const sample_census n = census(exec, map);  // waits for the merge
    it.nonfinite = n.nonfinite;
    it.clamped = cfg.format == io::hdr_format::exr_half ? n.above_half : 0;
    it.merge_ms = ms_since(t0) - ms[0];         // upload and merge, without a calibration done here
    if (ms[0] > 0) it.calibrate_ms = ms[0];
    if (cfg.format == io::hdr_format::exr_half) {
      detail::device_allocation bits(exec, px * std::size_t(c) * sizeof(std::uint16_t));
      to_half(exec, map, image_view<std::uint16_t>(bits.as<std::uint16_t>(), w, h, c, 0, stack.order(), memory_space::device));
      image<std::uint16_t> out = image<std::uint16_t>::allocate(w, h, c, stack.order(), alloc);
      detail::copy_to_host(exec, out.data(), bits.get(), bits.bytes());
      it.encoded = std::move(out);
    } else {
      detail::device_allocation pixels(exec, px * 4);
      to_rgbe(exec, map, image_view<std::uint8_t>(pixels.as<std::uint8_t>(), w, h, 4, 0, channel_order::rgb, memory_space::device));
      image<std::uint8_t> out = image<std::uint8_t>::allocate(w, h, 4, channel_order::rgb, alloc);
      detail::copy_to_host(exec, out.data(), pixels.get(), pixels.bytes());
      it.encoded = std::move(out);
    }
    it.width = w;
    it.height = h;
    it.channels = c;
  });
}

}  // namespace hdrgpu::pipeline
