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

// The SparseGram of both backends' accumulator: xtx (d*d) | xty (d*t) | x_sum (d) | y_sum (t) |
// weight sum (1).
inline SparseGram sparse_gram_from_sums(const std::vector<double>& total, std::int64_t d, std::int64_t t) {
  const auto at = total.begin();
  SparseGram out;
  out.xtx.assign(at, at + d * d);
  out.xty.assign(at + d * d, at + d * d + d * t);
  out.x_sum.assign(at + d * d + d * t, at + d * d + d * t + d);
  out.y_sum.assign(at + d * d + d * t + d, at + d * d + d * t + d + t);
  out.weight_sum = total.back();
  return out;
}

// X: CSR with contiguous parts that passed csr_check; Y: contiguous float64, rows x t (or 1-D),
// on X's device; weights: NULL or contiguous float64 of X's rows on X's device. Call with
// FRANCA_DISPATCH(X.data.device, csr_gram, ctx, ...).
template <Backend B>
SparseGram csr_gram(const Context& ctx, const CsrMatrix& X, const Array& Y, const Array* weights);

}  // namespace franca
