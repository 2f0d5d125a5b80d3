// csr_gram on a CUDA device: one warp per row, its lanes over the row's ordered pairs of stored
// values (for X^T W X) and then over its stored values (X^T W Y, the column sums); every sum goes
// to the d x d result with float64 atomicAdd, as the CPU path adds every ordered pair (a column
// stored twice in a row counts both cross products). The order of the additions, and so the last
// bits of the sums, may vary between runs.
#include "core/cuda_launch.cuh"
#include "primitives/csr_ops.hpp"
#include "primitives/sparse_gram.hpp"

namespace franca {

namespace {

constexpr int kWarpLanes = 32;

// sums: xtx (d*d) | xty (d*t) | x_sum (d) | y_sum (t) | weight sum (1), as the CPU accumulator.
template <class T, class I, class P>
__global__ void csr_gram_kernel(const P* indptr, const I* indices, const T* values, std::int64_t rows, std::int64_t d,
                                std::int64_t t, const double* y, const double* w, double* sums) {
  double* xtx = sums;
  double* xty = xtx + d * d;
  double* x_sum = xty + d * t;
  double* y_sum = x_sum + d;
  double* weight_sum = y_sum + t;
  const int lane = static_cast<int>(threadIdx.x) % kWarpLanes;
  const std::int64_t first = cuda::grid_start() / kWarpLanes, stride = cuda::grid_stride() / kWarpLanes;
  for (std::int64_t i = first; i < rows; i += stride) {
    const double wi = w ? w[i] : 1.0;
    const std::int64_t begin = indptr[i], nnz = indptr[i + 1] - begin;
    for (std::int64_t e = lane; e < nnz * nnz; e += kWarpLanes) {
      const std::int64_t p = begin + e / nnz, q = begin + e % nnz;
      atomicAdd(&xtx[static_cast<std::int64_t>(indices[p]) * d + indices[q]],
                wi * static_cast<double>(values[p]) * static_cast<double>(values[q]));
    }
    for (std::int64_t p = begin + lane; p < begin + nnz; p += kWarpLanes) {
      const std::int64_t a = indices[p];
      const double wv = wi * static_cast<double>(values[p]);
      atomicAdd(&x_sum[a], wv);
      for (std::int64_t k = 0; k < t; ++k) atomicAdd(&xty[a * t + k], wv * y[i * t + k]);
    }
    for (std::int64_t k = lane; k < t; k += kWarpLanes) atomicAdd(&y_sum[k], wi * y[i * t + k]);
    if (lane == 0) atomicAdd(weight_sum, wi);
  }
}

}  // namespace

template <>
SparseGram csr_gram<Backend::cuda>(const Context& ctx, const CsrMatrix& X, const Array& Y, const Array* weights) {
  cuda::DeviceGuard guard(X.data.device.id);
  const std::int64_t d = X.cols, t = Y.ndim() == 2 ? Y.dim(1) : 1;
  const double* w = weights ? weights->ptr<const double>() : nullptr;
  const std::vector<double> total =
      cuda::sums_on_device(ctx, X.data.device, d * d + d * t + d + t + 1, [&](double* sums) {
        dispatch_csr(X, [&](auto value_tag, auto index_tag, auto ptr_tag) {
          using T = decltype(value_tag);
          using I = decltype(index_tag);
          using P = decltype(ptr_tag);
          csr_gram_kernel<T, I, P>
              <<<cuda::blocks_for(X.rows * kWarpLanes), cuda::kBlockThreads, 0, cuda::stream_of(ctx)>>>(
                  X.indptr.ptr<const P>(), X.indices.ptr<const I>(), X.data.ptr<const T>(), X.rows, d, t,
                  Y.ptr<const double>(), w, sums);
        });
      });
  return sparse_gram_from_sums(total, d, t);
}

}  // namespace franca
