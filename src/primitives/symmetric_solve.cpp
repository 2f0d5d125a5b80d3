#include "primitives/symmetric_solve.hpp"

#include <algorithm>
#include <cmath>

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

}  // namespace franca
