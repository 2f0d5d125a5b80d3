// LogisticRegression on every device. Oracles: the optimality conditions of scikit-learn's
// objective, computed here in long double; newton-cholesky against lbfgs; on CUDA, the CPU fit of
// the same data. (Parity with scikit-learn itself is tests/python/test_logistic_parity.py.)
#include <algorithm>
#include <cmath>

#include "common/franca_test.hpp"

namespace franca::test {
namespace {

constexpr double kGradientTol = 1e-6;           // max |gradient| / n at the returned optimum
constexpr double kCpuCudaTol = 1e-6;            // max |coef_cuda - coef_cpu| / max |coef_cpu|, float64
constexpr double kSolversTol = 1e-6;            // max |coef_newton - coef_lbfgs| / max |coef_lbfgs|, float64
constexpr std::int64_t kNewtonIterations = 12;  // at most, from zero to tol 1e-9

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
  std::vector<double> coef, intercept, classes, proba, n_iter;
};

// Fits on `device` from X as dense (row- or column-major) or CSR of index type I, in dtype T;
// `extra`: more parameters, as JSON members after a comma.
template <class T, class I>
Fit fit(const std::string& device, const Problem& p, const std::string& layout, double C,
        const std::string& extra = "") {
  const LaidOutMatrix<T, I> m(device, p.X, p.n, p.d, layout);
  Tensor y(device, p.y, {p.n});
  auto est =
      estimator("LogisticRegression", "{\"tol\": 1e-9, \"max_iter\": 1000, \"C\": " + std::to_string(C) + extra + "}");
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
  out.n_iter = attribute_of(est.get(), "n_iter_");
  return out;
}

// max |a - b| / max |b| over two fits' coefficients and intercepts.
double relative_difference(const Fit& a, const Fit& b) {
  double worst = 0, scale = 0;
  for (std::size_t j = 0; j < b.coef.size(); ++j) {
    worst = std::max(worst, std::fabs(a.coef[j] - b.coef[j]));
    scale = std::max(scale, std::fabs(b.coef[j]));
  }
  for (std::size_t k = 0; k < b.intercept.size(); ++k) {
    worst = std::max(worst, std::fabs(a.intercept[k] - b.intercept[k]));
    scale = std::max(scale, std::fabs(b.intercept[k]));
  }
  return worst / scale;
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

TEST_P(Logistic, NewtonCholeskyReachesTheOptimum) {
  const std::string newton = ", \"solver\": \"newton-cholesky\"";
  for (std::int64_t k : {2, 3, 7}) {
    const auto p = make_problem(300 + 50 * k, 6 + k, k, 300 + k);
    const double C = 0.7;
    const Fit lbfgs = fit<double, std::int32_t>("cpu", p, "row-major", C);
    for (const std::string layout : {"row-major", "column-major", "csr"}) {
      for (const bool single : {false, true}) {
        const Fit f = single ? fit<float, std::int64_t>(device(), p, layout, C, newton)
                             : fit<double, std::int32_t>(device(), p, layout, C, newton);
        const std::string what = "k=" + std::to_string(k) + " layout=" + layout + " float32=" + std::to_string(single) +
                                 " n=" + std::to_string(p.n) + " d=" + std::to_string(p.d);
        ASSERT_EQ(f.coef.size(), lbfgs.coef.size()) << what;
        ASSERT_EQ(f.n_iter.size(), 1u) << what;
        EXPECT_LE(f.n_iter[0], kNewtonIterations) << what;
        if (!single) EXPECT_LE(gradient_norm(p, f.coef, f.intercept, C) / p.n, kGradientTol) << what;
        EXPECT_LE(relative_difference(f, lbfgs), single ? 1e-4 : kSolversTol) << what;
      }
    }
  }
}

// Without a penalty the multinomial coefficients are defined up to a constant per feature:
// both solvers end at the ones that sum to 0 over the classes.
TEST_P(Logistic, NewtonCholeskyWithoutPenalty) {
  for (std::int64_t k : {2, 4}) {
    const auto p = make_problem(600, 5, k, 400 + k);
    const std::string none = ", \"penalty\": null, \"tol\": 1e-10, \"max_iter\": 10000";
    const Fit lbfgs = fit<double, std::int32_t>("cpu", p, "row-major", 1.0, none);
    const Fit f = fit<double, std::int32_t>(device(), p, "row-major", 1.0, none + ", \"solver\": \"newton-cholesky\"");
    EXPECT_LE(f.n_iter[0], kNewtonIterations) << "k=" << k;
    EXPECT_LE(relative_difference(f, lbfgs), kSolversTol) << "k=" << k;
    if (k > 2)
      for (std::int64_t j = 0; j < p.d; ++j) {
        double sum = 0;
        for (std::int64_t c = 0; c < k; ++c) sum += f.coef[c * p.d + j];
        EXPECT_NEAR(sum, 0.0, 1e-9) << "k=" << k << " feature " << j;
      }
  }
}

// multi_class='ovr' and 'multinomial' (for 2 classes too) with newton-cholesky: lbfgs's models.
TEST_P(Logistic, NewtonCholeskyMultiClassSettings) {
  for (const char* multi_class : {"ovr", "multinomial"}) {
    for (std::int64_t k : {2, 4}) {
      const auto p = make_problem(500, 8, k, 500 + k);
      const std::string settings = std::string(", \"multi_class\": \"") + multi_class + "\"";
      const Fit lbfgs = fit<double, std::int32_t>("cpu", p, "row-major", 0.5, settings);
      const Fit f = fit<double, std::int32_t>(device(), p, "csr", 0.5, settings + ", \"solver\": \"newton-cholesky\"");
      EXPECT_LE(relative_difference(f, lbfgs), kSolversTol) << multi_class << " k=" << k;
      EXPECT_EQ(f.n_iter.size(), lbfgs.n_iter.size()) << multi_class << " k=" << k;
    }
  }
}

// newton-cg and sag run lbfgs, saga too (OWL-QN for its l1 and elasticnet penalties): the same
// models, iteration for iteration.
TEST_P(Logistic, OtherSolverNamesRunLbfgs) {
  const auto p = make_problem(400, 9, 3, 600);
  const Fit lbfgs = fit<double, std::int32_t>(device(), p, "row-major", 0.5);
  for (const char* solver : {"newton-cg", "sag", "saga"}) {
    const Fit f =
        fit<double, std::int32_t>(device(), p, "row-major", 0.5, std::string(", \"solver\": \"") + solver + "\"");
    EXPECT_EQ(f.coef, lbfgs.coef) << solver;
    EXPECT_EQ(f.n_iter, lbfgs.n_iter) << solver;
  }
  const std::string l1 = ", \"penalty\": \"elasticnet\", \"l1_ratio\": 0.5";
  const Fit owlqn = fit<double, std::int32_t>(device(), p, "row-major", 0.5, l1);
  const Fit saga = fit<double, std::int32_t>(device(), p, "row-major", 0.5, l1 + ", \"solver\": \"saga\"");
  EXPECT_EQ(saga.coef, owlqn.coef);
}

// scikit-learn's _check_solver, in its words (1.9's "'l2' or None"), at fit.
TEST_P(Logistic, SolversRefusePenaltiesAsScikitLearn) {
  const auto p = make_problem(60, 3, 2, 700);
  const LaidOutMatrix<double, std::int32_t> m(device(), p.X, p.n, p.d, "row-major");
  Tensor y(device(), p.y, {p.n});
  struct Case {
    const char* params;
    const char* message;
  };
  const std::vector<Case> cases{
      {R"({"solver": "sag", "penalty": "l1"})", "Solver sag supports only 'l2' or None penalties, got l1 penalty."},
      {R"({"solver": "newton-cg", "penalty": "elasticnet", "l1_ratio": 0.5})",
       "Solver newton-cg supports only 'l2' or None penalties, got elasticnet penalty."},
      {R"({"solver": "newton-cholesky", "penalty": "l1"})",
       "Solver newton-cholesky supports only 'l2' or None penalties, got l1 penalty."},
      {R"({"solver": "saga", "dual": true})", "Solver saga supports only dual=False, got dual=True"},
      {R"({"dual": true})", "Solver lbfgs supports only dual=False, got dual=True"},
  };
  for (const Case& c : cases) {
    auto est = estimator("LogisticRegression", c.params);
    FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, est.get(), m.get(), y.get(), nullptr),
                        FRANCA_ERROR_INVALID_ARGUMENT, c.message);
  }
  franca_estimator raw = nullptr;
  FRANCA_ASSERT_OK(franca_estimator_create("LogisticRegression", &raw));
  EstimatorPtr liblinear(raw);
  FRANCA_ASSERT_ERROR(franca_estimator_set_params(raw, R"({"solver": "liblinear"})"), FRANCA_ERROR_NOT_IMPLEMENTED,
                      "parameter 'solver': 'liblinear' is not implemented in franca");
}

FRANCA_INSTANTIATE_DEVICE_TESTS(Logistic);

}  // namespace
}  // namespace franca::test
