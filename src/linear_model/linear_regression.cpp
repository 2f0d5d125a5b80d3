// LinearRegression and Ridge (scikit-learn's), dense or CSR float32/float64, with sample_weight.
#include "core/expects.hpp"
#include "linear_model/least_squares.hpp"

namespace franca {

namespace {

const std::vector<MethodSpec> regressor_methods = {{"predict", "Predicted values, X coef_^T + intercept_."}};

class LinearRegression final : public LinearModel {
 public:
  using LinearModel::LinearModel;

 protected:
  void fit_impl(const Context& ctx, const Matrix& X, const Array* y, const Array* sample_weight) override {
    fit_least_squares(ctx, X, *y, sample_weight, 0.0, params().boolean("fit_intercept"));
  }
};

class Ridge final : public LinearModel {
 public:
  using LinearModel::LinearModel;

 protected:
  void fit_impl(const Context& ctx, const Matrix& X, const Array* y, const Array* sample_weight) override {
    fit_least_squares(ctx, X, *y, sample_weight, params().number("alpha"), params().boolean("fit_intercept"));
  }
};

const EstimatorSpec& linear_regression_spec() {
  static const EstimatorSpec spec{
      "LinearRegression",
      EstimatorKind::regressor,
      "Ordinary least squares: the minimum-norm solution of min ||y - Xw - b||^2 (weighted by sample_weight).",
      {fit_intercept_param(),
       copy_x_param(),
       {"n_jobs", kInt | kNull, nullptr, "Accepted for scikit-learn compatibility; threads come from the context."},
       positive_param()},
      regressor_methods,
      {"coef_", "intercept_"},
      {Matrix::Kind::dense, Matrix::Kind::csr},
      false,
      make_estimator<LinearRegression>};
  return spec;
}

const EstimatorSpec& ridge_spec() {
  ParamSpec alpha{"alpha", kFloat, 1.0, "L2 penalty strength; must be >= 0.", {}, 0.0};
  ParamSpec solver{"solver",
                   kString,
                   "auto",
                   "'auto' and 'cholesky' solve the normal equations exactly (Cholesky); 'svd' gives the same "
                   "exact solution.",
                   {"auto", "cholesky", "svd"}};
  static const EstimatorSpec spec{"Ridge",
                                  EstimatorKind::regressor,
                                  "Linear least squares with L2 regularisation: min ||y - Xw - b||^2 + alpha ||w||^2.",
                                  {alpha,
                                   fit_intercept_param(),
                                   copy_x_param(),
                                   {"max_iter", kInt | kNull, nullptr, "Unused: the solvers are direct.", {}, 1.0},
                                   {"tol", kFloat, 1e-4, "Unused: the solvers are direct.", {}, 0.0},
                                   solver,
                                   positive_param(),
                                   {"random_state", kInt | kNull, nullptr, "Unused: the solvers are deterministic."}},
                                  regressor_methods,
                                  {"coef_", "intercept_"},
                                  {Matrix::Kind::dense, Matrix::Kind::csr},
                                  false,
                                  make_estimator<Ridge>};
  return spec;
}

}  // namespace

FRANCA_REGISTER_ESTIMATOR(linear_regression_spec);
FRANCA_REGISTER_ESTIMATOR(ridge_spec);

}  // namespace franca
