// cuda_executor construction, the default stream-ordered memory pool, and device queries.
#include <cstdint>
#include <cstdio>

#include "context.hpp"

namespace hdrgpu {
namespace {

/// cudaMallocAsync from the device's default pool, which keeps freed memory (release threshold = max)
/// so steady-state calls reuse it instead of going back to the driver.
class pool_memory_resource final : public device_memory_resource {
 public:
  explicit pool_memory_resource(int device) {
    cudaMemPool_t pool{};
    HDRGPU_CUDA_CHECK(cudaDeviceGetDefaultMemPool(&pool, device));
    std::uint64_t keep = UINT64_MAX;
    HDRGPU_CUDA_CHECK(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep));
  }
  void* allocate(std::size_t bytes, void* stream) override {
    void* p = nullptr;
    const cudaError_t e = cudaMallocAsync(&p, bytes, static_cast<cudaStream_t>(stream));
    if (e != cudaSuccess) {
      (void)cudaGetLastError();
      if (e == cudaErrorMemoryAllocation)
        throw out_of_memory(int(e), "CUDA out of memory: could not allocate " + std::to_string(bytes >> 20) + " MiB");
      detail::throw_cuda(e, "cudaMallocAsync", __FILE__, __LINE__);
    }
    return p;
  }
  void deallocate(void* p, std::size_t, void* stream) noexcept override {
    cudaFreeAsync(p, static_cast<cudaStream_t>(stream));
  }
};

int checked_device(int device) {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();
    n = 0;
  }
  if (n == 0) throw backend_unavailable("no CUDA device is available on this machine");
  if (device < 0 || device >= n)
    throw backend_unavailable("CUDA device " + std::to_string(device) + " does not exist (" + std::to_string(n) +
                              " device" + (n == 1 ? "" : "s") + " present)");
  return device;
}

}  // namespace

std::shared_ptr<device_memory_resource> default_device_memory_resource(int device) {
  checked_device(device);
  HDRGPU_CUDA_CHECK(cudaSetDevice(device));
  return std::make_shared<pool_memory_resource>(device);
}

cuda_executor::cuda_executor(options opts) {
  const int device = checked_device(opts.device);
  HDRGPU_CUDA_CHECK(cudaSetDevice(device));
  // The memory resource first: if it throws, no owned stream has been created yet to leak.
  auto memory = opts.memory ? opts.memory : std::make_shared<pool_memory_resource>(device);
  cudaStream_t stream = static_cast<cudaStream_t>(opts.stream);
  const bool owns = stream == nullptr;
  if (owns) HDRGPU_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  ctx_ = std::make_shared<detail::cuda_context>(device, stream, owns, std::move(memory));
  cudaDeviceProp props{};
  HDRGPU_CUDA_CHECK(cudaGetDeviceProperties(&props, device));
  ctx_->set_props(props);
}

int cuda_executor::device() const noexcept { return ctx_->device(); }
void* cuda_executor::stream() const noexcept { return ctx_->stream(); }
std::shared_ptr<device_memory_resource> cuda_executor::memory() const { return ctx_->memory_ptr(); }

const std::vector<cuda_executor>& cuda_executor::lanes(int n) const {
  auto& lanes = ctx_->lanes();
  while (int(lanes.size()) < n) {
    options o;
    o.device = device();
    o.memory = memory();
    lanes.emplace_back(o);
  }
  return lanes;
}

std::string cuda_executor::device_name() const {
  const cudaDeviceProp& p = ctx_->props();
  char buf[320];
  std::snprintf(buf, sizeof buf, "%s (sm_%d%d, %.0f GiB)", p.name, p.major, p.minor,
                double(p.totalGlobalMem) / double(1ull << 30));
  return buf;
}

void cuda_executor::synchronize() const {
  ctx_->activate();
  ctx_->synchronize();
}

}  // namespace hdrgpu
