#include "linear_model/least_squares.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "core/expects.hpp"
#include "core/logging.hpp"
#include "primitives/csr_ops.hpp"
#include "primitives/dense.hpp"
#include "primitives/linear_scores.hpp"
#include "primitives/matrix_input.hpp"
#include "primitives/sparse_gram.hpp"
#include "primitives/symmetric_solve.hpp"

namespace franca {

namespace {

// The centred normal equations of CSR X from its uncentred sums, with the (weighted) means when
// fit_intercept: sum_i w_i (x_i - m)(x_i - m)^T = X^T W X - m a^T - a m^T + S m m^T, with a the
// weighted column sums and S the weight sum; likewise for X^T W Y. Centring after the sums loses
// precision for columns with a large mean relative to their spread, unlike the dense path.
CrossProducts sparse_cross_products(const Context& ctx, const CsrMatrix& X, const Array& Y, const Array* w,
                                    bool fit_intercept, std::vector<double>& x_mean, std::vector<double>& y_mean) {
  const std::int64_t d = X.cols, t = static_cast<std::int64_t>(y_mean.size());
  FRANCA_EXPECTS_STATUS(d <= kMaxSparseGramFeatures, Status::not_implemented,
                        "X: a CSR matrix of {} columns: least squares on CSR input forms d x d normal equations and "
                        "supports at most {} columns",
                        d, kMaxSparseGramFeatures);
  SparseGram g = FRANCA_DISPATCH(X.data.device, csr_gram, ctx, X, Y, w);
  FRANCA_EXPECTS(g.weight_sum > 0, "sample_weight: the weights sum to {}; they must sum to a positive value",
                 g.weight_sum);
  if (fit_intercept) {
    for (std::int64_t j = 0; j < d; ++j) x_mean[j] = g.x_sum[j] / g.weight_sum;
    for (std::int64_t k = 0; k < t; ++k) y_mean[k] = g.y_sum[k] / g.weight_sum;
  }
  const double S = g.weight_sum;
  CrossProducts cp{std::move(g.xtx), std::move(g.xty)};
  for (std::int64_t a = 0; a < d; ++a) {
    for (std::int64_t b = 0; b < d; ++b)
      cp.xtx[a * d + b] += -x_mean[a] * g.x_sum[b] - g.x_sum[a] * x_mean[b] + S * x_mean[a] * x_mean[b];
    for (std::int64_t k = 0; k < t; ++k)
      cp.xty[a * t + k] += -x_mean[a] * g.y_sum[k] - g.x_sum[a] * y_mean[k] + S * x_mean[a] * y_mean[k];
  }
  return cp;
}

// Badly scaled input (columns of 1e160 or 1e-200) makes the normal equations overflow or
// underflow in float64, and the solve then returns a silent zero model. Such columns of X, and
// such targets, are multiplied by powers of two (exactly: well-scaled input keeps its fit bit for
// bit) and the equations formed again, as LAPACK's least-squares drivers behind scikit-learn scale
// their input.
constexpr int kSafeExponent = 400;  // sums of squares within 2^-400..2^400: the solvers square them again
// For a column whose sum of squares overflowed or underflowed to 0, magnitude unknown: 2^-600 takes
// any finite float64 below 2^424, 2^600 any non-zero one above 2^-474.
constexpr int kBlindExponent = 600;

struct EquationScaling {
  std::vector<int> x_exponent;  // column j of X is multiplied by 2^x_exponent[j]
  std::vector<int> y_exponent;  // target k by 2^y_exponent[k]
};

// A column's sum of squares of exactly 0 means a constant (or empty) column, unless its values are
// so small that their squares underflow: then its mean is tiny, or its products with y are not all
// 0 (Cauchy-Schwarz: xty_jk^2 <= xtx_jj yty_k).
bool squares_underflowed(const NormalEquations& eq, std::size_t j) {
  const std::size_t t = eq.y_mean.size();
  const double mean = std::fabs(eq.x_mean[j]);
  if (mean > 0 && mean < std::ldexp(1.0, -kSafeExponent)) return true;
  for (std::size_t k = 0; k < t; ++k)
    if (eq.cp.xty[j * t + k] != 0) return true;
  return false;
}

// Adds to `scaling` (under which `eq` was formed) the powers of two that bring each column's sum of
// squares, and each target's products with the columns, within 2^-400..2^400. Returns whether it
// changed anything: never for well-scaled input. Columns of float32 values (whose squares cannot
// leave float64's range) keep their scale: a float32 copy could not hold them rescaled.
bool rescale(const NormalEquations& eq, double alpha, bool float32_columns, EquationScaling& scaling) {
  const std::size_t d = eq.x_mean.size(), t = eq.y_mean.size();
  const double big = std::ldexp(1.0, kSafeExponent), small = std::ldexp(1.0, -kSafeExponent);
  bool changed = false;
  for (std::size_t j = 0; j < d && !float32_columns; ++j) {
    const double squares = eq.cp.xtx[j * d + j];
    int e = 0;
    if (!std::isfinite(squares)) {
      e = -kBlindExponent;
    } else if (squares > big || (squares > 0 && squares < small)) {
      e = -std::ilogb(squares) / 2;
    } else if (squares == 0 && squares_underflowed(eq, j)) {
      e = kBlindExponent;
    }
    // The penalty becomes alpha 2^(2 x_exponent): a column is scaled up no further than keeps it in
    // range, where the penalty outweighs the column anyway.
    if (alpha > 0 && e > 0) {
      e = std::clamp((kSafeExponent - std::ilogb(alpha)) / 2 - scaling.x_exponent[j], 0, e);
    }
    scaling.x_exponent[j] += e;
    changed = changed || e != 0;
  }
  for (std::size_t k = 0; k < t; ++k) {
    bool finite = std::isfinite(eq.y_mean[k]);
    double largest = 0;
    for (std::size_t j = 0; j < d; ++j) {
      const double product = eq.cp.xty[j * t + k];
      finite = finite && std::isfinite(product);
      largest = std::max(largest, std::fabs(product));
    }
    const int e = !finite ? -kBlindExponent : largest > big ? -std::ilogb(largest) : 0;
    scaling.y_exponent[k] += e;
    changed = changed || e != 0;
  }
  return changed;
}

// `a` (contiguous float64, 1-D or rows x columns) with column j multiplied by 2^exponent[j]: a copy
// on a's device.
Array scaled_columns(const Context& ctx, const Array& a, const std::vector<int>& exponent) {
  std::vector<double> divisor(exponent.size());
  for (std::size_t j = 0; j < exponent.size(); ++j) divisor[j] = std::ldexp(1.0, -exponent[j]);
  const auto columns = std::vector<std::int64_t>{static_cast<std::int64_t>(exponent.size())};
  const Array zero =
      to(ctx, Array::from_host(std::vector<double>(exponent.size(), 0.0), columns), a.device, DType::float64);
  const Array scale = to(ctx, Array::from_host(divisor, columns), a.device, DType::float64);
  Array out = Array::empty(ctx, a.device, a.dtype, a.shape);
  FRANCA_DISPATCH(a.device, scale_columns, ctx, a, zero, scale, false, out);
  return out;
}

Matrix scaled_columns(const Context& ctx, const Matrix& X, const std::vector<int>& exponent) {
  if (X.kind == Matrix::Kind::dense) return Matrix::from_dense(scaled_columns(ctx, X.dense, exponent));
  std::vector<double> factor(exponent.size());
  for (std::size_t j = 0; j < exponent.size(); ++j) factor[j] = std::ldexp(1.0, exponent[j]);
  const Array factors = vector_on(ctx, factor, X.csr.data.device);
  return Matrix::from_csr(FRANCA_DISPATCH(X.csr.data.device, csr_scale_columns, ctx, X.csr, &factors, false, false));
}

bool all_finite(const std::vector<double>& values) {
  return std::all_of(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
}

}  // namespace

NormalEquations centered_normal_equations(const Context& ctx, const Matrix& X, const Array& Y, const Array* w,
                                          bool fit_intercept) {
  const std::int64_t d = X.cols(), t = Y.ndim() == 1 ? 1 : Y.dim(1);
  NormalEquations eq{
      {}, std::vector<double>(static_cast<std::size_t>(d), 0.0), std::vector<double>(static_cast<std::size_t>(t), 0.0)};
  if (X.kind == Matrix::Kind::csr) {
    eq.cp = sparse_cross_products(ctx, X.csr, Y, w, fit_intercept, eq.x_mean, eq.y_mean);
  } else {
    if (fit_intercept) {
      eq.x_mean = FRANCA_DISPATCH(X.dense.device, column_moments, ctx, X.dense, w, false).mean;
      eq.y_mean = FRANCA_DISPATCH(Y.device, column_moments, ctx, Y, w, false).mean;
    }
    eq.cp = FRANCA_DISPATCH(X.dense.device, centered_cross_products, ctx, X.dense, Y, w, eq.x_mean, eq.y_mean);
  }
  return eq;
}

LeastSquaresSolution solve_least_squares(const Context& ctx, const Matrix& X_in, const Array& y,
                                         const Array* sample_weight, const std::vector<double>& alphas,
                                         bool fit_intercept, bool positive, const std::string& name) {
  const Matrix X = contiguous_checked(ctx, X_in);
  const DType dtype = floating_value_dtype(X);
  const Device device = X.device();
  const std::int64_t n = X.rows(), d = X.cols();
  const bool one_target = y.ndim() == 1;
  const std::int64_t t = one_target ? 1 : y.dim(1);
  FRANCA_EXPECTS(alphas.size() == 1 || static_cast<std::int64_t>(alphas.size()) == t,
                 "alpha: Number of targets and number of penalties do not correspond: {} != {}", alphas.size(), t);
  const auto alpha_of = [&](std::int64_t k) { return alphas[alphas.size() == 1 ? 0 : static_cast<std::size_t>(k)]; };
  const Array y64 = to(ctx, y, device, DType::float64);
  Array w64;
  if (sample_weight) w64 = to(ctx, *sample_weight, device, DType::float64);
  const Array* w = sample_weight ? &w64 : nullptr;

  NormalEquations eq = centered_normal_equations(ctx, X, y64, w, fit_intercept);
  EquationScaling scaling{std::vector<int>(static_cast<std::size_t>(d), 0),
                          std::vector<int>(static_cast<std::size_t>(t), 0)};
  // A column whose sum of squares overflowed or underflowed to 0 has an unknown magnitude, known
  // after one rescaling: two rescalings at most.
  // The largest penalty bounds how far a column may be scaled up (rescale).
  const double alpha_max = *std::max_element(alphas.begin(), alphas.end());
  for (int pass = 0; pass < 2 && rescale(eq, alpha_max, dtype == DType::float32, scaling); ++pass) {
    FRANCA_LOG_DEBUG("{}: X or y over- or underflows the normal equations; its columns are rescaled", name);
    eq = centered_normal_equations(ctx, scaled_columns(ctx, X, scaling.x_exponent),
                                   scaled_columns(ctx, y64, scaling.y_exponent), w, fit_intercept);
  }
  CrossProducts& cp = eq.cp;
  const std::vector<double>& x_mean = eq.x_mean;
  const std::vector<double>& y_mean = eq.y_mean;
  FRANCA_EXPECTS(all_finite(cp.xtx) && all_finite(cp.xty) && all_finite(y_mean),
                 "X: its normal equations with y overflow float64 even with the columns of X and y rescaled; "
                 "scale X, y or sample_weight");
  // Targets sharing a penalty are solved together, over one factorisation of X^T X + alpha I.
  std::map<double, std::vector<std::int64_t>> targets_of_alpha;
  for (std::int64_t k = 0; k < t; ++k) targets_of_alpha[alpha_of(k)].push_back(k);
  std::vector<double> beta(static_cast<std::size_t>(d * t));  // d x t
  for (const auto& [alpha, targets] : targets_of_alpha) {
    // One penalty (the usual case): X^T X itself takes it, no d x d copy.
    std::vector<double> Q = targets_of_alpha.size() == 1 ? std::move(cp.xtx) : cp.xtx;
    for (std::int64_t j = 0; j < d; ++j)
      Q[static_cast<std::size_t>(j * d + j)] += std::ldexp(alpha, 2 * scaling.x_exponent[static_cast<std::size_t>(j)]);
    const auto m = static_cast<std::int64_t>(targets.size());
    std::vector<double> rhs(static_cast<std::size_t>(d * m)), part;  // d x m
    for (std::int64_t j = 0; j < d; ++j)
      for (std::int64_t c = 0; c < m; ++c)
        rhs[static_cast<std::size_t>(j * m + c)] =
            cp.xty[static_cast<std::size_t>(j * t + targets[static_cast<std::size_t>(c)])];
    if (positive) {
      part.assign(rhs.size(), 0.0);
      for (std::int64_t c = 0; c < m; ++c) {
        std::vector<double> b(static_cast<std::size_t>(d)), x;
        for (std::int64_t j = 0; j < d; ++j) b[static_cast<std::size_t>(j)] = rhs[static_cast<std::size_t>(j * m + c)];
        if (!nonnegative_solve(Q, b, d, x, 3 * d))
          FRANCA_LOG_WARN("{}: the non-negative least squares did not converge in {} steps (target {})", name, 3 * d,
                          targets[static_cast<std::size_t>(c)]);
        for (std::int64_t j = 0; j < d; ++j) part[static_cast<std::size_t>(j * m + c)] = x[static_cast<std::size_t>(j)];
      }
    } else {
      // Cholesky when the system is well conditioned: a pivot above sqrt(eps) of the largest
      // diagonal bounds cond(X)^2 near 1e8, so the normal equations lose at most ~1e-8. Otherwise
      // the eigendecomposition gives scipy lstsq's minimum-norm answer.
      const double min_pivot_ratio = alpha > 0 ? 0.0 : std::sqrt(std::numeric_limits<double>::epsilon());
      if (!cholesky_solve(Q, rhs, d, m, part, min_pivot_ratio)) {
        // As scipy's lstsq: singular values below eps * max(n, d) * the largest are dropped; the
        // eigenvalues of X^T X are their squares.
        const double rcond = std::numeric_limits<double>::epsilon() * static_cast<double>(std::max(n, d));
        const auto rank = pseudo_inverse_solve(Q, rhs, d, m, rcond, part);
        FRANCA_LOG_DEBUG("{}: least squares of rank {} of {}", name, rank, d);
      }
    }
    for (std::int64_t j = 0; j < d; ++j)
      for (std::int64_t c = 0; c < m; ++c)
        beta[static_cast<std::size_t>(j * t + targets[static_cast<std::size_t>(c)])] =
            part[static_cast<std::size_t>(j * m + c)];
  }

  std::vector<double> coef(static_cast<std::size_t>(t * d)), intercept(static_cast<std::size_t>(t));
  // beta and the means are those of the rescaled columns: back to X's and y's units.
  for (std::int64_t k = 0; k < t; ++k) {
    const int y_exponent = scaling.y_exponent[static_cast<std::size_t>(k)];
    double b = y_mean[static_cast<std::size_t>(k)];
    for (std::int64_t j = 0; j < d; ++j) {
      const double c = beta[static_cast<std::size_t>(j * t + k)];
      coef[static_cast<std::size_t>(k * d + j)] =
          std::ldexp(c, scaling.x_exponent[static_cast<std::size_t>(j)] - y_exponent);
      b -= c * x_mean[static_cast<std::size_t>(j)];
    }
    intercept[static_cast<std::size_t>(k)] = fit_intercept ? std::ldexp(b, -y_exponent) : 0.0;
  }
  FRANCA_EXPECTS(all_finite(coef) && all_finite(intercept),
                 "X: the least-squares coefficients overflow float64 (X's columns are too small for y's scale)");
  const auto coef_shape = one_target ? std::vector<std::int64_t>{d} : std::vector<std::int64_t>{t, d};
  const auto intercept_shape = one_target ? std::vector<std::int64_t>{} : std::vector<std::int64_t>{t};
  return {to(ctx, Array::from_host(coef, coef_shape), Device::cpu(), dtype),
          to(ctx, Array::from_host(intercept, intercept_shape), Device::cpu(), dtype)};
}

DType floating_value_dtype(const Matrix& X) {
  const DType dtype = value_dtype(X);
  FRANCA_EXPECTS_STATUS(is_floating(dtype), Status::type, "X: expected float32 or float64, got {}", dtype_name(dtype));
  return dtype;
}

Matrix predict_linear(const Context& ctx, const Estimator& model, const Matrix& X_in) {
  const Matrix X = contiguous_checked(ctx, X_in);
  const DType dtype = floating_value_dtype(X);
  const Array& coef = model.attribute("coef_");
  const bool one_target = coef.ndim() == 1;
  const std::int64_t n = X.rows(), t = one_target ? 1 : coef.dim(0);
  const Array c = model.attribute_on(ctx, "coef_", X.device(), dtype);
  const Array b = model.attribute_on(ctx, "intercept_", X.device(), dtype);
  auto out_shape = one_target ? std::vector<std::int64_t>{n} : std::vector<std::int64_t>{n, t};
  Array out = Array::empty(ctx, X.device(), dtype, out_shape);
  FRANCA_DISPATCH(X.device(), linear_scores, ctx, X, c, b, out);
  return Matrix::from_dense(out);
}

}  // namespace franca
