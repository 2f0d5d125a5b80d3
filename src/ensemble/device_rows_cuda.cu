// read_device_rows_as_float: dense X by one thread per value; CSR X by one thread per row, whose
// entries it adds in storage order, so that duplicate columns add up in the same order, and so
// round to the same float, as on the host.
#include <algorithm>

#include "core/cuda_check.cuh"
#include "core/cuda_handles.cuh"
#include "core/cuda_launch.cuh"
#include "core/matrix_ref.hpp"
#include "ensemble/device_rows.cuh"
#include "primitives/csr_ops.hpp"

namespace franca::forest {

namespace {

// Bounds the scratch of a pass: large enough that a pass keeps the device busy, small next to the
// codes and the forest.
constexpr std::int64_t kPassBytes = std::int64_t{1} << 28;

template <class T>
__global__ void dense_rows_kernel(MatrixRef<const T> X, std::int64_t begin, std::int64_t count, float* out) {
  const std::int64_t d = X.cols;
  for (std::int64_t k = cuda::grid_start(); k < count * d; k += cuda::grid_stride())
    out[k] = static_cast<float>(X(begin + k / d, k % d));
}

// `out` holds zeros (+0) on entry.
template <class T, class I, class P>
__global__ void csr_rows_kernel(const P* indptr, const I* indices, const T* data, std::int64_t d, std::int64_t begin,
                                std::int64_t count, float* out) {
  for (std::int64_t i = cuda::grid_start(); i < count; i += cuda::grid_stride()) {
    float* row = out + i * d;
    for (P p = indptr[begin + i]; p < indptr[begin + i + 1]; ++p)
      row[indices[p]] = static_cast<float>(static_cast<T>(row[indices[p]]) + data[p]);
  }
}

}  // namespace

void read_device_rows_as_float(const Context& ctx, const Matrix& X, std::int64_t begin, std::int64_t end, float* out) {
  const std::int64_t count = end - begin, d = X.cols();
  if (count <= 0) return;
  const auto stream = cuda::stream_of(ctx);
  if (X.kind == Matrix::Kind::csr) {
    FRANCA_CUDA_TRY(cudaMemsetAsync(out, 0, static_cast<std::size_t>(count * d) * sizeof(float), stream));
    dispatch_csr(X.csr, [&](auto t, auto itag, auto ptag) {
      using T = decltype(t);
      using I = decltype(itag);
      using P = decltype(ptag);
      csr_rows_kernel<T, I, P><<<cuda::blocks_for(count), cuda::kBlockThreads, 0, stream>>>(
          X.csr.indptr.ptr<const P>(), X.csr.indices.ptr<const I>(), X.csr.data.ptr<const T>(), d, begin, count, out);
      FRANCA_CUDA_CHECK_LAUNCH();
    });
    return;
  }
  dispatch_floating(X.dense.dtype, [&](auto t) {
    using T = decltype(t);
    dense_rows_kernel<T><<<cuda::blocks_for(count * d), cuda::kBlockThreads, 0, stream>>>(matrix_ref<const T>(X.dense),
                                                                                          begin, count, out);
    FRANCA_CUDA_CHECK_LAUNCH();
  });
}

std::int64_t rows_per_pass(std::int64_t rows, std::int64_t bytes_per_row) {
  return std::max<std::int64_t>(1, std::min(rows, kPassBytes / std::max<std::int64_t>(1, bytes_per_row)));
}

}  // namespace franca::forest
