// ElasticNetPath: scikit-learn's enet_path and lasso_path (lasso_path is l1_ratio=1) as one verb of
// the C ABI. Its fit computes the whole coordinate-descent regularisation path in one call: a grid
// of alphas (given, or n_alphas falling from alpha_max = max_j |x_j^T y| / (n l1_ratio) to eps
// alpha_max), fitted in decreasing order, each fit starting from the previous one's coefficients
// (from coef_init, or zeros, for the first). As in scikit-learn's function, nothing is centred and no
// intercept is fitted: the callers (ElasticNet.fit, LassoCV) prepare X and y.
//
// scikit-learn's semantics, kept exactly:
//  - dense X: sample_weight, X_offset and X_scale are ignored; the descent runs in Gram form
//    (over precompute's Gram matrix when one is given, with Xy, or X^T y, as q) when precompute is
//    a matrix, True, or 'auto' with n > d, where a given Xy is the q of the fit as well as the
//    grid's; otherwise Xy is dropped and the grid comes from X^T y.
//  - CSR X: scikit-learn's sparse descent, whatever precompute says (a Gram matrix and Xy are
//    ignored): sample_weight weights the rows as given (not rescaled) and the columns are centred at
//    X_offset / X_scale when X_offset is given; the grid comes from X^T y unweighted and uncentred.
// franca runs the same iterations over the Gram matrix of the centred, weighted columns built where
// X lives when X has at most kMaxSparseGramFeatures columns (as ElasticNet does; so CUDA X works),
// and in residual form over CSC columns on the host otherwise.
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

#include "core/expects.hpp"
#include "core/logging.hpp"
#include "core/random.hpp"
#include "core/registry.hpp"
#include "linear_model/coordinate_descent.hpp"
#include "linear_model/enet_params.hpp"
#include "linear_model/least_squares.hpp"
#include "primitives/linear_scores.hpp"
#include "primitives/matrix_input.hpp"

namespace franca {

namespace {

enum class PositiveAlphaMax { constrained, absolute };

struct EnetPathParams {
  double l1_ratio = 0.5;
  double eps = 1e-3;
  std::int64_t n_alphas = 100;
  AlphaGrid alphas;
  PrecomputeOrGram precompute;
  NumberArray Xy;
  bool copy_X = true;
  NumberArray coef_init;
  Verbosity verbose;
  bool check_input = true;
  double tol = 1e-4;
  std::int64_t max_iter = 1000;
  bool positive = false;
  std::optional<std::int64_t> random_state;
  Selection selection = Selection::cyclic;
  NumberArray X_offset;
  NumberArray X_scale;
  bool do_screening = true;
  PositiveAlphaMax positive_alpha_max = PositiveAlphaMax::constrained;

  static void declare(ParamTable<EnetPathParams>& t) {
    using P = EnetPathParams;
    t.field("l1_ratio", &P::l1_ratio,
            "The elastic-net mixing r in [0, 1]: the penalty is alpha (r ||w||_1 + (1 - r)/2 ||w||^2); "
            "lasso_path is r = 1.")
        .minimum(0)
        .maximum(1);
    // alphas: the grid's X^T y is Xy when the Gram form uses it; x_j and y are not centred.
    declare_alpha_grid_params(t);
    t.field("precompute", &P::precompute,
            "True, False, 'auto' (n_samples > n_features) or a precomputed Gram matrix X^T X (d x d, a list of "
            "rows) for dense X: whether the fit runs in Gram form, and so whether Xy is its q. franca computes "
            "alike either way; a given Gram matrix is the Q of every fit. CSR X ignores it (and Xy), as "
            "scikit-learn does.");
    t.field("Xy", &P::Xy,
            "X^T y (d values), used for the grid and, when dense X is fitted in Gram form, as the fits' q; "
            "None: computed.");
    t.field("copy_X", &P::copy_X, "Accepted for scikit-learn compatibility: franca never modifies X.");
    t.field("coef_init", &P::coef_init, "The coefficients (d values) the first fit starts from; None: zeros.");
    t.field("verbose", &P::verbose,
            "Accepted for scikit-learn compatibility: franca logs the path at info level (the Python function "
            "prints scikit-learn's progress after the call).");
    t.field("check_input", &P::check_input,
            "False skips the check of a given Gram matrix against X at one element (scikit-learn's); franca "
            "checks X and y always.");
    t.field("tol", &P::tol,
            "Each fit stops once the duality gap is below tol times ||y||^2 (weighted for CSR X), checked when "
            "the largest coordinate update of a sweep is below tol times the largest coefficient.")
        .minimum(0);
    t.field("max_iter", &P::max_iter, "Maximum number of coordinate-descent sweeps per alpha.").minimum(1);
    declare_cd_solver_params(t);
    t.field("X_offset", &P::X_offset,
            "CSR X only (d values): the descent centres column j at X_offset[j] / X_scale[j] without densifying "
            "(scikit-learn's sparse centring); dense X ignores it.");
    t.field("X_scale", &P::X_scale, "CSR X only (d values), with X_offset: see X_offset.");
    t.field("do_screening", &P::do_screening,
            "Accepted for scikit-learn compatibility (1.9's gap safe screening skips features proven zero; the "
            "path is the same without it).");
    t.field("positive_alpha_max", &P::positive_alpha_max,
            "The grid's alpha_max with positive=True: 'constrained' takes max(0, max_j x_j^T y) (scikit-learn "
            "1.9's grid, the smallest alpha making every coefficient zero under the constraint), 'absolute' "
            "max_j |x_j^T y| (scikit-learn 1.2's). The Python function picks the installed scikit-learn's.")
        .names({{"constrained", PositiveAlphaMax::constrained}, {"absolute", PositiveAlphaMax::absolute}});
    t.rule([](const P& p) {
      FRANCA_EXPECTS(p.alphas.given || p.l1_ratio > 0,
                     "l1_ratio: Automatic alpha grid generation is not supported for l1_ratio=0. Please supply a "
                     "grid by providing your estimator with the appropriate `alphas=` argument.");
    });
  }
};

// x_f1^T x_f2 over CSC columns (rows ascending within a column).
double column_dot(const CscColumns& c, std::int64_t f1, std::int64_t f2) {
  double sum = 0.0;
  std::int64_t a = c.indptr[f1], b = c.indptr[f2];
  while (a < c.indptr[f1 + 1] && b < c.indptr[f2 + 1]) {
    if (c.row[a] < c.row[b]) {
      ++a;
    } else if (c.row[b] < c.row[a]) {
      ++b;
    } else {
      sum += c.value[a++] * c.value[b++];
    }
  }
  return sum;
}

class ElasticNetPathModel final : public TypedEstimator<EnetPathParams> {
 public:
  using TypedEstimator<EnetPathParams>::TypedEstimator;

 protected:
  void fit_impl(const Context& ctx, const Matrix& X_in, const Array* y, const Array* sample_weight) override {
    const auto& p = params();
    const std::string& name = spec().name;
    if (y->ndim() == 2) {
      fit_multi_task(ctx, X_in, *y, sample_weight);
      return;
    }
    const DType dtype = value_dtype(X_in);
    const CdInput input = cd_input(ctx, X_in, name);
    const Matrix& X = input.X;
    const Device device = X.device();
    const bool csr = X.kind == Matrix::Kind::csr;
    const std::int64_t n = X.rows(), d = X.cols();
    const auto expect_features = [&](const NumberArray& a, const char* what) {
      FRANCA_EXPECTS(!a.given() || a.shape == std::vector<std::int64_t>{d},
                     "{}: expected {} values (one per column of X), got shape {}", what, d, shape_text(a.shape));
    };
    expect_features(p.Xy, "Xy");
    expect_features(p.coef_init, "coef_init");
    expect_features(p.X_offset, "X_offset");
    expect_features(p.X_scale, "X_scale");
    FRANCA_EXPECTS(!p.X_offset.given() || p.X_scale.given(),
                   "X_scale: X_offset is given without X_scale (CSR columns are centred at X_offset / X_scale)");
    const NumberArray& given_gram = p.precompute.gram;
    if (given_gram.given()) check_gram_shape(given_gram, d);

    // scikit-learn's choices: CSR X runs the sparse descent (weights and centring, no Gram matrix,
    // no Xy); dense X runs the Gram form (using Xy) or the residual form (dropping it).
    const Precompute::Kind flag = p.precompute.flag.kind;
    const bool gram_form =
        !csr && (given_gram.given() || flag == Precompute::Kind::yes || (flag == Precompute::Kind::automatic && n > d));
    const bool use_xy = gram_form && p.Xy.given();
    const bool use_gram = gram_form && given_gram.given();
    // franca's own choice of form (cd_input) yields where scikit-learn's is the Gram form and X is
    // narrow enough, so that a given Xy is used as scikit-learn uses it.
    const bool gram = input.gram || (gram_form && d <= kMaxSparseGramFeatures);
    const std::vector<double> centre = column_centres(csr, d);
    const Array* weights = csr ? sample_weight : nullptr;

    Array y64 = to(ctx, *y, device, DType::float64);
    const Array y_host = to(ctx, y64, Device::cpu(), DType::float64);
    Array w64;
    if (weights) w64 = to(ctx, *weights, device, DType::float64);

    // The fits' statistics (Gram form) or columns (residual form), X^T y of the grid, and X^T X at
    // scikit-learn's check element of a given Gram matrix.
    const auto [f1, f2] = gram_check_element(d);
    GramStats stats;
    CscColumns csc;
    std::vector<double> xty;
    double gram_element = 0.0;
    if (gram) {
      const GramStats plain = gram_stats(ctx, X, y64, nullptr, true);
      GramStats raw = recentred(plain, std::vector<double>(static_cast<std::size_t>(d), 0.0));
      xty = raw.q;
      gram_element = raw.Q[static_cast<std::size_t>(f1 * d + f2)];
      stats = weights ? recentred(gram_stats(ctx, X, y64, &w64, true), centre) : recentred(plain, centre);
    } else {
      FRANCA_EXPECTS_STATUS(!use_xy || use_gram, Status::not_implemented,
                            "Xy: a given Xy for the Gram form of X wider than {} columns is not implemented (franca "
                            "fits its residual form, which computes X^T y itself); pass Xy=None or precompute=False",
                            kMaxSparseGramFeatures);
      csc = csc_columns(X);
      xty.assign(static_cast<std::size_t>(d), 0.0);
      const double* yv = y_host.ptr<const double>();
      for (std::int64_t j = 0; j < d; ++j)
        for (std::int64_t k = csc.indptr[j]; k < csc.indptr[j + 1]; ++k)
          xty[static_cast<std::size_t>(j)] += csc.value[k] * yv[csc.row[k]];
      if (use_gram) gram_element = column_dot(csc, f1, f2);
    }
    if (use_gram) {
      if (p.check_input) check_gram_element(given_gram, d, dtype, gram_element);
      double yy = 0.0;
      for (std::int64_t i = 0; i < n; ++i) yy += y_host.ptr<const double>()[i] * y_host.ptr<const double>()[i];
      stats.Q = given_gram.values;
      stats.q = xty;
      stats.yy = yy;
    }
    if (use_xy) {
      xty = p.Xy.values;
      stats.q = xty;
    }

    const bool constrained = p.positive && p.positive_alpha_max == PositiveAlphaMax::constrained;
    double xy_max = 0.0;
    for (const double v : xty) xy_max = std::max(xy_max, constrained ? v : std::fabs(v));
    const std::vector<double> alphas = path_alphas(xy_max, n);

    std::vector<double> w = p.coef_init.given() ? p.coef_init.values : std::vector<double>(static_cast<std::size_t>(d));
    std::vector<double> sw;
    if (!gram && weights) {
      const Array w_host = to(ctx, w64, Device::cpu(), DType::float64);
      sw.assign(w_host.ptr<const double>(), w_host.ptr<const double>() + n);
    }
    FRANCA_LOG_INFO("{}: {} alphas by coordinate descent ({} form) on {} ({} X of {} x {}), l1_ratio={}", name,
                    alphas.size(), gram || use_gram ? "Gram" : "residual", device.str(), X.kind_name(), n, d,
                    p.l1_ratio);
    run_path(ctx, alphas, n, w, {d}, dtype, [&](const CdOptions& o) {
      return gram || use_gram
                 ? cd_gram(ctx, stats.Q, stats.q.data(), stats.yy, w, o)
                 : cd_sparse(ctx, csc, centre, y_host.ptr<const double>(), sw.empty() ? nullptr : sw.data(), w, o);
    });
  }

  // enet_path with a 2-D y (t targets): scikit-learn's multi-task path, min_W 1/(2n) ||Y - X W^T||^2_S +
  // alpha l1_ratio sum_j ||W_j||_2 + alpha (1 - l1_ratio)/2 ||W||^2, its grid from alpha_max =
  // max_j ||x_j^T Y||_2 / (n l1_ratio), run over the Gram statistics built where X lives (dense or
  // CSR X of at most kMaxSparseGramFeatures columns; CSR X weighted by sample_weight and centred at
  // X_offset / X_scale as in the one-target path; scikit-learn's multi-task descent uses X, not a
  // Gram matrix or Xy, so those only feed the grid).
  void fit_multi_task(const Context& ctx, const Matrix& X_in, const Array& y, const Array* sample_weight) {
    const auto& p = params();
    const std::string& name = spec().name;
    FRANCA_EXPECTS(!p.positive, "positive: positive=True is not allowed for multi-output (y.ndim != 1)");
    const DType dtype = value_dtype(X_in);
    const Matrix X = contiguous_checked(ctx, X_in);
    const bool csr = X.kind == Matrix::Kind::csr;
    const std::int64_t n = X.rows(), d = X.cols(), t = y.dim(1);
    FRANCA_EXPECTS_STATUS(d <= kMaxSparseGramFeatures, Status::not_implemented,
                          "X: the multi-task path (a 2-D y) of X wider than {} columns is not implemented (franca "
                          "runs it over X's Gram matrix), got {} columns",
                          kMaxSparseGramFeatures, d);
    const auto expect_shape = [&](const NumberArray& a, const char* what, std::vector<std::int64_t> shape) {
      FRANCA_EXPECTS(!a.given() || a.shape == shape,
                     "{}: expected shape {} for X of {} columns and y of {} targets, "
                     "got shape {}",
                     what, shape_text(shape), d, t, shape_text(a.shape));
    };
    expect_shape(p.Xy, "Xy", {d, t});
    expect_shape(p.coef_init, "coef_init", {t, d});
    expect_shape(p.X_offset, "X_offset", {d});
    expect_shape(p.X_scale, "X_scale", {d});
    FRANCA_EXPECTS(!p.X_offset.given() || p.X_scale.given(),
                   "X_scale: X_offset is given without X_scale (CSR columns are centred at X_offset / X_scale)");
    const std::vector<double> centre = column_centres(csr, d);
    const Device device = X.device();
    const Array Y64 = to(ctx, y, device, DType::float64);
    const Array Y_host = to(ctx, Y64, Device::cpu(), DType::float64);
    Array w64;
    std::vector<double> weights(static_cast<std::size_t>(n), 1.0);
    if (csr && sample_weight) {
      w64 = to(ctx, *sample_weight, device, DType::float64);
      const Array w_host = to(ctx, w64, Device::cpu(), DType::float64);
      weights.assign(w_host.ptr<const double>(), w_host.ptr<const double>() + n);
    }
    // X^T S X and X^T S Y about the centre, and X^T Y unweighted and uncentred for the grid.
    const auto about = [&](const Array* w, const std::vector<double>& at, std::vector<double>& Q,
                           std::vector<double>& q) {
      NormalEquations eq = centered_normal_equations(ctx, X, Y64, w, true);
      double weight_sum = 0.0;
      for (std::int64_t i = 0; i < n; ++i) weight_sum += w ? weights[static_cast<std::size_t>(i)] : 1.0;
      Q = std::move(eq.cp.xtx);
      q = std::move(eq.cp.xty);
      move_centres(Q, q, eq.x_mean, eq.y_mean, weight_sum, at);
    };
    std::vector<double> Q, q, unused, xty;
    about(w64.data ? &w64 : nullptr, centre, Q, q);
    const bool plain = !w64.data && std::all_of(centre.begin(), centre.end(), [](double c) { return c == 0.0; });
    if (p.Xy.given()) {
      xty = p.Xy.values;
    } else if (plain) {
      xty = q;  // no weights, no centre: the fits' X^T Y is the grid's
    } else {
      about(nullptr, std::vector<double>(static_cast<std::size_t>(d), 0.0), unused, xty);
    }
    const double* Yv = Y_host.ptr<const double>();
    double yy = 0.0;
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t k = 0; k < t; ++k) yy += weights[static_cast<std::size_t>(i)] * Yv[i * t + k] * Yv[i * t + k];
    double xy_max = 0.0;
    for (std::int64_t j = 0; j < d; ++j) {
      double norm2 = 0.0;
      for (std::int64_t k = 0; k < t; ++k) {
        const double v = xty[static_cast<std::size_t>(j * t + k)];
        norm2 += v * v;
      }
      xy_max = std::max(xy_max, std::sqrt(norm2));
    }
    const std::vector<double> alphas = path_alphas(xy_max, n);
    // W is d x t here (a feature's block together); coef_init and coef_path_ are scikit-learn's (t, d).
    std::vector<double> W(static_cast<std::size_t>(d * t), 0.0);
    if (p.coef_init.given())
      for (std::int64_t k = 0; k < t; ++k)
        for (std::int64_t j = 0; j < d; ++j)
          W[static_cast<std::size_t>(j * t + k)] = p.coef_init.values[static_cast<std::size_t>(k * d + j)];
    FRANCA_LOG_INFO(
        "{}: {} alphas of the multi-task path by coordinate descent (Gram form) on {} ({} X of {} x {}, "
        "{} targets), l1_ratio={}",
        name, alphas.size(), device.str(), X.kind_name(), n, d, t, p.l1_ratio);
    std::vector<double> by_target(W.size());
    run_path(ctx, alphas, n, by_target, {t, d}, dtype, [&](const CdOptions& o) {
      const CdResult r = cd_gram_multi_task(ctx, Q, q.data(), t, yy, W, o);
      for (std::int64_t j = 0; j < d; ++j)
        for (std::int64_t k = 0; k < t; ++k)
          by_target[static_cast<std::size_t>(k * d + j)] = W[static_cast<std::size_t>(j * t + k)];
      return r;
    });
  }

  // CSR X's column centres, X_offset / X_scale when given (zeros otherwise, and for dense X).
  std::vector<double> column_centres(bool csr, std::int64_t d) const {
    const auto& p = params();
    std::vector<double> centre(static_cast<std::size_t>(d), 0.0);
    if (csr && p.X_offset.given())
      for (std::size_t j = 0; j < centre.size(); ++j) {
        FRANCA_EXPECTS(p.X_scale.values[j] != 0,
                       "X_scale: X_scale[{}] is 0; the centre X_offset / X_scale must be finite", j);
        centre[j] = p.X_offset.values[j] / p.X_scale.values[j];
      }
    return centre;
  }

  // The given alphas in decreasing order, or the grid falling from the alpha_max of xy_max (the
  // largest |x_j^T y|, or block norm of x_j^T Y) over n rows.
  std::vector<double> path_alphas(double xy_max, std::int64_t n) const {
    const auto& p = params();
    if (!p.alphas.given)
      return alpha_grid(alpha_max_of(xy_max, static_cast<double>(n), p.l1_ratio), p.eps,
                        p.alphas.automatic(p.n_alphas));
    std::vector<double> alphas = p.alphas.values;
    std::sort(alphas.begin(), alphas.end(), std::greater<>());
    return alphas;
  }

  // The path: for each alpha, fit(options) from the previous coefficients, which then hold the
  // alpha's in `coef` (shape `coef_shape`, the path's coef_path_ less its alphas axis); scikit-learn's
  // warnings, and the fitted attributes.
  template <class Fit>
  void run_path(const Context& ctx, const std::vector<double>& alphas, std::int64_t n, const std::vector<double>& coef,
                std::vector<std::int64_t> coef_shape, DType dtype, Fit&& fit) {
    const auto& p = params();
    const std::string& name = spec().name;
    const auto n_alphas = static_cast<std::int64_t>(alphas.size());
    const auto size = static_cast<std::int64_t>(coef.size());
    CdOptions o = cd_solver_options(ctx, p);
    std::vector<double> coef_path(static_cast<std::size_t>(size * n_alphas)), gaps(static_cast<std::size_t>(n_alphas));
    std::vector<std::int64_t> n_iter(static_cast<std::size_t>(n_alphas));
    for (std::int64_t a = 0; a < n_alphas; ++a) {
      const double alpha = alphas[static_cast<std::size_t>(a)];
      // scikit-learn's summed objective: n times 1/(2n) ||y - Xw||^2_S + penalty.
      o.l1 = alpha * p.l1_ratio * static_cast<double>(n);
      o.l2 = alpha * (1.0 - p.l1_ratio) * static_cast<double>(n);
      o.stream = static_cast<std::uint64_t>(a);
      const CdResult r = fit(o);
      if (!r.converged)
        FRANCA_LOG_WARN(
            "{}: Objective did not converge at alpha={}. You might want to increase the number of iterations. "
            "Duality gap: {:.3e}, tolerance: {:.3e} (ConvergenceWarning)",
            name, alpha, r.gap, r.tol);
      expect_finite_coefficients(name, coef);
      for (std::int64_t j = 0; j < size; ++j)
        coef_path[static_cast<std::size_t>(j * n_alphas + a)] = coef[static_cast<std::size_t>(j)];
      gaps[static_cast<std::size_t>(a)] = r.gap / static_cast<double>(n);
      n_iter[static_cast<std::size_t>(a)] = r.n_iter;
      FRANCA_LOG_DEBUG("{}: path {} of {}: alpha={}, {} sweeps, duality gap {:.3e}", name, a + 1, n_alphas, alpha,
                       r.n_iter, gaps[static_cast<std::size_t>(a)]);
    }
    coef_shape.push_back(n_alphas);
    set_attribute(ctx, "alphas_", Array::from_host(alphas, {n_alphas}));
    set_attribute(ctx, "coef_path_", to(ctx, Array::from_host(coef_path, coef_shape), Device::cpu(), dtype));
    set_attribute(ctx, "dual_gap_path_", Array::from_host(gaps, {n_alphas}));
    set_attribute(ctx, "n_iter_path_", Array::from_host(n_iter, {n_alphas}));
  }

  // X coef_path_: every alpha's predictions, one column each (no intercept, as the path fits none).
  Matrix apply_impl(const Context& ctx, const std::string&, const Matrix& X_in) const override {
    const Matrix X = contiguous_checked(ctx, X_in);
    const DType dtype = floating_value_dtype(X);
    const std::vector<double> path = host_values_f64(ctx, attribute("coef_path_"));
    const std::int64_t d = n_features_in(), m = attribute("alphas_").dim(0);
    const std::int64_t t = attribute("coef_path_").ndim() == 3 ? attribute("coef_path_").dim(0) : 1;
    const std::int64_t columns = t * m;         // target-major: target k's alphas are columns k m .. k m + m - 1
    std::vector<double> by_alpha(path.size());  // columns x d, linear_scores' layout
    for (std::int64_t k = 0; k < t; ++k)
      for (std::int64_t j = 0; j < d; ++j)
        for (std::int64_t a = 0; a < m; ++a)
          by_alpha[static_cast<std::size_t>((k * m + a) * d + j)] = path[(k * d + j) * m + a];
    const Array coef = to(ctx, Array::from_host(by_alpha, {columns, d}), X.device(), dtype);
    const Array zero = to(ctx, Array::from_host(std::vector<double>(static_cast<std::size_t>(columns), 0.0), {columns}),
                          X.device(), dtype);
    Array out = Array::empty(ctx, X.device(), dtype, {X.rows(), columns});
    FRANCA_DISPATCH(X.device(), linear_scores, ctx, X, coef, zero, out);
    return Matrix::from_dense(out);
  }

  void check_state() const override {
    const Array& alphas = expect_attribute("alphas_", DType::float64, {-1});
    const std::int64_t m = alphas.dim(0), d = n_features_in();
    const DType dtype = attribute("coef_path_").dtype;
    FRANCA_EXPECTS_STATUS(is_floating(dtype), Status::corrupt_model, "model: coef_path_ must be float32 or float64");
    if (attribute("coef_path_").ndim() == 3)
      expect_attribute("coef_path_", dtype, {-1, d, m});  // the multi-task path: (targets, d, m)
    else
      expect_attribute("coef_path_", dtype, {d, m});
    expect_attribute("dual_gap_path_", DType::float64, {m});
    expect_attribute("n_iter_path_", DType::int64, {m});
  }
};

const EstimatorSpec& elastic_net_path_spec() {
  static const EstimatorSpec spec =
      EstimatorSpec::of<ElasticNetPathModel>("ElasticNetPath", EstimatorKind::regressor, "linear_model")
          .doc(
              "The elastic-net regularisation path, scikit-learn's enet_path (lasso_path: l1_ratio=1): fit computes "
              "the coefficients of 1/(2n) ||y - Xw||^2_S + alpha l1_ratio ||w||_1 + alpha (1 - l1_ratio)/2 ||w||^2 "
              "for each alpha of a decreasing grid by coordinate descent, each fit warm-started from the previous "
              "one, in one call. No intercept and no centring (CSR X: columns centred at X_offset / X_scale when "
              "given; S: sample_weight for CSR X only, as scikit-learn). A 2-D y (t targets) gives the multi-task "
              "path (MultiTaskElasticNet's penalty, alpha l1_ratio sum_j ||W_j||_2 over each feature's "
              "coefficients of every target; coef_path_ of shape (t, d, n_alphas); positive=False; X of at most "
              "4096 columns). Dense X, or CSR X of at most 4096 columns, on any device; wider X on the CPU "
              "only.")
          .method("predict",
                  "X coef_path_: the predictions of every alpha of the path, one column each (the multi-task path: "
                  "target by target, each target's alphas together).")
          .fitted({"alphas_", "coef_path_", "dual_gap_path_", "n_iter_path_"})
          .accepts({Matrix::Kind::dense, Matrix::Kind::csr})
          .computes("enet_path");
  return spec;
}

}  // namespace

FRANCA_REGISTER_ESTIMATOR(elastic_net_path_spec);

}  // namespace franca
