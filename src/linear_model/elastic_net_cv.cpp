// LassoCV and ElasticNetCV (scikit-learn's): the elastic-net regularisation path (scikit-learn's
// enet_path: a grid of alphas, given or n_alphas on a log grid from alpha_max = max_j |x_j^T y| /
// (n l1_ratio) down to eps alpha_max, fitted in order with warm starts) on each of k contiguous
// folds (KFold without shuffling), the mean test MSE over the folds choosing alpha (and l1_ratio),
// and a refit on all the data at the best pair.
//
// Every fold is the whole X with weights: zero on the held-out rows, so nothing is sliced or
// copied. Where cd_input picks the Gram form, the weighted centred Gram matrices of all rows and
// of each fold's test rows are built once where X lives (centered_normal_equations; a fold's
// training matrix is the first less the second, see `without`) and the whole path runs on the
// host over them: the descent in Gram form, and each test MSE from the
// test Gram as sum_i s_i r_i^2 = yy - 2 w^T q + w^T Q w + S (y_mean - b - x_mean^T w)^2 (the
// centred cross terms vanish). Other X (CPU) runs the residual form over one CSC copy shared
// by every fold, and the test residuals from the columns of the nonzero coefficients.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/expects.hpp"
#include "core/logging.hpp"
#include "core/random.hpp"
#include "core/registry.hpp"
#include "linear_model/coordinate_descent.hpp"
#include "linear_model/enet_params.hpp"
#include "linear_model/least_squares.hpp"
#include "primitives/csr_ops.hpp"
#include "primitives/dense.hpp"
#include "primitives/matrix_input.hpp"

namespace franca {

namespace {

template <bool kLasso>
struct EnetCvParams {
  double eps = 1e-3;
  std::int64_t n_alphas = 100;
  AlphaGrid alphas;
  L1Ratios l1_ratio{{kLasso ? 1.0 : 0.5}, false};
  bool fit_intercept = true;
  Precompute precompute{Precompute::Kind::automatic};
  std::int64_t max_iter = 1000;
  double tol = 1e-4;
  CvSplits cv;
  bool copy_X = true;
  Verbosity verbose;
  std::optional<std::int64_t> n_jobs;
  bool positive = false;
  std::optional<std::int64_t> random_state;
  Selection selection = Selection::cyclic;

  static void declare(ParamTable<EnetCvParams>& t) {
    using P = EnetCvParams;
    if constexpr (!kLasso)
      t.field("l1_ratio", &P::l1_ratio,
              "The elastic-net mixing r in [0, 1] (penalty alpha (r ||w||_1 + (1 - r)/2 ||w||^2)), or a list of "
              "them, each cross-validated over its own path.");
    declare_alpha_grid_params(t);
    declare_cd_fit_params(t, "Maximum number of coordinate-descent sweeps per alpha.");
    t.field("tol", &P::tol, "The duality-gap tolerance of each fit, as ElasticNet's.").minimum(0);
    t.field("cv", &P::cv,
            "Number of folds (None: 5): contiguous folds in row order, scikit-learn's KFold without shuffling; the "
            "first n % cv folds hold one row more. Or explicit splits, a list of [train rows, test rows] (row "
            "indices from 0, as in Python, also from R; a row listed twice counts twice): the Python binding passes a "
            "splitter object or an iterable of (train, test) splits so, split over the fit's X and y.");
    t.field("copy_X", &P::copy_X, "Accepted for scikit-learn compatibility: franca never modifies X.");
    t.field("verbose", &P::verbose, "Accepted for scikit-learn compatibility: franca logs through its logger.");
    t.field("n_jobs", &P::n_jobs, "Accepted for scikit-learn compatibility: franca uses the context's threads.");
    declare_cd_solver_params(t);
  }
};

// The statistics of the rows of A not in B (B's rows a subset of A's, with the same weights), by
// moving both to the remaining rows' means (the parallel-axis identity): one pass over X for the
// whole data instead of one per fold.
GramStats without(const GramStats& A, const GramStats& B, bool fit_intercept) {
  const std::size_t d = A.x_mean.size();
  GramStats T;
  T.weight_sum = A.weight_sum - B.weight_sum;
  T.x_mean.assign(d, 0.0);
  if (fit_intercept) {
    for (std::size_t j = 0; j < d; ++j)
      T.x_mean[j] = (A.weight_sum * A.x_mean[j] - B.weight_sum * B.x_mean[j]) / T.weight_sum;
    T.y_mean = (A.weight_sum * A.y_mean - B.weight_sum * B.y_mean) / T.weight_sum;
  }
  std::vector<double> dA(d), dB(d);
  for (std::size_t j = 0; j < d; ++j) {
    dA[j] = A.x_mean[j] - T.x_mean[j];
    dB[j] = B.x_mean[j] - T.x_mean[j];
  }
  const double eA = A.y_mean - T.y_mean, eB = B.y_mean - T.y_mean;
  T.Q.resize(d * d);
  T.q.resize(d);
  for (std::size_t a = 0; a < d; ++a) {
    for (std::size_t b = 0; b < d; ++b)
      T.Q[a * d + b] = A.Q[a * d + b] - B.Q[a * d + b] + A.weight_sum * dA[a] * dA[b] - B.weight_sum * dB[a] * dB[b];
    T.q[a] = A.q[a] - B.q[a] + A.weight_sum * dA[a] * eA - B.weight_sum * dB[a] * eB;
  }
  T.yy = A.yy - B.yy + A.weight_sum * eA * eA - B.weight_sum * eB * eB;
  return T;
}

// One split of the rows: the test rows and the training rows (an index may repeat); `complement`:
// the training rows are exactly the rows not in the test set, and `train` is left empty (KFold's
// folds of n rows would hold k n indices).
struct Fold {
  std::vector<std::int64_t> train, test;
  bool complement = false;
};

// cv's folds over n rows: KFold's contiguous ones (the first n % k one row longer) or the given
// splits, their rows checked.
std::vector<Fold> make_folds(const CvSplits& cv, std::int64_t n) {
  std::vector<Fold> folds;
  if (cv.splits.empty()) {
    const std::int64_t k = cv.folds.value_or(5);
    FRANCA_EXPECTS(
        k <= n, "cv: Cannot have number of splits n_splits={} greater than the number of samples: n_samples={}.", k, n);
    for (std::int64_t f = 0; f < k; ++f) {
      const std::int64_t begin = f * (n / k) + std::min(f, n % k), end = begin + n / k + (f < n % k ? 1 : 0);
      Fold fold;
      fold.complement = true;
      for (std::int64_t i = begin; i < end; ++i) fold.test.push_back(i);
      folds.push_back(std::move(fold));
    }
    return folds;
  }
  for (std::size_t s = 0; s < cv.splits.size(); ++s) {
    Fold fold{cv.splits[s][0], cv.splits[s][1], false};
    std::vector<int> seen(static_cast<std::size_t>(n), 0);  // 1: in test, 2: in train
    for (const auto* rows : {&fold.test, &fold.train})
      for (const std::int64_t i : *rows) {
        FRANCA_EXPECTS(i < n, "cv: split {} lists row {}, but X has {} rows", s, i, n);
        seen[static_cast<std::size_t>(i)] |= rows == &fold.test ? 1 : 2;
      }
    fold.complement = fold.train.size() + fold.test.size() == static_cast<std::size_t>(n) &&
                      std::all_of(seen.begin(), seen.end(), [](int v) { return v == 1 || v == 2; });
    if (fold.complement) fold.train.clear();
    folds.push_back(std::move(fold));
  }
  return folds;
}

// One training set (the rows of positive weight) in the form the descent runs in.
struct Trainer {
  double n_train = 0;  // rows of positive weight: the n of scikit-learn's objective
  std::vector<double> x_mean;
  double y_mean = 0;
  // Gram form: Q, q, yy rescaled for weights summing to n_train.
  GramStats gram;
  // Residual form: the centred y, the weights rescaled to sum to n_train (empty: all ones).
  const CscColumns* csc = nullptr;
  std::vector<double> yc, sw;

  CdResult solve(const Context& ctx, std::vector<double>& w, const CdOptions& o) const {
    if (!csc) return cd_gram(ctx, gram.Q, gram.q.data(), gram.yy, w, o);
    return cd_sparse(ctx, *csc, x_mean, yc.data(), sw.empty() ? nullptr : sw.data(), w, o);
  }
  double intercept(const std::vector<double>& w, bool fit_intercept) const {
    if (!fit_intercept) return 0.0;
    double b = y_mean;
    for (std::size_t j = 0; j < w.size(); ++j) b -= w[j] * x_mean[j];
    return b;
  }
};

// The weighted mean squared test error of coefficients w and intercept b.
struct Tester {
  GramStats gram;  // Gram form
  // Residual form: the test rows and their weights, y on the host.
  const CscColumns* csc = nullptr;
  const double* y = nullptr;
  std::vector<std::int64_t> rows;
  std::vector<double> weight;

  double mse(const std::vector<double>& w, double b) const {
    const std::size_t d = w.size();
    if (!csc) {
      double w_q = 0.0, w_Q_w = 0.0, m_w = 0.0;
      for (std::size_t a = 0; a < d; ++a) {
        if (w[a] == 0.0) continue;
        w_q += w[a] * gram.q[a];
        m_w += w[a] * gram.x_mean[a];
        double row = 0.0;
        for (std::size_t c = 0; c < d; ++c) row += gram.Q[a * d + c] * w[c];
        w_Q_w += w[a] * row;
      }
      const double shift = gram.y_mean - b - m_w;
      const double sum = gram.yy - 2.0 * w_q + w_Q_w + gram.weight_sum * shift * shift;
      return std::max(sum, 0.0) / gram.weight_sum;
    }
    std::vector<double> pred(static_cast<std::size_t>(csc->rows), 0.0);
    for (std::size_t j = 0; j < d; ++j)
      if (w[j] != 0.0)
        for (std::int64_t k = csc->indptr[j]; k < csc->indptr[j + 1]; ++k)
          pred[static_cast<std::size_t>(csc->row[k])] += csc->value[k] * w[j];
    double sum = 0.0, total = 0.0;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const auto i = static_cast<std::size_t>(rows[r]);
      const double res = y[i] - pred[i] - b;
      sum += weight[r] * res * res;
      total += weight[r];
    }
    return sum / total;
  }
};

template <bool kLasso>
class ElasticNetCvModel final : public LinearModel<EnetCvParams<kLasso>> {
 public:
  using LinearModel<EnetCvParams<kLasso>>::LinearModel;

 protected:
  void fit_impl(const Context& ctx, const Matrix& X_in, const Array* y, const Array* sample_weight) override {
    const auto& p = this->params();
    const std::string& name = this->spec().name;
    const DType dtype = value_dtype(X_in);
    FRANCA_EXPECTS(y->ndim() == 1 || y->dim(1) == 1, "y: For multi-task outputs, use MultiTask{}", name);
    const CdInput input = cd_input(ctx, X_in, name);
    const Matrix& X = input.X;
    const bool gram = input.gram;
    const Device device = X.device();
    const std::int64_t n = X.rows(), d = X.cols();
    const std::vector<Fold> folds = make_folds(p.cv, n);
    const auto k_folds = static_cast<std::int64_t>(folds.size());
    const std::vector<double>& l1_ratios = p.l1_ratio.values;
    if (!p.alphas.given)
      for (const double r : l1_ratios)
        FRANCA_EXPECTS(r > 0,
                       "l1_ratio: Automatic alpha grid generation is not supported for l1_ratio=0. Please supply a "
                       "grid by providing your estimator with the appropriate `alphas=` argument.");

    // y of one column is contiguous: its values are those of the 1-D y.
    Array y64 = to(ctx, *y, device, DType::float64);
    y64.shape = {n};
    y64.strides = {1};
    const Array y_host = to(ctx, y64, Device::cpu(), DType::float64);
    const double* yv = y_host.ptr<const double>();
    std::vector<double> sw(static_cast<std::size_t>(n), 1.0);
    if (sample_weight) {
      const Array w_host = to(ctx, *sample_weight, Device::cpu(), DType::float64);
      std::copy(w_host.ptr<const double>(), w_host.ptr<const double>() + n, sw.begin());
    }
    CscColumns csc;
    if (!gram) csc = csc_columns(X);
    // Gram form: all rows with the sample weights, the refit's statistics; a fold's training
    // statistics are these less its test rows'.
    GramStats full;
    if (gram) {
      const Array sw_dev = to(ctx, Array::from_host(sw, {n}), device, DType::float64);
      full = gram_stats(ctx, X, y64, sample_weight ? &sw_dev : nullptr, p.fit_intercept);
    }

    // The weights of a set of rows (zero elsewhere), and the trainer and tester over them.
    // stats: the training rows' Gram statistics (Gram form).
    const auto make_trainer = [&](const std::vector<double>& wv, std::int64_t rows, const GramStats* stats) {
      Trainer tr;
      tr.n_train = static_cast<double>(rows);
      double S = 0.0;
      for (const double v : wv) S += v;
      FRANCA_EXPECTS(S > 0, "sample_weight: the weights of a training set sum to {}; they must sum to a positive value",
                     S);
      // scikit-learn rescales the training weights to sum to the training rows' count.
      const double scale = tr.n_train / S;
      if (gram) {
        tr.gram = *stats;
        for (auto* v : {&tr.gram.Q, &tr.gram.q})
          for (double& x : *v) x *= scale;
        tr.gram.yy *= scale;
        tr.x_mean = tr.gram.x_mean;
        tr.y_mean = tr.gram.y_mean;
      } else {
        tr.csc = &csc;
        tr.sw = wv;
        for (double& v : tr.sw) v *= scale;
        tr.x_mean.assign(static_cast<std::size_t>(d), 0.0);
        if (p.fit_intercept) {
          for (std::int64_t j = 0; j < d; ++j) {
            double sum = 0.0;
            for (std::int64_t k = csc.indptr[j]; k < csc.indptr[j + 1]; ++k)
              sum += tr.sw[static_cast<std::size_t>(csc.row[k])] * csc.value[k];
            tr.x_mean[static_cast<std::size_t>(j)] = sum / tr.n_train;
          }
          for (std::int64_t i = 0; i < n; ++i) tr.y_mean += tr.sw[static_cast<std::size_t>(i)] * yv[i] / tr.n_train;
        }
        tr.yc.resize(static_cast<std::size_t>(n));
        for (std::int64_t i = 0; i < n; ++i) tr.yc[static_cast<std::size_t>(i)] = yv[i] - tr.y_mean;
      }
      return tr;
    };
    // The sample weights of `rows` (a row listed twice weighs twice), zero elsewhere.
    const auto weights_of = [&](const std::vector<std::int64_t>& rows) {
      std::vector<double> wv(static_cast<std::size_t>(n), 0.0);
      for (const std::int64_t i : rows) wv[static_cast<std::size_t>(i)] += sw[static_cast<std::size_t>(i)];
      return wv;
    };
    const auto stats_of = [&](const std::vector<double>& wv) {
      const Array w_dev = to(ctx, Array::from_host(wv, {n}), device, DType::float64);
      return gram_stats(ctx, X, y64, &w_dev, p.fit_intercept);
    };
    const auto make_tester = [&](const std::vector<std::int64_t>& rows) {
      Tester te;
      if (gram) {
        te.gram = stats_of(weights_of(rows));
        FRANCA_EXPECTS(te.gram.weight_sum > 0, "sample_weight: the weights of a test fold sum to 0");
      } else {
        te.csc = &csc;
        te.y = yv;
        for (const std::int64_t i : rows) {
          te.rows.push_back(i);
          te.weight.push_back(sw[static_cast<std::size_t>(i)]);
        }
      }
      return te;
    };

    // The grid: scikit-learn >= 1.8's _alpha_grid over all the rows: x_j^T S (y - mean_S(y)) (x_j
    // centred by its weighted mean when fit_intercept; the centring term vanishes) over the
    // weights' sum, of its largest absolute value, or with positive=True its largest value (no
    // smaller alpha keeps every coefficient at zero). scikit-learn 1.2's ignored the weights and
    // took |.| with positive too.
    std::vector<std::vector<double>> grids;
    if (p.alphas.given) {
      std::vector<double> a = p.alphas.values;
      std::sort(a.begin(), a.end(), std::greater<>());
      grids.assign(l1_ratios.size(), a);
    } else {
      std::vector<double> xty(static_cast<std::size_t>(d), 0.0);
      double weight_sum = 0.0;
      if (gram) {
        xty = full.q;
        weight_sum = full.weight_sum;
      } else {
        double y_mean = 0.0;
        for (std::int64_t i = 0; i < n; ++i) {
          weight_sum += sw[static_cast<std::size_t>(i)];
          y_mean += sw[static_cast<std::size_t>(i)] * yv[i];
        }
        y_mean = p.fit_intercept ? y_mean / weight_sum : 0.0;
        for (std::int64_t j = 0; j < d; ++j)
          for (std::int64_t k = csc.indptr[j]; k < csc.indptr[j + 1]; ++k) {
            const std::int64_t i = csc.row[k];
            xty[static_cast<std::size_t>(j)] += csc.value[k] * sw[static_cast<std::size_t>(i)] * (yv[i] - y_mean);
          }
      }
      double xy_max = 0.0;
      for (const double v : xty) xy_max = std::max(xy_max, p.positive ? v : std::fabs(v));
      for (const double r : l1_ratios)
        grids.push_back(alpha_grid(alpha_max_of(xy_max, weight_sum, r), p.eps, p.alphas.automatic(p.n_alphas)));
    }
    const auto n_alphas = static_cast<std::int64_t>(grids[0].size());
    const auto n_l1 = static_cast<std::int64_t>(l1_ratios.size());

    const CdOptions base = cd_solver_options(ctx, p);
    FRANCA_LOG_INFO("{}: {} folds x {} l1_ratio(s) x {} alphas by coordinate descent ({} form) on {} ({} X of {} x {})",
                    name, k_folds, n_l1, n_alphas, gram ? "Gram" : "residual", device.str(), X.kind_name(), n, d);
    std::int64_t not_converged = 0;
    const auto options = [&](double alpha, double l1_ratio, double n_train, std::uint64_t stream) {
      CdOptions o = base;
      o.l1 = alpha * l1_ratio * n_train;
      o.l2 = alpha * (1.0 - l1_ratio) * n_train;
      o.stream = stream;
      return o;
    };

    // mse[(l * n_alphas + a) * k_folds + f]: scikit-learn's mse_path_ before squeezing.
    std::vector<double> mse(static_cast<std::size_t>(n_l1 * n_alphas * k_folds));
    for (std::int64_t f = 0; f < k_folds; ++f) {
      ctx.check_cancelled();
      ctx.report_progress("folds", f, k_folds);
      const Fold& fold = folds[static_cast<std::size_t>(f)];
      const Tester te = make_tester(fold.test);
      std::vector<double> wv = fold.complement ? sw : weights_of(fold.train);
      if (fold.complement)
        for (const std::int64_t i : fold.test) wv[static_cast<std::size_t>(i)] = 0.0;
      const std::int64_t n_train = fold.complement ? n - static_cast<std::int64_t>(fold.test.size())
                                                   : static_cast<std::int64_t>(fold.train.size());
      GramStats train_stats;
      // The training rows the complement of the test rows: their statistics are all rows' less the
      // test rows' (no pass over X); other splits take a pass of their own.
      if (gram) train_stats = fold.complement ? without(full, te.gram, p.fit_intercept) : stats_of(wv);
      const Trainer tr = make_trainer(wv, n_train, &train_stats);
      for (std::int64_t l = 0; l < n_l1; ++l) {
        std::vector<double> w(static_cast<std::size_t>(d), 0.0);  // warm-started along the path
        for (std::int64_t a = 0; a < n_alphas; ++a) {
          const auto stream = static_cast<std::uint64_t>((f * n_l1 + l) * n_alphas + a);
          const CdResult r = tr.solve(ctx, w, options(grids[l][a], l1_ratios[l], tr.n_train, stream));
          not_converged += r.converged ? 0 : 1;
          mse[static_cast<std::size_t>((l * n_alphas + a) * k_folds + f)] = te.mse(w, tr.intercept(w, p.fit_intercept));
        }
      }
    }
    if (not_converged > 0)
      FRANCA_LOG_WARN(
          "{}: {} of the {} fits along the folds' paths did not converge. You might want to increase the number of "
          "iterations (ConvergenceWarning)",
          name, not_converged, k_folds * n_l1 * n_alphas);

    // The best (l1_ratio, alpha): the first smallest mean MSE, l1_ratio by l1_ratio.
    double best = HUGE_VAL, best_alpha = grids[0][0], best_l1 = l1_ratios[0];
    for (std::int64_t l = 0; l < n_l1; ++l) {
      std::int64_t arg = 0;
      double low = HUGE_VAL;
      for (std::int64_t a = 0; a < n_alphas; ++a) {
        double mean = 0.0;
        for (std::int64_t f = 0; f < k_folds; ++f)
          mean += mse[static_cast<std::size_t>((l * n_alphas + a) * k_folds + f)];
        mean /= static_cast<double>(k_folds);
        if (mean < low) {
          low = mean;
          arg = a;
        }
      }
      if (low < best) {
        best = low;
        best_alpha = grids[l][arg];
        best_l1 = l1_ratios[l];
      }
    }

    // The refit on all the rows, from zero, as scikit-learn's ElasticNet.
    const Trainer all = make_trainer(sw, n, &full);
    std::vector<double> coef(static_cast<std::size_t>(d), 0.0);
    const CdResult r = all.solve(ctx, coef, options(best_alpha, best_l1, all.n_train, 0));
    if (!r.converged)
      FRANCA_LOG_WARN("{}: Objective did not converge. Duality gap: {:.3e}, tolerance: {:.3e} (ConvergenceWarning)",
                      name, r.gap, r.tol);
    const double intercept = all.intercept(coef, p.fit_intercept);
    expect_finite_coefficients(name, coef);
    expect_finite_coefficients(name, {intercept});

    // scikit-learn's shapes: mse_path_ is (l1_ratios, alphas, folds) with every axis of length 1
    // squeezed away; alphas_ is (l1_ratios, alphas) from the grid, (alphas,) for one l1_ratio or
    // given alphas.
    std::vector<std::int64_t> mse_shape;
    for (const std::int64_t s : {n_l1, n_alphas, k_folds})
      if (s != 1) mse_shape.push_back(s);
    std::vector<double> alphas_flat;
    for (const auto& g : grids) alphas_flat.insert(alphas_flat.end(), g.begin(), g.end());
    const bool alphas_2d = !p.alphas.given && n_l1 > 1;
    if (!alphas_2d) alphas_flat.resize(static_cast<std::size_t>(n_alphas));
    const auto host = [&](const std::vector<double>& v, std::vector<std::int64_t> shape, DType as) {
      return to(ctx, Array::from_host(v, std::move(shape)), Device::cpu(), as);
    };
    this->set_attribute(ctx, "coef_", host(coef, {d}, dtype));
    this->set_attribute(ctx, "intercept_", host({intercept}, {}, dtype));
    this->set_attribute(ctx, "dual_gap_", host({r.gap / all.n_train}, {}, dtype));
    this->set_attribute(ctx, "n_iter_", Array::from_host(std::vector<std::int64_t>{r.n_iter}, {}));
    this->set_attribute(ctx, "alpha_", host({best_alpha}, {}, DType::float64));
    if constexpr (!kLasso) this->set_attribute(ctx, "l1_ratio_", host({best_l1}, {}, DType::float64));
    this->set_attribute(ctx, "mse_path_", host(mse, mse_shape, DType::float64));
    this->set_attribute(
        ctx, "alphas_",
        host(alphas_flat, alphas_2d ? std::vector<std::int64_t>{n_l1, n_alphas} : std::vector<std::int64_t>{n_alphas},
             DType::float64));
  }

  void check_state() const override {
    LinearModel<EnetCvParams<kLasso>>::check_state();
    const DType dtype = this->attribute("coef_").dtype;
    this->expect_attribute("dual_gap_", dtype, {});
    this->expect_attribute("n_iter_", DType::int64, {});
    this->expect_attribute("alpha_", DType::float64, {});
    if constexpr (!kLasso) this->expect_attribute("l1_ratio_", DType::float64, {});
    const Array& alphas = this->attribute("alphas_");
    FRANCA_EXPECTS_STATUS(alphas.dtype == DType::float64 && (alphas.ndim() == 1 || alphas.ndim() == 2),
                          Status::corrupt_model, "model: alphas_ must be a float64 array of 1 or 2 dimensions");
    FRANCA_EXPECTS_STATUS(this->attribute("mse_path_").dtype == DType::float64, Status::corrupt_model,
                          "model: mse_path_ must be float64");
  }
};

constexpr const char* kPredictDoc = "Predicted values, X coef_^T + intercept_.";

const EstimatorSpec& elastic_net_cv_spec() {
  static const EstimatorSpec spec =
      EstimatorSpec::of<ElasticNetCvModel<false>>("ElasticNetCV", EstimatorKind::regressor, "linear_model")
          .doc(
              "ElasticNet with alpha (and l1_ratio, when a list) chosen by k-fold cross-validation: each fold's "
              "regularisation path is fitted with warm starts, the pair of smallest mean test MSE is refitted on "
              "all the data. One target. Dense X, or CSR X of at most 4096 columns, on any device; wider X on the "
              "CPU only.")
          .method("predict", kPredictDoc)
          .fitted({"alpha_", "l1_ratio_", "coef_", "intercept_", "mse_path_", "alphas_", "dual_gap_", "n_iter_"})
          .accepts({Matrix::Kind::dense, Matrix::Kind::csr})
          .single_target();
  return spec;
}

const EstimatorSpec& lasso_cv_spec() {
  static const EstimatorSpec spec =
      EstimatorSpec::of<ElasticNetCvModel<true>>("LassoCV", EstimatorKind::regressor, "linear_model")
          .doc(
              "Lasso with alpha chosen by k-fold cross-validation: each fold's regularisation path is fitted with "
              "warm starts, the alpha of smallest mean test MSE is refitted on all the data. One target. Dense X, or "
              "CSR X of at most 4096 columns, on any device; wider X on the CPU only.")
          .method("predict", kPredictDoc)
          .fitted({"alpha_", "coef_", "intercept_", "mse_path_", "alphas_", "dual_gap_", "n_iter_"})
          .accepts({Matrix::Kind::dense, Matrix::Kind::csr})
          .single_target();
  return spec;
}

}  // namespace

FRANCA_REGISTER_ESTIMATOR(elastic_net_cv_spec);
FRANCA_REGISTER_ESTIMATOR(lasso_cv_spec);

}  // namespace franca
