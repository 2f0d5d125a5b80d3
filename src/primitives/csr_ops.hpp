// Row and column operations on CSR matrices for the text features: the checks an untrusted
// CSR input needs, row normalisation, column document frequencies and TF-IDF column scaling.
// All take a CSR matrix whose parts are contiguous (indptr and indices int32 or int64, data
// float32 or float64) on the backend's device; call them with FRANCA_DISPATCH(m.data.device,
// name, ctx, ...) to run them where the matrix lives.
#pragma once

#include <cmath>
#include <vector>

#include "core/context.hpp"
#include "core/dispatch.hpp"
#include "core/matrix.hpp"
#include "core/matrix_ref.hpp"

namespace franca {

enum class RowNorm { l1, l2 };

// Throws invalid_argument unless indptr starts at 0, is non-decreasing and ends at nnz, and
// every column index lies in [0, cols).
template <Backend B>
void csr_check(const Context& ctx, const CsrMatrix& m);

// Divides each row's data in place by its l1 or l2 norm, accumulated in the data's dtype in
// storage order as scikit-learn's normalize() does (so float results match it bit for bit);
// rows of norm 0 are left as they are. m.data must be writable.
template <Backend B>
void csr_normalize_rows(const Context& ctx, const CsrMatrix& m, RowNorm norm);

// One row of csr_normalize_rows on the host: the n values at v divided by their norm. Also used
// where a CPU primitive normalises each row as it writes it (the hashing), saving a pass.
template <class T>
inline void normalize_row(T* v, std::int64_t n, RowNorm norm) {
  T sum = 0;
  for (std::int64_t k = 0; k < n; ++k) sum += norm == RowNorm::l2 ? v[k] * v[k] : std::fabs(v[k]);
  if (sum == 0) return;
  if (norm == RowNorm::l2) sum = std::sqrt(sum);
  for (std::int64_t k = 0; k < n; ++k) v[k] /= sum;
}

// The number of stored entries in each column (scikit-learn's document frequency: explicit
// zeros count). m must have passed csr_check.
template <Backend B>
std::vector<std::int64_t> csr_column_counts(const Context& ctx, const CsrMatrix& m);

// A new CSR matrix of m's shape and dtype (indptr int64, indices of m's index dtype) with
// values v = x, or log(x) + 1 when `sublinear`, times idf[column] when `idf` (float64 of
// m.cols on m's device) is given; with `drop_zeros`, entries whose v is 0 are left out, as
// scikit-learn's product with diag(idf) leaves them (its in-place column scaling keeps them).
// m must have passed csr_check.
template <Backend B>
CsrMatrix csr_scale_columns(const Context& ctx, const CsrMatrix& m, const Array* idf, bool sublinear, bool drop_zeros);

// Calls fn(T{}, I{}, P{}) for m's data, indices and indptr types (a host helper for both backends).
template <class Fn>
decltype(auto) dispatch_csr(const CsrMatrix& m, Fn&& fn) {
  return dispatch_floating(m.data.dtype, [&](auto t) {
    return dispatch_index(m.indices.dtype,
                          [&](auto i) { return dispatch_index(m.indptr.dtype, [&](auto p) { return fn(t, i, p); }); });
  });
}

// One entry of csr_scale_columns, shared by the CPU and CUDA paths; log(x) in T as numpy's.
template <class T>
FRANCA_HD T tfidf_value(T x, const double* idf, std::int64_t column, bool sublinear) {
  const T tf = sublinear ? static_cast<T>(std::log(x) + T(1)) : x;
  return idf ? static_cast<T>(static_cast<double>(tf) * idf[column]) : tf;
}

}  // namespace franca
