// The sums that least squares on CSR X needs, in one pass over the stored values: the weighted
// column sums, X^T W X, X^T W Y and the weighted sums of Y, accumulated in float64 and not
// centred (the caller centres them). The d x d result limits this to moderate d.
#pragma once

#include <vector>

#include "core/array.hpp"
#include "core/context.hpp"
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
// on X's device; weights: NULL or contiguous float64 of X's rows on X's device.
SparseGram csr_gram(const Context& ctx, const CsrMatrix& X, const Array& Y, const Array* weights);

SparseGram csr_gram_cpu(const Context&, const CsrMatrix&, const Array&, const Array*);
SparseGram csr_gram_cuda(const Context&, const CsrMatrix&, const Array&, const Array*);

inline SparseGram csr_gram(const Context& ctx, const CsrMatrix& X, const Array& Y, const Array* weights) {
  return X.data.device.is_cpu() ? csr_gram_cpu(ctx, X, Y, weights) : csr_gram_cuda(ctx, X, Y, weights);
}

}  // namespace franca
