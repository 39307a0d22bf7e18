// pinned_host_pool: page-locked host memory for images a GPU copies directly, recycled by size.
#include <cuda_runtime.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <hdrgpu/cuda_executor.hpp>

#include "context.hpp"

namespace hdrgpu {

struct pinned_host_pool::state {
  mutable std::mutex m;
  int device = 0;  // whose context allocates and frees (no other device's context is ever created)
  std::size_t limit, in_use = 0, kept = 0;
  std::multimap<std::size_t, void*> free;     // kept blocks by size
  std::unordered_map<void*, std::size_t> size;  // every block handed out or kept
};

namespace {
constexpr std::size_t kPage = 4096;

void free_block(int device, void* p) noexcept {
  try {
    const detail::cuda::device_scope scope(device);
    detail::cuda::release_checked(cudaFreeHost(p));
  } catch (const std::exception&) {  // the device cannot even be selected: nothing left to free it with
  }
}
}  // namespace

pinned_host_pool::pinned_host_pool(std::size_t limit, int device) : s_(std::make_unique<state>()) {
  s_->limit = limit;
  s_->device = device;
}

pinned_host_pool::~pinned_host_pool() {
  // Blocks still in use belong to images that outlive the pool only through allocator_of, which keeps
  // the pool alive: here every block is a kept one.
  for (auto& [bytes, p] : s_->free) free_block(s_->device, p);
}

void* pinned_host_pool::allocate(std::size_t bytes) {
  const std::size_t want = (std::max<std::size_t>(bytes, 1) + kPage - 1) / kPage * kPage;
  std::vector<void*> give_back;
  {
    std::lock_guard lock(s_->m);
    // A kept block of this size, or up to a quarter larger (images of one batch mostly share sizes).
    auto it = s_->free.lower_bound(want);
    if (it != s_->free.end() && it->first <= want + want / 4) {
      void* p = it->second;
      s_->kept -= it->first;
      s_->in_use += it->first;
      s_->free.erase(it);
      return p;
    }
    // Make room: kept blocks go first, largest first.
    while (!s_->free.empty() && s_->in_use + s_->kept + want > s_->limit) {
      auto last = std::prev(s_->free.end());
      s_->kept -= last->first;
      s_->size.erase(last->second);
      give_back.push_back(last->second);
      s_->free.erase(last);
    }
  }
  for (void* p : give_back) free_block(s_->device, p);
  void* p = nullptr;
  // On the pool's device, so a reader thread does not open a context on device 0; portable: usable with
  // every device of a multi-GPU run.
  const detail::cuda::device_scope scope(s_->device);
  const cudaError_t e = cudaHostAlloc(&p, want, cudaHostAllocPortable);
  if (e != cudaSuccess) {
    (void)cudaGetLastError();
    throw out_of_memory(int(e), "cannot pin " + std::to_string(want >> 20) + " MiB of host memory: " +
                                    cudaGetErrorString(e));
  }
  std::lock_guard lock(s_->m);
  s_->size[p] = want;
  s_->in_use += want;
  return p;
}

void pinned_host_pool::deallocate(void* p) noexcept {
  if (!p) return;
  {
    std::lock_guard lock(s_->m);
    const auto it = s_->size.find(p);
    if (it == s_->size.end()) return;  // not ours: nothing to do (never happens through allocator_of)
    const std::size_t bytes = it->second;
    s_->in_use -= bytes;
    if (s_->in_use + s_->kept + bytes <= s_->limit) {
      s_->kept += bytes;
      s_->free.emplace(bytes, p);
      return;
    }
    s_->size.erase(it);
  }
  free_block(s_->device, p);
}

std::size_t pinned_host_pool::held() const {
  std::lock_guard lock(s_->m);
  return s_->in_use + s_->kept;
}

host_allocator pinned_host_pool::allocator_of(const std::shared_ptr<pinned_host_pool>& pool) {
  host_allocator a;
  a.allocate = [pool](std::size_t bytes) { return pool->allocate(bytes); };
  a.deallocate = [pool](void* p) { pool->deallocate(p); };
  return a;
}

}  // namespace hdrgpu
