// Launch helpers for every franca kernel: one block size, one grid rule, one grid-stride loop,
// and a checked element-wise launcher. Kernels written over grid-stride loops are correct for
// any grid, so the grid is capped (kMaxBlocks keeps every SM busy without launching blocks that
// would only exit).
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include <vector>

#include "core/array.hpp"
#include "core/context.hpp"
#include "core/cuda_check.cuh"
#include "core/cuda_handles.cuh"

namespace franca::cuda {

constexpr int kBlockThreads = 256;
constexpr std::int64_t kMaxBlocks = 4096;

// Blocks of `threads` threads covering n items, at least 1 and at most `cap`.
inline unsigned blocks_for(std::int64_t n, int threads = kBlockThreads, std::int64_t cap = kMaxBlocks) {
  return static_cast<unsigned>(std::max<std::int64_t>(1, std::min<std::int64_t>((n + threads - 1) / threads, cap)));
}

// The first index and the stride of a one-dimensional grid-stride loop, in 64 bits.
__device__ inline std::int64_t grid_start() { return blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; }
__device__ inline std::int64_t grid_stride() { return static_cast<std::int64_t>(gridDim.x) * blockDim.x; }

template <class F>
__global__ void for_each_kernel(std::int64_t n, F f) {
  for (std::int64_t i = grid_start(); i < n; i += grid_stride()) f(i);
}

// Calls f(i) for i in [0, n) on ctx's stream; f is a __device__ lambda or functor.
template <class F>
void for_each(const Context& ctx, std::int64_t n, F f) {
  if (n <= 0) return;
  for_each_kernel<<<blocks_for(n), kBlockThreads, 0, stream_of(ctx)>>>(n, f);
  FRANCA_CUDA_CHECK_LAUNCH();
}

// n float64 sums on `device`, zeroed, filled by launch(pointer) on ctx's stream, then copied to
// the host: the shape of every kernel that reduces with atomicAdd into a small result.
template <class Launch>
std::vector<double> sums_on_device(const Context& ctx, Device device, std::int64_t n, Launch&& launch) {
  Array sums = Array::empty(ctx, device, DType::float64, {n});
  auto stream = stream_of(ctx);
  FRANCA_CUDA_TRY(cudaMemsetAsync(sums.data, 0, sums.nbytes(), stream));
  launch(sums.ptr<double>());
  FRANCA_CUDA_CHECK_LAUNCH();
  std::vector<double> host(static_cast<std::size_t>(n));
  FRANCA_CUDA_TRY(cudaMemcpyAsync(host.data(), sums.data, sums.nbytes(), cudaMemcpyDeviceToHost, stream));
  FRANCA_CUDA_TRY(cudaStreamSynchronize(stream));
  return host;
}

}  // namespace franca::cuda
