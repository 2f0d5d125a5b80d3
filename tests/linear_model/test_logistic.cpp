// LogisticRegression on every device. Oracles: the optimality conditions of scikit-learn's
// objective, computed here in long double; on CUDA, the CPU fit of the same data. (Parity with
// scikit-learn itself is tests/python/test_logistic_parity.py.)
#include <algorithm>
#include <cmath>

#include "common/franca_test.hpp"

namespace franca::test {
namespace {

constexpr double kGradientTol = 1e-6;  // max |gradient| / n at the returned optimum
constexpr double kCpuCudaTol = 1e-6;   // max |coef_cuda - coef_cpu| / max |coef_cpu|, float64

struct Problem {
  std::int64_t n, d, k;
  std::vector<double> X, y;  // X row-major; labels 0..k-1 (times 10, to test classes_)
};

Problem make_problem(std::int64_t n, std::int64_t d, std::int64_t k, std::uint64_t seed) {
  Problem p{n, d, k, normal(static_cast<std::size_t>(n * d), seed), {}};
  const auto w = normal(static_cast<std::size_t>(k * d), seed + 1);
  const auto e = normal(static_cast<std::size_t>(n * k), seed + 2);
  for (std::int64_t i = 0; i < n; ++i) {
    std::int64_t best = 0;
    double best_score = -1e300;
    for (std::int64_t c = 0; c < k; ++c) {
      double s = 2 * e[i * k + c];
      for (std::int64_t j = 0; j < d; ++j) s += p.X[i * d + j] * w[c * d + j];
      if (s > best_score) best_score = s, best = c;
    }
    p.y.push_back(10.0 * best);
  }
  // Sparsify, so that the CSR cases have structure.
  for (std::size_t q = 0; q < p.X.size(); q += 3) p.X[q] = 0;
  return p;
}

// max |gradient| of sum_i loss_i + ||W||^2 / (2C) at (coef, intercept), in long double.
long double gradient_norm(const Problem& p, const std::vector<double>& coef, const std::vector<double>& b, double C) {
  const std::int64_t t = p.k == 2 ? 1 : p.k, d = p.d;
  std::vector<long double> g(static_cast<std::size_t>(t * (d + 1)), 0.0L);
  std::vector<long double> z(static_cast<std::size_t>(t));
  for (std::int64_t i = 0; i < p.n; ++i) {
    const auto label = static_cast<std::int64_t>(p.y[i] / 10);
    for (std::int64_t c = 0; c < t; ++c) {
      z[c] = b[c];
      for (std::int64_t j = 0; j < d; ++j) z[c] += static_cast<long double>(p.X[i * d + j]) * coef[c * d + j];
    }
    if (t == 1) {
      z[0] = 1.0L / (1.0L + std::exp(-z[0])) - (label == 1 ? 1.0L : 0.0L);
    } else {
      const long double m = *std::max_element(z.begin(), z.end());
      long double s = 0;
      for (auto& v : z) s += std::exp(v - m);
      for (std::int64_t c = 0; c < t; ++c) z[c] = std::exp(z[c] - m) / s - (c == label ? 1.0L : 0.0L);
    }
    for (std::int64_t c = 0; c < t; ++c) {
      for (std::int64_t j = 0; j < d; ++j) g[c * (d + 1) + j] += z[c] * p.X[i * d + j];
      g[c * (d + 1) + d] += z[c];
    }
  }
  long double worst = 0;
  for (std::int64_t c = 0; c < t; ++c)
    for (std::int64_t j = 0; j <= d; ++j) {
      const long double gj = g[c * (d + 1) + j] + (j < d ? coef[c * d + j] / C : 0.0L);
      worst = std::max(worst, std::fabs(gj));
    }
  return worst;
}

struct Fit {
  std::vector<double> coef, intercept, classes, proba;
};

// Fits on `device` from X as dense (row- or column-major) or CSR of index type I, in dtype T.
template <class T, class I>
Fit fit(const std::string& device, const Problem& p, const std::string& layout, double C) {
  const LaidOutMatrix<T, I> m(device, p.X, p.n, p.d, layout);
  Tensor y(device, p.y, {p.n});
  auto est = estimator("LogisticRegression", "{\"tol\": 1e-9, \"max_iter\": 1000, \"C\": " + std::to_string(C) + "}");
  Fit out;
  EXPECT_EQ(franca_estimator_fit(nullptr, est.get(), m.get(), y.get(), nullptr), FRANCA_OK) << franca_last_error();
  franca_matrix proba = nullptr;
  EXPECT_EQ(franca_estimator_apply(nullptr, est.get(), "predict_proba", m.get(), &proba), FRANCA_OK)
      << franca_last_error();
  out.proba = values_of(proba);
  franca_matrix_free(proba);
  out.coef = attribute_of(est.get(), "coef_");
  out.intercept = attribute_of(est.get(), "intercept_");
  out.classes = attribute_of(est.get(), "classes_");
  return out;
}

class Logistic : public DeviceTest {};

TEST_P(Logistic, ReachesTheOptimumOnEveryLayout) {
  for (std::int64_t k : {2, 3, 7}) {
    const auto p = make_problem(300 + 50 * k, 6 + k, k, 100 + k);
    const double C = 0.7;
    for (const std::string layout : {"row-major", "column-major", "csr"}) {
      const Fit f = fit<double, std::int32_t>(device(), p, layout, C);
      ASSERT_EQ(f.classes.size(), static_cast<std::size_t>(k)) << "k=" << k << " layout=" << layout;
      for (std::int64_t c = 0; c < k; ++c) EXPECT_EQ(f.classes[c], 10.0 * c);
      const long double g = gradient_norm(p, f.coef, f.intercept, C);
      EXPECT_LE(g / p.n, kGradientTol) << "k=" << k << " layout=" << layout << " n=" << p.n << " d=" << p.d;
      for (std::int64_t i = 0; i < p.n; ++i) {
        double s = 0;
        for (std::int64_t c = 0; c < k; ++c) s += f.proba[i * k + c];
        EXPECT_NEAR(s, 1.0, 1e-12) << "row " << i << " k=" << k << " layout=" << layout;
      }
    }
  }
}

TEST_P(Logistic, MatchesTheCpuFit) {
  for (std::int64_t k : {2, 5}) {
    const auto p = make_problem(500, 12, k, 200 + k);
    const Fit cpu = fit<double, std::int32_t>("cpu", p, "row-major", 1.0);
    const double scale = std::fabs(*std::max_element(cpu.coef.begin(), cpu.coef.end(),
                                                     [](double a, double b) { return std::fabs(a) < std::fabs(b); }));
    for (const std::string layout : {"row-major", "csr"}) {
      const Fit f64 = fit<double, std::int64_t>(device(), p, layout, 1.0);
      const Fit f32 = fit<float, std::int32_t>(device(), p, layout, 1.0);
      ASSERT_EQ(f64.coef.size(), cpu.coef.size());
      for (std::size_t j = 0; j < cpu.coef.size(); ++j) {
        EXPECT_NEAR(f64.coef[j], cpu.coef[j], kCpuCudaTol * scale) << "k=" << k << " layout=" << layout << " j=" << j;
        EXPECT_NEAR(f32.coef[j], cpu.coef[j], 1e-3 * scale) << "float32 k=" << k << " layout=" << layout << " j=" << j;
      }
      for (std::size_t q = 0; q < cpu.proba.size(); ++q)
        EXPECT_NEAR(f64.proba[q], cpu.proba[q], 1e-6) << "k=" << k << " layout=" << layout << " entry " << q;
    }
  }
}

FRANCA_INSTANTIATE_DEVICE_TESTS(Logistic);

}  // namespace
}  // namespace franca::test
