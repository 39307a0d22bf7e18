// The executors of the two backends, as a concept: overloads that only adapt their arguments (a default
// response, a vector of views) are written once for both instead of once per executor.
#pragma once

#include <concepts>

#include <hdrgpu/cuda_executor.hpp>
#include <hdrgpu/executor.hpp>

namespace hdrgpu {

/// cpu_executor or cuda_executor.
template <class E>
concept backend_executor = std::same_as<E, cpu_executor> || std::same_as<E, cuda_executor>;

}  // namespace hdrgpu
