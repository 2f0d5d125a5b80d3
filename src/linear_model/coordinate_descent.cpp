#include "linear_model/coordinate_descent.hpp"

#include <algorithm>
#include <cmath>

#include "core/expects.hpp"
#include "core/logging.hpp"
#include "core/matrix_ref.hpp"
#include "core/random.hpp"
#include "linear_model/least_squares.hpp"
#include "primitives/csr_ops.hpp"
#include "primitives/dense.hpp"
#include "primitives/matrix_input.hpp"

namespace franca {

namespace {

// The minimiser in w_j of the objective with the other coordinates fixed: soft-thresholding of
// tmp = x_j^T (residual without j) at l1, over the column's squared norm plus l2.
double coordinate_minimum(double tmp, double norm2, const CdOptions& o) {
  if (o.positive && tmp < 0) return 0.0;
  const double shrunk = std::max(std::fabs(tmp) - o.l1, 0.0);
  return shrunk == 0.0 ? 0.0 : std::copysign(shrunk, tmp) / (norm2 + o.l2);
}

// scikit-learn's duality gap from XtA = X^T R - l2 W (R the weighted residual; d x t, row j a
// feature's block of coefficients, one per target), W, ||R||^2 and the sum of R * Y. The L1 term
// is the sum over blocks of their 2-norms (|w_j| for one target; with several, MultiTaskElasticNet's
// L2,1 penalty), its dual norm the largest block norm of XtA (the largest XtA_j with positive).
// Without an L1 term, scikit-learn >= 1.8's: the ridge dual's gap (its formulation B), or with no
// penalty at all ||X^T R||^2, the first-order condition (formulation A's dual point degenerates).
double duality_gap(const std::vector<double>& XtA, const std::vector<double>& W, std::size_t targets, double R_norm2,
                   double R_dot_y, const CdOptions& o) {
  double dual_norm = o.positive ? -HUGE_VAL : 0.0, l1_norm = 0.0, w_norm2 = 0.0, xtr_norm2 = 0.0;
  for (std::size_t j = 0; j < W.size(); j += targets) {
    double xta_norm2 = 0.0, w_block2 = 0.0;
    for (std::size_t k = j; k < j + targets; ++k) {
      const double xr = XtA[k] + o.l2 * W[k];
      xtr_norm2 += xr * xr;
      xta_norm2 += XtA[k] * XtA[k];
      w_block2 += W[k] * W[k];
    }
    dual_norm = o.positive ? std::max(dual_norm, XtA[j]) : std::max(dual_norm, std::sqrt(xta_norm2));
    l1_norm += std::sqrt(w_block2);
    w_norm2 += w_block2;
  }
  if (o.l1 == 0) {
    if (o.l2 == 0) return xtr_norm2;
    return R_norm2 + 0.5 * o.l2 * w_norm2 - R_dot_y + xtr_norm2 / (2.0 * o.l2);
  }
  double scale = 1.0, gap = R_norm2;
  if (dual_norm > o.l1) {
    scale = o.l1 / dual_norm;
    gap = 0.5 * (R_norm2 + R_norm2 * scale * scale);
  }
  return gap + o.l1 * l1_norm - scale * R_dot_y + 0.5 * o.l2 * (1.0 + scale * scale) * w_norm2;
}

// The sweeps every form shares, over d coordinates (blocks): update(j, change, size) moves
// coordinate j to its minimum, giving the largest change of its coefficients and their largest
// magnitude (false when the column is all zeros and is skipped); gap() is evaluated before the first
// sweep, once the largest change of a sweep is at most tol times the largest coefficient, and on the
// last sweep.
template <class Update, class Gap>
CdResult sweep(const Context& ctx, std::int64_t d, const CdOptions& o, double gap_tol, Update&& update, Gap&& gap) {
  CdResult r;
  r.tol = gap_tol;
  // scikit-learn >= 1.8 checks the gap before the first sweep: a start within tol already (a warm
  // start at the solution, zeros at alpha_max) costs no sweep, n_iter 0.
  r.gap = gap();
  if (r.gap <= gap_tol) {
    r.converged = true;
    return r;
  }
  const CounterRandom rng(o.seed, o.stream);
  std::uint64_t draw = 0;
  for (std::int64_t iter = 0; iter < o.max_iter; ++iter) {
    ctx.check_cancelled();
    ctx.report_progress("sweeps", iter, o.max_iter);
    double w_max = 0.0, d_w_max = 0.0;
    for (std::int64_t f = 0; f < d; ++f) {
      const auto j = static_cast<std::size_t>(
          o.random ? static_cast<std::int64_t>(rng.below(draw++, static_cast<std::uint64_t>(d))) : f);
      double change = 0.0, size = 0.0;
      if (!update(j, change, size)) continue;
      d_w_max = std::max(d_w_max, change);
      w_max = std::max(w_max, size);
    }
    if (w_max == 0.0 || d_w_max / w_max <= o.tol || iter == o.max_iter - 1) {
      r.gap = gap();
      if (r.gap <= gap_tol) {
        r.n_iter = iter + 1;
        r.converged = true;
        return r;
      }
    }
  }
  r.n_iter = o.max_iter;
  return r;
}

// A one-target update(j) as sweep takes it: the change and size are w[j]'s.
template <class Update>
auto measured(std::vector<double>& w, Update& update) {
  return [&w, &update](std::size_t j, double& change, double& size) {
    const double before = w[j];
    if (!update(j)) return false;
    change = std::fabs(w[j] - before);
    size = std::fabs(w[j]);
    return true;
  };
}

}  // namespace

CdResult cd_gram(const Context& ctx, const std::vector<double>& Q, const double* q, double y_norm2,
                 std::vector<double>& w, const CdOptions& o) {
  const std::size_t d = w.size();
  // H = Q w, kept up to date as coordinates move.
  std::vector<double> H(d, 0.0), XtA(d);
  for (std::size_t a = 0; a < d; ++a)
    if (w[a] != 0.0)
      for (std::size_t b = 0; b < d; ++b) H[b] += Q[a * d + b] * w[a];
  const auto update = [&](std::size_t j) {
    const double* row = &Q[j * d];
    if (row[j] == 0.0) return false;
    const double before = w[j];
    if (before != 0.0)
      for (std::size_t b = 0; b < d; ++b) H[b] -= before * row[b];
    w[j] = coordinate_minimum(q[j] - H[j], row[j], o);
    if (w[j] != 0.0)
      for (std::size_t b = 0; b < d; ++b) H[b] += w[j] * row[b];
    return true;
  };
  const auto gap = [&] {
    double q_dot_w = 0.0, w_dot_H = 0.0;
    for (std::size_t j = 0; j < d; ++j) {
      XtA[j] = q[j] - H[j] - o.l2 * w[j];
      q_dot_w += q[j] * w[j];
      w_dot_H += w[j] * H[j];
    }
    // ||y - Xw||^2 = y^T y - 2 w^T q + w^T Q w; R^T y = y^T y - w^T q.
    const double R_norm2 = y_norm2 + w_dot_H - 2.0 * q_dot_w;
    return duality_gap(XtA, w, 1, R_norm2, y_norm2 - q_dot_w, o);
  };
  return sweep(ctx, static_cast<std::int64_t>(d), o, o.tol * y_norm2, measured(w, update), gap);
}

CdResult cd_gram_multi_task(const Context& ctx, const std::vector<double>& Q, const double* q, std::int64_t targets,
                            double y_norm2, std::vector<double>& W, const CdOptions& o) {
  const auto t = static_cast<std::size_t>(targets);
  const std::size_t d = W.size() / t;
  // H = Q W (d x t), kept up to date as blocks move.
  std::vector<double> H(d * t, 0.0), XtA(d * t), block(t);
  for (std::size_t a = 0; a < d; ++a)
    for (std::size_t k = 0; k < t; ++k)
      if (W[a * t + k] != 0.0)
        for (std::size_t b = 0; b < d; ++b) H[b * t + k] += Q[a * d + b] * W[a * t + k];
  const auto update = [&](std::size_t j, double& change, double& size) {
    const double* row = &Q[j * d];
    if (row[j] == 0.0) return false;
    // block = x_j^T (R + x_j W_j): the residual without feature j, shrunk as a whole (group soft
    // thresholding at l1) over the column's squared norm plus l2.
    double norm2 = 0.0;
    for (std::size_t k = 0; k < t; ++k) {
      block[k] = q[j * t + k] - H[j * t + k] + row[j] * W[j * t + k];
      norm2 += block[k] * block[k];
    }
    const double norm = std::sqrt(norm2);
    const double scale = norm > o.l1 ? (1.0 - o.l1 / norm) / (row[j] + o.l2) : 0.0;
    for (std::size_t k = 0; k < t; ++k) {
      const double delta = scale * block[k] - W[j * t + k];
      W[j * t + k] += delta;
      change = std::max(change, std::fabs(delta));
      size = std::max(size, std::fabs(W[j * t + k]));
      if (delta != 0.0)
        for (std::size_t b = 0; b < d; ++b) H[b * t + k] += delta * row[b];
    }
    return true;
  };
  const auto gap = [&] {
    double q_dot_w = 0.0, w_dot_H = 0.0;
    for (std::size_t k = 0; k < d * t; ++k) {
      XtA[k] = q[k] - H[k] - o.l2 * W[k];
      q_dot_w += q[k] * W[k];
      w_dot_H += W[k] * H[k];
    }
    const double R_norm2 = y_norm2 + w_dot_H - 2.0 * q_dot_w;
    return duality_gap(XtA, W, t, R_norm2, y_norm2 - q_dot_w, o);
  };
  return sweep(ctx, static_cast<std::int64_t>(d), o, o.tol * y_norm2, update, gap);
}

CdResult cd_sparse(const Context& ctx, const CscColumns& X, const std::vector<double>& x_mean, const double* y,
                   const double* sw, std::vector<double>& w, const CdOptions& o) {
  const std::int64_t n = X.rows, d = X.cols;
  const auto s = [&](std::int64_t i) { return sw ? sw[i] : 1.0; };
  // The weighted residual is R_i = s_i (y_i - (x_i - m)^T w) = Rs_i + offset * s_i: the column
  // means' share, the same for every row up to its weight, is the one scalar `offset`, so a
  // coordinate update touches only its column's stored values (scikit-learn's loops over all n).
  std::vector<double> Rs(static_cast<std::size_t>(n)), norm2(static_cast<std::size_t>(d)),
      XtA(static_cast<std::size_t>(d));
  double S = 0.0, offset = 0.0, y_norm2 = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    Rs[i] = s(i) * y[i];
    S += s(i);
    y_norm2 += y[i] * s(i) * y[i];
  }
  for (std::int64_t j = 0; j < d; ++j) {
    const double m = x_mean[j];
    // sum_i s_i (x_ij - m)^2, the unstored rows contributing s_i m^2.
    double sum = S * m * m;
    for (std::int64_t k = X.indptr[j]; k < X.indptr[j + 1]; ++k) {
      const double si = s(X.row[k]), x = X.value[k];
      sum += si * ((x - m) * (x - m) - m * m);
      if (w[j] != 0.0) Rs[X.row[k]] -= si * x * w[j];
    }
    norm2[j] = sum;
    offset += m * w[j];
  }
  double Rs_sum = 0.0;
  for (std::int64_t i = 0; i < n; ++i) Rs_sum += Rs[i];

  const auto update = [&](std::size_t j) {
    if (norm2[j] == 0.0) return false;
    const std::int64_t begin = X.indptr[j], end = X.indptr[j + 1];
    const double m = x_mean[j], before = w[j];
    if (before != 0.0) {
      for (std::int64_t k = begin; k < end; ++k) {
        const double delta = s(X.row[k]) * X.value[k] * before;
        Rs[X.row[k]] += delta;
        Rs_sum += delta;
      }
      offset -= m * before;
    }
    // tmp = sum_i (x_ij - m) R_i
    double tmp = 0.0;
    for (std::int64_t k = begin; k < end; ++k) tmp += X.value[k] * (Rs[X.row[k]] + offset * s(X.row[k]));
    tmp -= m * (Rs_sum + offset * S);
    w[j] = coordinate_minimum(tmp, norm2[j], o);
    if (w[j] != 0.0) {
      for (std::int64_t k = begin; k < end; ++k) {
        const double delta = s(X.row[k]) * X.value[k] * w[j];
        Rs[X.row[k]] -= delta;
        Rs_sum -= delta;
      }
      offset += m * w[j];
    }
    return true;
  };
  const auto gap = [&] {
    // Fold the offset into the residual, which also resets the running sum's rounding.
    double R_sum = 0.0, R_norm2 = 0.0, R_dot_y = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
      Rs[i] += offset * s(i);
      R_sum += Rs[i];
      if (s(i) != 0.0) R_norm2 += Rs[i] * Rs[i] / s(i);
      R_dot_y += Rs[i] * y[i];
    }
    offset = 0.0;
    Rs_sum = R_sum;
    for (std::int64_t j = 0; j < d; ++j) {
      double xr = 0.0;
      for (std::int64_t k = X.indptr[j]; k < X.indptr[j + 1]; ++k) xr += X.value[k] * Rs[X.row[k]];
      XtA[j] = xr - x_mean[j] * R_sum - o.l2 * w[j];
    }
    return duality_gap(XtA, w, 1, R_norm2, R_dot_y, o);
  };
  return sweep(ctx, d, o, o.tol * y_norm2, measured(w, update), gap);
}

GramStats gram_stats(const Context& ctx, const Matrix& X, const Array& y64, const Array* w, bool fit_intercept) {
  NormalEquations eq = centered_normal_equations(ctx, X, y64, w, fit_intercept);
  const ColumnMoments ym = FRANCA_DISPATCH(y64.device, column_moments, ctx, y64, w, true);
  GramStats g;
  g.Q = std::move(eq.cp.xtx);
  g.q = std::move(eq.cp.xty);
  g.x_mean = std::move(eq.x_mean);
  g.y_mean = eq.y_mean[0];
  g.weight_sum = ym.weight_sum;
  g.yy = (ym.var[0] + (fit_intercept ? 0.0 : ym.mean[0] * ym.mean[0])) * ym.weight_sum;
  return g;
}

void move_centres(std::vector<double>& Q, std::vector<double>& q, const std::vector<double>& x_mean,
                  const std::vector<double>& y_mean, double weight_sum, const std::vector<double>& x_centre) {
  const std::size_t d = x_mean.size(), t = y_mean.size();
  std::vector<double> shift(d);
  for (std::size_t j = 0; j < d; ++j) shift[j] = x_mean[j] - x_centre[j];
  for (std::size_t a = 0; a < d; ++a) {
    for (std::size_t b = 0; b < d; ++b) Q[a * d + b] += weight_sum * shift[a] * shift[b];
    for (std::size_t k = 0; k < t; ++k) q[a * t + k] += weight_sum * shift[a] * y_mean[k];
  }
}

GramStats recentred(const GramStats& g, const std::vector<double>& x_centre) {
  GramStats r = g;
  move_centres(r.Q, r.q, g.x_mean, {g.y_mean}, g.weight_sum, x_centre);
  r.yy += g.weight_sum * g.y_mean * g.y_mean;
  r.x_mean = x_centre;
  r.y_mean = 0.0;
  return r;
}

void warn_unconverged(const std::string& name, const CdResult& r) {
  if (r.converged) return;
  FRANCA_LOG_WARN(
      "{}: Objective did not converge. You might want to increase the number of iterations, check the scale of the "
      "features or consider increasing regularisation. Duality gap: {:.3e}, tolerance: {:.3e} (ConvergenceWarning)",
      name, r.gap, r.tol);
}

void expect_finite_coefficients(const std::string& name, const std::vector<double>& values) {
  for (const double x : values)
    FRANCA_EXPECTS(std::isfinite(x),
                   "{}: Coordinate descent iterations resulted in non-finite parameter values. The input data may "
                   "contain large values and need to be preprocessed.",
                   name);
}

double alpha_max_of(double xy_max, double n, double l1_ratio) {
  double alpha = xy_max / (n * l1_ratio);
  // A step of one ulp moves the product by about one of its own ulps, unless the product is
  // subnormal (it then has fewer bits than alpha, and an ulp of alpha can move it by nothing):
  // past a few steps the growth doubles each time, so that the loop ends whatever the inputs.
  for (int step = 0; alpha * l1_ratio * n < xy_max; ++step)
    alpha = step < 16 ? std::nextafter(alpha, HUGE_VAL) : alpha * (1 + std::ldexp(1.0, std::min(step - 60, 10)));
  return alpha;
}

std::vector<double> alpha_grid(double alpha_max, double eps, std::int64_t n_alphas) {
  std::vector<double> a(static_cast<std::size_t>(n_alphas), kAlphaResolution);
  if (alpha_max <= kAlphaResolution) return a;
  // np.geomspace(alpha_max, alpha_max * eps, n_alphas) (scikit-learn >= 1.5; before, logspace,
  // whose ends differ in the last bits): exact ends, so that the first fit is exactly zero.
  const double lo = std::log10(alpha_max * eps), hi = std::log10(alpha_max);
  const double step = n_alphas == 1 ? 0.0 : (hi - lo) / static_cast<double>(n_alphas - 1);
  for (std::int64_t i = 0; i < n_alphas; ++i)
    a[static_cast<std::size_t>(n_alphas - 1 - i)] = std::pow(10.0, lo + step * i);
  if (n_alphas > 1) a.back() = alpha_max * eps;
  a.front() = alpha_max;
  return a;
}

CdInput cd_input(const Context& ctx, const Matrix& X_in, const std::string& name) {
  const DType dtype = value_dtype(X_in);
  FRANCA_EXPECTS_STATUS(is_floating(dtype), Status::type, "X: expected float32 or float64, got {}", dtype_name(dtype));
  const std::int64_t d = X_in.cols();
  const Device device = X_in.device();
  // A Gram sweep costs d^2 and a residual sweep the stored values (twice): the Gram form where it
  // is the cheaper (scikit-learn's precompute='auto', n > d, for dense X; for TF-IDF X of a few
  // thousand columns and tens of stored values a row, the residual form is about 50x faster), and
  // always on CUDA, whose descent runs in Gram form only.
  const std::int64_t stored = X_in.kind == Matrix::Kind::csr ? X_in.csr.nnz() : X_in.rows() * d;
  CdInput in{contiguous_checked(ctx, X_in), d <= kMaxSparseGramFeatures && (device.is_cuda() || d * d <= stored)};
  FRANCA_EXPECTS_STATUS(in.gram || device.is_cpu(), Status::not_implemented,
                        "X: {} on CUDA supports at most {} columns (the Gram form), got {}; pass host data", name,
                        kMaxSparseGramFeatures, d);
  return in;
}

CscColumns csc_columns(const Matrix& X) {
  CscColumns c;
  c.rows = X.rows();
  c.cols = X.cols();
  c.indptr.assign(static_cast<std::size_t>(c.cols + 1), 0);
  const auto place = [&c](auto&& for_each_entry) {
    for_each_entry([&c](std::int64_t, std::int64_t j, double) { ++c.indptr[static_cast<std::size_t>(j + 1)]; });
    for (std::int64_t j = 0; j < c.cols; ++j) c.indptr[j + 1] += c.indptr[j];
    c.row.resize(static_cast<std::size_t>(c.indptr.back()));
    c.value.resize(c.row.size());
    std::vector<std::int64_t> next(c.indptr.begin(), c.indptr.end() - 1);
    for_each_entry([&](std::int64_t i, std::int64_t j, double v) {
      const auto k = static_cast<std::size_t>(next[static_cast<std::size_t>(j)]++);
      c.row[k] = i;
      c.value[k] = v;
    });
  };
  if (X.kind == Matrix::Kind::csr) {
    dispatch_csr(X.csr, [&](auto t, auto ix, auto ip) {
      using T = decltype(t);
      const auto* data = X.csr.data.ptr<const T>();
      const auto* indices = X.csr.indices.ptr<const decltype(ix)>();
      const auto* indptr = X.csr.indptr.ptr<const decltype(ip)>();
      place([&](auto&& fn) {
        for (std::int64_t i = 0; i < c.rows; ++i)
          for (auto k = indptr[i]; k < indptr[i + 1]; ++k)
            if (data[k] != T(0)) fn(i, static_cast<std::int64_t>(indices[k]), static_cast<double>(data[k]));
      });
    });
  } else {
    dispatch_floating(X.dense.dtype, [&](auto t) {
      using T = decltype(t);
      const auto m = matrix_ref<const T>(X.dense);
      place([&](auto&& fn) {
        for (std::int64_t i = 0; i < m.rows; ++i)
          for (std::int64_t j = 0; j < m.cols; ++j)
            if (m(i, j) != T(0)) fn(i, j, static_cast<double>(m(i, j)));
      });
    });
  }
  return c;
}

}  // namespace franca
