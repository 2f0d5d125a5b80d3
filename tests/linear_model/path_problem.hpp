// The regression problem of the regularisation-path tests (LassoCV, ElasticNetCV, ElasticNetPath):
// normal X with every third value zero (so that CSR X differs from dense), y from every other
// column plus an offset of 2 and noise.
#pragma once

#include <cstdint>
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

}  // namespace franca::test
