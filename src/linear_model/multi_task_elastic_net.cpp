// MultiTaskElasticNet and MultiTaskLasso (scikit-learn's): the targets of a 2-D y fitted together,
// min_W 1/(2n) ||Y - X W^T - 1 b^T||^2_S + alpha l1_ratio sum_j ||W_:j||_2 + alpha (1 - l1_ratio)/2 ||W||^2,
// the L2,1 penalty keeping or dropping each feature for every target at once. scikit-learn's block
// coordinate descent (cd_gram_multi_task) over the weighted centred Gram statistics built where X
// lives (dense, or CSR of at most kMaxSparseGramFeatures columns, on any device); S: sample_weight
// rescaled to sum to n (scikit-learn >= 1.9 takes it; before, none).
#include <cmath>
#include <string>

#include "core/expects.hpp"
#include "core/logging.hpp"
#include "core/registry.hpp"
#include "linear_model/coordinate_descent.hpp"
#include "linear_model/enet_params.hpp"
#include "linear_model/least_squares.hpp"
#include "linear_model/warm_start.hpp"
#include "primitives/dense.hpp"
#include "primitives/matrix_input.hpp"

namespace franca {

namespace {

// MultiTaskLasso is the multi-task elastic net with l1_ratio = 1, which it does not list.
template <bool kLasso>
struct MultiTaskParams {
  double alpha = 1.0;
  double l1_ratio = kLasso ? 1.0 : 0.5;
  bool fit_intercept = true;
  bool copy_X = true;
  std::int64_t max_iter = 1000;
  double tol = 1e-4;
  bool warm_start = false;
  std::optional<std::int64_t> random_state;
  Selection selection = Selection::cyclic;
  bool positive = false;  // not a parameter: cd_solver_options reads it

  static void declare(ParamTable<MultiTaskParams>& t) {
    using P = MultiTaskParams;
    t.field("alpha", &P::alpha,
            kLasso ? "Constant that multiplies the L1/L2 term (sum over features of the 2-norm of their coefficients "
                     "over the targets); must be >= 0."
                   : "Constant that multiplies the penalty terms; must be >= 0.")
        .minimum(0);
    if constexpr (!kLasso)
      t.field("l1_ratio", &P::l1_ratio,
              "The mixing r in [0, 1]: the penalty is alpha (r sum_j ||W_:j||_2 + (1 - r)/2 ||W||^2).")
          .minimum(0)
          .maximum(1);
    t.field("fit_intercept", &P::fit_intercept,
            "Whether to fit an intercept per target; if False the data are assumed centred. The intercepts are not "
            "penalised.");
    t.field("copy_X", &P::copy_X, "Accepted for scikit-learn compatibility: franca never modifies X.");
    t.field("max_iter", &P::max_iter, "Maximum number of coordinate-descent sweeps.").minimum(1);
    t.field("tol", &P::tol,
            "Once the largest coefficient change of a sweep is below tol times the largest coefficient, stop if the "
            "duality gap is below tol times ||Y - mean(Y)||^2 (weighted).")
        .minimum(0);
    t.field("warm_start", &P::warm_start,
            "Start from the previous coef_ when refitting with as many features and "
            "targets.");
    declare_cd_selection_params(t);
  }
};

template <bool kLasso>
class MultiTaskElasticNetModel final : public LinearModel<MultiTaskParams<kLasso>> {
 public:
  using LinearModel<MultiTaskParams<kLasso>>::LinearModel;

 protected:
  void fit_impl(const Context& ctx, const Matrix& X_in, const Array* y, const Array* sample_weight) override {
    const auto& p = this->params();
    const std::string& name = this->spec().name;
    FRANCA_EXPECTS(y->ndim() == 2, "y: For mono-task outputs, use {}", kLasso ? "Lasso" : "ElasticNet");
    const DType dtype = value_dtype(X_in);
    const Matrix X = contiguous_checked(ctx, X_in);
    const Device device = X.device();
    const std::int64_t n = X.rows(), d = X.cols(), t = y->dim(1);
    FRANCA_EXPECTS_STATUS(d <= kMaxSparseGramFeatures, Status::not_implemented,
                          "X: {} of more than {} columns is not implemented (franca fits it over X's Gram matrix), "
                          "got {} columns",
                          name, kMaxSparseGramFeatures, d);
    const Array y64 = to(ctx, *y, device, DType::float64);
    Array w64;
    if (sample_weight) w64 = to(ctx, *sample_weight, device, DType::float64);
    const Array* w = sample_weight ? &w64 : nullptr;
    NormalEquations eq = centered_normal_equations(ctx, X, y64, w, p.fit_intercept);
    const ColumnMoments ym = FRANCA_DISPATCH(device, column_moments, ctx, y64, w, true);
    // The weights rescaled to sum to n, as scikit-learn does.
    const double scale = static_cast<double>(n) / ym.weight_sum;
    for (auto& v : eq.cp.xtx) v *= scale;
    for (auto& v : eq.cp.xty) v *= scale;
    double y_norm2 = 0.0;
    for (std::int64_t k = 0; k < t; ++k) {
      const auto ks = static_cast<std::size_t>(k);
      y_norm2 += (ym.var[ks] + (p.fit_intercept ? 0.0 : ym.mean[ks] * ym.mean[ks])) * static_cast<double>(n);
    }

    // W is d x t (a feature's coefficients of every target together); coef_ is (t, d).
    std::vector<double> W(static_cast<std::size_t>(d * t), 0.0);
    if (p.warm_start && this->fitted()) {
      const std::vector<double> previous = previous_coef(ctx, *this, t, d);
      for (std::int64_t k = 0; k < t; ++k)
        for (std::int64_t j = 0; j < d; ++j)
          W[static_cast<std::size_t>(j * t + k)] = previous[static_cast<std::size_t>(k * d + j)];
    }
    CdOptions o = cd_solver_options(ctx, p);
    o.l1 = p.alpha * p.l1_ratio * static_cast<double>(n);
    o.l2 = p.alpha * (1.0 - p.l1_ratio) * static_cast<double>(n);
    FRANCA_LOG_INFO(
        "{}: block coordinate descent (Gram form) on {} ({} X of {} x {}, {} targets), alpha={}, "
        "l1_ratio={}",
        name, device.str(), X.kind_name(), n, d, t, p.alpha, p.l1_ratio);
    const CdResult r = cd_gram_multi_task(ctx, eq.cp.xtx, eq.cp.xty.data(), t, y_norm2, W, o);
    warn_unconverged(name, r);

    std::vector<double> coef(static_cast<std::size_t>(t * d)), intercept(static_cast<std::size_t>(t), 0.0);
    for (std::int64_t k = 0; k < t; ++k) {
      double b = eq.y_mean[static_cast<std::size_t>(k)];
      for (std::int64_t j = 0; j < d; ++j) {
        const double c = W[static_cast<std::size_t>(j * t + k)];
        coef[static_cast<std::size_t>(k * d + j)] = c;
        b -= c * eq.x_mean[static_cast<std::size_t>(j)];
      }
      if (p.fit_intercept) intercept[static_cast<std::size_t>(k)] = b;
    }
    expect_finite_coefficients(name, coef);
    expect_finite_coefficients(name, intercept);
    this->set_attribute(ctx, "coef_", to(ctx, Array::from_host(coef, {t, d}), Device::cpu(), dtype));
    this->set_attribute(ctx, "intercept_", to(ctx, Array::from_host(intercept, {t}), Device::cpu(), dtype));
    this->set_attribute(
        ctx, "dual_gap_",
        to(ctx, Array::from_host(std::vector<double>{r.gap / static_cast<double>(n)}, {}), Device::cpu(), dtype));
    this->set_attribute(ctx, "eps_", to(ctx, Array::from_host(std::vector<double>{r.tol}, {}), Device::cpu(), dtype));
    this->set_attribute(ctx, "n_iter_", Array::from_host(std::vector<std::int64_t>{r.n_iter}, {}));
  }

  void check_state() const override {
    LinearModel<MultiTaskParams<kLasso>>::check_state();
    const Array& coef = this->expect_attribute("coef_", this->attribute("coef_").dtype, {-1, this->n_features_in()});
    this->expect_attribute("dual_gap_", coef.dtype, {});
    this->expect_attribute("eps_", coef.dtype, {});
    this->expect_attribute("n_iter_", DType::int64, {});
  }
};

template <bool kLasso>
EstimatorSpec multi_task_spec(const char* name, const char* doc) {
  return EstimatorSpec::of<MultiTaskElasticNetModel<kLasso>>(name, EstimatorKind::regressor, "linear_model")
      .doc(doc)
      .method("predict", "Predicted values of every target, X coef_^T + intercept_.")
      .fitted({"coef_", "intercept_", "dual_gap_", "eps_", "n_iter_"})
      .accepts({Matrix::Kind::dense, Matrix::Kind::csr})
      .multi_task();
}

const EstimatorSpec& multi_task_elastic_net_spec() {
  static const EstimatorSpec spec = multi_task_spec<false>(
      "MultiTaskElasticNet",
      "Multi-task elastic net: the targets of a 2-D y fitted together, minimising 1/(2n) ||Y - X W^T - b||^2_S + "
      "alpha l1_ratio sum_j ||W_:j||_2 + alpha (1 - l1_ratio)/2 ||W||^2 by block coordinate descent (a feature is "
      "kept or dropped for every target at once; S: sample_weight rescaled to sum to n). Dense X, or CSR X, of at "
      "most 4096 columns, on any device.");
  return spec;
}

const EstimatorSpec& multi_task_lasso_spec() {
  static const EstimatorSpec spec = multi_task_spec<true>(
      "MultiTaskLasso",
      "Multi-task Lasso: the targets of a 2-D y fitted together, minimising 1/(2n) ||Y - X W^T - b||^2_S + alpha "
      "sum_j ||W_:j||_2 (the L1/L2 mixed norm: a feature is kept or dropped for every target at once) by block "
      "coordinate descent. Dense X, or CSR X, of at most 4096 columns, on any device.");
  return spec;
}

}  // namespace

FRANCA_REGISTER_ESTIMATOR(multi_task_elastic_net_spec);
FRANCA_REGISTER_ESTIMATOR(multi_task_lasso_spec);

}  // namespace franca
