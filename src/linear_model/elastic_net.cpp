// ElasticNet and Lasso (scikit-learn's), by coordinate descent, on dense or CSR float32/float64 X
// with sample_weight and one or several targets (fitted independently, as scikit-learn does).
// Where cd_input picks the Gram form, the weighted centred Gram matrix X^T S X and X^T S y are
// built where X lives (the primitives least squares uses) and the covariance-update descent runs
// on the host over that d x d matrix; other X (TF-IDF) runs the residual-form descent on the CPU
// over a CSC copy of X, centred through the column means without densifying. Wide CUDA X is
// not implemented.
#include <cmath>
#include <string>

#include "core/expects.hpp"
#include "core/logging.hpp"
#include "core/matrix_ref.hpp"
#include "core/random.hpp"
#include "core/registry.hpp"
#include "linear_model/coordinate_descent.hpp"
#include "linear_model/enet_params.hpp"
#include "linear_model/least_squares.hpp"
#include "linear_model/warm_start.hpp"
#include "primitives/csr_ops.hpp"
#include "primitives/dense.hpp"
#include "primitives/matrix_input.hpp"

namespace franca {

namespace {

// Lasso is the elastic net with l1_ratio = 1, which it does not list.
template <bool kLasso>
struct EnetParams {
  double alpha = 1.0;
  double l1_ratio = kLasso ? 1.0 : 0.5;
  bool fit_intercept = true;
  PrecomputeOrGram precompute;
  std::int64_t max_iter = 1000;
  bool copy_X = true;
  double tol = 1e-4;
  bool warm_start = false;
  bool positive = false;
  std::optional<std::int64_t> random_state;
  Selection selection = Selection::cyclic;

  static void declare(ParamTable<EnetParams>& t) {
    using P = EnetParams;
    t.field("alpha", &P::alpha,
            kLasso ? "Constant that multiplies the L1 term; must be >= 0 (0 is least squares, better fitted by "
                     "LinearRegression)."
                   : "Constant that multiplies the penalty terms; must be >= 0 (0 is least squares, better fitted by "
                     "LinearRegression).")
        .minimum(0);
    if constexpr (!kLasso)
      t.field("l1_ratio", &P::l1_ratio,
              "The elastic-net mixing r in [0, 1]: the penalty is alpha (r ||w||_1 + (1 - r)/2 ||w||^2).")
          .minimum(0)
          .maximum(1);
    declare_cd_fit_params(t, "Maximum number of coordinate-descent sweeps.");
    t.field("copy_X", &P::copy_X, "Accepted for scikit-learn compatibility: franca never modifies X.");
    t.field("tol", &P::tol,
            "Once the largest coordinate update of a sweep is below tol times the largest coefficient, stop if the "
            "duality gap is below tol times ||y - mean(y)||^2 (weighted).")
        .minimum(0);
    t.field("warm_start", &P::warm_start, "Start from the previous coef_ when refitting with as many features.");
    declare_cd_solver_params(t);
  }
};

template <bool kLasso>
class ElasticNetModel final : public LinearModel<EnetParams<kLasso>> {
 public:
  using LinearModel<EnetParams<kLasso>>::LinearModel;

 protected:
  void fit_impl(const Context& ctx, const Matrix& X_in, const Array* y, const Array* sample_weight) override {
    const auto& p = this->params();
    const std::string& name = this->spec().name;
    const DType dtype = value_dtype(X_in);
    if (p.alpha == 0)
      FRANCA_LOG_WARN(
          "{}: With alpha=0, this algorithm does not converge well. You are advised to use the LinearRegression "
          "estimator",
          name);
    const CdInput input = cd_input(ctx, X_in, name);
    const Matrix& X = input.X;
    const Device device = X.device();
    const std::int64_t n = X.rows(), d = X.cols();
    // A given Gram matrix (dense X only: scikit-learn's sparse fit ignores it) is the Q of the Gram
    // form, which it then takes whatever franca's choice by cost.
    const NumberArray& given_gram = p.precompute.gram;
    const bool use_given_gram = given_gram.given() && X.kind == Matrix::Kind::dense;
    if (use_given_gram) {
      check_gram_shape(given_gram, d);
      FRANCA_EXPECTS_STATUS(d <= kMaxSparseGramFeatures, Status::not_implemented,
                            "precompute: a given Gram matrix for X of more than {} columns is not implemented",
                            kMaxSparseGramFeatures);
    }
    const bool gram = input.gram || use_given_gram;
    const bool one_target = y->ndim() == 1;
    const std::int64_t t = one_target ? 1 : y->dim(1);

    std::vector<double> coef(static_cast<std::size_t>(t * d), 0.0), intercept(static_cast<std::size_t>(t), 0.0),
        gaps(static_cast<std::size_t>(t));
    std::vector<std::int64_t> n_iter(static_cast<std::size_t>(t));
    warm_start_from(ctx, t, d, coef);

    CdOptions o = cd_solver_options(ctx, p);
    // scikit-learn's summed objective: n times 1/(2n) ||y - Xw - b||^2_S + penalty, S summing to n.
    o.l1 = p.alpha * p.l1_ratio * static_cast<double>(n);
    o.l2 = p.alpha * (1.0 - p.l1_ratio) * static_cast<double>(n);
    FRANCA_LOG_INFO("{}: coordinate descent ({} form) on {} ({} X of {} x {}, {} target(s)), alpha={}, l1_ratio={}",
                    name, gram ? "Gram" : "residual", device.str(), X.kind_name(), n, d, t, p.alpha, p.l1_ratio);

    const Array y64 = to(ctx, *y, device, DType::float64);
    Array w64;
    if (sample_weight) w64 = to(ctx, *sample_weight, device, DType::float64);
    const Array* w = sample_weight ? &w64 : nullptr;
    std::vector<double> x_mean, y_mean;
    const auto run = [&](auto&& solve) {
      for (std::int64_t k = 0; k < t; ++k) {
        std::vector<double> wk(coef.begin() + k * d, coef.begin() + (k + 1) * d);
        o.stream = static_cast<std::uint64_t>(k);
        const CdResult r = solve(k, wk);
        warn_unconverged(name, r);
        std::copy(wk.begin(), wk.end(), coef.begin() + k * d);
        gaps[static_cast<std::size_t>(k)] = r.gap / static_cast<double>(n);
        n_iter[static_cast<std::size_t>(k)] = r.n_iter;
      }
    };
    if (gram) {
      NormalEquations eq = centered_normal_equations(ctx, X, y64, w, p.fit_intercept);
      x_mean = std::move(eq.x_mean);
      y_mean = std::move(eq.y_mean);
      const ColumnMoments ym = FRANCA_DISPATCH(device, column_moments, ctx, y64, w, true);
      // The weights rescaled to sum to n, as scikit-learn does.
      const double scale = static_cast<double>(n) / ym.weight_sum;
      for (auto& v : eq.cp.xtx) v *= scale;
      if (use_given_gram) {
        // scikit-learn uses a given Gram matrix only for X it does not centre (allclose to zero
        // means); otherwise it warns and computes its own.
        const bool centred = !p.fit_intercept ||
                             std::all_of(x_mean.begin(), x_mean.end(), [](double m) { return std::fabs(m) <= 1e-8; });
        if (centred) {
          const auto [f1, f2] = gram_check_element(d);
          check_gram_element(given_gram, d, dtype, eq.cp.xtx[static_cast<std::size_t>(f1 * d + f2)]);
          eq.cp.xtx = given_gram.values;
        } else {
          FRANCA_LOG_WARN("{}: Gram matrix was provided but X was centered to fit intercept: recomputing Gram matrix.",
                          name);
        }
      }
      std::vector<double> q(static_cast<std::size_t>(d));
      run([&](std::int64_t k, std::vector<double>& wk) {
        const auto ks = static_cast<std::size_t>(k);
        for (std::int64_t j = 0; j < d; ++j) q[static_cast<std::size_t>(j)] = eq.cp.xty[j * t + k] * scale;
        const double uncentred = p.fit_intercept ? 0.0 : ym.mean[ks] * ym.mean[ks];
        const double y_norm2 = (ym.var[ks] + uncentred) * static_cast<double>(n);
        return cd_gram(ctx, eq.cp.xtx, q.data(), y_norm2, wk, o);
      });
    } else {
      const CscColumns csc = csc_columns(X);
      const Array y_host = to(ctx, y64, Device::cpu(), DType::float64);
      std::vector<double> sw;
      double S = static_cast<double>(n);
      if (w) {
        const Array w_host = to(ctx, *w, Device::cpu(), DType::float64);
        sw.assign(w_host.ptr<const double>(), w_host.ptr<const double>() + n);
        S = 0.0;
        for (const double v : sw) S += v;
        FRANCA_EXPECTS(S > 0, "sample_weight: the weights sum to {}; they must sum to a positive value", S);
        for (double& v : sw) v *= static_cast<double>(n) / S;
        S = static_cast<double>(n);
      }
      const auto s = [&](std::int64_t i) { return sw.empty() ? 1.0 : sw[static_cast<std::size_t>(i)]; };
      x_mean.assign(static_cast<std::size_t>(d), 0.0);
      y_mean.assign(static_cast<std::size_t>(t), 0.0);
      const double* yv = y_host.ptr<const double>();
      if (p.fit_intercept) {
        for (std::int64_t j = 0; j < d; ++j) {
          double sum = 0.0;
          for (std::int64_t k = csc.indptr[j]; k < csc.indptr[j + 1]; ++k) sum += s(csc.row[k]) * csc.value[k];
          x_mean[static_cast<std::size_t>(j)] = sum / S;
        }
        for (std::int64_t i = 0; i < n; ++i)
          for (std::int64_t k = 0; k < t; ++k) y_mean[static_cast<std::size_t>(k)] += s(i) * yv[i * t + k] / S;
      }
      std::vector<double> yk(static_cast<std::size_t>(n));
      run([&](std::int64_t k, std::vector<double>& wk) {
        for (std::int64_t i = 0; i < n; ++i) yk[static_cast<std::size_t>(i)] = yv[i * t + k] - y_mean[k];
        return cd_sparse(ctx, csc, x_mean, yk.data(), sw.empty() ? nullptr : sw.data(), wk, o);
      });
    }

    for (std::int64_t k = 0; k < t; ++k) {
      double b = y_mean[static_cast<std::size_t>(k)];
      for (std::int64_t j = 0; j < d; ++j) b -= coef[k * d + j] * x_mean[static_cast<std::size_t>(j)];
      intercept[static_cast<std::size_t>(k)] = p.fit_intercept ? b : 0.0;
    }
    expect_finite_coefficients(name, coef);
    expect_finite_coefficients(name, intercept);
    // scikit-learn's shapes: coef_ (d,), dual_gap_ and n_iter_ scalars for one target, also when
    // y is (n, 1), where intercept_ stays (1,); else (t, d), (t,), (t,), (t,).
    const bool single = t == 1;
    const auto shape = [&](std::vector<std::int64_t> many) { return single ? std::vector<std::int64_t>{} : many; };
    this->set_attribute(ctx, "coef_",
                        to(ctx, Array::from_host(coef, single ? std::vector<std::int64_t>{d} : std::vector{t, d}),
                           Device::cpu(), dtype));
    this->set_attribute(ctx, "intercept_",
                        to(ctx, Array::from_host(intercept, one_target ? std::vector<std::int64_t>{} : std::vector{t}),
                           Device::cpu(), dtype));
    this->set_attribute(ctx, "dual_gap_", to(ctx, Array::from_host(gaps, shape({t})), Device::cpu(), dtype));
    this->set_attribute(ctx, "n_iter_", Array::from_host(n_iter, shape({t})));
  }

  void check_state() const override {
    LinearModel<EnetParams<kLasso>>::check_state();
    const Array& coef = this->attribute("coef_");
    const auto per_target = coef.ndim() == 1 ? std::vector<std::int64_t>{} : std::vector<std::int64_t>{coef.dim(0)};
    this->expect_attribute("dual_gap_", coef.dtype, per_target);
    this->expect_attribute("n_iter_", DType::int64, per_target);
  }

 private:
  // With warm_start and a fitted model: its coef_, which must have this shape.
  void warm_start_from(const Context& ctx, std::int64_t t, std::int64_t d, std::vector<double>& coef) const {
    if (!this->params().warm_start || !this->fitted()) return;
    coef = previous_coef(ctx, *this, t, d);
  }
};

constexpr const char* kPredictDoc = "Predicted values, X coef_^T + intercept_.";
const std::vector<std::string> kFitted = {"coef_", "intercept_", "dual_gap_", "n_iter_"};

const EstimatorSpec& elastic_net_spec() {
  static const EstimatorSpec spec =
      EstimatorSpec::of<ElasticNetModel<false>>("ElasticNet", EstimatorKind::regressor, "linear_model")
          .doc(
              "Linear regression with combined L1 and L2 priors, minimising 1/(2n) ||y - Xw - b||^2_S + alpha "
              "l1_ratio ||w||_1 + alpha (1 - l1_ratio)/2 ||w||^2 by coordinate descent (S: sample_weight rescaled "
              "to sum to n). 2-D y: one independent fit per column. Dense X, or CSR X of at most 4096 columns, on "
              "any device; wider X on the CPU only.")
          .method("predict", kPredictDoc)
          .fitted(kFitted)
          .accepts({Matrix::Kind::dense, Matrix::Kind::csr});
  return spec;
}

const EstimatorSpec& lasso_spec() {
  static const EstimatorSpec spec =
      EstimatorSpec::of<ElasticNetModel<true>>("Lasso", EstimatorKind::regressor, "linear_model")
          .doc(
              "Linear regression with an L1 prior, minimising 1/(2n) ||y - Xw - b||^2_S + alpha ||w||_1 by coordinate "
              "descent (the elastic net with l1_ratio=1). 2-D y: one independent fit per column. Dense X, or CSR X of "
              "at most 4096 columns, on any device; wider X on the CPU only.")
          .method("predict", kPredictDoc)
          .fitted(kFitted)
          .accepts({Matrix::Kind::dense, Matrix::Kind::csr});
  return spec;
}

}  // namespace

FRANCA_REGISTER_ESTIMATOR(elastic_net_spec);
FRANCA_REGISTER_ESTIMATOR(lasso_spec);

}  // namespace franca
