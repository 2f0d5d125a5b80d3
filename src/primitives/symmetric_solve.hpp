// Small dense solves on the host, in float64: the d x d systems that normal-equation solvers
// reduce a fit to, once the pass over the data (on either device) is done.
#pragma once

#include <cstdint>
#include <vector>

namespace franca {

// Solves A X = B for symmetric positive definite A (d x d) and B (d x t), both row-major.
// Returns false, leaving `x` unspecified, when a pivot falls to min_pivot_ratio times A's
// largest diagonal element or below (0: fail only when A is not numerically positive definite).
bool cholesky_solve(const std::vector<double>& a, const std::vector<double>& b, std::int64_t d, std::int64_t t,
                    std::vector<double>& x, double min_pivot_ratio = 0.0);

// The minimum-norm least-squares solution pinv(A) B for symmetric positive semi-definite A,
// through an eigendecomposition; eigenvalues below rcond * the largest count as zero. Returns
// the numerical rank.
std::int64_t pseudo_inverse_solve(const std::vector<double>& a, const std::vector<double>& b, std::int64_t d,
                                  std::int64_t t, double rcond, std::vector<double>& x);

// The minimiser x >= 0 of 1/2 x^T A x - b^T x for symmetric positive semi-definite A (d x d,
// row-major): Lawson and Hanson's active-set method in the Gram form (scipy's nnls is the same on
// A = X^T X, b = X^T y), each step an exact solve over the free coordinates. Returns false when
// max_steps coordinates entering the free set did not end it (x then holds the last feasible
// point).
bool nonnegative_solve(const std::vector<double>& a, const std::vector<double>& b, std::int64_t d,
                       std::vector<double>& x, std::int64_t max_steps);

}  // namespace franca
