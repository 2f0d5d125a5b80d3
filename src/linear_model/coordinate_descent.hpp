// Coordinate descent for the elastic net, scikit-learn's _cd_fast algorithms in float64 on the
// host: min_w 1/2 ||y - Xw||^2_S + l1 ||w||_1 + l2/2 ||w||^2 (S: the sample weights, normalised by
// the caller), one target at a time, with scikit-learn >= 1.8's stopping rule (a duality-gap check
// before the first sweep and once the largest coordinate update is at most tol times the largest
// coefficient; the gap compared with tol * ||y||^2_S). Two forms of the same iterations:
//  - cd_gram: the covariance update over the centred Gram matrix Q = X^T S X and q = X^T S y
//    (enet_coordinate_descent_gram); each sweep costs O(d^2) whatever n.
//  - cd_sparse: the residual update over the columns of X kept as CSC, centred through the column
//    means without densifying (sparse_enet_coordinate_descent); each coordinate costs the stored
//    values of its column (the mean's share of the residual is kept as one scalar).
// Not thread-safe on a shared CdSolution; the inputs are only read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/context.hpp"
#include "core/matrix.hpp"

namespace franca {

struct CdOptions {
  double l1 = 0;  // the L1 weight in the summed objective (scikit-learn's alpha * l1_ratio * n)
  double l2 = 0;  // the L2 weight (alpha * (1 - l1_ratio) * n)
  std::int64_t max_iter = 1000;
  double tol = 1e-4;
  bool positive = false;
  bool random = false;       // selection='random': coordinates drawn with replacement
  std::uint64_t seed = 0;    // of the random coordinates
  std::uint64_t stream = 0;  // the target's index: each target draws its own coordinates
};

struct CdResult {
  double gap = 0;           // the duality gap of the summed objective (divide by n for scikit-learn's)
  double tol = 0;           // the gap tolerance, tol * ||y||^2_S
  std::int64_t n_iter = 0;  // sweeps run
  bool converged = false;
};

// q: d, Q: d x d row-major (both centred and weighted), y_norm2 = ||y||^2_S of the centred y. w (d)
// holds the start and receives the solution.
CdResult cd_gram(const Context& ctx, const std::vector<double>& Q, const double* q, double y_norm2,
                 std::vector<double>& w, const CdOptions& options);

// The multi-task form: min_W 1/2 ||Y - X W^T||^2_S + l1 sum_j ||W_j||_2 + l2/2 ||W||^2 (MultiTaskElasticNet's
// L2,1 penalty: feature j's coefficients of every target, W_j, move as one block), over the same
// Gram statistics with q = X^T S Y of d x targets (row-major) and y_norm2 = ||Y||^2_S; W (d x
// targets, row-major) holds the start and receives the solution. scikit-learn's
// enet_coordinate_descent_multi_task, with the same stopping rule (positive is not allowed).
CdResult cd_gram_multi_task(const Context& ctx, const std::vector<double>& Q, const double* q, std::int64_t targets,
                            double y_norm2, std::vector<double>& W, const CdOptions& options);

// X's columns on the host: column j's rows and values are rows[indptr[j]..indptr[j+1]).
struct CscColumns {
  std::int64_t rows = 0, cols = 0;
  std::vector<std::int64_t> indptr;
  std::vector<std::int64_t> row;
  std::vector<double> value;
};

// X prepared for a coordinate-descent fit by the estimator `name`: float32/float64, CSR parts
// contiguous and checked; `gram`: the descent runs over X's Gram matrix (built where X lives): X
// has at most kMaxSparseGramFeatures columns and is on CUDA or has at least d^2 stored values;
// else over its columns on the host. Refuses with not_implemented CUDA X wider than the Gram form.
struct CdInput {
  Matrix X;
  bool gram;
};
CdInput cd_input(const Context& ctx, const Matrix& X, const std::string& name);

// X's columns as CSC in float64, from host CSR or dense X; explicit zeros are dropped.
CscColumns csc_columns(const Matrix& X);

// x_mean: d (zeros without centring); y: n, centred; sw: NULL or n weights (normalised to sum to
// n). w as for cd_gram.
CdResult cd_sparse(const Context& ctx, const CscColumns& X, const std::vector<double>& x_mean, const double* y,
                   const double* sw, std::vector<double>& w, const CdOptions& options);

// The weighted statistics of the rows with weight > 0 for the Gram form: Q = X^T S X, q = X^T S y
// (both centred by the weighted means unless !fit_intercept), yy = y^T S y (likewise), S's sum.
// Built where X lives (y64: X's rows in float64 on X's device; w: NULL or float64 weights there).
struct GramStats {
  std::vector<double> Q, q, x_mean;
  double yy = 0, y_mean = 0, weight_sum = 0;
};
GramStats gram_stats(const Context& ctx, const Matrix& X, const Array& y64, const Array* w, bool fit_intercept);

// The same statistics about other centres (the parallel-axis identity): X's columns centred at
// x_centre (d) and y uncentred, i.e. Q = (X - 1 c^T)^T S (X - 1 c^T), q = (X - 1 c^T)^T S y,
// yy = y^T S y. enet_path's form: no intercept, CSR columns shifted by X_offset / X_scale.
GramStats recentred(const GramStats& g, const std::vector<double>& x_centre);
// The identity itself, for t targets: Q (d x d) and q (d x t) of X's columns centred at x_mean and
// Y's at y_mean (t), with the weights' sum, become those about x_centre and an uncentred Y.
void move_centres(std::vector<double>& Q, std::vector<double>& q, const std::vector<double>& x_mean,
                  const std::vector<double>& y_mean, double weight_sum, const std::vector<double>& x_centre);

// scikit-learn's ConvergenceWarning of an estimator (`name`) whose descent stopped at max_iter.
void warn_unconverged(const std::string& name, const CdResult& r);
// Throws scikit-learn's error, naming the estimator, unless every coefficient is finite.
void expect_finite_coefficients(const std::string& name, const std::vector<double>& values);

// numpy's finfo(float).resolution: the floor of the alpha grid.
constexpr double kAlphaResolution = 1e-15;

// The grid's first alpha, max_j |x_j^T y| / (n l1_ratio) (n: the rows or the weights' sum), rounded
// up where needed so that the L1 weight of the fits (alpha * l1_ratio * n, CdOptions::l1) is not
// below xy_max: the fit at the
// first alpha is then exactly zero, as it is mathematically, whatever the rounding.
double alpha_max_of(double xy_max, double n, double l1_ratio);

// scikit-learn's _alpha_grid from alpha_max: n_alphas values falling from alpha_max to
// alpha_max * eps evenly on a log scale (all kAlphaResolution when alpha_max is not above it).
std::vector<double> alpha_grid(double alpha_max, double eps, std::int64_t n_alphas);

}  // namespace franca
