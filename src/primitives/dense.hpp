// Dense-matrix primitives for linear models and scalers. X is 1-D (one column) or 2-D, float32
// or float64, any non-negative strides, on the host or a CUDA device; sums accumulate in
// float64 whatever X's dtype.
#pragma once

#include <vector>

#include "core/array.hpp"
#include "core/context.hpp"

namespace franca {

struct ColumnMoments {
  double weight_sum = 0;
  std::vector<double> mean;
  std::vector<double> var;  // weighted population variance; empty unless asked for
};

// weights: NULL or a contiguous float64 vector of X's rows on X's device.
ColumnMoments column_moments(const Context& ctx, const Array& X, const Array* weights, bool with_var);

struct CrossProducts {
  std::vector<double> xtx;  // d x d, row-major: sum_i w_i (x_i - x_mean)(x_i - x_mean)^T
  std::vector<double> xty;  // d x t, row-major: sum_i w_i (x_i - x_mean)(y_i - y_mean)^T
};

// Y: contiguous float64, rows x t (or 1-D), on X's device; weights as above.
CrossProducts centered_cross_products(const Context& ctx, const Array& X, const Array& Y, const Array* weights,
                                      const std::vector<double>& x_mean, const std::vector<double>& y_mean);

// out (rows x t, contiguous, X's dtype and device) = X coef^T + intercept, with coef t x d and
// intercept t contiguous in X's dtype on X's device.
void linear_predict(const Context& ctx, const Array& X, const Array& coef, const Array& intercept, const Array& out);

// out (contiguous, X's shape, dtype and device) = (X - offset) / scale, or X * scale + offset
// when `inverse`; offset and scale: d contiguous float64 on X's device.
void scale_columns(const Context& ctx, const Array& X, const Array& offset, const Array& scale, bool inverse,
                   const Array& out);

ColumnMoments column_moments_cpu(const Context&, const Array&, const Array*, bool);
ColumnMoments column_moments_cuda(const Context&, const Array&, const Array*, bool);
CrossProducts centered_cross_products_cpu(const Context&, const Array&, const Array&, const Array*,
                                          const std::vector<double>&, const std::vector<double>&);
CrossProducts centered_cross_products_cuda(const Context&, const Array&, const Array&, const Array*,
                                           const std::vector<double>&, const std::vector<double>&);
void linear_predict_cpu(const Context&, const Array&, const Array&, const Array&, const Array&);
void linear_predict_cuda(const Context&, const Array&, const Array&, const Array&, const Array&);
void scale_columns_cpu(const Context&, const Array&, const Array&, const Array&, bool, const Array&);
void scale_columns_cuda(const Context&, const Array&, const Array&, const Array&, bool, const Array&);

inline ColumnMoments column_moments(const Context& ctx, const Array& X, const Array* weights, bool with_var) {
  return X.device.is_cpu() ? column_moments_cpu(ctx, X, weights, with_var)
                           : column_moments_cuda(ctx, X, weights, with_var);
}
inline CrossProducts centered_cross_products(const Context& ctx, const Array& X, const Array& Y, const Array* weights,
                                             const std::vector<double>& x_mean, const std::vector<double>& y_mean) {
  return X.device.is_cpu() ? centered_cross_products_cpu(ctx, X, Y, weights, x_mean, y_mean)
                           : centered_cross_products_cuda(ctx, X, Y, weights, x_mean, y_mean);
}
inline void linear_predict(const Context& ctx, const Array& X, const Array& coef, const Array& intercept,
                           const Array& out) {
  X.device.is_cpu() ? linear_predict_cpu(ctx, X, coef, intercept, out)
                    : linear_predict_cuda(ctx, X, coef, intercept, out);
}
inline void scale_columns(const Context& ctx, const Array& X, const Array& offset, const Array& scale, bool inverse,
                          const Array& out) {
  X.device.is_cpu() ? scale_columns_cpu(ctx, X, offset, scale, inverse, out)
                    : scale_columns_cuda(ctx, X, offset, scale, inverse, out);
}

}  // namespace franca
