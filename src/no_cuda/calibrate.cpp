// Calibration entry points of the CUDA backend in a build without it: unreachable in practice (no
// cuda_executor can be constructed), present so the API is the same in every build.
#include <hdrgpu/calibrate.hpp>

namespace hdrgpu {

namespace {
[[noreturn]] void unavailable() {
  throw backend_unavailable("this hdrgpu build has no CUDA backend (configure with -DHDRGPU_ENABLE_CUDA=ON)");
}
}  // namespace

response_curve calibrate_debevec(const cuda_executor&, const exposure_stack<std::uint8_t>&,
                                 const calibrate_debevec_options&) {
  unavailable();
}

std::vector<calibration_result> calibrate_debevec_batch(const cuda_executor&,
                                                        std::span<const exposure_stack<std::uint8_t>>,
                                                        const calibrate_debevec_options&) {
  unavailable();
}

response_curve calibrate_robertson(const cuda_executor&, const exposure_stack<std::uint8_t>&,
                                   const calibrate_robertson_options&, radiance_map*) {
  unavailable();
}

}  // namespace hdrgpu
