// Dense-matrix primitives for linear models and scalers. X is 1-D (one column) or 2-D, float32
// or float64, any non-negative strides, on the backend's device; sums accumulate in float64
// whatever X's dtype. Call them with FRANCA_DISPATCH(X.device, name, ctx, ...).
#pragma once

#include <vector>

#include "core/array.hpp"
#include "core/context.hpp"
#include "core/dispatch.hpp"
#include "core/expects.hpp"
#include "primitives/column_statistics.hpp"

namespace franca {

struct ColumnMoments {
  double weight_sum = 0;
  std::vector<double> mean;
  std::vector<double> var;  // weighted population variance; empty unless asked for
};

// The moments of an X without NaN (its column statistics, every column of the same weight).
// weights: NULL or a contiguous float64 vector of X's rows on X's device.
template <Backend B>
ColumnMoments column_moments(const Context& ctx, const Array& X, const Array* weights, bool with_var) {
  ColumnStatistics stats = column_statistics<B>(ctx, X, weights, with_var);
  ColumnMoments out;
  out.weight_sum = stats.weight.empty() ? 0.0 : stats.weight.front();
  FRANCA_EXPECTS(out.weight_sum > 0, "sample_weight: the weights sum to {}; they must sum to a positive value",
                 out.weight_sum);
  out.mean = std::move(stats.mean);
  for (std::size_t j = 0; j < stats.m2.size(); ++j) out.var.push_back(stats.m2[j] / out.weight_sum);
  return out;
}

struct CrossProducts {
  std::vector<double> xtx;  // d x d, row-major: sum_i w_i (x_i - x_mean)(x_i - x_mean)^T
  std::vector<double> xty;  // d x t, row-major: sum_i w_i (x_i - x_mean)(y_i - y_mean)^T
};

// Y: contiguous float64, rows x t (or 1-D), on X's device; weights as above.
template <Backend B>
CrossProducts centered_cross_products(const Context& ctx, const Array& X, const Array& Y, const Array* weights,
                                      const std::vector<double>& x_mean, const std::vector<double>& y_mean);

// out (rows x t, contiguous, X's dtype and device) = X coef^T + intercept, with coef t x d and
// intercept t contiguous in X's dtype on X's device.
template <Backend B>
void linear_predict(const Context& ctx, const Array& X, const Array& coef, const Array& intercept, const Array& out);

// out (contiguous, X's shape, dtype and device) = (X - offset) / scale, or X * scale + offset
// when `inverse`; offset and scale: d contiguous float64 on X's device.
template <Backend B>
void scale_columns(const Context& ctx, const Array& X, const Array& offset, const Array& scale, bool inverse,
                   const Array& out);

}  // namespace franca
