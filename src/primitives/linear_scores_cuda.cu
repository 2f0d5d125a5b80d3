#include <algorithm>

#include "core/cuda_check.cuh"
#include "core/cuda_handles.cuh"
#include "core/matrix_ref.hpp"
#include "primitives/blas_cuda.cuh"
#include "primitives/elementwise_cuda.cuh"
#include "primitives/linear_scores.hpp"
#include "primitives/linear_scores_cuda.cuh"

namespace franca {

namespace {

// RAII for the cuSPARSE descriptors of one call.
struct SpMatDescr {
  cusparseSpMatDescr_t d = nullptr;
  ~SpMatDescr() {
    if (d) cusparseDestroySpMat(d);
  }
};
struct DnMatDescr {
  cusparseDnMatDescr_t d = nullptr;
  ~DnMatDescr() {
    if (d) cusparseDestroyDnMat(d);
  }
};

// C (row-major) = op(X) B + beta C, with B and C row-major; op(X) = X or X^T. cuSPARSE wants one
// index type for indptr and indices: a differing indptr (rows + 1 values, small) is converted.
template <class T>
void csr_spmm(const Context& ctx, const CsrMatrix& X, bool transpose, const T* B, std::int64_t t, T beta, T* C) {
  const Array indptr = to(ctx, X.indptr, X.data.device, X.indices.dtype);
  dispatch_index(X.indices.dtype, [&](auto index_tag) {
    using I = decltype(index_tag);
    cusparseHandle_t h = cuda::cusparse_handle(ctx, X.data.device.id);
    SpMatDescr a;
    FRANCA_CUSPARSE_TRY(cusparseCreateCsr(&a.d, X.rows, X.cols, X.nnz(), indptr.data, X.indices.data, X.data.data,
                                          cuda::cusparse_index_type<I>(), cuda::cusparse_index_type<I>(),
                                          CUSPARSE_INDEX_BASE_ZERO, cuda::cuda_data_type<T>()));
    const std::int64_t b_rows = transpose ? X.rows : X.cols, c_rows = transpose ? X.cols : X.rows;
    DnMatDescr b, c;
    FRANCA_CUSPARSE_TRY(
        cusparseCreateDnMat(&b.d, b_rows, t, t, const_cast<T*>(B), cuda::cuda_data_type<T>(), CUSPARSE_ORDER_ROW));
    FRANCA_CUSPARSE_TRY(cusparseCreateDnMat(&c.d, c_rows, t, t, C, cuda::cuda_data_type<T>(), CUSPARSE_ORDER_ROW));
    const T one = 1;
    const auto op = transpose ? CUSPARSE_OPERATION_TRANSPOSE : CUSPARSE_OPERATION_NON_TRANSPOSE;
    std::size_t buffer_size = 0;
    FRANCA_CUSPARSE_TRY(cusparseSpMM_bufferSize(h, op, CUSPARSE_OPERATION_NON_TRANSPOSE, &one, a.d, b.d, &beta, c.d,
                                                cuda::cuda_data_type<T>(), CUSPARSE_SPMM_ALG_DEFAULT, &buffer_size));
    Array buffer = Array::empty(ctx, X.data.device, DType::uint8, {static_cast<std::int64_t>(buffer_size)});
    FRANCA_CUSPARSE_TRY(cusparseSpMM(h, op, CUSPARSE_OPERATION_NON_TRANSPOSE, &one, a.d, b.d, &beta, c.d,
                                     cuda::cuda_data_type<T>(), CUSPARSE_SPMM_ALG_DEFAULT, buffer.data));
  });
}

}  // namespace

template <>
void linear_scores<Backend::cuda>(const Context& ctx, const Matrix& M, const Array& coef, const Array& intercept,
                                  const Array& out) {
  if (M.kind == Matrix::Kind::dense) return linear_predict<Backend::cuda>(ctx, M.dense, coef, intercept, out);
  const CsrMatrix& X = M.csr;
  cuda::DeviceGuard guard(X.data.device.id);
  dispatch_floating(X.data.dtype, [&](auto tag) {
    using T = decltype(tag);
    const std::int64_t n = X.rows, d = X.cols, t = intercept.size();
    cuda::broadcast_rows<T>(ctx, intercept.ptr<const T>(), t, n, out.ptr<T>());
    // B = coef^T (d x t, row-major); with one target that is coef itself.
    Array coef_t = coef;
    if (t > 1) {
      coef_t = Array::empty(ctx, X.data.device, X.data.dtype, {d, t});
      cuda::transpose<T>(ctx, coef.ptr<const T>(), t, d, coef_t.ptr<T>());
    }
    csr_spmm<T>(ctx, X, false, coef_t.ptr<const T>(), t, T(1), out.ptr<T>());
  });
}

void transposed_product_cuda(const Context& ctx, const Matrix& X, const Array& R, const Array& out) {
  const Device device = X.device();
  cuda::DeviceGuard guard(device.id);
  const DType dtype = X.kind == Matrix::Kind::dense ? X.dense.dtype : X.csr.data.dtype;
  dispatch_floating(dtype, [&](auto tag) {
    using T = decltype(tag);
    const std::int64_t n = X.rows(), d = X.cols(), t = R.ndim() == 2 ? R.dim(1) : 1;
    if (X.kind == Matrix::Kind::csr) {
      // X^T R is d x t row-major; with one target that is out's layout, else transpose it.
      Array xtr = t == 1 ? out : Array::empty(ctx, device, dtype, {d, t});
      csr_spmm<T>(ctx, X.csr, true, R.ptr<const T>(), t, T(0), xtr.ptr<T>());
      if (t > 1) cuda::transpose<T>(ctx, xtr.ptr<const T>(), d, t, out.ptr<T>());
      return;
    }
    const auto m = matrix_ref<const T>(X.dense);
    // Column-major, out^T (d x t) = X^T (d x n) R (n x t): a row-major X is X^T column-major with
    // ld = its row stride; a column-major X is transposed by cuBLAS; R row-major is R^T column-major.
    cublasOperation_t op_x;
    std::int64_t ld_x;
    if (m.col_stride == 1 || d == 1) {
      op_x = CUBLAS_OP_N;
      ld_x = std::max<std::int64_t>(m.row_stride, d);
    } else if (m.row_stride == 1) {
      op_x = CUBLAS_OP_T;
      ld_x = std::max<std::int64_t>(m.col_stride, n);
    } else {
      throw_error(Status::not_implemented,
                  "X: a CUDA array with neither unit row nor unit column stride is not supported; pass a contiguous "
                  "array");
    }
    const T one = 1, zero = 0;
    FRANCA_CUBLAS_TRY(cuda::gemm(cuda::cublas_handle(ctx, device.id), op_x, CUBLAS_OP_T,
                                 cuda::blas_int(d, "n_features"), cuda::blas_int(t, "n_classes"),
                                 cuda::blas_int(n, "n_samples"), &one, m.data,
                                 cuda::blas_int(ld_x, "X's leading dimension"), R.ptr<const T>(),
                                 cuda::blas_int(t, "n_classes"), &zero, out.ptr<T>(), cuda::blas_int(d, "n_features")));
  });
}

}  // namespace franca
