// Scores of a linear model, Z = X coef^T + intercept, for dense or CSR X. The dense case is
// dense.hpp's linear_predict; this unit adds CSR, so that a linear model predicts from either.
#pragma once

#include "core/array.hpp"
#include "core/context.hpp"
#include "core/dispatch.hpp"
#include "core/matrix.hpp"
#include "primitives/dense.hpp"

namespace franca {

// out (rows x t, contiguous, in X's value dtype on X's device) = X coef^T + intercept, with coef
// t x d and intercept t contiguous in X's value dtype on X's device. Dense X is linear_predict's;
// CSR indices may be int32 or int64, unsorted. Sums accumulate in float64 on the CPU and in X's
// dtype on CUDA (cuSPARSE). Call with FRANCA_DISPATCH(X.device(), linear_scores, ctx, ...).
template <Backend B>
void linear_scores(const Context& ctx, const Matrix& X, const Array& coef, const Array& intercept, const Array& out);

}  // namespace franca
