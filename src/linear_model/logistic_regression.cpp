// LogisticRegression (scikit-learn's): binary (one coefficient vector) and multinomial (softmax)
// logistic regression with L2, L1 or elastic-net penalties, on dense or CSR X, on the CPU or CUDA.
// The data passes (loss and gradient; the Hessian for Newton-Cholesky) run where X lives; the
// optimizer (L-BFGS, OWL-QN when there is an L1 term, or Newton-Cholesky) runs on the host over the
// n_scores * (d + 1) coefficients, which are small next to X. scikit-learn's 'newton-cg', 'sag' and
// 'saga' minimise the same objective by other algorithms; franca reaches that minimum with L-BFGS
// (OWL-QN for saga's L1 and elastic-net penalties).
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "core/class_weight.hpp"
#include "core/expects.hpp"
#include "core/logging.hpp"
#include "core/registry.hpp"
#include "linear_model/glm_fit.hpp"
#include "linear_model/logistic.hpp"
#include "linear_model/warm_start.hpp"
#include "primitives/csr_ops.hpp"
#include "primitives/linear_scores.hpp"
#include "primitives/matrix_input.hpp"

namespace franca {

namespace {

using logistic::Link;
using logistic::Output;

enum class Penalty { l1, l2, elasticnet, none };
enum class Solver { lbfgs, liblinear, newton_cg, newton_cholesky, sag, saga };
enum class MultiClass { automatic, ovr, multinomial };

struct LogisticRegressionParams {
  std::optional<Penalty> penalty = Penalty::l2;
  bool dual = false;
  double tol = 1e-4;
  double C = 1.0;
  bool fit_intercept = true;
  double intercept_scaling = 1.0;
  ClassWeight class_weight;
  std::optional<std::int64_t> random_state;
  Solver solver = Solver::lbfgs;
  std::int64_t max_iter = 100;
  MultiClass multi_class = MultiClass::automatic;
  std::int64_t verbose = 0;
  bool warm_start = false;
  std::optional<std::int64_t> n_jobs;
  std::optional<double> l1_ratio;

  // No penalty for None and 'none' alike.
  Penalty penalty_or_none() const { return penalty.value_or(Penalty::none); }

  static void declare(ParamTable<LogisticRegressionParams>& t) {
    using P = LogisticRegressionParams;
    t.field("penalty", &P::penalty,
            "'l2', 'l1', 'elasticnet' (mixing both through l1_ratio) or None/'none' (no penalty). The intercept is "
            "not penalised.")
        .names(
            {{"l1", Penalty::l1}, {"l2", Penalty::l2}, {"elasticnet", Penalty::elasticnet}, {"none", Penalty::none}});
    t.field("dual", &P::dual,
            "Dual formulation, liblinear's only (not implemented in franca): must be False, as for every other "
            "solver.");
    t.field("tol", &P::tol,
            "lbfgs (and the solvers it stands for): stop when the largest absolute (pseudo-)gradient entry of the "
            "objective divided by the summed weights is <= tol (scipy's pgtol), as scikit-learn 1.9. newton-cholesky: "
            "when that entry and half the squared Newton decrement are both <= tol, as scikit-learn.")
        .minimum(0);
    t.field("C", &P::C,
            "Inverse of the regularisation strength; must be > 0. inf: no penalty (scikit-learn >= 1.8's spelling "
            "of penalty=None).")
        .greater_than(0)
        .or_infinity();
    t.field("fit_intercept", &P::fit_intercept,
            "Whether to fit an intercept; if False the data are assumed centred. The intercept is not penalised.");
    t.field("intercept_scaling", &P::intercept_scaling,
            "Accepted for scikit-learn compatibility (liblinear only); unused.")
        .greater_than(0);
    t.field("class_weight", &P::class_weight,
            "Weights of the classes: None (all 1), 'balanced' (n_samples / (n_classes * count of the class)), or an "
            "object mapping a class label, written as a number (\"0\", \"2.5\"), to its weight. Multiplies "
            "sample_weight.")
        .check([](const ClassWeight& w) {
          FRANCA_EXPECTS(w.kind != ClassWeight::Kind::balanced_subsample,
                         "parameter 'class_weight': 'balanced_subsample' is for forests; use 'balanced'");
          FRANCA_EXPECTS(w.kind != ClassWeight::Kind::given_per_output,
                         "parameter 'class_weight': a list of dicts is for multi-output forests; pass a dict");
        });
    t.field("random_state", &P::random_state, "Unused: the solver is deterministic.");
    t.field("solver", &P::solver,
            "'lbfgs': L-BFGS; unlike scikit-learn's, it also takes penalty='l1' and 'elasticnet' (OWL-QN, "
            "orthant-wise L-BFGS). 'newton-cholesky': scikit-learn's Newton solver (penalty 'l2' or None; binary, "
            "one-vs-rest or multinomial; the dense Hessian holds at most 4096 coefficients), each step one more pass "
            "over X for the Hessian and a Cholesky solve on the host, falling back to lbfgs, with scikit-learn's "
            "warning, where the Hessian is not positive definite. 'newton-cg' and 'sag' (penalty 'l2' or None) and "
            "'saga' (any penalty) are other algorithms for the same minimum: franca runs lbfgs for them (OWL-QN for "
            "saga's 'l1' and 'elasticnet'), so n_iter_ counts L-BFGS iterations. 'liblinear' (penalised intercept, "
            "dual) is not implemented.")
        .names({{"lbfgs", Solver::lbfgs},
                {"liblinear", Solver::liblinear},
                {"newton-cg", Solver::newton_cg},
                {"newton-cholesky", Solver::newton_cholesky},
                {"sag", Solver::sag},
                {"saga", Solver::saga}})
        .implemented({Solver::lbfgs, Solver::newton_cg, Solver::newton_cholesky, Solver::sag, Solver::saga},
                     "use 'lbfgs' (which also handles l1 and elasticnet penalties, through OWL-QN) or 'saga'");
    t.field("max_iter", &P::max_iter, "Maximum number of solver iterations.").minimum(0);
    t.field("multi_class", &P::multi_class,
            "'auto' (binomial for 2 classes, else multinomial), 'multinomial' (softmax, also for 2 classes) or 'ovr' "
            "(one binary problem per class; n_iter_ then has one entry per class).")
        .names({{"auto", MultiClass::automatic}, {"ovr", MultiClass::ovr}, {"multinomial", MultiClass::multinomial}});
    t.field("verbose", &P::verbose, "Accepted for scikit-learn compatibility; franca logs convergence at info level.")
        .minimum(0);
    t.field("warm_start", &P::warm_start,
            "Start from the previous solution when refitting on the same classes and features.");
    t.field("n_jobs", &P::n_jobs, "Accepted for scikit-learn compatibility; threads come from the context.");
    t.field("l1_ratio", &P::l1_ratio, "Elastic-net mixing r in [0, 1] (required with penalty='elasticnet').")
        .minimum(0)
        .maximum(1);
    t.rule([](const P& p) {
      check_solver(p);
      if (p.penalty_or_none() == Penalty::elasticnet) {
        FRANCA_EXPECTS(p.l1_ratio.has_value(),
                       "parameter 'l1_ratio': must be between 0 and 1 when penalty='elasticnet'; got (l1_ratio=None)");
      } else if (p.l1_ratio) {
        const json penalty = ParamTable<P>::get().values(p)["penalty"];  // printed as Python prints it
        FRANCA_LOG_WARN(
            "LogisticRegression: l1_ratio parameter is only used when penalty is 'elasticnet'. Got (penalty={})",
            penalty.is_string() ? penalty.get<std::string>() : "None");
      }
      if (p.penalty_or_none() == Penalty::none && p.C != 1.0)
        FRANCA_LOG_WARN("LogisticRegression: Setting penalty=None will ignore the C and l1_ratio parameters");
    });
  }

  // scikit-learn's _check_solver, in its messages (1.9's: "'l2' or None", where 1.2 says "'l2' or
  // 'none'"), except that franca's lbfgs also takes 'l1' and 'elasticnet'.
  static void check_solver(const LogisticRegressionParams& p) {
    const json values = ParamTable<LogisticRegressionParams>::get().values(p);
    const std::string solver = values["solver"].get<std::string>();
    const Penalty penalty = p.penalty_or_none();
    const bool l1_term = penalty == Penalty::l1 || penalty == Penalty::elasticnet;
    FRANCA_EXPECTS(!l1_term || p.solver == Solver::lbfgs || p.solver == Solver::saga,
                   "Solver {} supports only 'l2' or None penalties, got {} penalty.", solver,
                   values["penalty"].get<std::string>());
    FRANCA_EXPECTS(!p.dual, "Solver {} supports only dual=False, got dual=True", solver);
  }
};

class LogisticRegression final : public TypedEstimator<LogisticRegressionParams> {
 public:
  using TypedEstimator::TypedEstimator;

 protected:
  void fit_impl(const Context& ctx, const Matrix& X_in, const Array* y, const Array* sample_weight) override {
    const auto& p = params();
    FRANCA_EXPECTS_STATUS(is_floating(value_dtype(X_in)), Status::type, "X: expected float32 or float64, got {}",
                          dtype_name(value_dtype(X_in)));
    FRANCA_EXPECTS(y->ndim() == 1 || y->dim(1) == 1, "y: expected a 1-D array of class labels, got shape ({}, {})",
                   y->dim(0), y->dim(1));

    // Classes and per-sample codes, on the host (labels are one value per row).
    const Array y_host = to(ctx, *y, Device::cpu(), DType::float64);
    const double* labels = y_host.ptr<const double>();
    const std::int64_t n = X_in.rows(), d = X_in.cols();
    const ClassLabels encoded = encode_class_labels(labels, n);
    const std::vector<double>& classes = encoded.classes;
    const auto K = encoded.size();
    FRANCA_EXPECTS(K >= 2,
                   "y: This solver needs samples of at least 2 classes in the data, but the data contains only one "
                   "class: {}",
                   classes[0]);
    const bool ovr = p.multi_class == MultiClass::ovr && K > 2;
    const bool multinomial = !ovr && (K > 2 || p.multi_class == MultiClass::multinomial);
    const std::vector<std::int32_t>& codes = encoded.codes;
    const std::vector<std::int64_t>& counts = encoded.counts;
    std::vector<double> sample_weights(static_cast<std::size_t>(n), 1.0);
    if (sample_weight) {
      const Array w = to(ctx, *sample_weight, Device::cpu(), DType::float64);
      sample_weights.assign(w.ptr<const double>(), w.ptr<const double>() + n);
    }

    GlmProblem problem = glm_problem(ctx, X_in, p.fit_intercept, "LogisticRegression");
    const Device device = X_in.device();
    FRANCA_LOG_INFO("LogisticRegression: {} fit on {} ({} X of {} x {}), {} classes, penalty={}, C={}",
                    ovr           ? "one-vs-rest"
                    : multinomial ? "multinomial"
                                  : "binomial",
                    device.str(), X_in.kind_name(), n, d, K, get_params()["penalty"].dump(), p.C);

    // coef_ has one row for 2 classes, else one per class; warm_start starts from the previous one.
    const std::int64_t rows = K == 2 ? 1 : K;
    const bool fit_intercept = problem.data.fit_intercept;
    std::vector<double> coef(static_cast<std::size_t>(rows * d), 0.0), intercept(static_cast<std::size_t>(rows), 0.0);
    warm_start_from(ctx, rows, d, coef, intercept);
    std::vector<std::int64_t> n_iter;
    if (ovr) {
      // One binary problem per class. As scikit-learn: a dict class_weight weighs the original
      // classes, 'balanced' the two classes of each problem.
      const ClassWeight::Kind cw_kind = p.class_weight.kind;
      const std::vector<double> cw = cw_kind == ClassWeight::Kind::given
                                         ? class_weights(p.class_weight, classes, counts, n)
                                         : std::vector<double>(K, 1.0);
      for (std::int64_t k = 0; k < K; ++k) {
        std::vector<std::int32_t> binary(static_cast<std::size_t>(n));
        std::vector<double> weights(sample_weights);
        const std::int64_t positives = counts[static_cast<std::size_t>(k)];
        for (std::size_t i = 0; i < binary.size(); ++i) {
          binary[i] = codes[i] == k ? 1 : 0;
          weights[i] *=
              cw_kind == ClassWeight::Kind::balanced
                  ? static_cast<double>(n) / (2.0 * static_cast<double>(binary[i] ? positives : n - positives))
                  : cw[static_cast<std::size_t>(codes[i])];
        }
        std::vector<double> x(coef.begin() + k * d, coef.begin() + (k + 1) * d);
        if (fit_intercept) x.push_back(intercept[static_cast<std::size_t>(k)]);
        set_rows(ctx, problem, binary, weights);
        n_iter.push_back(solve(ctx, problem, 1, std::accumulate(weights.begin(), weights.end(), 0.0), x));
        std::copy(x.begin(), x.begin() + d, coef.begin() + k * d);
        if (fit_intercept) intercept[static_cast<std::size_t>(k)] = x[static_cast<std::size_t>(d)];
      }
    } else {
      const std::vector<double> cw = class_weights(p.class_weight, classes, counts, n);
      for (std::int64_t i = 0; i < n; ++i)
        sample_weights[static_cast<std::size_t>(i)] *= cw[static_cast<std::size_t>(codes[static_cast<std::size_t>(i)])];
      set_rows(ctx, problem, codes, sample_weights);
      n_iter.push_back(solve_scores(ctx, problem, multinomial ? K : 1,
                                    std::accumulate(sample_weights.begin(), sample_weights.end(), 0.0), coef,
                                    intercept));
    }
    // In X's dtype, as scikit-learn >= 1.3 keeps float32 (the solver works in float64).
    set_fitted(ctx, classes, coef, intercept, n_iter, value_dtype(X_in));
  }

  // The rows' class codes 0 .. n_classes - 1 and weights (class weights included) are the data
  // term's: every class is one problem, multinomial or binomial as fit_impl chooses.
  void fit_external_impl(const Context& ctx, const ExternalRows& rows) override {
    const auto& p = params();
    const std::int64_t K = rows.n_classes, d = rows.n_features;
    FRANCA_EXPECTS(K >= 2, "rows: n_classes must be at least 2, got {}", K);
    FRANCA_EXPECTS_STATUS(p.multi_class != MultiClass::ovr || K == 2, Status::not_implemented,
                          "LogisticRegression: multi_class='ovr' fits a problem of its own weights per class, which "
                          "one data term over rows held elsewhere cannot give; use 'multinomial'");
    const bool multinomial = K > 2 || p.multi_class == MultiClass::multinomial;
    FRANCA_LOG_INFO("LogisticRegression: {} fit on {} x {} rows held elsewhere, {} classes, penalty={}, C={}",
                    multinomial ? "multinomial" : "binomial", rows.n_samples, d, K, get_params()["penalty"].dump(),
                    p.C);
    GlmProblem problem = glm_external_problem(d, p.fit_intercept, rows.data_loss);
    const std::int64_t n_rows = K == 2 ? 1 : K;
    std::vector<double> coef(static_cast<std::size_t>(n_rows * d), 0.0), intercept(static_cast<std::size_t>(n_rows));
    warm_start_from(ctx, n_rows, d, coef, intercept);
    std::vector<double> classes(static_cast<std::size_t>(K));
    for (std::int64_t k = 0; k < K; ++k) classes[static_cast<std::size_t>(k)] = static_cast<double>(k);
    const std::int64_t n_iter = solve_scores(ctx, problem, multinomial ? K : 1, rows.weight_sum, coef, intercept);
    set_fitted(ctx, classes, coef, intercept, {n_iter}, rows.dtype);
  }

  Matrix apply_impl(const Context& ctx, const std::string& method, const Matrix& X_in) const override {
    const DType dtype = value_dtype(X_in);
    FRANCA_EXPECTS_STATUS(is_floating(dtype), Status::type, "X: expected float32 or float64, got {}",
                          dtype_name(dtype));
    const Matrix X = contiguous_checked(ctx, X_in);
    const Device device = X.device();
    const Array coef = attribute_on(ctx, "coef_", device, dtype);
    const Array intercept = attribute_on(ctx, "intercept_", device, dtype);
    const std::int64_t n = X.rows(), t = coef.dim(0);
    Array Z = Array::empty(ctx, device, dtype, {n, t});
    FRANCA_DISPATCH(device, linear_scores, ctx, X, coef, intercept, Z);
    if (method == "decision_function") {
      if (t == 1) {
        Z.shape = {n};
        Z.strides = {1};
      }
      return Matrix::from_dense(Z);
    }
    const Array classes = attribute_on(ctx, "classes_", device, DType::float64);
    const std::int64_t K = classes.size();
    // As scikit-learn: a 2-class model fitted with multi_class='multinomial' gives softmax([-z, z]).
    const MultiClass multi_class = params().multi_class;
    Link link = Link::binomial;
    if (t > 1) {
      link = multi_class == MultiClass::ovr ? Link::one_vs_rest : Link::multinomial;
    } else if (multi_class == MultiClass::multinomial) {
      link = Link::symmetric_binomial;
    }
    if (method == "predict") {
      Array out = Array::empty(ctx, device, DType::float64, {n});
      FRANCA_DISPATCH(Z.device, logistic_link, ctx, Z, link, Output::predict, classes, out);
      return Matrix::from_dense(out);
    }
    Array out = Array::empty(ctx, device, dtype, {n, K});
    FRANCA_DISPATCH(Z.device, logistic_link, ctx, Z, link,
                    method == "predict_proba" ? Output::proba : Output::log_proba, classes, out);
    return Matrix::from_dense(out);
  }

  // The unpenalised sum_i w_i log_loss_i: coef holds t rows of n_features coefficients, then t
  // intercepts when fit_intercept; t = 1 is the binomial loss (y in {0, 1}), t > 1 the multinomial
  // one (y the class codes 0 .. t-1). sample_weight must already include any class weight: the
  // caller knows the classes of all the blocks, this call those of one.
  double data_loss_impl(const Context& ctx, const Matrix& X, const Array& y, const Array* sample_weight,
                        const std::vector<double>& coef, std::vector<double>& gradient,
                        std::vector<double>* hessian) const override {
    FRANCA_EXPECTS_STATUS(is_floating(value_dtype(X)), Status::type, "X: expected float32 or float64, got {}",
                          dtype_name(value_dtype(X)));
    const std::int64_t n = X.rows(), per_score = X.cols() + (params().fit_intercept ? 1 : 0);
    const auto size = static_cast<std::int64_t>(coef.size());
    FRANCA_EXPECTS(size > 0 && size % per_score == 0,
                   "coef: expected n_scores x (n_features + fit_intercept) = n_scores x {} values, got {}", per_score,
                   size);
    const std::int64_t n_scores = size / per_score, n_codes = std::max<std::int64_t>(n_scores, 2);
    const Array y_host = to(ctx, y, Device::cpu(), DType::float64);
    const double* labels = y_host.ptr<const double>();
    std::vector<std::int32_t> codes(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
      FRANCA_EXPECTS(labels[i] >= 0 && labels[i] < static_cast<double>(n_codes) && labels[i] == std::floor(labels[i]),
                     "y: expected the class codes 0 to {} of {} score(s) per row, got y[{}] = {}", n_codes - 1,
                     n_scores, i, labels[i]);
      codes[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(labels[i]);
    }
    GlmData data;
    data.labels = to_device(ctx, Array::from_host(codes, {n}), X.device());
    data.weights = glm_row_weights(ctx, sample_weight, n, X.device());
    data.n_scores = n_scores;
    data.fit_intercept = params().fit_intercept;
    data.loss = n_scores == 1 ? glm::Loss::binomial : glm::Loss::multinomial;
    return glm_data_loss(ctx, X, std::move(data), coef, gradient, hessian);
  }

  void check_state() const override {
    const std::int64_t d = n_features_in();
    const Array& classes = expect_attribute("classes_", DType::float64, {-1});
    const std::int64_t K = classes.dim(0);
    FRANCA_EXPECTS_STATUS(K >= 2, Status::corrupt_model, "model: LogisticRegression needs at least 2 classes_");
    const double* c = classes.ptr<const double>();
    for (std::int64_t k = 0; k < K; ++k)
      FRANCA_EXPECTS_STATUS(std::isfinite(c[k]) && (k == 0 || c[k - 1] < c[k]), Status::corrupt_model,
                            "model: classes_ must be finite and strictly increasing");
    const std::int64_t rows = K == 2 ? 1 : K;
    const DType dtype = attribute("coef_").dtype;
    FRANCA_EXPECTS_STATUS(is_floating(dtype), Status::corrupt_model, "model: coef_ must be float32 or float64");
    expect_attribute("coef_", dtype, {rows, d});
    expect_attribute("intercept_", dtype, {rows});
    const Array& n_iter = expect_attribute("n_iter_", DType::int64, {-1});
    FRANCA_EXPECTS_STATUS(n_iter.dim(0) == 1 || n_iter.dim(0) == K, Status::corrupt_model,
                          "model: n_iter_ must have 1 or n_classes entries");
  }

 private:
  void set_fitted(const Context& ctx, const std::vector<double>& classes, const std::vector<double>& coef,
                  const std::vector<double>& intercept, const std::vector<std::int64_t>& n_iter, DType dtype) {
    const auto rows = static_cast<std::int64_t>(intercept.size()), d = static_cast<std::int64_t>(coef.size()) / rows;
    set_attribute(ctx, "classes_", Array::from_host(classes, {static_cast<std::int64_t>(classes.size())}));
    set_attribute(ctx, "coef_", to(ctx, Array::from_host(coef, {rows, d}), Device::cpu(), dtype));
    set_attribute(ctx, "intercept_", to(ctx, Array::from_host(intercept, {rows}), Device::cpu(), dtype));
    set_attribute(ctx, "n_iter_", Array::from_host(n_iter, {static_cast<std::int64_t>(n_iter.size())}));
  }

  // The labels (codes) and weights of the rows of problem's X, on X's device.
  static void set_rows(const Context& ctx, GlmProblem& problem, const std::vector<std::int32_t>& codes,
                       const std::vector<double>& weights) {
    const auto n = static_cast<std::int64_t>(codes.size());
    problem.data.labels = to_device(ctx, Array::from_host(codes, {n}), problem.data.X.device());
    problem.data.weights = to_device(ctx, Array::from_host(weights, {n}), problem.data.X.device());
  }

  // One problem over every class (binomial for n_scores = 1, else multinomial) from coef_ and
  // intercept_ (coef_'s rows: 1 for 2 classes, else one per class), which receive the solution;
  // returns the iterations. A 2-class multinomial model is kept, as scikit-learn does, as its second
  // row z; its two scores are -z and z.
  std::int64_t solve_scores(const Context& ctx, GlmProblem& problem, std::int64_t n_scores, double weight_sum,
                            std::vector<double>& coef, std::vector<double>& intercept) const {
    const std::int64_t d = problem.d;
    const bool mirrored = n_scores == 2, fit_intercept = problem.data.fit_intercept;
    std::vector<double> x(static_cast<std::size_t>(n_scores * d + (fit_intercept ? n_scores : 0)));
    for (std::int64_t k = 0; k < n_scores; ++k) {
      const double sign = mirrored && k == 0 ? -1.0 : 1.0;
      const std::int64_t src = mirrored ? 0 : k;
      for (std::int64_t j = 0; j < d; ++j) x[static_cast<std::size_t>(k * d + j)] = sign * coef[src * d + j];
      if (fit_intercept) x[static_cast<std::size_t>(n_scores * d + k)] = sign * intercept[src];
    }
    const std::int64_t n_iter = solve(ctx, problem, n_scores, weight_sum, x);
    const std::int64_t first = mirrored ? 1 : 0;
    std::copy(x.begin() + first * d, x.begin() + n_scores * d, coef.begin());
    if (fit_intercept) std::copy(x.begin() + n_scores * d + first, x.end(), intercept.begin());
    return n_iter;
  }

  // Minimises the objective of problem's rows (their labels: {0, 1} for n_scores = 1, else class
  // indices; their weights summing to weight_sum) from x (n_scores * d coefficients, then the
  // intercepts when fitted), which receives the solution; returns the iterations. The problem's X
  // is shared by the binary problems of a one-vs-rest fit.
  std::int64_t solve(const Context& ctx, GlmProblem& problem, std::int64_t n_scores, double weight_sum,
                     std::vector<double>& x) const {
    const auto& p = params();
    GlmData& data = problem.data;
    // scikit-learn's objective, sum_i w_i loss_i + (1 - r) / (2C) ||W||^2 + r / C ||W||_1 (r = 0 for
    // 'l2', 1 for 'l1', l1_ratio for 'elasticnet'; no penalty for 'none'; intercepts never
    // penalised), divided by the summed weights (class weights included): scikit-learn 1.9
    // minimises that mean with every solver franca runs (1.2 divided it for newton-cholesky only),
    // and tol (the gradient's largest entry) is on it, so the iterations stop where 1.9's do.
    const Penalty penalty = p.penalty_or_none();
    const bool newton = p.solver == Solver::newton_cholesky;
    FRANCA_EXPECTS(weight_sum > 0, "sample_weight: the weights sum to {}; at least one must be positive", weight_sum);
    const double scale = 1.0 / weight_sum;
    problem.data_scale = scale;
    const double r = penalty == Penalty::l1 ? 1.0 : penalty == Penalty::elasticnet ? *p.l1_ratio : 0.0;
    problem.l2 = penalty == Penalty::none ? 0.0 : scale * (1.0 - r) / p.C;
    problem.l1 = penalty == Penalty::none ? 0.0 : scale * r / p.C;
    data.n_scores = n_scores;
    data.loss = n_scores == 1 ? glm::Loss::binomial : glm::Loss::multinomial;
    GlmSolverOptions options;
    options.solver = newton ? GlmSolver::newton_cholesky : GlmSolver::lbfgs;
    // Where lbfgs stands in for another algorithm, a fit stopped at max_iter warns in that one's
    // words, as scikit-learn's tests of it expect.
    if (p.solver == Solver::newton_cg)
      options.unconverged = "newton-cg failed to converge. Increase the number of iterations.";
    if (p.solver == Solver::sag || p.solver == Solver::saga)
      options.unconverged = "The max_iter was reached which means the coef_ did not converge";
    options.max_iter = p.max_iter;
    options.tol = p.tol;
    options.name = "LogisticRegression";
    return minimize_glm(ctx, problem, x, options).n_iter;
  }

  // With warm_start and a fitted model: its coef_ and intercept_, which must have this shape.
  void warm_start_from(const Context& ctx, std::int64_t rows, std::int64_t d, std::vector<double>& coef,
                       std::vector<double>& intercept) const {
    if (!params().warm_start || !fitted()) return;
    coef = previous_coef(ctx, *this, rows, d);
    const Array b = to(ctx, attribute("intercept_"), Device::cpu(), DType::float64);
    intercept.assign(b.ptr<const double>(), b.ptr<const double>() + rows);
  }
};

const EstimatorSpec& logistic_regression_spec() {
  static const EstimatorSpec spec =
      EstimatorSpec::of<LogisticRegression>("LogisticRegression", EstimatorKind::classifier, "linear_model")
          .doc(
              "Logistic regression (binary, or multinomial for more than 2 classes) minimising scikit-learn's "
              "objective sum_i w_i log_loss_i + (1 - r)/(2C) ||W||^2 + r/C ||W||_1, divided by sum_i w_i as "
              "scikit-learn 1.9 does (the same minimiser), with L-BFGS (OWL-QN when r > 0) or Newton-Cholesky.")
          .method("predict", "Class labels (float64, 1-D): classes_ of the largest score.")
          .method("predict_proba", "Class probabilities, n_samples x n_classes, in X's dtype.")
          .method("predict_log_proba", "Logarithms of the class probabilities, computed stably, in X's dtype.")
          .method("decision_function",
                  "Scores X coef_^T + intercept_ in X's dtype: 1-D for 2 classes, else n_samples x n_classes.")
          .fitted({"classes_", "coef_", "intercept_", "n_iter_"})
          .accepts({Matrix::Kind::dense, Matrix::Kind::csr});
  return spec;
}

}  // namespace

FRANCA_REGISTER_ESTIMATOR(logistic_regression_spec);

}  // namespace franca
