// The regression problem of the regularisation-path tests (LassoCV, ElasticNetCV, ElasticNetPath):
// normal X with every third value zero (so that CSR X differs from dense), y from every other
// column plus an offset of 2 and noise.
#pragma once

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

}  // namespace franca::test
