// Checks for every CUDA runtime, cuBLAS and cuSPARSE call and kernel launch. A failure clears
// the sticky error and throws franca::Error with the call's text; nothing aborts.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cusparse.h>

#include <string>

#include "core/error.hpp"

namespace franca::cuda {

[[noreturn]] inline void throw_cuda_error(cudaError_t code, const char* call, const char* file, int line) {
  cudaGetLastError();  // clear, so that the next call does not report this error again
  const Status status = code == cudaErrorMemoryAllocation ? Status::out_of_memory : Status::device;
  throw_error(status, std::string("CUDA error ") + cudaGetErrorName(code) + " (" + cudaGetErrorString(code) + ") in " +
                          call + " at " + file + ":" + std::to_string(line));
}

[[noreturn]] inline void throw_cublas_error(cublasStatus_t code, const char* call, const char* file, int line) {
  const Status status = code == CUBLAS_STATUS_ALLOC_FAILED ? Status::out_of_memory : Status::device;
  throw_error(status, std::string("cuBLAS error ") + cublasGetStatusName(code) + " in " + call + " at " + file + ":" +
                          std::to_string(line));
}

[[noreturn]] inline void throw_cusparse_error(cusparseStatus_t code, const char* call, const char* file, int line) {
  const Status status = code == CUSPARSE_STATUS_ALLOC_FAILED ? Status::out_of_memory : Status::device;
  throw_error(status, std::string("cuSPARSE error ") + cusparseGetErrorName(code) + " in " + call + " at " + file +
                          ":" + std::to_string(line));
}

}  // namespace franca::cuda

#define FRANCA_CUDA_TRY(call)                                                           \
  do {                                                                                  \
    const cudaError_t franca_cuda_status_ = (call);                                     \
    if (franca_cuda_status_ != cudaSuccess)                                             \
      ::franca::cuda::throw_cuda_error(franca_cuda_status_, #call, __FILE__, __LINE__); \
  } while (0)

#define FRANCA_CUBLAS_TRY(call)                                                             \
  do {                                                                                      \
    const cublasStatus_t franca_cublas_status_ = (call);                                    \
    if (franca_cublas_status_ != CUBLAS_STATUS_SUCCESS)                                     \
      ::franca::cuda::throw_cublas_error(franca_cublas_status_, #call, __FILE__, __LINE__); \
  } while (0)

#define FRANCA_CUSPARSE_TRY(call)                                                               \
  do {                                                                                          \
    const cusparseStatus_t franca_cusparse_status_ = (call);                                    \
    if (franca_cusparse_status_ != CUSPARSE_STATUS_SUCCESS)                                     \
      ::franca::cuda::throw_cusparse_error(franca_cusparse_status_, #call, __FILE__, __LINE__); \
  } while (0)

// After every kernel launch: a bad configuration is reported at once, not at the next call.
#define FRANCA_CUDA_CHECK_LAUNCH() FRANCA_CUDA_TRY(cudaPeekAtLastError())
