#include "linear_model/least_squares.hpp"

#include <cmath>
#include <limits>

#include "core/expects.hpp"
#include "core/logging.hpp"
#include "primitives/dense.hpp"
#include "primitives/symmetric_solve.hpp"

namespace franca {

void LinearModel::fit_least_squares(const Context& ctx, const Matrix& X, const Array& y, const Array* sample_weight,
                                    double alpha, bool fit_intercept) {
  const Array& x = X.dense;
  const Device device = x.device;
  const std::int64_t n = x.dim(0), d = X.cols();
  const bool one_target = y.ndim() == 1;
  const std::int64_t t = one_target ? 1 : y.dim(1);
  FRANCA_EXPECTS(t >= 1, "y: has no targets (shape ({}, 0))", n);
  const Array y64 = to(ctx, y, device, DType::float64);
  Array w64;
  if (sample_weight) w64 = to(ctx, *sample_weight, device, DType::float64);
  const Array* w = sample_weight ? &w64 : nullptr;

  std::vector<double> x_mean(static_cast<std::size_t>(d), 0.0), y_mean(static_cast<std::size_t>(t), 0.0);
  if (fit_intercept) {
    x_mean = column_moments(ctx, x, w, false).mean;
    y_mean = column_moments(ctx, y64, w, false).mean;
  }
  CrossProducts cp = centered_cross_products(ctx, x, y64, w, x_mean, y_mean);
  for (std::int64_t j = 0; j < d; ++j) cp.xtx[static_cast<std::size_t>(j * d + j)] += alpha;

  std::vector<double> beta;  // d x t
  bool solved = alpha > 0 && cholesky_solve(cp.xtx, cp.xty, d, t, beta);
  if (!solved) {
    // As scipy's lstsq: singular values below eps * max(n, d) * the largest are dropped; the
    // eigenvalues of X^T X are their squares.
    const double rcond = std::numeric_limits<double>::epsilon() * static_cast<double>(std::max(n, d));
    const auto rank = pseudo_inverse_solve(cp.xtx, cp.xty, d, t, rcond, beta);
    FRANCA_LOG_DEBUG("{}: least squares of rank {} of {}", spec().name, rank, d);
  }

  std::vector<double> coef(static_cast<std::size_t>(t * d)), intercept(static_cast<std::size_t>(t));
  for (std::int64_t k = 0; k < t; ++k) {
    double b = y_mean[static_cast<std::size_t>(k)];
    for (std::int64_t j = 0; j < d; ++j) {
      const double c = beta[static_cast<std::size_t>(j * t + k)];
      coef[static_cast<std::size_t>(k * d + j)] = c;
      b -= c * x_mean[static_cast<std::size_t>(j)];
    }
    intercept[static_cast<std::size_t>(k)] = fit_intercept ? b : 0.0;
  }
  const auto coef_shape = one_target ? std::vector<std::int64_t>{d} : std::vector<std::int64_t>{t, d};
  const auto intercept_shape = one_target ? std::vector<std::int64_t>{} : std::vector<std::int64_t>{t};
  set_attribute(ctx, "coef_", to(ctx, Array::from_host(coef, coef_shape), Device::cpu(), x.dtype));
  set_attribute(ctx, "intercept_", to(ctx, Array::from_host(intercept, intercept_shape), Device::cpu(), x.dtype));
}

Matrix LinearModel::apply_impl(const Context& ctx, const std::string& method, const Matrix& X) const {
  const Array& x = X.dense;
  FRANCA_EXPECTS_STATUS(is_floating(x.dtype), Status::type, "X: expected float32 or float64, got {}",
                        dtype_name(x.dtype));
  const Array& coef = attribute("coef_");
  const bool one_target = coef.ndim() == 1;
  const std::int64_t t = one_target ? 1 : coef.dim(0);
  const Array c = attribute_on(ctx, "coef_", x.device, x.dtype);
  const Array b = attribute_on(ctx, "intercept_", x.device, x.dtype);
  auto out_shape = one_target ? std::vector<std::int64_t>{x.dim(0)} : std::vector<std::int64_t>{x.dim(0), t};
  Array out = Array::empty(ctx, x.device, x.dtype, out_shape);
  linear_predict(ctx, x, c, b, out);
  return Matrix::from_dense(out);
}

void LinearModel::check_state() const {
  const std::int64_t d = n_features_in();
  const Array& coef = attribute("coef_");
  const DType dtype = coef.dtype;
  FRANCA_EXPECTS_STATUS(is_floating(dtype), Status::corrupt_model, "model: coef_ must be float32 or float64");
  if (coef.ndim() == 1) {
    expect_attribute("coef_", dtype, {d});
    expect_attribute("intercept_", dtype, {});
  } else {
    const Array& c = expect_attribute("coef_", dtype, {-1, d});
    expect_attribute("intercept_", dtype, {c.dim(0)});
  }
}

ParamSpec fit_intercept_param() {
  return {"fit_intercept", kBool, true,
          "Whether to fit an intercept; if False the data are assumed centred. The intercept is not penalised."};
}

ParamSpec copy_x_param() {
  return {"copy_X", kBool, true, "Accepted for scikit-learn compatibility: franca never modifies X."};
}

ParamSpec positive_param() {
  ParamSpec p{"positive", kBool, false, "Constrain coefficients to be positive (not supported yet: must be False)."};
  p.check = [](const json& v) {
    FRANCA_EXPECTS_STATUS(!v.get<bool>(), Status::not_implemented,
                          "parameter 'positive': positive=True is not supported yet");
  };
  return p;
}

}  // namespace franca
