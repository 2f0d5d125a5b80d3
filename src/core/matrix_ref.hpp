// Typed, strided 2-D views used by CPU loops and CUDA kernels alike.
#pragma once

#include <cstdint>
#include <type_traits>

#include "core/array.hpp"

#if defined(__CUDACC__)
#define FRANCA_HD __host__ __device__
#else
#define FRANCA_HD
#endif

namespace franca {

template <class T>
struct MatrixRef {
  T* data;
  std::int64_t rows;
  std::int64_t cols;
  std::int64_t row_stride;
  std::int64_t col_stride;
  FRANCA_HD T& operator()(std::int64_t i, std::int64_t j) const { return data[i * row_stride + j * col_stride]; }
  // With UnitColumns, the caller knows col_stride is 1: the inner loop can be vectorised.
  template <bool UnitColumns>
  FRANCA_HD T& at(std::int64_t i, std::int64_t j) const {
    return data[i * row_stride + (UnitColumns ? j : j * col_stride)];
  }
};

// Calls fn(std::true_type{}) when m's columns are contiguous, else fn(std::false_type{}); fn
// then reads with m.at<decltype(unit)::value>(i, j).
template <class T, class Fn>
decltype(auto) dispatch_column_stride(const MatrixRef<T>& m, Fn&& fn) {
  if (m.col_stride == 1 || m.cols == 1) return fn(std::true_type{});
  return fn(std::false_type{});
}

// A 1-D array is one column.
template <class T>
MatrixRef<T> matrix_ref(const Array& a) {
  if (a.ndim() == 1) return {a.ptr<T>(), a.dim(0), 1, a.stride(0), 0};
  return {a.ptr<T>(), a.dim(0), a.dim(1), a.stride(0), a.stride(1)};
}

}  // namespace franca
