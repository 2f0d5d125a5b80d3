#include "primitives/symmetric_solve.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace franca {

bool cholesky_solve(const std::vector<double>& a, const std::vector<double>& b, std::int64_t d, std::int64_t t,
                    std::vector<double>& x, double min_pivot_ratio) {
  double largest = 0;
  for (std::int64_t j = 0; j < d; ++j) largest = std::max(largest, a[static_cast<std::size_t>(j * d + j)]);
  const double min_pivot = min_pivot_ratio * largest;
  std::vector<double> l(static_cast<std::size_t>(d * d), 0.0);
  auto L = [&](std::int64_t i, std::int64_t j) -> double& { return l[static_cast<std::size_t>(i * d + j)]; };
  for (std::int64_t j = 0; j < d; ++j) {
    double diag = a[static_cast<std::size_t>(j * d + j)];
    for (std::int64_t k = 0; k < j; ++k) diag -= L(j, k) * L(j, k);
    if (!(diag > min_pivot) || !(diag > 0) || !std::isfinite(diag)) return false;
    L(j, j) = std::sqrt(diag);
    for (std::int64_t i = j + 1; i < d; ++i) {
      double s = a[static_cast<std::size_t>(i * d + j)];
      for (std::int64_t k = 0; k < j; ++k) s -= L(i, k) * L(j, k);
      L(i, j) = s / L(j, j);
    }
  }
  x = b;
  for (std::int64_t c = 0; c < t; ++c) {
    auto X = [&](std::int64_t i) -> double& { return x[static_cast<std::size_t>(i * t + c)]; };
    for (std::int64_t i = 0; i < d; ++i) {  // L y = b
      double s = X(i);
      for (std::int64_t k = 0; k < i; ++k) s -= L(i, k) * X(k);
      X(i) = s / L(i, i);
    }
    for (std::int64_t i = d - 1; i >= 0; --i) {  // L^T x = y
      double s = X(i);
      for (std::int64_t k = i + 1; k < d; ++k) s -= L(k, i) * X(k);
      X(i) = s / L(i, i);
    }
  }
  return true;
}

std::int64_t pseudo_inverse_solve(const std::vector<double>& a, const std::vector<double>& b, std::int64_t d,
                                  std::int64_t t, double rcond, std::vector<double>& x) {
  // Cyclic Jacobi: accurate eigenvalues for symmetric matrices, and d is small here.
  std::vector<double> m = a, v(static_cast<std::size_t>(d * d), 0.0);
  auto M = [&](std::int64_t i, std::int64_t j) -> double& { return m[static_cast<std::size_t>(i * d + j)]; };
  auto V = [&](std::int64_t i, std::int64_t j) -> double& { return v[static_cast<std::size_t>(i * d + j)]; };
  for (std::int64_t i = 0; i < d; ++i) V(i, i) = 1.0;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0, total = 0;
    for (std::int64_t i = 0; i < d; ++i)
      for (std::int64_t j = 0; j < d; ++j) (i == j ? total : off) += M(i, j) * M(i, j);
    if (off <= 1e-30 * (total + off) || off == 0) break;
    for (std::int64_t p = 0; p < d; ++p) {
      for (std::int64_t q = p + 1; q < d; ++q) {
        const double apq = M(p, q);
        if (apq == 0) continue;
        const double theta = (M(q, q) - M(p, p)) / (2 * apq);
        const double tangent = (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(tangent * tangent + 1), s = tangent * c;
        for (std::int64_t k = 0; k < d; ++k) {  // columns p, q
          const double mkp = M(k, p), mkq = M(k, q);
          M(k, p) = c * mkp - s * mkq;
          M(k, q) = s * mkp + c * mkq;
        }
        for (std::int64_t k = 0; k < d; ++k) {  // rows p, q
          const double mpk = M(p, k), mqk = M(q, k);
          M(p, k) = c * mpk - s * mqk;
          M(q, k) = s * mpk + c * mqk;
        }
        for (std::int64_t k = 0; k < d; ++k) {
          const double vkp = V(k, p), vkq = V(k, q);
          V(k, p) = c * vkp - s * vkq;
          V(k, q) = s * vkp + c * vkq;
        }
      }
    }
  }
  double largest = 0;
  for (std::int64_t i = 0; i < d; ++i) largest = std::max(largest, std::fabs(M(i, i)));
  std::int64_t rank = 0;
  x.assign(static_cast<std::size_t>(d * t), 0.0);
  for (std::int64_t e = 0; e < d; ++e) {
    const double lambda = M(e, e);
    if (!(lambda > rcond * largest) || lambda <= 0) continue;
    ++rank;
    for (std::int64_t c = 0; c < t; ++c) {
      double proj = 0;  // v_e . b_c
      for (std::int64_t i = 0; i < d; ++i) proj += V(i, e) * b[static_cast<std::size_t>(i * t + c)];
      const double coef = proj / lambda;
      for (std::int64_t i = 0; i < d; ++i) x[static_cast<std::size_t>(i * t + c)] += coef * V(i, e);
    }
  }
  return rank;
}

namespace {

// The unconstrained minimiser of 1/2 x^T A x - b^T x over the coordinates `free` (zero elsewhere):
// Cholesky on the free block, its minimum-norm solution where the block is singular.
std::vector<double> solve_on(const std::vector<double>& a, const std::vector<double>& b, std::int64_t d,
                             const std::vector<bool>& free) {
  std::vector<std::int64_t> index;
  for (std::int64_t j = 0; j < d; ++j)
    if (free[static_cast<std::size_t>(j)]) index.push_back(j);
  const auto k = static_cast<std::int64_t>(index.size());
  std::vector<double> block(static_cast<std::size_t>(k * k)), rhs(static_cast<std::size_t>(k)), sub;
  for (std::int64_t r = 0; r < k; ++r) {
    rhs[static_cast<std::size_t>(r)] = b[static_cast<std::size_t>(index[r])];
    for (std::int64_t c = 0; c < k; ++c)
      block[static_cast<std::size_t>(r * k + c)] = a[static_cast<std::size_t>(index[r] * d + index[c])];
  }
  const double eps = std::numeric_limits<double>::epsilon();
  if (!cholesky_solve(block, rhs, k, 1, sub, std::sqrt(eps))) {
    pseudo_inverse_solve(block, rhs, k, 1, eps * static_cast<double>(k), sub);
  }
  std::vector<double> x(static_cast<std::size_t>(d), 0.0);
  for (std::int64_t r = 0; r < k; ++r) x[static_cast<std::size_t>(index[r])] = sub[static_cast<std::size_t>(r)];
  return x;
}

}  // namespace

bool nonnegative_solve(const std::vector<double>& a, const std::vector<double>& b, std::int64_t d,
                       std::vector<double>& x, std::int64_t max_steps) {
  const auto size = static_cast<std::size_t>(d);
  x.assign(size, 0.0);
  std::vector<bool> free(size, false);
  double scale = 0;
  for (double v : b) scale = std::max(scale, std::fabs(v));
  // The optimality test's slack: what rounding leaves of a gradient of b's size.
  const double slack = 10.0 * static_cast<double>(d) * std::numeric_limits<double>::epsilon() * scale;
  for (std::int64_t step = 0; step < max_steps; ++step) {
    // The negative gradient b - A x: the most positive one among the bound coordinates enters.
    std::int64_t entering = -1;
    double best = slack;
    for (std::int64_t j = 0; j < d; ++j) {
      if (free[static_cast<std::size_t>(j)]) continue;
      double g = b[static_cast<std::size_t>(j)];
      for (std::int64_t c = 0; c < d; ++c) g -= a[static_cast<std::size_t>(j * d + c)] * x[static_cast<std::size_t>(c)];
      if (g > best) best = g, entering = j;
    }
    if (entering < 0) return true;  // the KKT conditions hold
    free[static_cast<std::size_t>(entering)] = true;
    for (std::int64_t inner = 0; inner <= d; ++inner) {
      const std::vector<double> s = solve_on(a, b, d, free);
      // In exact arithmetic the entering coordinate grows; where rounding says otherwise its
      // gradient was rounding too, and x is optimal.
      if (inner == 0 && s[static_cast<std::size_t>(entering)] <= 0) return true;
      // Move from x towards s until the first free coordinate reaches 0.
      double t = 1.0;
      for (std::size_t j = 0; j < size; ++j)
        if (free[j] && s[j] <= 0) t = std::min(t, x[j] / (x[j] - s[j]));
      for (std::size_t j = 0; j < size; ++j)
        if (free[j]) x[j] += t * (s[j] - x[j]);
      if (t == 1.0) break;
      for (std::size_t j = 0; j < size; ++j)
        if (free[j] && x[j] <= 0) free[j] = false, x[j] = 0;
    }
  }
  return false;
}

}  // namespace franca
