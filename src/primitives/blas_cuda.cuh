// Typed overloads of the cuBLAS and cuSPARSE calls that CUDA units share, so that templates over
// float/double call one name.
#pragma once

#include <cublas_v2.h>
#include <cusparse.h>

#include <cstdint>
#include <limits>
#include <string>

#include "core/error.hpp"

namespace franca::cuda {

inline cublasStatus_t gemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                           const float* alpha, const float* A, int lda, const float* B, int ldb, const float* beta,
                           float* C, int ldc) {
  return cublasSgemm(h, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}
inline cublasStatus_t gemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                           const double* alpha, const double* A, int lda, const double* B, int ldb, const double* beta,
                           double* C, int ldc) {
  return cublasDgemm(h, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

template <class T>
constexpr cudaDataType_t cuda_data_type() {
  return sizeof(T) == 4 ? CUDA_R_32F : CUDA_R_64F;
}
template <class I>
constexpr cusparseIndexType_t cusparse_index_type() {
  return sizeof(I) == 4 ? CUSPARSE_INDEX_32I : CUSPARSE_INDEX_64I;
}

// cuBLAS takes int dimensions.
inline int blas_int(std::int64_t v, const char* what) {
  if (v > std::numeric_limits<int>::max())
    throw_error(Status::not_implemented, std::string(what) + " exceeds 2^31-1, the limit of cuBLAS");
  return static_cast<int>(v);
}

}  // namespace franca::cuda
