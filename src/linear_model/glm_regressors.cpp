// PoissonRegressor, GammaRegressor and TweedieRegressor (scikit-learn 1.2's generalised linear
// regressors, solvers 'lbfgs' and 'newton-cholesky'): one template over the Tweedie family, dense
// or CSR X, float32 or float64, on the CPU or CUDA. As scikit-learn, the objective is
//     sum_i s_i loss_i / sum_i s_i + alpha / 2 ||w||^2
// with scikit-learn's half-deviance losses (primitives/glm_loss.hpp) and an unpenalised intercept;
// beyond scikit-learn, l1_ratio in [0, 1] makes the penalty alpha (r ||w||_1 + (1 - r) / 2 ||w||^2),
// solved by OWL-QN (solver 'lbfgs'). The fit is glm_fit.hpp's, shared with LogisticRegression.
#include <cmath>
#include <string>

#include "core/expects.hpp"
#include "core/logging.hpp"
#include "core/registry.hpp"
#include "linear_model/glm_fit.hpp"
#include "linear_model/glm_regressor.hpp"
#include "linear_model/warm_start.hpp"
#include "primitives/linear_scores.hpp"
#include "primitives/matrix_input.hpp"

namespace franca {

namespace {

enum class Family { poisson, gamma, tweedie };
enum class GlmLink { automatic, identity, log };

template <Family F>
struct GlmRegressorParams {
  double power = 0.0;  // TweedieRegressor only; Poisson and Gamma have 1 and 2
  double alpha = 1.0;
  bool fit_intercept = true;
  GlmLink link = GlmLink::automatic;  // TweedieRegressor only; Poisson and Gamma have the log link
  GlmSolver solver = GlmSolver::lbfgs;
  std::int64_t max_iter = 100;
  double tol = 1e-4;
  bool warm_start = false;
  std::int64_t verbose = 0;
  std::optional<double> l1_ratio;

  double tweedie_power() const { return F == Family::poisson ? 1.0 : F == Family::gamma ? 2.0 : power; }
  // 'auto': identity for power <= 0, else log.
  bool log_link() const {
    if (F != Family::tweedie) return true;
    return link == GlmLink::automatic ? power > 0 : link == GlmLink::log;
  }

  static void declare(ParamTable<GlmRegressorParams>& t) {
    using P = GlmRegressorParams;
    if constexpr (F == Family::tweedie) {
      t.field("power", &P::power,
              "The Tweedie power, which sets the distribution: 0 normal, 1 Poisson, (1, 2) compound Poisson-Gamma, 2 "
              "Gamma, 3 inverse Gaussian. Values in (0, 1), where no Tweedie distribution exists, are refused "
              "(scikit-learn 1.2 accepts them).")
          .check([](double p) {
            FRANCA_EXPECTS(!(p > 0 && p < 1),
                           "parameter 'power': no Tweedie distribution exists for 0 < power < 1; got {}", p);
          });
    }
    t.field("alpha", &P::alpha,
            "Constant that multiplies the penalty; alpha = 0 is an unpenalised GLM (X must then have full column "
            "rank).")
        .minimum(0);
    t.field("fit_intercept", &P::fit_intercept,
            "Whether to add an (unpenalised) intercept to the linear predictor X @ coef_ + intercept_.");
    if constexpr (F == Family::tweedie) {
      t.field("link", &P::link,
              "The link function: 'auto' (identity for power <= 0, else log), 'identity' or 'log'. The prediction "
              "is the inverse link of X @ coef_ + intercept_.")
          .names({{"auto", GlmLink::automatic}, {"identity", GlmLink::identity}, {"log", GlmLink::log}});
    }
    t.field("solver", &P::solver,
            "'lbfgs': L-BFGS on the host over one fused data pass per evaluation (OWL-QN with an l1_ratio > 0). "
            "'newton-cholesky': scikit-learn's Newton solver, each step one more pass for the Hessian X^T diag(h) X "
            "where X lives and a Cholesky solve on the host; for n_samples >> n_features (the dense Hessian holds "
            "at most 4096 coefficients: features holding values, intercept), L2 penalty only; falls back to lbfgs, "
            "with scikit-learn's warning, where the Hessian is not positive definite.")
        .names({{"lbfgs", GlmSolver::lbfgs}, {"newton-cholesky", GlmSolver::newton_cholesky}});
    t.field("max_iter", &P::max_iter, "Maximum number of solver iterations.").minimum(1);
    t.field("tol", &P::tol,
            "lbfgs: stop when the largest absolute (pseudo-)gradient entry of the objective is <= tol (scipy's "
            "gtol). newton-cholesky: when that entry and half the squared Newton decrement are both <= tol, as "
            "scikit-learn.")
        .greater_than(0);
    t.field("warm_start", &P::warm_start,
            "Start from the previous coef_ and intercept_ (same number of features) instead of zero coefficients "
            "and the intercept of the weighted mean of y.");
    t.field("verbose", &P::verbose, "Accepted for scikit-learn compatibility; franca logs convergence at info level.")
        .minimum(0);
    t.field("l1_ratio", &P::l1_ratio,
            "Not in scikit-learn. None: the L2 penalty alpha / 2 ||w||^2 (scikit-learn's). r in [0, 1]: the "
            "elastic-net penalty alpha (r ||w||_1 + (1 - r) / 2 ||w||^2), solved by OWL-QN (solver 'lbfgs').")
        .minimum(0)
        .maximum(1);
    t.rule([](const P& p) {
      FRANCA_EXPECTS(p.solver != GlmSolver::newton_cholesky || p.l1_ratio.value_or(0.0) == 0,
                     "parameter 'l1_ratio': solver 'newton-cholesky' takes the L2 penalty only; l1_ratio={} needs "
                     "solver='lbfgs'",
                     *p.l1_ratio);
    });
  }
};

// scikit-learn's name of the loss, in the y-range error.
template <Family F>
const char* loss_class(const GlmRegressorParams<F>& p) {
  if (F == Family::poisson) return "HalfPoissonLoss";
  if (F == Family::gamma) return "HalfGammaLoss";
  return p.log_link() ? "HalfTweedieLoss" : "HalfTweedieLossIdentity";
}

// Throws unless every target is in the domain of the loss of `power`, as scikit-learn's loss
// intervals: any for power <= 0, >= 0 below 2, else > 0.
template <Family F>
void check_targets(const GlmRegressorParams<F>& p, const double* targets, std::int64_t n) {
  const double power = p.tweedie_power();
  for (std::int64_t i = 0; i < n; ++i) {
    const double v = targets[i];
    FRANCA_EXPECTS(
        power <= 0 || (power < 2 ? v >= 0 : v > 0),
        "y: Some value(s) of y are out of the valid range of the loss '{}' (y[{}] = {}; power {} needs y {})",
        loss_class(p), i, v, power, power < 2 ? ">= 0" : "> 0");
  }
}

// The per-row loss of the family and link.
template <Family F>
glm::Loss row_loss(const GlmRegressorParams<F>& p) {
  if (p.log_link()) return glm::Loss::tweedie;
  return p.tweedie_power() == 0 ? glm::Loss::squared_error : glm::Loss::tweedie_identity;
}

template <Family F>
class GlmRegressor final : public TypedEstimator<GlmRegressorParams<F>> {
  using Base = TypedEstimator<GlmRegressorParams<F>>;

 public:
  using Base::Base;

 protected:
  void fit_impl(const Context& ctx, const Matrix& X_in, const Array* y, const Array* sample_weight) override {
    const auto& p = this->params();
    const char* name = this->spec().name.c_str();
    FRANCA_EXPECTS_STATUS(is_floating(value_dtype(X_in)), Status::type, "X: expected float32 or float64, got {}",
                          dtype_name(value_dtype(X_in)));
    FRANCA_EXPECTS(y->ndim() == 1 || y->dim(1) == 1, "y: expected a 1-D array of targets, got shape ({}, {})",
                   y->dim(0), y->dim(1));
    const std::int64_t n = X_in.rows(), d = X_in.cols();
    const double power = p.tweedie_power();
    const bool log_link = p.log_link();

    const Array y_host = to(ctx, *y, Device::cpu(), DType::float64);
    const double* targets = y_host.ptr<const double>();
    check_targets(p, targets, n);
    // scikit-learn rescales the weights to sum to 1: the objective is a weighted mean.
    std::vector<double> weights(static_cast<std::size_t>(n), 1.0);
    if (sample_weight) {
      const Array w = to(ctx, *sample_weight, Device::cpu(), DType::float64);
      weights.assign(w.ptr<const double>(), w.ptr<const double>() + n);
    }
    double total = 0, y_mean = 0;
    for (std::int64_t i = 0; i < n; ++i) total += weights[static_cast<std::size_t>(i)];
    FRANCA_EXPECTS(total > 0, "sample_weight: the weights sum to {}; at least one must be positive", total);
    for (std::int64_t i = 0; i < n; ++i) {
      weights[static_cast<std::size_t>(i)] /= total;
      y_mean += weights[static_cast<std::size_t>(i)] * targets[i];
    }

    GlmProblem problem = glm_problem(ctx, X_in, p.fit_intercept, name);
    const Device device = X_in.device();
    GlmData& data = problem.data;
    Array y_flat = y_host;  // a column y, (n, 1), as its n values
    y_flat.shape = {n};
    y_flat.strides = {1};
    data.targets = to_device(ctx, y_flat, device);
    data.weights = to_device(ctx, Array::from_host(weights, {n}), device);
    FRANCA_LOG_INFO("{}: fit on {} ({} X of {} x {}), power={}, {} link, alpha={}, l1_ratio={}", name, device.str(),
                    X_in.kind_name(), n, d, power, log_link ? "log" : "identity", p.alpha,
                    this->get_params()["l1_ratio"].dump());
    solve(ctx, problem, y_mean);
  }

  // The rows' data term is the unnormalised sum_i s_i loss_i (data_loss's): divided here by
  // sum_i s_i.
  void fit_external_impl(const Context& ctx, const ExternalRows& rows) override {
    const auto& p = this->params();
    FRANCA_LOG_INFO("{}: fit on {} x {} rows held elsewhere, power={}, {} link, alpha={}, l1_ratio={}",
                    this->spec().name, rows.n_samples, rows.n_features, p.tweedie_power(),
                    p.log_link() ? "log" : "identity", p.alpha, this->get_params()["l1_ratio"].dump());
    GlmProblem problem = glm_external_problem(rows.n_features, p.fit_intercept, rows.data_loss);
    problem.data_scale = 1.0 / rows.weight_sum;
    solve(ctx, problem, rows.target_mean);
  }

  Matrix apply_impl(const Context& ctx, const std::string&, const Matrix& X_in) const override {
    const DType dtype = value_dtype(X_in);
    FRANCA_EXPECTS_STATUS(is_floating(dtype), Status::type, "X: expected float32 or float64, got {}",
                          dtype_name(dtype));
    const Matrix X = contiguous_checked(ctx, X_in);
    const Device device = X.device();
    const std::int64_t n = X.rows(), d = this->n_features_in();
    Array coef = this->attribute_on(ctx, "coef_", device, dtype);
    coef.shape = {1, d};
    coef.strides = {d, 1};
    Array intercept = this->attribute_on(ctx, "intercept_", device, dtype);
    intercept.shape = {1};
    intercept.strides = {1};
    Array out = Array::empty(ctx, device, dtype, {n, 1});
    FRANCA_DISPATCH(device, linear_scores, ctx, X, coef, intercept, out);
    if (this->params().log_link()) FRANCA_DISPATCH(device, glm_exp_inplace, ctx, out);
    out.shape = {n};
    out.strides = {1};
    return Matrix::from_dense(out);
  }

  // The unweighted-sum data term sum_i s_i loss_i (the fit divides it by sum_i s_i over all the
  // rows): coef holds n_features coefficients, then the intercept when fit_intercept.
  double data_loss_impl(const Context& ctx, const Matrix& X, const Array& y, const Array* sample_weight,
                        const std::vector<double>& coef, std::vector<double>& gradient,
                        std::vector<double>* hessian) const override {
    const auto& p = this->params();
    FRANCA_EXPECTS_STATUS(is_floating(value_dtype(X)), Status::type, "X: expected float32 or float64, got {}",
                          dtype_name(value_dtype(X)));
    FRANCA_EXPECTS(y.ndim() == 1 || y.dim(1) == 1, "y: expected a 1-D array of targets, got shape ({}, {})", y.dim(0),
                   y.dim(1));
    const std::int64_t n = X.rows(), expected = X.cols() + (p.fit_intercept ? 1 : 0);
    FRANCA_EXPECTS(static_cast<std::int64_t>(coef.size()) == expected,
                   "coef: expected n_features + fit_intercept = {} values, got {}", expected, coef.size());
    Array targets = to(ctx, y, Device::cpu(), DType::float64);
    check_targets(p, targets.ptr<const double>(), n);
    targets.shape = {n};
    targets.strides = {1};
    GlmData data;
    data.targets = to_device(ctx, targets, X.device());
    data.weights = glm_row_weights(ctx, sample_weight, n, X.device());
    data.fit_intercept = p.fit_intercept;
    data.power = p.tweedie_power();
    data.loss = row_loss(p);
    return glm_data_loss(ctx, X, std::move(data), coef, gradient, hessian);
  }

  void check_state() const override {
    const std::int64_t d = this->n_features_in();
    this->expect_attribute("coef_", DType::float64, {d});
    this->expect_attribute("intercept_", DType::float64, {});
    this->expect_attribute("n_iter_", DType::int64, {});
  }

 private:
  // Minimises the problem's objective (its rows' weights summing to 1, or data_scale making them
  // so) and sets the fitted attributes; y_mean: the weighted mean of y.
  void solve(const Context& ctx, GlmProblem& problem, double y_mean) {
    const auto& p = this->params();
    const std::int64_t d = problem.d;
    GlmData& data = problem.data;
    data.n_scores = 1;
    data.power = p.tweedie_power();
    data.loss = row_loss(p);
    const double r = p.l1_ratio.value_or(0.0);
    problem.l1 = p.alpha * r;
    problem.l2 = p.alpha * (1.0 - r);

    // As scikit-learn: zero coefficients and the intercept of the weighted mean of y, or the
    // previous solution with warm_start.
    std::vector<double> x(static_cast<std::size_t>(d), 0.0);
    double intercept = p.log_link() ? (y_mean > 0 ? std::log(y_mean) : 0.0) : y_mean;
    if (p.warm_start && this->fitted()) {
      x = previous_coef(ctx, *this, 1, d);
      intercept = *this->attribute("intercept_").template ptr<const double>();
    }
    if (p.fit_intercept) x.push_back(intercept);

    GlmSolverOptions options;
    options.solver = p.solver;
    options.max_iter = p.max_iter;
    options.tol = p.tol;
    options.max_linesearch = 50;  // scikit-learn passes maxls=50 to scipy (lbfgs)
    options.name = this->spec().name;
    const GlmSolution solution = minimize_glm(ctx, problem, x, options);

    const std::vector<double> coef(x.begin(), x.begin() + d);
    const std::vector<double> b{p.fit_intercept ? x[static_cast<std::size_t>(d)] : 0.0};
    this->set_attribute(ctx, "coef_", Array::from_host(coef, {d}));
    this->set_attribute(ctx, "intercept_", Array::from_host(b, {}));
    this->set_attribute(ctx, "n_iter_", Array::from_host(std::vector<std::int64_t>{solution.n_iter}, {}));
  }
};

template <Family F>
EstimatorSpec glm_regressor_spec(const char* name, const char* doc, json power) {
  return EstimatorSpec::of<GlmRegressor<F>>(name, EstimatorKind::regressor, "linear_model")
      .doc(doc)
      .method("predict",
              "The predicted mean, the inverse link of X coef_ + intercept_ (exp for the log link), 1-D "
              "in X's dtype.")
      .fitted({"coef_", "intercept_", "n_iter_"})
      .accepts({Matrix::Kind::dense, Matrix::Kind::csr})
      .single_target()
      .scored_by_tweedie_deviance(std::move(power));
}

const EstimatorSpec& poisson_regressor_spec() {
  static const EstimatorSpec spec = glm_regressor_spec<Family::poisson>(
      "PoissonRegressor",
      "Generalised linear model with a Poisson distribution and log link, minimising scikit-learn 1.2's "
      "sum_i s_i half_poisson_deviance_i / sum_i s_i + alpha/2 ||w||^2 with L-BFGS or Newton-Cholesky (or an "
      "elastic-net penalty through l1_ratio, with OWL-QN). y >= 0.",
      1.0);
  return spec;
}

const EstimatorSpec& gamma_regressor_spec() {
  static const EstimatorSpec spec = glm_regressor_spec<Family::gamma>(
      "GammaRegressor",
      "Generalised linear model with a Gamma distribution and log link, minimising scikit-learn 1.2's "
      "sum_i s_i half_gamma_deviance_i / sum_i s_i + alpha/2 ||w||^2 with L-BFGS or Newton-Cholesky (or an "
      "elastic-net penalty through l1_ratio, with OWL-QN). y > 0.",
      2.0);
  return spec;
}

const EstimatorSpec& tweedie_regressor_spec() {
  static const EstimatorSpec spec = glm_regressor_spec<Family::tweedie>(
      "TweedieRegressor",
      "Generalised linear model with a Tweedie distribution of the given power and a log or identity link, "
      "minimising scikit-learn 1.2's sum_i s_i half_tweedie_deviance_i / sum_i s_i + alpha/2 ||w||^2 with L-BFGS "
      "or Newton-Cholesky (or an elastic-net penalty through l1_ratio, with OWL-QN). y: any for power <= 0, >= 0 for "
      "power in [1, 2), > 0 for power >= 2.",
      "power");
  return spec;
}

}  // namespace

FRANCA_REGISTER_ESTIMATOR(poisson_regressor_spec);
FRANCA_REGISTER_ESTIMATOR(gamma_regressor_spec);
FRANCA_REGISTER_ESTIMATOR(tweedie_regressor_spec);

}  // namespace franca
