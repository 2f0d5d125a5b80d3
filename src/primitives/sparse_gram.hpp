// The sums that least squares on CSR X needs, in one pass over the stored values: the weighted
// column sums, X^T W X, X^T W Y and the weighted sums of Y, accumulated in float64 and not
// centred (the caller centres them). The d x d result limits this to moderate d.
#pragma once

#include <vector>

#include "core/array.hpp"
#include "core/context.hpp"
#include "core/dispatch.hpp"
#include "core/matrix.hpp"

namespace franca {

struct SparseGram {
  double weight_sum = 0;
  std::vector<double> x_sum;  // d: sum_i w_i x_i
  std::vector<double> y_sum;  // t: sum_i w_i y_i
  std::vector<double> xtx;    // d x d, row-major: sum_i w_i x_i x_i^T
  std::vector<double> xty;    // d x t, row-major: sum_i w_i x_i y_i^T
};

// X: CSR with contiguous parts that passed csr_check; Y: contiguous float64, rows x t (or 1-D),
// on X's device; weights: NULL or contiguous float64 of X's rows on X's device. Call with
// FRANCA_DISPATCH(X.data.device, csr_gram, ctx, ...); the CUDA backend throws not_implemented.
template <Backend B>
SparseGram csr_gram(const Context& ctx, const CsrMatrix& X, const Array& Y, const Array* weights);

}  // namespace franca
