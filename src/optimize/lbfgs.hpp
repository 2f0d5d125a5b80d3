// L-BFGS, and OWL-QN for an added L1 term, over a small float64 host vector: the coefficients of
// a linear model. The objective (one data pass per call) may run on any device.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/context.hpp"

namespace franca {

// Returns f(x) and writes its gradient into g (resized by the callee).
using Objective = std::function<double(const std::vector<double>& x, std::vector<double>& g)>;

struct LbfgsOptions {
  std::int64_t max_iter = 100;
  int memory = 10;          // correction pairs kept, as scipy's maxcor
  int max_linesearch = 20;  // function evaluations per line search, as scipy's maxls
  // Stops when max_j |projected gradient_j| <= gtol (scipy's pgtol), or when the objective's
  // relative reduction in one iteration, (f_k - f_k+1) / max(|f_k|, |f_k+1|, 1), is <= ftol.
  double gtol = 1e-5;
  double ftol = 64 * 2.220446049250313e-16;
  // When not empty, minimises f(x) + sum_j l1[j] |x_j| with OWL-QN (Andrew and Gao, 2007).
  std::vector<double> l1;
  const char* name = "lbfgs";  // in log messages
};

struct LbfgsResult {
  std::vector<double> x;
  double f = 0;  // including the L1 term
  int n_iter = 0;
  bool converged = false;
  std::string message;
};

// Checks ctx.check_cancelled() between iterations; logs progress at debug level and the outcome
// at info level.
LbfgsResult minimize_lbfgs(const Context& ctx, const Objective& objective, std::vector<double> x0,
                           const LbfgsOptions& options);

}  // namespace franca
