#include <algorithm>
#include <cmath>

#include "core/cuda_check.cuh"
#include "core/cuda_handles.cuh"
#include "core/cuda_launch.cuh"
#include "core/matrix_ref.hpp"
#include "primitives/blas_cuda.cuh"
#include "primitives/dense.hpp"
#include "primitives/elementwise_cuda.cuh"

namespace franca {

namespace {

// Z (rows x d, column-major, ld = rows) = sqrt(w) * (X[row0:row0+rows] - mean), and likewise
// for Y (rows x t), in float64.
template <class T>
__global__ void center_scale_kernel(MatrixRef<const T> m, const double* y, std::int64_t t, const double* w,
                                    const double* x_mean, const double* y_mean, std::int64_t row0, std::int64_t rows,
                                    double* zx, double* zy) {
  const std::int64_t width = m.cols + t;
  for (std::int64_t k = cuda::grid_start(); k < rows * width; k += cuda::grid_stride()) {
    const std::int64_t r = k % rows, j = k / rows, i = row0 + r;
    const double s = w ? sqrt(w[i]) : 1.0;
    if (j < m.cols) {
      zx[j * rows + r] = s * (static_cast<double>(m(i, j)) - x_mean[j]);
    } else {
      const std::int64_t c = j - m.cols;
      zy[c * rows + r] = s * (y[i * t + c] - y_mean[c]);
    }
  }
}

template <class T>
void scale_columns_typed(const Context& ctx, MatrixRef<const T> m, const double* offset, const double* scale,
                         bool inverse, T* out) {
  cuda::for_each(ctx, m.rows * m.cols, [=] __device__(std::int64_t k) {
    const std::int64_t j = k % m.cols;
    const double x = static_cast<double>(m(k / m.cols, j));
    out[k] = static_cast<T>(inverse ? x * scale[j] + offset[j] : (x - offset[j]) / scale[j]);
  });
}

}  // namespace

template <>
CrossProducts centered_cross_products<Backend::cuda>(const Context& ctx, const Array& X, const Array& Y,
                                                     const Array* weights, const std::vector<double>& x_mean,
                                                     const std::vector<double>& y_mean) {
  cuda::DeviceGuard guard(X.device.id);
  return dispatch_floating(X.dtype, [&](auto tag) {
    using T = decltype(tag);
    const auto m = matrix_ref<const T>(X);
    const std::int64_t d = m.cols, t = static_cast<std::int64_t>(y_mean.size());
    // Rows go through in chunks so that the float64 staging copy stays near 512 MiB.
    const std::int64_t chunk =
        std::max<std::int64_t>(1, std::min<std::int64_t>(m.rows, (std::int64_t{1} << 26) / (d + t)));
    Array zx = Array::empty(ctx, X.device, DType::float64, {chunk * d});
    Array zy = Array::empty(ctx, X.device, DType::float64, {chunk * t});
    Array xtx = Array::empty(ctx, X.device, DType::float64, {d * d});
    Array xty = Array::empty(ctx, X.device, DType::float64, {d * t});
    Array xm = vector_on(ctx, x_mean, X.device), ym = vector_on(ctx, y_mean, X.device);
    auto stream = cuda::stream_of(ctx);
    cublasHandle_t h = cuda::cublas_handle(ctx, X.device.id);
    const double one = 1.0, zero = 0.0;
    for (std::int64_t row0 = 0; row0 < m.rows; row0 += chunk) {
      const std::int64_t rows = std::min(chunk, m.rows - row0);
      center_scale_kernel<T><<<cuda::blocks_for(rows * (d + t)), cuda::kBlockThreads, 0, stream>>>(
          m, Y.ptr<const double>(), t, weights ? weights->ptr<const double>() : nullptr, xm.ptr<const double>(),
          ym.ptr<const double>(), row0, rows, zx.ptr<double>(), zy.ptr<double>());
      FRANCA_CUDA_CHECK_LAUNCH();
      const double* beta = row0 == 0 ? &zero : &one;
      const int ir = cuda::blas_int(rows, "rows per chunk"), id = cuda::blas_int(d, "n_features"),
                it = cuda::blas_int(t, "n_targets");
      // Column-major: xtx (d x d) = Zx^T Zx, xty (d x t) = Zx^T Zy.
      FRANCA_CUBLAS_TRY(cublasDsyrk(h, CUBLAS_FILL_MODE_UPPER, CUBLAS_OP_T, id, ir, &one, zx.ptr<double>(), ir, beta,
                                    xtx.ptr<double>(), id));
      FRANCA_CUBLAS_TRY(cublasDgemm(h, CUBLAS_OP_T, CUBLAS_OP_N, id, it, ir, &one, zx.ptr<double>(), ir,
                                    zy.ptr<double>(), ir, beta, xty.ptr<double>(), id));
    }
    CrossProducts out;
    out.xtx.resize(static_cast<std::size_t>(d * d));
    std::vector<double> xty_colmajor(static_cast<std::size_t>(d * t));
    FRANCA_CUDA_TRY(cudaMemcpyAsync(out.xtx.data(), xtx.data, xtx.nbytes(), cudaMemcpyDeviceToHost, stream));
    FRANCA_CUDA_TRY(cudaMemcpyAsync(xty_colmajor.data(), xty.data, xty.nbytes(), cudaMemcpyDeviceToHost, stream));
    FRANCA_CUDA_TRY(cudaStreamSynchronize(stream));
    // The upper triangle in column-major is the lower one in row-major: mirror it.
    for (std::int64_t a = 0; a < d; ++a)
      for (std::int64_t b = a + 1; b < d; ++b) out.xtx[a * d + b] = out.xtx[b * d + a];
    out.xty.resize(static_cast<std::size_t>(d * t));
    for (std::int64_t a = 0; a < d; ++a)
      for (std::int64_t k = 0; k < t; ++k) out.xty[a * t + k] = xty_colmajor[k * d + a];
    return out;
  });
}

template <>
void linear_predict<Backend::cuda>(const Context& ctx, const Array& X, const Array& coef, const Array& intercept,
                                   const Array& out) {
  cuda::DeviceGuard guard(X.device.id);
  dispatch_floating(X.dtype, [&](auto tag) {
    using T = decltype(tag);
    const auto m = matrix_ref<const T>(X);
    const std::int64_t n = m.rows, d = m.cols, t = intercept.size();
    cuda::broadcast_rows<T>(ctx, intercept.ptr<const T>(), t, n, out.ptr<T>());
    if (n == 0) return;
    // Row-major out (n x t) is column-major out^T (t x n) = coef (t x d) * X^T (d x n).
    cublasOperation_t op_x;
    std::int64_t ld_x;
    if (m.col_stride == 1 || d == 1) {
      op_x = CUBLAS_OP_N;  // row-major X is column-major X^T with ld = row stride
      ld_x = std::max<std::int64_t>(m.row_stride, d);
    } else if (m.row_stride == 1) {
      op_x = CUBLAS_OP_T;  // column-major X with ld = column stride
      ld_x = std::max<std::int64_t>(m.col_stride, n);
    } else {
      throw_error(Status::not_implemented,
                  "X: a CUDA array with neither unit row nor unit column stride is not supported; pass a contiguous "
                  "array");
    }
    const T one = 1;
    FRANCA_CUBLAS_TRY(cuda::gemm(cuda::cublas_handle(ctx, X.device.id), CUBLAS_OP_T, op_x,
                                 cuda::blas_int(t, "n_targets"), cuda::blas_int(n, "n_samples"),
                                 cuda::blas_int(d, "n_features"), &one, coef.ptr<const T>(),
                                 cuda::blas_int(d, "n_features"), m.data, cuda::blas_int(ld_x, "X's leading dimension"),
                                 &one, out.ptr<T>(), cuda::blas_int(t, "n_targets")));
  });
}

template <>
void scale_columns<Backend::cuda>(const Context& ctx, const Array& X, const Array& offset, const Array& scale,
                                  bool inverse, const Array& out) {
  cuda::DeviceGuard guard(X.device.id);
  dispatch_floating(X.dtype, [&](auto tag) {
    using T = decltype(tag);
    scale_columns_typed<T>(ctx, matrix_ref<const T>(X), offset.ptr<const double>(), scale.ptr<const double>(), inverse,
                           out.ptr<T>());
  });
}

}  // namespace franca
