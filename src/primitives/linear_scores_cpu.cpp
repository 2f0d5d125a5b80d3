#include "core/matrix_ref.hpp"
#include "core/parallel.hpp"
#include "primitives/linear_scores.hpp"

namespace franca {

namespace {

void csr_linear_scores(const Context& ctx, const CsrMatrix& X, const Array& coef, const Array& intercept,
                       const Array& out) {
  dispatch_floating(X.data.dtype, [&](auto value_tag) {
    using T = decltype(value_tag);
    dispatch_index(X.indptr.dtype, [&](auto ptr_tag) {
      dispatch_index(X.indices.dtype, [&](auto index_tag) {
        using P = decltype(ptr_tag);
        using I = decltype(index_tag);
        const P* indptr = X.indptr.ptr<const P>();
        const I* indices = X.indices.ptr<const I>();
        const T* values = X.data.ptr<const T>();
        const T* c = coef.ptr<const T>();
        const T* b = intercept.ptr<const T>();
        T* o = out.ptr<T>();
        const std::int64_t d = X.cols, t = intercept.size();
        const std::int64_t grain = std::max<std::int64_t>(
            16, (1 << 14) / std::max<std::int64_t>(X.nnz() / std::max<std::int64_t>(X.rows, 1) * t, 1));
        parallel_for(ctx, X.rows, grain, [&](std::int64_t begin, std::int64_t end) {
          for (std::int64_t i = begin; i < end; ++i) {
            for (std::int64_t k = 0; k < t; ++k) {
              double s = static_cast<double>(b[k]);
              for (P p = indptr[i]; p < indptr[i + 1]; ++p)
                s += static_cast<double>(values[p]) * static_cast<double>(c[k * d + indices[p]]);
              o[i * t + k] = static_cast<T>(s);
            }
          }
        });
      });
    });
  });
}

}  // namespace

template <>
void linear_scores<Backend::cpu>(const Context& ctx, const Matrix& X, const Array& coef, const Array& intercept,
                                 const Array& out) {
  if (X.kind == Matrix::Kind::dense) return linear_predict<Backend::cpu>(ctx, X.dense, coef, intercept, out);
  csr_linear_scores(ctx, X.csr, coef, intercept, out);
}

}  // namespace franca
