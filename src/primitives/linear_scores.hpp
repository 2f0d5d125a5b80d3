// Scores of a linear model, Z = X coef^T + intercept, for dense or CSR X. The dense case is
// dense.hpp's linear_predict; this unit adds CSR, so that a linear model predicts from either.
#pragma once

#include "core/array.hpp"
#include "core/context.hpp"
#include "core/matrix.hpp"
#include "primitives/dense.hpp"

namespace franca {

// out (rows x t, contiguous, in X's value dtype on X's device) = X coef^T + intercept, with coef
// t x d and intercept t contiguous in X's value dtype on X's device. CSR indices may be int32 or
// int64, unsorted. Sums accumulate in float64 on the CPU and in X's dtype on CUDA (cuSPARSE).
void linear_scores(const Context& ctx, const Matrix& X, const Array& coef, const Array& intercept, const Array& out);

void csr_linear_scores_cpu(const Context&, const CsrMatrix&, const Array&, const Array&, const Array&);
void csr_linear_scores_cuda(const Context&, const CsrMatrix&, const Array&, const Array&, const Array&);

inline void linear_scores(const Context& ctx, const Matrix& X, const Array& coef, const Array& intercept,
                          const Array& out) {
  if (X.kind == Matrix::Kind::dense) return linear_predict(ctx, X.dense, coef, intercept, out);
  X.device().is_cpu() ? csr_linear_scores_cpu(ctx, X.csr, coef, intercept, out)
                      : csr_linear_scores_cuda(ctx, X.csr, coef, intercept, out);
}

}  // namespace franca
