// The shared base of LinearRegression and Ridge: one weighted pass over the data builds the
// centred normal equations on the data's device (dense X; CSR X on the host, up to 4096
// columns); the small d x d solve runs on the host.
#pragma once

#include "core/estimator.hpp"

namespace franca {

class LinearModel : public Estimator {
 public:
  using Estimator::Estimator;

 protected:
  // Records coef_ and intercept_ (scikit-learn's shapes: (d,) and () for 1-D y, (t, d) and (t,)
  // for 2-D y) in X's dtype.
  void fit_least_squares(const Context& ctx, const Matrix& X, const Array& y, const Array* sample_weight, double alpha,
                         bool fit_intercept);
  Matrix apply_impl(const Context& ctx, const std::string& method, const Matrix& X) const override;
  void check_state() const override;
};

// X itself, or for CSR X a copy of its parts made contiguous where they are not, checked by
// csr_check: what the linear models' data passes expect.
Matrix contiguous_checked(const Context& ctx, const Matrix& X);
// The dtype of a dense or CSR matrix's values.
DType value_dtype(const Matrix& X);

// The parameter declarations LinearRegression and Ridge share.
ParamSpec fit_intercept_param();
ParamSpec copy_x_param();
ParamSpec positive_param();

}  // namespace franca
