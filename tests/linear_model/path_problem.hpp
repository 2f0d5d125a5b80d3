// The regression problem of the regularisation-path tests (LassoCV, ElasticNetCV, ElasticNetPath):
// normal X with every third value zero (so that CSR X differs from dense), y from every other
// column plus an offset of 2 and noise.
#pragma once

#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "common/franca_test.hpp"

namespace franca::test {

struct PathProblem {
  std::int64_t n, d;
  std::vector<double> X, y;
};

inline PathProblem make_path_problem(std::int64_t n, std::int64_t d, std::uint64_t seed) {
  PathProblem p{n, d, normal(static_cast<std::size_t>(n * d), seed), {}};
  for (std::size_t k = 0; k < p.X.size(); k += 3) p.X[k] = 0.0;
  const auto noise = normal(static_cast<std::size_t>(n), seed + 1);
  p.y.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    double s = 2.0 + noise[static_cast<std::size_t>(i)];
    for (std::int64_t j = 0; j < d; j += 2) s += p.X[static_cast<std::size_t>(i * d + j)] * (1.0 + 0.25 * j);
    p.y[static_cast<std::size_t>(i)] = s;
  }
  return p;
}

// X^T X of the n x d row-major X.
inline std::vector<double> gram_of(std::int64_t n, std::int64_t d, const std::vector<double>& X) {
  std::vector<double> g(static_cast<std::size_t>(d * d), 0.0);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t a = 0; a < d; ++a)
      for (std::int64_t b = 0; b < d; ++b)
        g[static_cast<std::size_t>(a * d + b)] +=
            X[static_cast<std::size_t>(i * d + a)] * X[static_cast<std::size_t>(i * d + b)];
  return g;
}

// A JSON list of the values, to 17 digits.
inline std::string json_list(const std::vector<double>& v) {
  std::ostringstream s;
  s.precision(17);
  s << "[";
  for (std::size_t k = 0; k < v.size(); ++k) s << (k ? ", " : "") << v[k];
  s << "]";
  return s.str();
}

// A d x d row-major matrix as a JSON list of rows.
inline std::string json_rows(const std::vector<double>& v, std::int64_t d) {
  std::string s = "[";
  for (std::int64_t r = 0; r < d; ++r)
    s += (r ? ", " : "") + json_list(std::vector<double>(v.begin() + static_cast<std::ptrdiff_t>(r * d),
                                                         v.begin() + static_cast<std::ptrdiff_t>((r + 1) * d)));
  return s + "]";
}

// Three targets of the path problem: y scaled per target plus a wave of its own.
inline std::vector<double> multi_task_targets(const PathProblem& p, std::int64_t t) {
  std::vector<double> Y(static_cast<std::size_t>(p.n * t));
  for (std::int64_t i = 0; i < p.n; ++i)
    for (std::int64_t k = 0; k < t; ++k)
      Y[static_cast<std::size_t>(i * t + k)] =
          p.y[static_cast<std::size_t>(i)] * static_cast<double>(k + 1) + std::sin(static_cast<double>(i) * (k + 2.0));
  return Y;
}

// Expects W (t x d, row-major) and the intercepts b (t) to meet the optimality conditions of the
// multi-task elastic net 1/(2n) sum_i s_i ||y_i - W x_i - b||^2 + alpha r sum_j ||W_:j||_2 +
// alpha (1 - r)/2 ||W||^2, from X (n x d) and Y (n x t) alone: with g_j = sum_i s_i x_ij (y_i - W x_i
// - b) / n - alpha (1 - r) W_:j, g_j = alpha r W_:j / ||W_:j|| where W_:j != 0 and ||g_j|| <= alpha r
// where W_:j = 0 (to `tol`); the intercepts zero the weighted residuals' sum. s: empty for ones.
// Returns the number of non-zero blocks.
inline std::int64_t expect_block_conditions(const PathProblem& p, const std::vector<double>& Y, std::int64_t t,
                                            const std::vector<double>& W, const std::vector<double>& b,
                                            const std::vector<double>& s, double alpha, double r, double tol,
                                            const std::string& what) {
  const std::int64_t n = p.n, d = p.d;
  std::vector<double> R(static_cast<std::size_t>(n * t));  // s_i (y_i - W x_i - b)
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t k = 0; k < t; ++k) {
      double fitted = b.empty() ? 0.0 : b[static_cast<std::size_t>(k)];
      for (std::int64_t j = 0; j < d; ++j)
        fitted += p.X[static_cast<std::size_t>(i * d + j)] * W[static_cast<std::size_t>(k * d + j)];
      R[static_cast<std::size_t>(i * t + k)] =
          (s.empty() ? 1.0 : s[static_cast<std::size_t>(i)]) * (Y[static_cast<std::size_t>(i * t + k)] - fitted);
    }
  if (!b.empty())
    for (std::int64_t k = 0; k < t; ++k) {
      double sum = 0.0;
      for (std::int64_t i = 0; i < n; ++i) sum += R[static_cast<std::size_t>(i * t + k)];
      EXPECT_NEAR(sum / static_cast<double>(n), 0.0, tol) << what << ": intercept " << k;
    }
  std::int64_t nonzero = 0;
  std::vector<double> g(static_cast<std::size_t>(t));
  for (std::int64_t j = 0; j < d; ++j) {
    double g_norm2 = 0.0, w_norm2 = 0.0;
    for (std::int64_t k = 0; k < t; ++k) {
      double xr = 0.0;
      for (std::int64_t i = 0; i < n; ++i)
        xr += p.X[static_cast<std::size_t>(i * d + j)] * R[static_cast<std::size_t>(i * t + k)];
      const double w = W[static_cast<std::size_t>(k * d + j)];
      g[static_cast<std::size_t>(k)] = xr / static_cast<double>(n) - alpha * (1 - r) * w;
      g_norm2 += g[static_cast<std::size_t>(k)] * g[static_cast<std::size_t>(k)];
      w_norm2 += w * w;
    }
    if (w_norm2 == 0.0) {
      EXPECT_LE(std::sqrt(g_norm2), alpha * r + tol) << what << ": feature " << j;
      continue;
    }
    ++nonzero;
    for (std::int64_t k = 0; k < t; ++k)
      EXPECT_NEAR(g[static_cast<std::size_t>(k)],
                  alpha * r * W[static_cast<std::size_t>(k * d + j)] / std::sqrt(w_norm2), tol)
          << what << ": feature " << j << " target " << k;
  }
  return nonzero;
}

}  // namespace franca::test
