// cuBLAS and cuSPARSE handles, created lazily, one per thread and device (a handle must not be
// used by two threads at once), bound to the caller's stream before each use.
#pragma once

#include <cublas_v2.h>
#include <cusparse.h>

#include "core/context.hpp"

namespace franca::cuda {

cublasHandle_t cublas_handle(const Context& ctx, int device);
cusparseHandle_t cusparse_handle(const Context& ctx, int device);

inline cudaStream_t stream_of(const Context& ctx) { return static_cast<cudaStream_t>(ctx.stream()); }

// Makes `device` current for the lifetime of the guard.
class DeviceGuard {
 public:
  explicit DeviceGuard(int device);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = -1;
};

}  // namespace franca::cuda
