// Portability macros shared by host code and CUDA kernels. Toolkit-free.
#pragma once

#if defined(__CUDACC__)
#define HDRGPU_HOST_DEVICE __host__ __device__
#else
#define HDRGPU_HOST_DEVICE
#endif

#if defined(__CUDA_ARCH__)
#define HDRGPU_DEVICE_PASS 1
#else
#define HDRGPU_DEVICE_PASS 0
#endif
