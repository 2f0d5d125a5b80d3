// Per-column weighted counts, means and sums of squared deviations of a dense or CSR matrix,
// NaN values left out (scikit-learn's nan-aware moments: StandardScaler ignores NaN in fit), and
// the exact merge of two such summaries (partial_fit, and partitions summarised apart).
#pragma once

#include <cstddef>
#include <vector>

#include "core/context.hpp"
#include "core/dispatch.hpp"
#include "core/matrix.hpp"

namespace franca {

struct ColumnStatistics {
  std::vector<double> weight;  // per column: the summed weights of the rows whose value is not NaN
  std::vector<double> mean;    // the weighted mean of those values; NaN where weight is 0
  // sum of w (x - mean)^2 over those values (a CSR matrix's implicit zeros included), less the
  // rounding the two-pass algorithm can measure, (sum of w (x - mean))^2 / weight, as
  // scikit-learn's _incremental_mean_and_var; empty unless asked for.
  std::vector<double> m2;
};

// weights: NULL or a contiguous float64 vector of X's rows on X's device. X: float32 or float64,
// 1-D (one column) or 2-D with any strides.
template <Backend B>
ColumnStatistics column_statistics(const Context& ctx, const Array& X, const Array* weights, bool with_m2);

// The same of a CSR matrix, its implicit entries zeros; m must have passed csr_check.
template <Backend B>
ColumnStatistics csr_column_statistics(const Context& ctx, const CsrMatrix& m, const Array* weights, bool with_m2);

// The statistics of the union of the rows `a` and `b` summarise (Chan, Golub and LeVeque's
// pairwise update), column by column; a column of weight 0 on one side takes the other's. Both
// have m2 or neither.
ColumnStatistics merge_column_statistics(const ColumnStatistics& a, const ColumnStatistics& b);

}  // namespace franca
