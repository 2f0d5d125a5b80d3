// The penalised GLM fit that LogisticRegression and the GLM regressors (PoissonRegressor,
// GammaRegressor, TweedieRegressor) share: X prepared once (contiguous, CSR columns without values
// dropped), then L-BFGS (OWL-QN with an L1 term) or scikit-learn's Newton-Cholesky on the host over
// the coefficients, each evaluation one glm_objective pass where X lives (and each Newton step one
// glm_hessian pass).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/context.hpp"
#include "core/estimator.hpp"
#include "core/matrix.hpp"
#include "primitives/glm_objective.hpp"

namespace franca {

// A fit's data and penalty. The caller fills data's targets or labels, weights, n_scores and loss
// (for an external problem, n_scores and loss only: they say which data term it is).
struct GlmProblem {
  GlmData data;                       // X prepared by glm_problem, on X's device; no X when external
  DataLossFunction external;          // set: the data term is the caller's (rows held elsewhere)
  std::vector<std::int64_t> columns;  // the columns the optimizer sees, when not all of them
  std::int64_t d = 0;                 // X's columns
  // The objective is data_scale (data term) + l1 ||W||_1 + l2 / 2 ||W||^2; data_scale is 1, or
  // 1 / sum_i w_i for scikit-learn's weighted means. Intercepts are never penalised.
  double data_scale = 1, l1 = 0, l2 = 0;
};

// X made contiguous (checked) and, when CSR, its columns without values dropped; `name` (the
// estimator) is for the log.
GlmProblem glm_problem(const Context& ctx, const Matrix& X, bool fit_intercept, const char* name);
// A problem over d columns whose data term is `data_loss` (Estimator::fit_external).
GlmProblem glm_external_problem(std::int64_t d, bool fit_intercept, DataLossFunction data_loss);

// scikit-learn's 'lbfgs' (here also OWL-QN, for an L1 term) and 'newton-cholesky' (L2 penalty
// only; at most kMaxNewtonCoefficients coefficients, its Hessian being dense).
enum class GlmSolver { lbfgs, newton_cholesky };
inline constexpr std::int64_t kMaxNewtonCoefficients = 4096;

struct GlmSolverOptions {
  GlmSolver solver = GlmSolver::lbfgs;
  std::int64_t max_iter = 100;
  // lbfgs: on the largest absolute (pseudo-)gradient entry, scipy's pgtol; newton-cholesky: that
  // and half the squared Newton decrement, as scikit-learn.
  double tol = 1e-4;
  int max_linesearch = 20;  // evaluations per L-BFGS line search, scipy's maxls
  // scikit-learn's ConvergenceWarning text for the solver L-BFGS stands in for (newton-cg, sag,
  // saga); empty: lbfgs's own.
  std::string unconverged;
  std::string name;  // the estimator, for the log and the convergence warning
};

struct GlmSolution {
  std::int64_t n_iter = 0;
  bool converged = false;
  double objective = 0;  // data loss plus penalty at the solution
};

// Minimises the data loss of problem.data plus the penalty from x (n_scores * d coefficients,
// row-major, then n_scores intercepts when fitted), which receives the solution. Coefficients of
// the dropped columns get no gradient from the data: 0 under a penalty, else their start value.
// Warns (scikit-learn's ConvergenceWarning texts) when the solver stops unconverged or
// Newton-Cholesky falls back to L-BFGS.
GlmSolution minimize_glm(const Context& ctx, const GlmProblem& problem, std::vector<double>& x,
                         const GlmSolverOptions& options);

// The data term of an estimator's fit (Estimator::data_loss_impl) on X's rows: `data` filled as
// for a fit except X, here X made contiguous and checked (its columns are all kept, so that the
// coefficients of every block of a split dataset line up). Returns sum_i w_i loss_i at coef, writes
// its gradient and, when `hessian` is not null, its Hessian (glm_hessian's matrix).
double glm_data_loss(const Context& ctx, const Matrix& X, GlmData data, const std::vector<double>& coef,
                     std::vector<double>& gradient, std::vector<double>* hessian);

// sample_weight as float64 on `device`, or n ones without it.
Array glm_row_weights(const Context& ctx, const Array* sample_weight, std::int64_t n, Device device);

}  // namespace franca
