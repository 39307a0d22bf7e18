// Built only without the CUDA backend: every CUDA entry point exists, so the API and the exported symbols
// are the same in every build, and throws backend_unavailable (no cuda_executor can be created here).
// The templated ones are instantiated from cuda/instances.hpp, the list cuda/*.cu use.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <hdrgpu/align.hpp>
#include <hdrgpu/calibrate.hpp>
#include <hdrgpu/convert.hpp>
#include <hdrgpu/cuda_diagnostics.hpp>
#include <hdrgpu/cuda_executor.hpp>
#include <hdrgpu/merge.hpp>
#include <hdrgpu/mertens.hpp>
#include <hdrgpu/tonemap.hpp>

#include "../cuda/instances.hpp"

namespace hdrgpu {
namespace {
[[noreturn]] void unavailable() {
  throw backend_unavailable("this hdrgpu build has no CUDA backend (configure with -DHDRGPU_ENABLE_CUDA=ON)");
}
}  // namespace

// ---- cuda_executor.hpp: the executor, memory and pinned host pool ----
std::shared_ptr<device_memory_resource> default_device_memory_resource(int) { unavailable(); }
void cuda_bind_thread(int) { unavailable(); }
cuda_executor::cuda_executor(options) { unavailable(); }
int cuda_executor::device() const noexcept { return -1; }
void* cuda_executor::stream() const noexcept { return nullptr; }
std::shared_ptr<device_memory_resource> cuda_executor::memory() const { unavailable(); }
const std::vector<cuda_executor>& cuda_executor::lanes(int) const { unavailable(); }
std::string cuda_executor::device_name() const { unavailable(); }
void cuda_executor::synchronize() const { unavailable(); }
std::size_t cuda_executor::staging_bytes() const noexcept { return 0; }

struct pinned_host_pool::state {};
pinned_host_pool::pinned_host_pool(std::size_t, int) { unavailable(); }
pinned_host_pool::~pinned_host_pool() = default;
void* pinned_host_pool::allocate(std::size_t) { unavailable(); }
void pinned_host_pool::deallocate(void*) noexcept {}
std::size_t pinned_host_pool::held() const { return 0; }
host_allocator pinned_host_pool::allocator_of(const std::shared_ptr<pinned_host_pool>&) { unavailable(); }

// ---- calibrate.hpp ----
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

// ---- merge.hpp ----
template <sample_type T>
radiance_map merge_debevec(const cuda_executor&, const exposure_stack<T>&, const response_curve&,
                           const merge_debevec_options&) {
  unavailable();
}
template <sample_type T>
void merge_debevec(const cuda_executor&, const exposure_stack<T>&, const response_curve&, image_view<float>,
                   const merge_debevec_options&) {
  unavailable();
}
template <sample_type T>
radiance_map merge_robertson(const cuda_executor&, const exposure_stack<T>&, const response_curve&) {
  unavailable();
}
template <sample_type T>
void merge_robertson(const cuda_executor&, const exposure_stack<T>&, const response_curve&, image_view<float>) {
  unavailable();
}

HDRGPU_CUDA_SAMPLE_TYPES(HDRGPU_INSTANTIATE_CUDA_MERGES)

// ---- mertens.hpp ----
template <sample_type T>
image<float> merge_mertens(const cuda_executor&, std::span<const image_view<const T>>, const mertens_options&) {
  unavailable();
}
template <sample_type T>
image<float> merge_mertens(const cuda_executor&, const exposure_stack<T>&, const mertens_options&) {
  unavailable();
}
template <sample_type T>
void merge_mertens(const cuda_executor&, std::span<const image_view<const T>>, image_view<float>,
                   const mertens_options&) {
  unavailable();
}
template <sample_type T>
void merge_mertens(const cuda_executor&, const exposure_stack<T>&, image_view<float>, const mertens_options&) {
  unavailable();
}

HDRGPU_CUDA_SAMPLE_TYPES(HDRGPU_INSTANTIATE_CUDA_MERTENS)

// ---- convert.hpp and cuda_diagnostics.hpp ----
image<std::uint16_t> to_half(const cuda_executor&, image_view<const float>) { unavailable(); }
void to_half(const cuda_executor&, image_view<const float>, image_view<std::uint16_t>) { unavailable(); }
image<std::uint8_t> to_rgbe(const cuda_executor&, image_view<const float>) { unavailable(); }
void to_rgbe(const cuda_executor&, image_view<const float>, image_view<std::uint8_t>) { unavailable(); }
std::size_t count_nonfinite(const cuda_executor&, image_view<const float>) { unavailable(); }
sample_census census(const cuda_executor&, image_view<const float>) { unavailable(); }

namespace detail {
void copy_to_device(const cuda_executor&, void*, const void*, std::size_t) { unavailable(); }
void copy_to_host(const cuda_executor&, void*, const void*, std::size_t) { unavailable(); }
void copy_on_device(const cuda_executor&, void*, const void*, std::size_t) { unavailable(); }
double measure_device_copy_gbps(const cuda_executor&, std::size_t) { unavailable(); }
cuda_status cuda_status_from(int, int, int) { return cuda_probe(); }
std::size_t staging_held(const cuda_executor&) { unavailable(); }
double time_enqueued_ms(const cuda_executor&, const std::function<void()>&, int) { unavailable(); }
}  // namespace detail

// ---- tonemap.hpp ----
image<float> tonemap_gamma(const cuda_executor&, image_view<const float>, const tonemap_options&) { unavailable(); }
void tonemap_gamma(const cuda_executor&, image_view<const float>, image_view<float>, const tonemap_options&) {
  unavailable();
}
image<float> tonemap_drago(const cuda_executor&, image_view<const float>, const tonemap_drago_options&) { unavailable(); }
image<float> tonemap_reinhard(const cuda_executor&, image_view<const float>, const tonemap_reinhard_options&) {
  unavailable();
}
image<float> tonemap_mantiuk(const cuda_executor&, image_view<const float>, const tonemap_mantiuk_options&) {
  unavailable();
}

// ---- align.hpp ----
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
