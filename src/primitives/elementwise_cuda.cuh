// Element-wise CUDA helpers that several primitives share, written over cuda::for_each.
#pragma once

#include <cstdint>

#include "core/context.hpp"
#include "core/cuda_launch.cuh"

namespace franca::cuda {

// out (n x t, row-major) = `row` (t values) repeated n times, on ctx's stream.
template <class T>
void broadcast_rows(const Context& ctx, const T* row, std::int64_t t, std::int64_t n, T* out) {
  for_each(ctx, n * t, [=] __device__(std::int64_t k) { out[k] = row[k % t]; });
}

// out (cols x rows) = in (rows x cols)^T, both row-major, on ctx's stream.
template <class T>
void transpose(const Context& ctx, const T* in, std::int64_t rows, std::int64_t cols, T* out) {
  for_each(ctx, rows * cols, [=] __device__(std::int64_t k) { out[(k % cols) * rows + k / cols] = in[k]; });
}

}  // namespace franca::cuda
