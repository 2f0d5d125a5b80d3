#include <cmath>

#include "core/cuda_check.cuh"
#include "core/cuda_handles.cuh"
#include "core/cuda_launch.cuh"
#include "core/matrix_ref.hpp"
#include "core/value_scan.hpp"

namespace franca {

namespace {

// flags[0]: NaN seen, flags[1]: infinity seen, flags[2]: a negative value seen, flags[3]: a value other than 0.
template <class T>
__global__ void scan_kernel(MatrixRef<const T> m, int* flags) {
  const std::int64_t n = m.rows * m.cols;
  bool nan = false, inf = false, negative = false, nonzero = false;
  for (std::int64_t k = cuda::grid_start(); k < n; k += cuda::grid_stride()) {
    const double x = static_cast<double>(m(k / m.cols, k % m.cols));
    nan |= isnan(x);
    inf |= isinf(x);
    negative |= x < 0;
    nonzero |= x != 0;
  }
  if (__syncthreads_or(nan) && threadIdx.x == 0) flags[0] = 1;
  if (__syncthreads_or(inf) && threadIdx.x == 0) flags[1] = 1;
  if (__syncthreads_or(negative) && threadIdx.x == 0) flags[2] = 1;
  if (__syncthreads_or(nonzero) && threadIdx.x == 0) flags[3] = 1;
}

}  // namespace

template <>
ValueScan scan_values<Backend::cuda>(const Context& ctx, const Array& a) {
  cuda::DeviceGuard guard(a.device.id);
  Array flags = Array::empty(ctx, a.device, DType::int32, {4});
  auto stream = cuda::stream_of(ctx);
  FRANCA_CUDA_TRY(cudaMemsetAsync(flags.data, 0, 4 * sizeof(int), stream));
  const std::int64_t n = a.size();
  if (n > 0) {
    dispatch_numeric(a.dtype, [&](auto tag) {
      using T = decltype(tag);
      scan_kernel<T><<<cuda::blocks_for(n), cuda::kBlockThreads, 0, stream>>>(matrix_ref<const T>(a), flags.ptr<int>());
      FRANCA_CUDA_CHECK_LAUNCH();
    });
  }
  int host[4];
  FRANCA_CUDA_TRY(cudaMemcpyAsync(host, flags.data, sizeof(host), cudaMemcpyDeviceToHost, stream));
  FRANCA_CUDA_TRY(cudaStreamSynchronize(stream));
  return {host[0] != 0, host[1] != 0, host[2] != 0, host[3] != 0};
}

}  // namespace franca
