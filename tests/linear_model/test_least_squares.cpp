// LinearRegression and Ridge on every device, against float64 references computed here
// independently of the library (long double normal-equation residuals, exact recovery).
#include <cmath>

#include "common/franca_test.hpp"

namespace franca::test {
namespace {

struct Problem {
  std::int64_t n, d, t;
  std::vector<double> X, y, w, coef, intercept;
};

// y = X coef^T + intercept + noise, with coefficients drawn from `seed`.
Problem make_problem(std::int64_t n, std::int64_t d, std::int64_t t, double noise, std::uint64_t seed) {
  Problem p{n,
            d,
            t,
            normal(static_cast<std::size_t>(n * d), seed),
            {},
            {},
            normal(static_cast<std::size_t>(t * d), seed + 1),
            normal(static_cast<std::size_t>(t), seed + 2)};
  const auto e = normal(static_cast<std::size_t>(n * t), seed + 3);
  std::mt19937_64 rng(seed + 4);
  std::uniform_real_distribution<double> u(0.1, 3.0);
  p.w.resize(static_cast<std::size_t>(n));
  for (auto& wi : p.w) wi = u(rng);
  p.y.resize(static_cast<std::size_t>(n * t));
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t k = 0; k < t; ++k) {
      double s = p.intercept[k] + noise * e[i * t + k];
      for (std::int64_t j = 0; j < d; ++j) s += p.X[i * d + j] * p.coef[k * d + j];
      p.y[i * t + k] = s;
    }
  return p;
}

// The gradient of sum_i w_i (y_i - x_i c - b)^2 / 2 + alpha ||c||^2 / 2 w.r.t. (c, b), in long
// double: zero at the optimum of a weighted ridge problem (b's component only with intercept).
std::vector<long double> ridge_gradient(const Problem& p, const std::vector<double>& w, double alpha,
                                        const std::vector<double>& coef, const std::vector<double>& intercept,
                                        bool fit_intercept) {
  std::vector<long double> g(static_cast<std::size_t>(p.t * (p.d + 1)), 0.0L);
  for (std::int64_t i = 0; i < p.n; ++i)
    for (std::int64_t k = 0; k < p.t; ++k) {
      long double r = intercept[k] - p.y[i * p.t + k];
      for (std::int64_t j = 0; j < p.d; ++j) r += static_cast<long double>(p.X[i * p.d + j]) * coef[k * p.d + j];
      const long double wi = w.empty() ? 1.0L : w[i];
      for (std::int64_t j = 0; j < p.d; ++j) g[k * (p.d + 1) + j] += wi * r * p.X[i * p.d + j];
      if (fit_intercept) g[k * (p.d + 1) + p.d] += wi * r;
    }
  for (std::int64_t k = 0; k < p.t; ++k)
    for (std::int64_t j = 0; j < p.d; ++j) g[k * (p.d + 1) + j] += alpha * coef[k * p.d + j];
  return g;
}

class LeastSquares : public DeviceTest {};

TEST_P(LeastSquares, LinearRegressionRecoversNoiselessCoefficients) {
  for (std::uint64_t seed : {11u, 12u, 13u}) {
    const auto p = make_problem(200 + 37 * seed, 3 + seed % 5, 1, 0.0, seed);
    Tensor X(device(), p.X, {p.n, p.d}), y(device(), p.y, {p.n});
    auto est = estimator("LinearRegression");
    auto m = dense(X.get());
    FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, est.get(), m.get(), y.get(), nullptr));
    const auto coef = attribute_of(est.get(), "coef_");
    const auto intercept = attribute_of(est.get(), "intercept_");
    ASSERT_EQ(coef.size(), static_cast<std::size_t>(p.d));
    for (std::int64_t j = 0; j < p.d; ++j)
      EXPECT_NEAR(coef[j], p.coef[j], 1e-9) << "seed=" << seed << " n=" << p.n << " d=" << p.d << " j=" << j;
    EXPECT_NEAR(intercept[0], p.intercept[0], 1e-9) << "seed=" << seed;
    franca_matrix pred = nullptr;
    FRANCA_ASSERT_OK(franca_estimator_apply(nullptr, est.get(), "predict", m.get(), &pred));
    const auto yhat = values_of(pred);
    franca_matrix_free(pred);
    for (std::int64_t i = 0; i < p.n; ++i) EXPECT_NEAR(yhat[i], p.y[i], 1e-8) << "seed=" << seed << " row " << i;
  }
}

TEST_P(LeastSquares, RidgeSatisfiesWeightedNormalEquations) {
  for (bool fit_intercept : {true, false}) {
    for (std::int64_t t : {1, 3}) {
      for (double alpha : {1e-3, 1.0, 50.0}) {
        const auto p = make_problem(300, 7, t, 0.5, 40 + static_cast<std::uint64_t>(t));
        Tensor X(device(), p.X, {p.n, p.d}), w(device(), p.w, {p.n});
        Tensor y(device(), p.y, t == 1 ? std::vector<std::int64_t>{p.n} : std::vector<std::int64_t>{p.n, t});
        auto est = estimator("Ridge", "{\"alpha\": " + std::to_string(alpha) +
                                          ", \"fit_intercept\": " + (fit_intercept ? "true" : "false") + "}");
        auto m = dense(X.get());
        FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, est.get(), m.get(), y.get(), w.get()));
        const auto coef = attribute_of(est.get(), "coef_");
        const auto intercept = attribute_of(est.get(), "intercept_");
        ASSERT_EQ(coef.size(), static_cast<std::size_t>(t * p.d));
        ASSERT_EQ(intercept.size(), static_cast<std::size_t>(t));
        if (!fit_intercept) EXPECT_EQ(intercept[0], 0.0);
        const auto g = ridge_gradient(p, p.w, alpha, coef, intercept, fit_intercept);
        for (std::size_t k = 0; k < g.size(); ++k)
          EXPECT_NEAR(static_cast<double>(g[k]), 0.0, 1e-8)
              << "alpha=" << alpha << " t=" << t << " fit_intercept=" << fit_intercept << " component " << k;
      }
    }
  }
}

// alpha per target (scikit-learn's array alpha): each target meets the normal equations of its
// own penalty, with and without positive=True (then on the coefficients left free), on dense and
// CSR X; a list of another length than y's columns is refused naming alpha.
TEST_P(LeastSquares, RidgeTakesOneAlphaPerTarget) {
  const std::vector<double> alphas = {0.01, 5.0, 300.0};
  const auto p = make_problem(200, 6, 3, 0.5, 77);
  for (const char* layout : {"row-major", "csr"}) {
    for (const bool positive : {false, true}) {
      LaidOutMatrix<double, std::int64_t> X(device(), p.X, p.n, p.d, layout);
      Tensor w(device(), p.w, {p.n}), y(device(), p.y, {p.n, p.t});
      auto est = estimator(
          "Ridge", std::string(R"({"alpha": [0.01, 5.0, 300.0], "positive": )") + (positive ? "true" : "false") + "}");
      FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, est.get(), X.get(), y.get(), w.get()));
      const auto coef = attribute_of(est.get(), "coef_"), intercept = attribute_of(est.get(), "intercept_");
      for (std::int64_t k = 0; k < p.t; ++k) {
        const auto g = ridge_gradient(p, p.w, alphas[static_cast<std::size_t>(k)], coef, intercept, true);
        for (std::int64_t j = 0; j <= p.d; ++j) {
          const bool free = j == p.d || !positive || coef[static_cast<std::size_t>(k * p.d + j)] > 0;
          if (free)
            EXPECT_NEAR(static_cast<double>(g[static_cast<std::size_t>(k * (p.d + 1) + j)]), 0.0, 1e-8)
                << layout << " positive=" << positive << " target " << k << " component " << j;
        }
      }
    }
  }
  Tensor X(device(), p.X, {p.n, p.d}), y(device(), p.y, {p.n, p.t});
  auto m = dense(X.get());
  auto two = estimator("Ridge", R"({"alpha": [1.0, 2.0]})");
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, two.get(), m.get(), y.get(), nullptr),
                      FRANCA_ERROR_INVALID_ARGUMENT,
                      "alpha: Number of targets and number of penalties do not correspond: 2 != 3");
  FRANCA_ASSERT_ERROR(franca_estimator_set_params(two.get(), R"({"alpha": [1.0, -2.0]})"),
                      FRANCA_ERROR_INVALID_ARGUMENT, "parameter 'alpha'");
}

// positive=True: at the optimum every coefficient is >= 0, the gradient vanishes on those above 0
// and is >= 0 (no descent into the feasible set) on those at 0: the KKT conditions, checked in
// long double on problems whose unconstrained solution has negative coefficients.
TEST_P(LeastSquares, PositiveCoefficientsMeetTheKktConditionsOnDenseAndCsr) {
  for (const char* layout : {"row-major", "csr"}) {
    for (const char* name : {"LinearRegression", "Ridge"}) {
      for (std::int64_t t : {1, 2}) {
        auto p = make_problem(250, 9, t, 0.3, 70 + static_cast<std::uint64_t>(t));
        for (std::size_t k = 0; k < p.X.size(); k += 4) p.X[k] = 0;  // sparse enough for CSR to matter
        const double alpha = std::string(name) == "Ridge" ? 3.0 : 0.0;
        LaidOutMatrix<double, std::int64_t> X(device(), p.X, p.n, p.d, layout);
        Tensor w(device(), p.w, {p.n});
        Tensor y(device(), p.y, t == 1 ? std::vector<std::int64_t>{p.n} : std::vector<std::int64_t>{p.n, t});
        auto est = estimator(
            name, std::string(name) == "Ridge" ? R"({"alpha": 3.0, "positive": true})" : R"({"positive": true})");
        FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, est.get(), X.get(), y.get(), w.get()));
        const auto coef = attribute_of(est.get(), "coef_"), intercept = attribute_of(est.get(), "intercept_");
        const auto g = ridge_gradient(p, p.w, alpha, coef, intercept, true);
        std::int64_t at_zero = 0;
        for (std::int64_t k = 0; k < t; ++k) {
          EXPECT_NEAR(static_cast<double>(g[k * (p.d + 1) + p.d]), 0.0, 1e-8) << name << " intercept " << k;
          for (std::int64_t j = 0; j < p.d; ++j) {
            const double c = coef[k * p.d + j], gj = static_cast<double>(g[k * (p.d + 1) + j]);
            SCOPED_TRACE(std::string(layout) + " " + name + " target " + std::to_string(k) + " coef " +
                         std::to_string(j));
            EXPECT_GE(c, 0.0);
            if (c > 0) {
              EXPECT_NEAR(gj, 0.0, 1e-8);
            } else {
              EXPECT_GE(gj, -1e-8);
              ++at_zero;
            }
          }
        }
        EXPECT_GT(at_zero, 0) << "the problem must constrain some coefficient";
      }
    }
  }
}

// Every scikit-learn solver name gives the exact solution; scikit-learn's rules on them hold.
TEST_P(LeastSquares, RidgeSolverNamesGiveTheSameSolutionAndFollowScikitLearnsRules) {
  const auto p = make_problem(120, 5, 1, 0.5, 90);
  Tensor X(device(), p.X, {p.n, p.d}), y(device(), p.y, {p.n});
  auto m = dense(X.get());
  auto reference = estimator("Ridge", R"({"solver": "cholesky"})");
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, reference.get(), m.get(), y.get(), nullptr));
  const auto expected = attribute_of(reference.get(), "coef_");
  for (const char* solver : {"auto", "svd", "lsqr", "sparse_cg", "sag", "saga"}) {
    auto est = estimator("Ridge", std::string(R"({"solver": ")") + solver + R"("})");
    FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, est.get(), m.get(), y.get(), nullptr));
    EXPECT_EQ(attribute_of(est.get(), "coef_"), expected) << solver;
  }
  auto lbfgs = estimator("Ridge", R"({"solver": "lbfgs"})");
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, lbfgs.get(), m.get(), y.get(), nullptr),
                      FRANCA_ERROR_INVALID_ARGUMENT, "'lbfgs' solver can be used only when positive=True");
  auto sag_positive = estimator("Ridge", R"({"solver": "sag", "positive": true})");
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, sag_positive.get(), m.get(), y.get(), nullptr),
                      FRANCA_ERROR_INVALID_ARGUMENT, "does not support positive fitting");
}

TEST_P(LeastSquares, Float32MatchesFloat64AndStridedLayoutsAgree) {
  const auto p = make_problem(500, 6, 1, 0.1, 77);
  Tensor X64(device(), p.X, {p.n, p.d}), y(device(), p.y, {p.n});
  // The same matrix in column-major order, described by strides.
  std::vector<double> col_major(p.X.size());
  for (std::int64_t i = 0; i < p.n; ++i)
    for (std::int64_t j = 0; j < p.d; ++j) col_major[j * p.n + i] = p.X[i * p.d + j];
  Tensor Xf(device(), col_major, {p.n, p.d}, {1, p.n});
  Tensor X32(device(), cast<float>(p.X), {p.n, p.d});
  std::vector<std::vector<double>> predictions;
  for (DLTensor* x : {X64.get(), Xf.get(), X32.get()}) {
    auto est = estimator("Ridge", "{\"alpha\": 0.5}");
    auto m = dense(x);
    FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, est.get(), m.get(), y.get(), nullptr));
    franca_matrix pred = nullptr;
    FRANCA_ASSERT_OK(franca_estimator_apply(nullptr, est.get(), "predict", m.get(), &pred));
    predictions.push_back(values_of(pred));
    franca_matrix_free(pred);
  }
  for (std::int64_t i = 0; i < p.n; ++i) {
    EXPECT_NEAR(predictions[1][i], predictions[0][i], 1e-10) << "column-major, row " << i;
    EXPECT_NEAR(predictions[2][i], predictions[0][i], 1e-4 * (1 + std::fabs(predictions[0][i])))
        << "float32, row " << i;
  }
}

TEST_P(LeastSquares, RankDeficientGivesMinimumNormSolution) {
  // Column 2 duplicates column 0: the minimum-norm solution splits the weight equally.
  const std::int64_t n = 100;
  auto x = normal(static_cast<std::size_t>(n * 2), 5);
  std::vector<double> X(static_cast<std::size_t>(n * 3)), y(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    X[i * 3] = x[i * 2];
    X[i * 3 + 1] = x[i * 2 + 1];
    X[i * 3 + 2] = x[i * 2];
    y[i] = 2.0 * x[i * 2] - x[i * 2 + 1] + 0.5;
  }
  Tensor tx(device(), X, {n, 3}), ty(device(), y, {n});
  auto est = estimator("LinearRegression");
  auto m = dense(tx.get());
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, est.get(), m.get(), ty.get(), nullptr));
  const auto coef = attribute_of(est.get(), "coef_");
  EXPECT_NEAR(coef[0], 1.0, 1e-8);
  EXPECT_NEAR(coef[1], -1.0, 1e-8);
  EXPECT_NEAR(coef[2], 1.0, 1e-8);
}

// Columns so large or small that the normal equations over- or underflow float64: the fit is the
// well-scaled one in the scaled units (scikit-learn's lstsq answer), never a silent zero model.
TEST_P(LeastSquares, BadlyScaledColumnsGiveTheScaledSolution) {
  const auto p = make_problem(80, 3, 1, 0.1, 91);
  const std::vector<std::pair<std::string, std::vector<double>>> column_scales = {
      {"1e160", {1e160, 1e160, 1e160}},     {"1e155", {1e155, 1e155, 1e155}},
      {"1e200", {1e200, 1e200, 1e200}},     {"1e-200", {1e-200, 1e-200, 1e-200}},
      {"column 2 at 1e300", {1, 1, 1e300}}, {"column 0 at 1e-300", {1e-300, 1, 1}}};
  for (const bool fit_intercept : {true, false}) {
    const std::string intercept_param = std::string("\"fit_intercept\": ") + (fit_intercept ? "true" : "false");
    for (const std::string layout : {"row-major", "csr"}) {
      const LaidOutMatrix<double, std::int32_t> X(device(), p.X, p.n, p.d, layout);
      Tensor y(device(), p.y, {p.n});
      auto reference = estimator("LinearRegression", "{" + intercept_param + "}");
      FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, reference.get(), X.get(), y.get(), nullptr));
      const auto coef = attribute_of(reference.get(), "coef_");
      const auto intercept = attribute_of(reference.get(), "intercept_");
      for (const auto& [label, scale] : column_scales) {
        std::vector<double> scaled = p.X;
        for (std::size_t k = 0; k < scaled.size(); ++k) scaled[k] *= scale[k % static_cast<std::size_t>(p.d)];
        const LaidOutMatrix<double, std::int32_t> Xs(device(), scaled, p.n, p.d, layout);
        for (const std::string params : {"{" + intercept_param + "}", "{\"alpha\": 0, " + intercept_param + "}"}) {
          const std::string name = params.find("alpha") == std::string::npos ? "LinearRegression" : "Ridge";
          auto est = estimator(name, params);
          FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, est.get(), Xs.get(), y.get(), nullptr));
          const auto scaled_coef = attribute_of(est.get(), "coef_");
          const auto scaled_intercept = attribute_of(est.get(), "intercept_");
          for (std::int64_t j = 0; j < p.d; ++j)
            EXPECT_NEAR(static_cast<long double>(scaled_coef[j]) * scale[j], coef[j], 1e-9 * (1 + std::fabs(coef[j])))
                << name << " " << params << " " << layout << " X scaled by " << label << ", j=" << j;
          EXPECT_NEAR(scaled_intercept[0], intercept[0], 1e-9 * (1 + std::fabs(intercept[0])))
              << name << " " << params << " " << layout << " X scaled by " << label;
        }
      }
    }
  }
}

// Ridge on X * 1e-200: the penalty outweighs X^T X (1e-400 n), so coef_ = X^T (y - mean(y)) / alpha.
TEST_P(LeastSquares, RidgeOnTinyColumnsIsDominatedByThePenalty) {
  const auto p = make_problem(80, 3, 1, 0.1, 92);
  std::vector<double> tiny = p.X;
  for (auto& v : tiny) v *= 1e-200;
  Tensor X(device(), tiny, {p.n, p.d}), y(device(), p.y, {p.n});
  auto est = estimator("Ridge", R"({"alpha": 2.0})");
  auto m = dense(X.get());
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, est.get(), m.get(), y.get(), nullptr));
  const auto coef = attribute_of(est.get(), "coef_");
  long double y_mean = 0;
  for (double v : p.y) y_mean += v / p.n;
  for (std::int64_t j = 0; j < p.d; ++j) {
    long double expected = 0;
    for (std::int64_t i = 0; i < p.n; ++i) expected += static_cast<long double>(tiny[i * p.d + j]) * (p.y[i] - y_mean);
    expected /= 2.0L;
    EXPECT_NEAR(coef[j] / static_cast<double>(expected), 1.0, 1e-9) << "j=" << j << " coef " << coef[j];
  }
}

// Beyond what rescaling by powers of two brings back: a named error, not a silent model.
TEST_P(LeastSquares, CoefficientsBeyondFloat64AreANamedError) {
  const auto p = make_problem(40, 2, 1, 0.1, 93);
  std::vector<double> tiny = p.X, huge = p.y;
  for (auto& v : tiny) v *= 1e-300;
  for (auto& v : huge) v *= 1e300;
  Tensor X(device(), tiny, {p.n, p.d}), y(device(), huge, {p.n});
  auto m = dense(X.get());
  auto est = estimator("LinearRegression");
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, est.get(), m.get(), y.get(), nullptr),
                      FRANCA_ERROR_INVALID_ARGUMENT, "X: the least-squares coefficients overflow float64");
}

FRANCA_INSTANTIATE_DEVICE_TESTS(LeastSquares);

}  // namespace
}  // namespace franca::test
