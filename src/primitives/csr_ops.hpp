// Row and column operations on CSR matrices for the text features: the checks an untrusted
// CSR input needs, row normalisation, column document frequencies and TF-IDF column scaling.
// All take a CSR matrix whose parts are contiguous (indptr and indices int32 or int64, data
// float32 or float64) on the host or one CUDA device, and run where it lives.
#pragma once

#include <cmath>
#include <vector>

#include "core/context.hpp"
#include "core/matrix.hpp"
#include "core/matrix_ref.hpp"

namespace franca {

enum class RowNorm { l1, l2 };

// Throws invalid_argument unless indptr starts at 0, is non-decreasing and ends at nnz, and
// every column index lies in [0, cols).
void csr_check(const Context& ctx, const CsrMatrix& m);

// Divides each row's data in place by its l1 or l2 norm, accumulated in the data's dtype in
// storage order as scikit-learn's normalize() does (so float results match it bit for bit);
// rows of norm 0 are left as they are. m.data must be writable.
void csr_normalize_rows(const Context& ctx, const CsrMatrix& m, RowNorm norm);

// The number of stored entries in each column (scikit-learn's document frequency: explicit
// zeros count). m must have passed csr_check.
std::vector<std::int64_t> csr_column_counts(const Context& ctx, const CsrMatrix& m);

// A new CSR matrix of m's shape and dtype (indptr int64, indices of m's index dtype) with
// values v = x, or log(x) + 1 when `sublinear`, times idf[column] when `idf` (float64 of
// m.cols on m's device) is given; with idf, entries whose v is 0 are dropped, as
// scikit-learn's product with diag(idf) drops them. m must have passed csr_check.
CsrMatrix csr_scale_columns(const Context& ctx, const CsrMatrix& m, const Array* idf, bool sublinear);

// One entry of csr_scale_columns, shared by the CPU and CUDA paths; log(x) in T as numpy's.
template <class T>
FRANCA_HD T tfidf_value(T x, const double* idf, std::int64_t column, bool sublinear) {
  const T tf = sublinear ? static_cast<T>(std::log(x) + T(1)) : x;
  return idf ? static_cast<T>(static_cast<double>(tf) * idf[column]) : tf;
}

void csr_check_cpu(const Context&, const CsrMatrix&);
void csr_check_cuda(const Context&, const CsrMatrix&);
void csr_normalize_rows_cpu(const Context&, const CsrMatrix&, RowNorm);
void csr_normalize_rows_cuda(const Context&, const CsrMatrix&, RowNorm);
std::vector<std::int64_t> csr_column_counts_cpu(const Context&, const CsrMatrix&);
std::vector<std::int64_t> csr_column_counts_cuda(const Context&, const CsrMatrix&);
CsrMatrix csr_scale_columns_cpu(const Context&, const CsrMatrix&, const Array*, bool);
CsrMatrix csr_scale_columns_cuda(const Context&, const CsrMatrix&, const Array*, bool);

inline void csr_check(const Context& ctx, const CsrMatrix& m) {
  m.data.device.is_cpu() ? csr_check_cpu(ctx, m) : csr_check_cuda(ctx, m);
}
inline void csr_normalize_rows(const Context& ctx, const CsrMatrix& m, RowNorm norm) {
  m.data.device.is_cpu() ? csr_normalize_rows_cpu(ctx, m, norm) : csr_normalize_rows_cuda(ctx, m, norm);
}
inline std::vector<std::int64_t> csr_column_counts(const Context& ctx, const CsrMatrix& m) {
  return m.data.device.is_cpu() ? csr_column_counts_cpu(ctx, m) : csr_column_counts_cuda(ctx, m);
}
inline CsrMatrix csr_scale_columns(const Context& ctx, const CsrMatrix& m, const Array* idf, bool sublinear) {
  return m.data.device.is_cpu() ? csr_scale_columns_cpu(ctx, m, idf, sublinear)
                                : csr_scale_columns_cuda(ctx, m, idf, sublinear);
}

}  // namespace franca
