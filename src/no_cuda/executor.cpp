// Built only without the CUDA backend: the executor cannot be created, so no CUDA entry point is
// ever reached; the other no_cuda files only satisfy the linker.
#include <hdrgpu/cuda_executor.hpp>

namespace hdrgpu {

namespace {
[[noreturn]] void unavailable() {
  throw backend_unavailable("this hdrgpu build has no CUDA backend (configure with -DHDRGPU_ENABLE_CUDA=ON)");
}
}  // namespace

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

}  // namespace hdrgpu
