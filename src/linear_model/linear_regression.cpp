// LinearRegression and Ridge (scikit-learn's), dense or CSR float32/float64, with sample_weight.
#include "core/expects.hpp"
#include "core/number_lists.hpp"
#include "core/registry.hpp"
#include "linear_model/least_squares.hpp"

namespace franca {

namespace {

constexpr const char* kPredictDoc = "Predicted values, X coef_^T + intercept_.";

struct LinearRegressionParams {
  bool fit_intercept = true;
  bool copy_X = true;
  std::optional<std::int64_t> n_jobs;
  bool positive = false;
  double tol = 1e-6;

  static void declare(ParamTable<LinearRegressionParams>& t) {
    using P = LinearRegressionParams;
    declare_least_squares_params(t);
    t.field("n_jobs", &P::n_jobs, "Accepted for scikit-learn compatibility; threads come from the context.");
    t.field("tol", &P::tol,
            "Accepted, unused (scikit-learn >= 1.7's: the tolerance of its iterative solve on sparse X and the "
            "cutoff of its dense lstsq): franca's solve is direct, and drops the same small singular values as "
            "scipy's lstsq whatever tol says.")
        .minimum(0);
  }
};

class LinearRegression final : public LinearModel<LinearRegressionParams> {
 public:
  using LinearModel::LinearModel;

 protected:
  void fit_impl(const Context& ctx, const Matrix& X, const Array* y, const Array* sample_weight) override {
    fit_least_squares(ctx, X, *y, sample_weight, {0.0});
  }
};

// scikit-learn's solver names. Every one reaches the same minimiser, which franca computes from
// the normal equations exactly; the iterative ones (lsqr, sparse_cg, sag, saga, lbfgs) are names
// for it here, so that code choosing them runs unchanged.
enum class RidgeSolver { automatic, cholesky, svd, lsqr, sparse_cg, sag, saga, lbfgs };

struct RidgeParams {
  NumberOrList<NonNegative> alpha{{1.0}, false};
  bool fit_intercept = true;
  bool copy_X = true;
  std::optional<std::int64_t> max_iter;
  double tol = 1e-4;
  RidgeSolver solver = RidgeSolver::automatic;
  bool positive = false;
  std::optional<std::int64_t> random_state;

  static void declare(ParamTable<RidgeParams>& t) {
    using P = RidgeParams;
    t.field("alpha", &P::alpha,
            "L2 penalty strength, >= 0; or one per target (a list as long as y's columns), each target then "
            "solved with its own.");
    declare_least_squares_params(t);
    t.field("max_iter", &P::max_iter, "Unused: the solve is direct.").minimum(1);
    t.field("tol", &P::tol, "Unused: the solve is direct.").minimum(0);
    t.field("solver", &P::solver,
            "Any of scikit-learn's names: each gives the exact minimiser, solved from the normal equations "
            "(Cholesky, or the minimum-norm solution when singular; an active-set solve with positive=True). "
            "As scikit-learn, 'lbfgs' requires positive=True, and positive=True requires 'auto' or 'lbfgs'.")
        .names({{"auto", RidgeSolver::automatic},
                {"cholesky", RidgeSolver::cholesky},
                {"svd", RidgeSolver::svd},
                {"lsqr", RidgeSolver::lsqr},
                {"sparse_cg", RidgeSolver::sparse_cg},
                {"sag", RidgeSolver::sag},
                {"saga", RidgeSolver::saga},
                {"lbfgs", RidgeSolver::lbfgs}});
    t.field("random_state", &P::random_state, "Unused: the solve is deterministic.");
    t.rule([](const P& p) {
      FRANCA_EXPECTS(p.solver != RidgeSolver::lbfgs || p.positive,
                     "solver: 'lbfgs' solver can be used only when positive=True. Please use another solver.");
      FRANCA_EXPECTS(!p.positive || p.solver == RidgeSolver::automatic || p.solver == RidgeSolver::lbfgs,
                     "solver: the solver does not support positive fitting. Please set the solver to 'auto' or "
                     "'lbfgs', or set `positive=False`");
    });
  }
};

class Ridge final : public LinearModel<RidgeParams> {
 public:
  using LinearModel::LinearModel;

 protected:
  void fit_impl(const Context& ctx, const Matrix& X, const Array* y, const Array* sample_weight) override {
    fit_least_squares(ctx, X, *y, sample_weight, params().alpha.values);
  }
};

const EstimatorSpec& linear_regression_spec() {
  static const EstimatorSpec spec =
      EstimatorSpec::of<LinearRegression>("LinearRegression", EstimatorKind::regressor, "linear_model")
          .doc(
              "Ordinary least squares: the minimum-norm solution of min ||y - Xw - b||^2 (weighted by "
              "sample_weight).")
          .method("predict", kPredictDoc)
          .fitted({"coef_", "intercept_"})
          .accepts({Matrix::Kind::dense, Matrix::Kind::csr});
  return spec;
}

const EstimatorSpec& ridge_spec() {
  static const EstimatorSpec spec =
      EstimatorSpec::of<Ridge>("Ridge", EstimatorKind::regressor, "linear_model")
          .doc("Linear least squares with L2 regularisation: min ||y - Xw - b||^2 + alpha ||w||^2.")
          .method("predict", kPredictDoc)
          .fitted({"coef_", "intercept_", "n_iter_"})
          .optional({"n_iter_"})  // a direct solve counts no iterations: None, as scikit-learn's direct solvers
          .accepts({Matrix::Kind::dense, Matrix::Kind::csr});
  return spec;
}

}  // namespace

FRANCA_REGISTER_ESTIMATOR(linear_regression_spec);
FRANCA_REGISTER_ESTIMATOR(ridge_spec);

}  // namespace franca
