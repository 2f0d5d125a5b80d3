#include "linear_model/glm_fit.hpp"

#include "core/logging.hpp"
#include "optimize/lbfgs.hpp"
#include "primitives/csr_compact.hpp"
#include "primitives/matrix_input.hpp"

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

GlmSolution minimize_glm(const Context& ctx, const GlmProblem& problem, std::vector<double>& x,
                         const GlmSolverOptions& options) {
  const GlmData& data = problem.data;
  const Device device = data.X.device();
  const std::int64_t n_scores = data.n_scores, d = problem.d, d_fit = data.X.cols(), n_coef = n_scores * d_fit;
  const bool compacted = d_fit != d;
  const double l1 = problem.l1, l2 = problem.l2;
  const Objective objective = [&](const std::vector<double>& w, std::vector<double>& g) {
    double f = FRANCA_DISPATCH(device, glm_objective, ctx, data, w, g);
    for (std::int64_t j = 0; j < n_coef; ++j) {
      f += 0.5 * l2 * w[static_cast<std::size_t>(j)] * w[static_cast<std::size_t>(j)];
      g[static_cast<std::size_t>(j)] += l2 * w[static_cast<std::size_t>(j)];
    }
    return f;
  };
  const std::string log_name = options.name + (l1 > 0 ? " (OWL-QN)" : " (L-BFGS)");
  LbfgsOptions lbfgs;
  lbfgs.max_iter = options.max_iter;
  lbfgs.gtol = options.tol;
  lbfgs.max_linesearch = options.max_linesearch;
  lbfgs.name = log_name.c_str();
  if (l1 > 0) {
    lbfgs.l1.assign(static_cast<std::size_t>(n_coef + (data.fit_intercept ? n_scores : 0)), 0.0);
    std::fill(lbfgs.l1.begin(), lbfgs.l1.begin() + n_coef, l1);
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
  const LbfgsResult result = minimize_lbfgs(ctx, objective, std::move(x_fit), lbfgs);
  if (!result.converged)
    FRANCA_LOG_WARN(
        "{}: lbfgs failed to converge: {}. Increase the number of iterations (max_iter) or scale the data "
        "(ConvergenceWarning)",
        options.name, result.message);
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
