// Reductions over the float64 host vectors (coefficients, gradients, steps) that the optimizers
// work on.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace franca {

inline double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

inline double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::fabs(x));
  return m;
}

inline double sum_abs(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += std::fabs(x);
  return s;
}

}  // namespace franca
