// Built only without the CUDA backend: AlignMTB's CUDA overloads throw backend_unavailable (no
// cuda_executor can be constructed in such a build; they exist so the API is the same in every build).
#include <hdrgpu/align.hpp>

namespace hdrgpu {
namespace {
[[noreturn]] void unavailable() {
  throw backend_unavailable("this hdrgpu build has no CUDA backend (configure with -DHDRGPU_ENABLE_CUDA=ON)");
}
}  // namespace

image_shift calculate_shift(const cuda_executor&, image_view<const std::uint8_t>, image_view<const std::uint8_t>,
                            const align_mtb_options&) {
  unavailable();
}
std::vector<image_shift> align_mtb_shifts(const cuda_executor&, std::span<const image_view<const std::uint8_t>>,
                                          const align_mtb_options&) {
  unavailable();
}
std::vector<image_shift> align_mtb_shifts(const cuda_executor&, const exposure_stack<std::uint8_t>&,
                                          const align_mtb_options&) {
  unavailable();
}
mtb_alignment align_mtb(const cuda_executor&, std::span<const image_view<const std::uint8_t>>, const align_mtb_options&) {
  unavailable();
}
mtb_alignment align_mtb(const cuda_executor&, const exposure_stack<std::uint8_t>&, const align_mtb_options&) {
  unavailable();
}
image<std::uint8_t> shift_image(const cuda_executor&, image_view<const std::uint8_t>, image_shift) { unavailable(); }
std::vector<align_result> align_mtb_batch(const cuda_executor&, std::span<const exposure_stack<std::uint8_t>>,
                                          const align_mtb_options&, align_output) {
  unavailable();
}

}  // namespace hdrgpu
