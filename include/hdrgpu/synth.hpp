// Synthetic exposure stacks with known radiance and camera response: the demo's built-in input
// and the tests' ground truth.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <hdrgpu/executor.hpp>
#include <hdrgpu/image.hpp>
#include <hdrgpu/response_curve.hpp>

namespace hdrgpu::synth {

/// What to render. The scene depends on (seed, index, aspect ratio) only, so changing the bracket
/// or the noise re-photographs the same scene; the camera depends on the seed only, so all stacks
/// of one dataset share a camera.
struct options {
  int width = 640, height = 480;  ///< output size in pixels
  int exposures = 5;              ///< K images per stack
  double stops = 2.0;             ///< spacing of the exposure times in EV stops
  double noise = 0.6;             ///< sensor noise std-dev in 8-bit code values, added before quantisation
  std::uint64_t seed = 1;
};

/// One rendered exposure stack. Every channel_order is rgb.
struct stack {
  std::string name;                         ///< "stack_NNNN" from the index
  image<float> radiance;                    ///< true scene radiance, linear RGB, width x height x 3
  response_curve response;                  ///< true inverse response, 256 x 3: the exposure (radiance * time)
                                            ///< whose noise-free level is exactly z; 1.0 at z = 128 in every channel
  std::vector<float> times;                 ///< K exposure times in seconds, shortest first
  std::vector<image<std::uint8_t>> images;  ///< K RGB 8-bit images, images[i] taken with times[i]
};

/// Throws hdrgpu::invalid_argument unless sizes > 0, exposures >= 1, stops > 0, noise >= 0 (all
/// finite) and the exposure times fit in f32.
void validate(const options& opts);

/// Renders stack `index` (>= 0) of the dataset `opts` describes. Pixel level
/// z = clamp(round(f_c(radiance * time) + noise * n), 0, 255), f_c the camera's smooth S-curve in
/// log exposure, n ~ unit-variance (Irwin-Hall, near-Gaussian, bounded by 3.5) noise. Times are
/// spaced `stops` apart around 1/64 s. The scene spans at most 2^14.5 : 1, so every pixel has all
/// channels in [20, 235] in some image when (exposures - 1) * stops >= 7, stops <= 6 and noise <= 1,
/// as with the defaults.
/// The result is bit-identical for equal (opts, index) on one build, whatever the thread count.
stack render(const cpu_executor& exec, const options& opts, int index);

}  // namespace hdrgpu::synth
