#include "linear_model/glm_fit.hpp"

#include <cmath>
#include <functional>
#include <limits>

#include "core/expects.hpp"
#include "core/logging.hpp"
#include "optimize/lbfgs.hpp"
#include "optimize/vector_ops.hpp"
#include "primitives/csr_compact.hpp"
#include "primitives/matrix_input.hpp"
#include "primitives/symmetric_solve.hpp"

namespace franca {

GlmProblem glm_problem(const Context& ctx, const Matrix& X, bool fit_intercept, const char* name) {
  GlmProblem problem;
  problem.data.X = contiguous_checked(ctx, X);
  if (problem.data.X.kind == Matrix::Kind::csr)
    problem.data.X = FRANCA_DISPATCH(X.device(), csr_compact_columns, ctx, problem.data.X, problem.columns);
  problem.d = X.cols();
  if (problem.data.X.cols() != problem.d)
    FRANCA_LOG_DEBUG("{}: {} of the {} columns hold values", name, problem.data.X.cols(), problem.d);
  problem.data.fit_intercept = fit_intercept;
  return problem;
}

GlmProblem glm_external_problem(std::int64_t d, bool fit_intercept, DataLossFunction data_loss) {
  GlmProblem problem;
  problem.external = std::move(data_loss);
  problem.d = d;
  problem.data.fit_intercept = fit_intercept;
  return problem;
}

double glm_data_loss(const Context& ctx, const Matrix& X, GlmData data, const std::vector<double>& coef,
                     std::vector<double>& gradient, std::vector<double>* hessian) {
  data.X = contiguous_checked(ctx, X);
  const Device device = data.X.device();
  const double loss = FRANCA_DISPATCH(device, glm_objective, ctx, data, coef, gradient);
  if (hessian) *hessian = FRANCA_DISPATCH(device, glm_hessian, ctx, data, coef).matrix;
  return loss;
}

Array glm_row_weights(const Context& ctx, const Array* sample_weight, std::int64_t n, Device device) {
  if (sample_weight) return to(ctx, *sample_weight, device, DType::float64);
  return to_device(ctx, Array::from_host(std::vector<double>(static_cast<std::size_t>(n), 1.0), {n}), device);
}

namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

// L-BFGS (OWL-QN when l1 is not empty) from x, at most max_iter iterations; warns, as
// scikit-learn's _check_optimize_result (or in options.unconverged's words), when it stops
// unconverged.
LbfgsResult lbfgs_solve(const Context& ctx, const Objective& objective, std::vector<double> x, std::int64_t max_iter,
                        int max_linesearch, std::vector<double> l1, const std::string& log_name,
                        const GlmSolverOptions& options) {
  LbfgsOptions lbfgs;
  lbfgs.max_iter = max_iter;
  lbfgs.gtol = options.tol;
  lbfgs.max_linesearch = max_linesearch;
  lbfgs.l1 = std::move(l1);
  lbfgs.name = log_name.c_str();
  LbfgsResult result = minimize_lbfgs(ctx, objective, std::move(x), lbfgs);
  if (result.converged) return result;
  if (options.unconverged.empty()) {
    FRANCA_LOG_WARN(
        "{}: lbfgs failed to converge: {}. Increase the number of iterations (max_iter) or scale the data "
        "(ConvergenceWarning)",
        options.name, result.message);
  } else {
    FRANCA_LOG_WARN("{}: {} (franca's lbfgs in its place: {}) (ConvergenceWarning)", options.name, options.unconverged,
                    result.message);
  }
  return result;
}

// scikit-learn's NewtonCholeskySolver (sklearn/linear_model/_glm/_newton_solver.py, as of 1.9) on
// data loss + l2 / 2 ||W||^2 from x: each iteration solves H s = -g by Cholesky, H the Hessian
// (glm_hessian, where X lives) plus l2 on the coefficients' diagonal; a backtracking line search
// (halving from 1, at most 21 steps, Armijo constant 2^-11, or a decrease within 16 eps of f with a
// smaller sum |g|) moves to x + a s; it stops when max |g| <= tol and s^T H s / 2 <= tol. A
// pointwise Hessian mostly <= 0, a Hessian that is not numerically positive definite, an ascent
// direction or a failed line search hand the rest of max_iter to L-BFGS (50 evaluations per line
// search), with scikit-learn's warnings; n_iter counts the iterations of both. `data` says the loss
// (n_scores, loss, fit_intercept) over d columns; `hessian_at` evaluates its (scaled) Hessian.
LbfgsResult newton_cholesky_solve(const Context& ctx, const GlmData& data, std::int64_t d, double l2,
                                  const Objective& objective,
                                  const std::function<GlmHessian(const std::vector<double>&)>& hessian_at,
                                  std::vector<double> x, const GlmSolverOptions& options) {
  const std::int64_t t = data.n_scores, n_coef = t * d;
  const auto size = static_cast<std::int64_t>(x.size());
  const std::string log_name = options.name + " (Newton-Cholesky)";
  // Adding a constant to one feature's coefficients of every class leaves the multinomial loss
  // unchanged: without a penalty every feature has that freedom, with one the intercepts, and H is
  // singular along it. As scikit-learn, the last class's free coordinate is moved to 0 and held
  // there; the solution is moved back to sum to 0 over the classes at the end.
  const bool multinomial = data.loss == glm::Loss::multinomial;
  const bool shift_coefficients = multinomial && l2 == 0, shift_intercepts = multinomial && data.fit_intercept;
  // Entry e of the shifted columns (each coefficient column j < d, and the intercepts at j = d)
  // for class k.
  const auto entry = [&](std::int64_t k, std::int64_t j) { return j < d ? k * d + j : n_coef + k; };
  std::vector<std::int64_t> shifted;  // the columns the multinomial freedom applies to
  if (shift_coefficients)
    for (std::int64_t j = 0; j < d; ++j) shifted.push_back(j);
  if (shift_intercepts) shifted.push_back(d);
  std::vector<bool> held(static_cast<std::size_t>(size), false);
  for (std::int64_t j : shifted) {
    const double last = x[static_cast<std::size_t>(entry(t - 1, j))];
    for (std::int64_t k = 0; k < t; ++k) x[static_cast<std::size_t>(entry(k, j))] -= last;
    held[static_cast<std::size_t>(entry(t - 1, j))] = true;
  }
  std::vector<std::int64_t> free;
  for (std::int64_t e = 0; e < size; ++e)
    if (!held[static_cast<std::size_t>(e)]) free.push_back(e);
  const auto m = static_cast<std::int64_t>(free.size());

  std::vector<double> g;
  double f = objective(x, g);
  std::int64_t iteration = 1;
  bool converged = false, fallback = false;
  while (iteration <= options.max_iter && !converged) {
    ctx.check_cancelled();
    ctx.report_progress("iterations", iteration - 1, options.max_iter);
    const GlmHessian hessian = hessian_at(x);
    if (hessian.nonpositive_fraction > 0.25) {
      FRANCA_LOG_WARN(
          "{}: The inner solver of NewtonCholeskySolver detected a pointwise hessian with many negative values at "
          "iteration #{}. It will now resort to lbfgs instead. (ConvergenceWarning)",
          options.name, iteration);
      fallback = true;
      break;
    }
    std::vector<double> H(static_cast<std::size_t>(m * m)), minus_g(static_cast<std::size_t>(m)), step_free;
    for (std::int64_t a = 0; a < m; ++a) {
      const std::int64_t ea = free[static_cast<std::size_t>(a)];
      minus_g[static_cast<std::size_t>(a)] = -g[static_cast<std::size_t>(ea)];
      for (std::int64_t b = 0; b < m; ++b)
        H[static_cast<std::size_t>(a * m + b)] =
            hessian.matrix[static_cast<std::size_t>(ea * size + free[static_cast<std::size_t>(b)])];
      if (ea < n_coef) H[static_cast<std::size_t>(a * m + a)] += l2;
    }
    // scipy's solve warns (LinAlgWarning) below a reciprocal condition number of eps; a Cholesky
    // pivot that small next to the largest diagonal entry means at least that condition number.
    if (!cholesky_solve(H, minus_g, m, 1, step_free, kEps)) {
      FRANCA_LOG_WARN(
          "{}: The inner solver of NewtonCholeskySolver stumbled upon a singular or very ill-conditioned Hessian "
          "matrix at iteration {}. It will now resort to lbfgs instead.\nFurther options are to use another solver "
          "or to avoid such situation in the first place. Possible remedies are removing collinear features of X or "
          "increasing the penalization strengths.\nThe original Linear Algebra message was:\nCholesky factorisation: "
          "a pivot is not above eps times the largest diagonal entry (LinAlgWarning)",
          options.name, iteration);
      fallback = true;
      break;
    }
    std::vector<double> step(static_cast<std::size_t>(size), 0.0);
    for (std::int64_t a = 0; a < m; ++a)
      step[static_cast<std::size_t>(free[static_cast<std::size_t>(a)])] = step_free[static_cast<std::size_t>(a)];
    const double slope = dot(g, step);
    if (slope > 0) {  // scikit-learn says so only when verbose
      FRANCA_LOG_DEBUG("{}: the Newton step is not a descent direction; resorting to lbfgs", log_name);
      fallback = true;
      break;
    }

    constexpr double kShrink = 0.5, kArmijo = 0.00048828125;  // 1/2, 2^-11
    const double tiny_change = std::fabs(f) * 16 * kEps, sum_abs_g = sum_abs(g);
    std::vector<double> x_try(static_cast<std::size_t>(size)), g_try;
    double f_try = f, step_size = 1;
    bool accepted = false;
    for (int trial = 0; trial < 21 && !accepted; ++trial) {  // step sizes 1, 1/2, ..., 2^-20
      if (trial > 0) step_size *= kShrink;
      for (std::int64_t e = 0; e < size; ++e)
        x_try[static_cast<std::size_t>(e)] =
            x[static_cast<std::size_t>(e)] + step_size * step[static_cast<std::size_t>(e)];
      f_try = objective(x_try, g_try);
      // NaN (outside the loss's domain) passes neither test.
      accepted = f_try - f <= step_size * kArmijo * slope ||
                 (std::fabs(f_try - f) <= tiny_change && sum_abs(g_try) < sum_abs_g);
    }
    if (!accepted) {
      // scikit-learn hands L-BFGS the last point tried, 2^-20 of the step away; this starts from
      // the last accepted one, where the objective is known to be finite.
      FRANCA_LOG_WARN(
          "{}: Line search of Newton solver NewtonCholeskySolver at iteration #{} did not converge after 21 line "
          "search refinement iterations. It will now resort to lbfgs instead. (ConvergenceWarning)",
          options.name, iteration);
      fallback = true;
      break;
    }
    x.swap(x_try);
    g.swap(g_try);
    f = f_try;
    double decrement = 0;  // s^T H s
    for (std::int64_t a = 0; a < m; ++a)
      for (std::int64_t b = 0; b < m; ++b)
        decrement += step_free[static_cast<std::size_t>(a)] * H[static_cast<std::size_t>(a * m + b)] *
                     step_free[static_cast<std::size_t>(b)];
    const double g_max = max_abs(g);
    FRANCA_LOG_DEBUG("{}: iteration {}, f = {:.10g}, max |gradient| = {:.3g}, Newton decrement^2 / 2 = {:.3g}",
                     log_name, iteration, f, g_max, 0.5 * decrement);
    converged = g_max <= options.tol && 0.5 * decrement <= options.tol;
    ++iteration;
  }

  LbfgsResult result;
  if (!converged && fallback) {
    const std::string lbfgs_name = options.name + " (L-BFGS after Newton-Cholesky)";
    result = lbfgs_solve(ctx, objective, std::move(x), options.max_iter - iteration, 50, {}, lbfgs_name, options);
    iteration += result.n_iter;
  } else {
    if (!converged)
      FRANCA_LOG_WARN("{}: Newton solver did not converge after {} iterations. (ConvergenceWarning)", options.name,
                      iteration - 1);
    result.x = std::move(x);
    result.f = f;
    result.converged = converged;
  }
  result.n_iter = static_cast<int>(iteration - 1);
  for (std::int64_t j : shifted) {  // back to the symmetric parametrisation, sum over classes 0
    double mean = 0;
    for (std::int64_t k = 0; k < t; ++k) mean += result.x[static_cast<std::size_t>(entry(k, j))];
    mean /= static_cast<double>(t);
    for (std::int64_t k = 0; k < t; ++k) result.x[static_cast<std::size_t>(entry(k, j))] -= mean;
  }
  if (!fallback)
    FRANCA_LOG_INFO("{}: {} after {} iterations, f = {:.10g}", log_name, converged ? "converged" : "stopped",
                    result.n_iter, result.f);
  return result;
}

}  // namespace

GlmSolution minimize_glm(const Context& ctx, const GlmProblem& problem, std::vector<double>& x,
                         const GlmSolverOptions& options) {
  const GlmData& data = problem.data;
  const bool external = static_cast<bool>(problem.external);
  const std::int64_t n_scores = data.n_scores, d = problem.d, d_fit = external ? d : data.X.cols();
  const std::int64_t n_coef = n_scores * d_fit;
  const bool compacted = d_fit != d;
  const double scale = problem.data_scale, l1 = problem.l1, l2 = problem.l2;
  const Objective objective = [&](const std::vector<double>& w, std::vector<double>& g) {
    double f =
        external ? problem.external(w, g, nullptr) : FRANCA_DISPATCH(data.X.device(), glm_objective, ctx, data, w, g);
    f *= scale;
    for (double& v : g) v *= scale;
    for (std::int64_t j = 0; j < n_coef; ++j) {
      f += 0.5 * l2 * w[static_cast<std::size_t>(j)] * w[static_cast<std::size_t>(j)];
      g[static_cast<std::size_t>(j)] += l2 * w[static_cast<std::size_t>(j)];
    }
    return f;
  };
  const bool newton = options.solver == GlmSolver::newton_cholesky;
  if (newton) {
    FRANCA_EXPECTS(l1 == 0, "{}: solver 'newton-cholesky' takes an L2 penalty only", options.name);
    const std::int64_t size = n_coef + (data.fit_intercept ? n_scores : 0);
    FRANCA_EXPECTS_STATUS(size <= kMaxNewtonCoefficients, Status::not_implemented,
                          "{}: solver 'newton-cholesky' solves with the dense Hessian of all {} coefficients (classes "
                          "x (features holding values + intercept)); franca's holds at most {}: use solver='lbfgs'",
                          options.name, size, kMaxNewtonCoefficients);
  }

  const std::vector<std::int64_t>& columns = problem.columns;
  std::vector<double> x_fit = x;
  if (compacted) {
    x_fit.assign(static_cast<std::size_t>(n_coef), 0.0);
    for (std::int64_t k = 0; k < n_scores; ++k)
      for (std::int64_t a = 0; a < d_fit; ++a)
        x_fit[static_cast<std::size_t>(k * d_fit + a)] =
            x[static_cast<std::size_t>(k * d + columns[static_cast<std::size_t>(a)])];
    x_fit.insert(x_fit.end(), x.begin() + n_scores * d, x.end());
    if (l1 > 0 || l2 > 0) std::fill(x.begin(), x.begin() + n_scores * d, 0.0);
  }
  LbfgsResult result;
  if (newton) {
    // An external data term's pointwise Hessian is not seen: only its sum (nonpositive_fraction 0).
    const auto hessian_at = [&](const std::vector<double>& w) {
      GlmHessian h;
      if (external) {
        std::vector<double> g;
        problem.external(w, g, &h.matrix);
      } else {
        h = FRANCA_DISPATCH(data.X.device(), glm_hessian, ctx, data, w);
      }
      for (double& v : h.matrix) v *= scale;
      return h;
    };
    result = newton_cholesky_solve(ctx, data, d_fit, l2, objective, hessian_at, std::move(x_fit), options);
  } else {
    std::vector<double> l1_weights;
    if (l1 > 0) {
      l1_weights.assign(static_cast<std::size_t>(n_coef + (data.fit_intercept ? n_scores : 0)), 0.0);
      std::fill(l1_weights.begin(), l1_weights.begin() + n_coef, l1);
    }
    const std::string log_name = options.name + (l1 > 0 ? " (OWL-QN)" : " (L-BFGS)");
    result = lbfgs_solve(ctx, objective, std::move(x_fit), options.max_iter, options.max_linesearch,
                         std::move(l1_weights), log_name, options);
  }
  if (!compacted) {
    x = result.x;
  } else {
    for (std::int64_t k = 0; k < n_scores; ++k)
      for (std::int64_t a = 0; a < d_fit; ++a)
        x[static_cast<std::size_t>(k * d + columns[static_cast<std::size_t>(a)])] =
            result.x[static_cast<std::size_t>(k * d_fit + a)];
    std::copy(result.x.begin() + n_coef, result.x.end(), x.begin() + n_scores * d);
  }
  return {result.n_iter, result.converged, result.f};
}

}  // namespace franca
