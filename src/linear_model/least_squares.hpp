// The shared base of LinearRegression and Ridge: one weighted pass over the data builds the
// centred normal equations on the data's device (dense X; CSR X on the host, up to 4096
// columns); the small d x d solve runs on the host.
#pragma once

#include "core/estimator.hpp"
#include "primitives/dense.hpp"

namespace franca {

struct LeastSquaresSolution {
  Array coef;       // host, X's dtype: (d,) for 1-D y, (t, d) for 2-D y (scikit-learn's shapes)
  Array intercept;  // host, X's dtype: () for 1-D y, (t,)
};

// The largest CSR width the normal equations accept: they are d x d (per thread while
// accumulating).
constexpr std::int64_t kMaxSparseGramFeatures = 4096;

// The weighted centred normal equations, built on X's device: xtx = sum_i w_i (x_i - m)(x_i - m)^T
// and xty = sum_i w_i (x_i - m)(y_i - y_mean)^T, with the weighted means (zeros without
// fit_intercept). X: contiguous_checked, dense or CSR of at most kMaxSparseGramFeatures columns
// (not_implemented beyond); Y: contiguous float64 on X's device, 1-D or n x t; w: NULL or float64
// of n on X's device. Shared by least squares and the elastic net.
struct NormalEquations {
  CrossProducts cp;
  std::vector<double> x_mean, y_mean;
};
NormalEquations centered_normal_equations(const Context& ctx, const Matrix& X, const Array& Y, const Array* w,
                                          bool fit_intercept);

// The minimiser of ||y - Xw - b||^2_W + alpha ||w||^2 (the minimum-norm one when singular), over
// w >= 0 when `positive` (an exact active-set solve of the same normal equations). alphas: one
// alpha for every target, or one per target (y's columns).
// Columns of X or y whose normal equations over- or underflow float64 are rescaled by powers of
// two in a copy (twice at most); coefficients beyond float64 are an error naming X. `name` is the
// estimator's, for the log.
LeastSquaresSolution solve_least_squares(const Context& ctx, const Matrix& X, const Array& y,
                                         const Array* sample_weight, const std::vector<double>& alphas,
                                         bool fit_intercept, bool positive, const std::string& name);
// X coef_^T + intercept_ with the fitted attributes of `model`, in X's dtype on X's device.
Matrix predict_linear(const Context& ctx, const Estimator& model, const Matrix& X);
// X's value dtype, which fit and predict both require to be floating (else a type error naming X).
DType floating_value_dtype(const Matrix& X);

// The parameters LinearRegression and Ridge share, declared once.
template <class P>
void declare_least_squares_params(ParamTable<P>& t) {
  t.field("fit_intercept", &P::fit_intercept,
          "Whether to fit an intercept; if False the data are assumed centred. The intercept is not penalised.");
  t.field("copy_X", &P::copy_X, "Accepted for scikit-learn compatibility: franca never modifies X.");
  t.field("positive", &P::positive,
          "Constrain the coefficients to be >= 0 (an exact active-set solve of the same normal equations, as "
          "scipy's nnls).");
}

template <class P>
class LinearModel : public TypedEstimator<P> {
 public:
  using TypedEstimator<P>::TypedEstimator;

 protected:
  void fit_least_squares(const Context& ctx, const Matrix& X, const Array& y, const Array* sample_weight,
                         const std::vector<double>& alphas) {
    const auto solution = solve_least_squares(ctx, X, y, sample_weight, alphas, this->params().fit_intercept,
                                              this->params().positive, this->spec().name);
    this->set_attribute(ctx, "coef_", solution.coef);
    this->set_attribute(ctx, "intercept_", solution.intercept);
  }

  Matrix apply_impl(const Context& ctx, const std::string&, const Matrix& X) const override {
    return predict_linear(ctx, *this, X);
  }

  void check_state() const override {
    const std::int64_t d = this->n_features_in();
    const Array& coef = this->attribute("coef_");
    const DType dtype = coef.dtype;
    FRANCA_EXPECTS_STATUS(is_floating(dtype), Status::corrupt_model, "model: coef_ must be float32 or float64");
    if (coef.ndim() == 1) {
      this->expect_attribute("coef_", dtype, {d});
      // () for 1-D y; (1,) where y of one column gives a 1-D coef_ (the elastic net, as scikit-learn).
      const bool scalar = this->attribute("intercept_").ndim() == 0;
      this->expect_attribute("intercept_", dtype, scalar ? std::vector<std::int64_t>{} : std::vector<std::int64_t>{1});
    } else {
      const Array& c = this->expect_attribute("coef_", dtype, {-1, d});
      this->expect_attribute("intercept_", dtype, {c.dim(0)});
    }
  }
};

}  // namespace franca
