// cuda_executor construction, hdrgpu's own stream-ordered memory pool, the per-executor table cache,
// and device queries.
#include <cstdint>
#include <cstdio>
#include <limits>

#include <hdrgpu/executor.hpp>

#include "device_memory.hpp"

namespace hdrgpu {

namespace {

/// A memory pool of our own on the device (cudaMemPoolCreate), so the device's default pool and its
/// attributes, which the application may rely on, are never changed. It keeps freed memory (release
/// threshold = max) for reuse by later calls.
class pool_memory_resource final : public device_memory_resource {
 public:
  explicit pool_memory_resource(int device) {
#if HDRGPU_CUDA_EMULATED
    // The CPU emulator models only the default pool (cudaMallocAsync) and leaves its attributes alone.
    (void)device;
#else
    cudaMemPoolProps props{};
    props.allocType = cudaMemAllocationTypePinned;
    props.handleTypes = cudaMemHandleTypeNone;
    props.location.type = cudaMemLocationTypeDevice;
    props.location.id = device;
    HDRGPU_CUDA_CHECK(cudaMemPoolCreate(&pool_, &props));
    std::uint64_t keep = std::numeric_limits<std::uint64_t>::max();
    const cudaError_t e = cudaMemPoolSetAttribute(pool_, cudaMemPoolAttrReleaseThreshold, &keep);
    if (e != cudaSuccess) {
      detail::cuda::release_checked(cudaMemPoolDestroy(pool_));
      HDRGPU_CUDA_CHECK(e);
    }
#endif
  }
  ~pool_memory_resource() override {
    // Memory still in use (or freed in stream order but not yet reached) keeps the pool alive until
    // it is returned; cudaMemPoolDestroy does not wait for it.
#if !HDRGPU_CUDA_EMULATED
    if (pool_) detail::cuda::release_checked(cudaMemPoolDestroy(pool_));
#endif
  }
  pool_memory_resource(const pool_memory_resource&) = delete;
  pool_memory_resource& operator=(const pool_memory_resource&) = delete;

  void* allocate(std::size_t bytes, void* stream) override {
    void* p = nullptr;
    const auto s = static_cast<cudaStream_t>(stream);
#if HDRGPU_CUDA_EMULATED
    const cudaError_t e = cudaMallocAsync(&p, bytes, s);
#else
    const cudaError_t e = cudaMallocFromPoolAsync(&p, bytes, pool_, s);
#endif
    if (e != cudaSuccess) {
      (void)cudaGetLastError();
      if (e == cudaErrorMemoryAllocation)
        throw out_of_memory(int(e), "CUDA out of memory: could not allocate " + std::to_string(bytes >> 20) + " MiB");
      detail::cuda::throw_cuda(e, "cudaMallocFromPoolAsync", __FILE__, __LINE__);
    }
    return p;
  }
  void deallocate(void* p, std::size_t, void* stream) noexcept override {
    detail::cuda::release_checked(cudaFreeAsync(p, static_cast<cudaStream_t>(stream)));
  }

 private:
  cudaMemPool_t pool_ = nullptr;
};

int checked_device(int device) {
  const cuda_status s = cuda_probe();
  if (s.devices == 0) throw backend_unavailable("no usable CUDA device: " + s.reason);
  if (device < 0 || device >= s.devices)
    throw backend_unavailable("CUDA device " + std::to_string(device) + " does not exist (" + std::to_string(s.devices) +
                              " device" + (s.devices == 1 ? "" : "s") + " present)");
  return device;
}

}  // namespace

namespace detail::cuda {

cuda_context::~cuda_context() {
  // Lanes and cached tables free their memory in this stream's order: before the stream goes.
  lanes_.clear();
  tables_.clear();
  staging_.drain_noexcept();
  if (owns_stream_) {
    int previous = -1;  // restored: destroying an executor must not switch the caller's current device
    if (cudaGetDevice(&previous) != cudaSuccess) previous = -1;
    release_checked(cudaSetDevice(opts_.device));
    release_checked(cudaStreamSynchronize(stream_));
    release_checked(cudaStreamDestroy(stream_));
    if (previous >= 0 && previous != opts_.device) release_checked(cudaSetDevice(previous));
  }
  (void)cudaGetLastError();  // a failure here must not surface in the caller's next check
}

struct table_cache::entry {
  std::uint64_t tag;
  std::vector<float> key;
  device_buffer<float> table;
};

const float* table_cache::find_or_add(cuda_context& ctx, std::uint64_t tag, std::span<const float> key,
                                      const std::function<std::vector<float>()>& build) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    entry& e = **it;
    if (e.tag == tag && e.key.size() == key.size() &&
        (key.empty() || std::memcmp(e.key.data(), key.data(), key.size() * sizeof(float)) == 0)) {
      entries_.splice(entries_.begin(), entries_, it);
      return e.table.data();
    }
  }
  const std::vector<float> host = build();
  auto e = std::make_shared<entry>();
  e->tag = tag;
  e->key.assign(key.begin(), key.end());
  e->table = device_buffer<float>(ctx, host.size());
  e->table.upload(host.data(), host.size());
  entries_.push_front(e);
  if (entries_.size() > capacity) entries_.pop_back();
  return e->table.data();
}

}  // namespace detail::cuda

void cuda_bind_thread(int device) { HDRGPU_CUDA_CHECK(cudaSetDevice(checked_device(device))); }

std::shared_ptr<device_memory_resource> default_device_memory_resource(int device) {
  checked_device(device);
  const detail::cuda::device_scope scope(device);
  return std::make_shared<pool_memory_resource>(device);
}

cuda_executor::cuda_executor(options opts) {
  const int device = checked_device(opts.device);
  if (opts.staging_bytes < (std::size_t(1) << 16))
    throw invalid_argument("cuda_executor: staging_bytes must be at least 64 KiB, got " +
                           std::to_string(opts.staging_bytes));
  const detail::cuda::device_scope scope(device);
  // The memory resource first: if it throws, no owned stream has been created yet to leak.
  auto memory = opts.memory ? opts.memory : std::make_shared<pool_memory_resource>(device);
  cudaStream_t stream = static_cast<cudaStream_t>(opts.stream);
  const bool owns = stream == nullptr;
  if (owns) HDRGPU_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  opts.device = device;
  ctx_ = std::make_shared<detail::cuda::cuda_context>(opts, stream, owns, std::move(memory));
  cudaDeviceProp props{};
  HDRGPU_CUDA_CHECK(cudaGetDeviceProperties(&props, device));
  ctx_->set_props(props);
}

int cuda_executor::device() const noexcept { return ctx_->device(); }
void* cuda_executor::stream() const noexcept { return ctx_->stream(); }
std::shared_ptr<device_memory_resource> cuda_executor::memory() const { return ctx_->memory_ptr(); }
std::size_t cuda_executor::staging_bytes() const noexcept { return ctx_->staging().limit(); }

const std::vector<cuda_executor>& cuda_executor::lanes(int n) const {
  auto& lanes = ctx_->lanes();
  while (int(lanes.size()) < n) lanes.emplace_back(ctx_->lane_options());
  return lanes;
}

std::string cuda_executor::device_name() const {
  const cudaDeviceProp& p = ctx_->props();
  char buf[320];
  std::snprintf(buf, sizeof buf, "%s (sm_%d%d, %.0f GiB)%s", p.name, p.major, p.minor,
                double(p.totalGlobalMem) / double(1ull << 30), build_cuda_emulated ? " [emulated on the CPU]" : "");
  return buf;
}

void cuda_executor::synchronize() const {
  const auto scope = ctx_->activate();
  ctx_->synchronize();
}

}  // namespace hdrgpu
