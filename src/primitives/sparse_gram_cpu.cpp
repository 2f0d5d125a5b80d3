#include "core/parallel.hpp"
#include "primitives/sparse_gram.hpp"

namespace franca {

template <>
SparseGram csr_gram<Backend::cpu>(const Context& ctx, const CsrMatrix& X, const Array& Y, const Array* weights) {
  const std::int64_t d = X.cols, t = Y.ndim() == 2 ? Y.dim(1) : 1;
  const double* y = Y.ptr<const double>();
  const double* w = weights ? weights->ptr<const double>() : nullptr;
  // Accumulator layout: xtx (d*d) | xty (d*t) | x_sum (d) | y_sum (t) | weight sum (1).
  const std::size_t size = static_cast<std::size_t>(d * d + d * t + d + t + 1);
  const auto partial = dispatch_floating(X.data.dtype, [&](auto value_tag) {
    using T = decltype(value_tag);
    return dispatch_index(X.indptr.dtype, [&](auto ptr_tag) {
      using P = decltype(ptr_tag);
      return dispatch_index(X.indices.dtype, [&](auto index_tag) {
        using I = decltype(index_tag);
        const P* indptr = X.indptr.ptr<const P>();
        const I* indices = X.indices.ptr<const I>();
        const T* values = X.data.ptr<const T>();
        return parallel_accumulate(ctx, X.rows, 64, std::vector<double>(size, 0.0),
                                   [&](std::int64_t begin, std::int64_t end, std::vector<double>& acc) {
                                     double* xtx = acc.data();
                                     double* xty = xtx + d * d;
                                     double* x_sum = xty + d * t;
                                     double* y_sum = x_sum + d;
                                     for (std::int64_t i = begin; i < end; ++i) {
                                       const double wi = w ? w[i] : 1.0;
                                       for (P p = indptr[i]; p < indptr[i + 1]; ++p) {
                                         const std::int64_t a = indices[p];
                                         const double wv = wi * static_cast<double>(values[p]);
                                         x_sum[a] += wv;
                                         for (P q = indptr[i]; q < indptr[i + 1]; ++q)
                                           xtx[a * d + indices[q]] += wv * static_cast<double>(values[q]);
                                         for (std::int64_t k = 0; k < t; ++k) xty[a * t + k] += wv * y[i * t + k];
                                       }
                                       for (std::int64_t k = 0; k < t; ++k) y_sum[k] += wi * y[i * t + k];
                                       acc[size - 1] += wi;
                                     }
                                   });
      });
    });
  });
  return sparse_gram_from_sums(sum_partials(partial), d, t);
}

}  // namespace franca
