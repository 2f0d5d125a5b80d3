// ElasticNet and Lasso on every device, checked by the optimality (KKT) conditions of the
// objective, computed here in long double independently of the library:
//   g_j = X_j^T S r / n - alpha (1 - l1_ratio) w_j,  |g_j| <= alpha l1_ratio,
//   g_j = alpha l1_ratio sign(w_j) where w_j != 0 (with positive: g_j <= alpha l1_ratio, equality where w_j > 0),
// with r = y - Xw - b, S the sample weights rescaled to sum to n, and sum_i s_i r_i = 0 with an intercept.
#include <cmath>
#include <random>
#include <sstream>

#include "common/franca_test.hpp"
#include "linear_model/path_problem.hpp"

namespace franca::test {
namespace {

// A named tolerance: CD at tol=1e-12 leaves KKT residuals far below this on these scales.
constexpr double kKktTolerance = 1e-6;

struct Problem {
  std::int64_t n, d, t;
  std::vector<double> X, y, w;  // X row-major n x d (sparse when `density` < 1), y n x t
};

Problem make_problem(std::int64_t n, std::int64_t d, std::int64_t t, double density, std::uint64_t seed) {
  Problem p{n, d, t, normal(static_cast<std::size_t>(n * d), seed), {}, {}};
  std::mt19937_64 rng(seed + 1);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (auto& x : p.X)
    if (u(rng) >= density) x = 0.0;
  const auto coef = normal(static_cast<std::size_t>(t * d), seed + 2);
  const auto noise = normal(static_cast<std::size_t>(n * t), seed + 3);
  p.y.resize(static_cast<std::size_t>(n * t));
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t k = 0; k < t; ++k) {
      double s = 1.5 + 0.5 * noise[i * t + k];
      // Half the features matter, so that some coefficients are zero at the optimum.
      for (std::int64_t j = 0; j < d; j += 2) s += p.X[i * d + j] * coef[k * d + j];
      p.y[i * t + k] = s;
    }
  p.w.resize(static_cast<std::size_t>(n));
  for (auto& wi : p.w) wi = 0.2 + 2.0 * u(rng);
  return p;
}

struct Config {
  double alpha = 0.1, l1_ratio = 0.5;
  bool fit_intercept = true, weighted = false, positive = false, lasso = false;
  std::string selection = "cyclic";
  std::string describe() const {
    std::ostringstream s;
    s << (lasso ? "Lasso" : "ElasticNet") << " alpha=" << alpha << " l1_ratio=" << l1_ratio
      << " fit_intercept=" << fit_intercept << " weighted=" << weighted << " positive=" << positive
      << " selection=" << selection;
    return s.str();
  }
  std::string json() const {
    std::ostringstream s;
    s << "{\"alpha\": " << alpha << ", \"fit_intercept\": " << (fit_intercept ? "true" : "false")
      << ", \"positive\": " << (positive ? "true" : "false") << ", \"selection\": \"" << selection
      << "\", \"random_state\": 3, \"tol\": 1e-12, \"max_iter\": 100000";
    if (!lasso) s << ", \"l1_ratio\": " << l1_ratio;
    s << "}";
    return s.str();
  }
};

struct Fit {
  std::vector<double> coef, intercept, dual_gap, n_iter, predictions;
};

// Fits on dense or CSR X on `device`.
Fit fit(const std::string& device, const Problem& p, const Config& c, bool csr, bool float32 = false) {
  Tensor y(device, p.y, p.t == 1 ? std::vector<std::int64_t>{p.n} : std::vector<std::int64_t>{p.n, p.t});
  Tensor w(device, p.w, {p.n});
  const LaidOutMatrix<double, std::int64_t> X64(device, p.X, p.n, p.d, csr ? "csr" : "row-major");
  const LaidOutMatrix<float, std::int64_t> X32(device, p.X, p.n, p.d, "row-major");
  const franca_matrix m = float32 ? X32.get() : X64.get();
  auto est = estimator(c.lasso ? "Lasso" : "ElasticNet", c.json());
  Fit out;
  EXPECT_EQ(franca_estimator_fit(nullptr, est.get(), m, y.get(), c.weighted ? w.get() : nullptr), FRANCA_OK)
      << c.describe() << ": " << franca_last_error();
  out.coef = attribute_of(est.get(), "coef_");
  out.intercept = attribute_of(est.get(), "intercept_");
  out.dual_gap = attribute_of(est.get(), "dual_gap_");
  out.n_iter = attribute_of(est.get(), "n_iter_");
  franca_matrix pred = nullptr;
  EXPECT_EQ(franca_estimator_apply(nullptr, est.get(), "predict", m, &pred), FRANCA_OK) << franca_last_error();
  out.predictions = values_of(pred);
  franca_matrix_free(pred);
  return out;
}

// The KKT conditions of target k, and the intercept's stationarity.
void expect_kkt(const Problem& p, const Config& c, const Fit& f, const std::string& what) {
  ASSERT_EQ(f.coef.size(), static_cast<std::size_t>(p.t * p.d)) << what;
  long double wsum = 0;
  for (std::int64_t i = 0; i < p.n; ++i) wsum += c.weighted ? p.w[i] : 1.0;
  const double l1 = c.alpha * (c.lasso ? 1.0 : c.l1_ratio), l2 = c.alpha * (1.0 - (c.lasso ? 1.0 : c.l1_ratio));
  for (std::int64_t k = 0; k < p.t; ++k) {
    std::vector<long double> g(static_cast<std::size_t>(p.d), 0.0L);
    long double r_sum = 0;
    for (std::int64_t i = 0; i < p.n; ++i) {
      long double r = p.y[i * p.t + k] - f.intercept[k];
      for (std::int64_t j = 0; j < p.d; ++j) r -= static_cast<long double>(p.X[i * p.d + j]) * f.coef[k * p.d + j];
      const long double s = (c.weighted ? p.w[i] : 1.0) * p.n / wsum;
      r_sum += s * r;
      for (std::int64_t j = 0; j < p.d; ++j) g[j] += s * p.X[i * p.d + j] * r;
    }
    if (c.fit_intercept) EXPECT_NEAR(static_cast<double>(r_sum / p.n), 0.0, kKktTolerance) << what << " target " << k;
    std::int64_t nonzero = 0;
    for (std::int64_t j = 0; j < p.d; ++j) {
      const double wj = f.coef[k * p.d + j];
      const double gj = static_cast<double>(g[j] / p.n) - l2 * wj;
      const std::string at = what + " target " + std::to_string(k) + " feature " + std::to_string(j) +
                             " coef=" + std::to_string(wj) + " g=" + std::to_string(gj);
      if (c.positive) {
        EXPECT_GE(wj, 0.0) << at;
        EXPECT_LE(gj, l1 + kKktTolerance) << at;
      } else {
        EXPECT_LE(std::fabs(gj), l1 + kKktTolerance) << at;
      }
      if (wj != 0.0) {
        ++nonzero;
        EXPECT_NEAR(gj, std::copysign(l1, wj), kKktTolerance) << at;
      }
    }
    EXPECT_GT(nonzero, 0) << what << ": a null model tests little";
    EXPECT_LT(nonzero, p.d) << what << ": no zero coefficient: the L1 term is untested";
  }
}

class ElasticNet : public DeviceTest {};

TEST_P(ElasticNet, DenseSolutionsSatisfyKkt) {
  std::uint64_t seed = 100;
  for (const std::int64_t t : {1, 3}) {
    for (const double l1_ratio : {1.0, 0.5, 0.1}) {
      for (const bool weighted : {false, true}) {
        for (const bool fit_intercept : {true, false}) {
          Config c;
          c.alpha = 0.1 / l1_ratio;  // an L1 weight of 0.1: some coefficients are zero
          c.l1_ratio = l1_ratio;
          c.weighted = weighted;
          c.fit_intercept = fit_intercept;
          c.positive = seed % 3 == 0;
          const auto p = make_problem(150 + 10 * t, 12, t, 1.0, ++seed);
          const Fit f = fit(device(), p, c, false);
          expect_kkt(p, c, f, c.describe() + " t=" + std::to_string(t) + " seed=" + std::to_string(seed));
        }
      }
    }
  }
}

TEST_P(ElasticNet, LassoEqualsElasticNetWithL1RatioOneAndRandomSelectionIsReproducible) {
  const auto p = make_problem(200, 10, 1, 1.0, 7);
  Config c;
  c.l1_ratio = 1.0;
  const Fit enet = fit(device(), p, c, false);
  c.lasso = true;
  const Fit lasso = fit(device(), p, c, false);
  c.selection = "random";
  const Fit r1 = fit(device(), p, c, false), r2 = fit(device(), p, c, false);
  expect_kkt(p, c, r1, "Lasso selection=random");
  for (std::int64_t j = 0; j < p.d; ++j) {
    EXPECT_EQ(enet.coef[j], lasso.coef[j]) << "feature " << j;
    EXPECT_EQ(r1.coef[j], r2.coef[j]) << "selection=random, random_state=3, feature " << j;
    EXPECT_NEAR(r1.coef[j], lasso.coef[j], 1e-6) << "random against cyclic, feature " << j;
  }
  EXPECT_GE(lasso.n_iter[0], 1);
  EXPECT_LT(lasso.dual_gap[0], 1e-10);
}

TEST_P(ElasticNet, CsrMatchesDenseAndFloat32IsClose) {
  const auto p = make_problem(300, 40, 2, 0.2, 21);
  Config c;
  c.alpha = 0.02;
  c.weighted = true;
  const Fit d = fit(device(), p, c, false);
  expect_kkt(p, c, d, "dense");
  const Fit f32 = fit(device(), p, c, false, true);
  for (std::size_t j = 0; j < d.coef.size(); ++j) EXPECT_NEAR(f32.coef[j], d.coef[j], 1e-4) << "float32, " << j;
  const Fit s = fit(device(), p, c, true);
  for (std::size_t j = 0; j < d.coef.size(); ++j) EXPECT_NEAR(s.coef[j], d.coef[j], 1e-8) << "csr, " << j;
  for (std::size_t i = 0; i < d.predictions.size(); ++i)
    EXPECT_NEAR(s.predictions[i], d.predictions[i], 1e-8) << "csr prediction " << i;
}

TEST_P(ElasticNet, WideCsrUsesTheResidualFormOnTheCpu) {
  // 5000 columns: beyond the Gram form's 4096.
  const auto p = make_problem(120, 5000, 1, 0.004, 33);
  for (const bool weighted : {false, true}) {
    Config c;
    c.alpha = 0.01;
    c.l1_ratio = 0.7;
    c.weighted = weighted;
    if (device() == "cuda") continue;  // see WideCudaIsNotImplemented
    const Fit f = fit(device(), p, c, true);
    expect_kkt(p, c, f, "wide CSR " + c.describe());
    // The same model from dense X of the same width (the residual form over its nonzeros).
    const Fit g = fit(device(), p, c, false);
    for (std::size_t j = 0; j < f.coef.size(); ++j) EXPECT_NEAR(g.coef[j], f.coef[j], 1e-9) << "feature " << j;
  }
}

TEST_P(ElasticNet, WideCudaIsNotImplemented) {
  if (device() != "cuda") GTEST_SKIP() << "CUDA only";
  const std::int64_t n = 4, d = 5000;
  Tensor X(device(), std::vector<double>(static_cast<std::size_t>(n * d), 1.0), {n, d});
  Tensor y(device(), std::vector<double>{1, 2, 3, 4}, {n});
  auto est = estimator("Lasso");
  auto m = dense(X.get());
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, est.get(), m.get(), y.get(), nullptr), FRANCA_ERROR_NOT_IMPLEMENTED,
                      "at most 4096 columns");
}

TEST_P(ElasticNet, AttributeShapesFollowScikitLearn) {
  const auto p = make_problem(50, 4, 1, 1.0, 5);
  for (const std::vector<std::int64_t>& shape : {std::vector<std::int64_t>{50}, std::vector<std::int64_t>{50, 1}}) {
    Tensor X(device(), p.X, {p.n, p.d}), y(device(), p.y, shape);
    auto est = estimator("ElasticNet", "{\"alpha\": 0.01}");
    auto m = dense(X.get());
    FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, est.get(), m.get(), y.get(), nullptr));
    const std::vector<std::pair<const char*, int>> ndims = {
        {"coef_", 1}, {"intercept_", shape.size() == 1 ? 0 : 1}, {"dual_gap_", 0}, {"n_iter_", 0}};
    for (const auto& [name, ndim] : ndims) {
      DLManagedTensor* t = nullptr;
      FRANCA_ASSERT_OK(franca_estimator_get_attribute(est.get(), name, &t));
      EXPECT_EQ(t->dl_tensor.ndim, ndim) << name << " for y of " << shape.size() << " dimension(s)";
      t->deleter(t);
    }
  }
}

TEST_P(ElasticNet, WarmStartResumesFromThePreviousSolution) {
  const auto p = make_problem(200, 10, 1, 1.0, 9);
  Tensor X(device(), p.X, {p.n, p.d}), y(device(), p.y, {p.n});
  auto m = dense(X.get());
  auto est = estimator("ElasticNet", "{\"alpha\": 0.05, \"tol\": 1e-10, \"warm_start\": true}");
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, est.get(), m.get(), y.get(), nullptr));
  const auto first = attribute_of(est.get(), "n_iter_");
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, est.get(), m.get(), y.get(), nullptr));
  const auto second = attribute_of(est.get(), "n_iter_");
  EXPECT_GT(first[0], 2);
  EXPECT_LE(second[0], 2) << "a warm start at the solution stops after the first gap check";
}

TEST_P(ElasticNet, InvalidInputsAreNamed) {
  auto est = estimator("ElasticNet");
  FRANCA_ASSERT_ERROR(franca_estimator_set_params(est.get(), "{\"alpha\": -1}"), FRANCA_ERROR_INVALID_ARGUMENT,
                      "parameter 'alpha'");
  FRANCA_ASSERT_ERROR(franca_estimator_set_params(est.get(), "{\"l1_ratio\": 1.5}"), FRANCA_ERROR_INVALID_ARGUMENT,
                      "parameter 'l1_ratio'");
  FRANCA_ASSERT_ERROR(franca_estimator_set_params(est.get(), "{\"selection\": \"best\"}"),
                      FRANCA_ERROR_INVALID_ARGUMENT, "parameter 'selection'");
  FRANCA_ASSERT_ERROR(franca_estimator_set_params(est.get(), "{\"max_iter\": 0}"), FRANCA_ERROR_INVALID_ARGUMENT,
                      "parameter 'max_iter'");
  FRANCA_ASSERT_ERROR(franca_estimator_set_params(est.get(), "{\"precompute\": \"always\"}"),
                      FRANCA_ERROR_INVALID_ARGUMENT, "parameter 'precompute'");
  FRANCA_ASSERT_OK(franca_estimator_set_params(est.get(), "{\"precompute\": \"auto\"}"));
  auto lasso = estimator("Lasso");
  FRANCA_ASSERT_ERROR(franca_estimator_set_params(lasso.get(), "{\"l1_ratio\": 0.5}"), FRANCA_ERROR_INVALID_ARGUMENT,
                      "l1_ratio");
  // warm_start with another number of features.
  const auto p = make_problem(30, 3, 1, 1.0, 2), q = make_problem(30, 4, 1, 1.0, 2);
  Tensor X3(device(), p.X, {p.n, p.d}), X4(device(), q.X, {q.n, q.d}), y(device(), p.y, {p.n});
  auto warm = estimator("Lasso", "{\"warm_start\": true, \"alpha\": 0.01}");
  auto m3 = dense(X3.get()), m4 = dense(X4.get());
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, warm.get(), m3.get(), y.get(), nullptr));
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, warm.get(), m4.get(), y.get(), nullptr),
                      FRANCA_ERROR_INVALID_ARGUMENT, "warm_start");
}

// precompute=<Gram matrix>, scikit-learn's way: the weighted centred X^T S X (S summing to n) of X
// whose columns are centred gives the fit without it, and is the one the descent uses (a change
// away from the checked element changes the fit); a Gram matrix of other X fails the check; with
// X not centred and fit_intercept it is recomputed (with a warning); a wrong shape is named.
TEST_P(ElasticNet, GivenGramMatrixIsUsedForCentredX) {
  auto p = make_problem(120, 4, 1, 0.5, 61);
  std::vector<double> mean(static_cast<std::size_t>(p.d), 0.0);
  for (std::int64_t i = 0; i < p.n; ++i)
    for (std::int64_t j = 0; j < p.d; ++j)
      mean[static_cast<std::size_t>(j)] += p.X[static_cast<std::size_t>(i * p.d + j)] / p.n;
  for (std::int64_t i = 0; i < p.n; ++i)
    for (std::int64_t j = 0; j < p.d; ++j)
      p.X[static_cast<std::size_t>(i * p.d + j)] -= mean[static_cast<std::size_t>(j)];
  const std::vector<double> gram = gram_of(p.n, p.d, p.X);
  const auto rows = [&](const std::vector<double>& g, double scale) {
    std::vector<double> scaled = g;
    for (double& v : scaled) v *= scale;
    return json_rows(scaled, p.d);
  };
  Tensor X(device(), p.X, {p.n, p.d}), y(device(), p.y, {p.n});
  auto m = dense(X.get());
  const auto fitted = [&](const std::string& precompute) {
    auto est = estimator("ElasticNet", R"({"alpha": 0.05, "tol": 1e-12, "precompute": )" + precompute + "}");
    EXPECT_EQ(franca_estimator_fit(nullptr, est.get(), m.get(), y.get(), nullptr), FRANCA_OK) << franca_last_error();
    return attribute_of(est.get(), "coef_");
  };
  const auto own = fitted("false"), given = fitted(rows(gram, 1.0));
  for (std::int64_t j = 0; j < p.d; ++j) EXPECT_NEAR(given[j], own[j], 1e-10) << j;
  std::vector<double> changed = gram;
  changed[0] *= 1.5;  // element (0, 0); the check reads (2, 3)
  const auto other = fitted(rows(changed, 1.0));
  EXPECT_GT(std::fabs(other[0] - own[0]), 1e-3) << "the given matrix is the one the descent uses";

  auto garbage = estimator("ElasticNet", R"({"precompute": )" + rows(gram, 3.0) + "}");
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, garbage.get(), m.get(), y.get(), nullptr),
                      FRANCA_ERROR_INVALID_ARGUMENT, "did not pass validation when a single element was checked");
  auto shape = estimator("ElasticNet", R"({"precompute": [[1.0]]})");
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, shape.get(), m.get(), y.get(), nullptr),
                      FRANCA_ERROR_INVALID_ARGUMENT, "precompute: a Gram matrix of shape (1, 1) for X of 4 columns");

  // X shifted off zero means: the given matrix is not X's centred Gram matrix, so it is recomputed.
  std::vector<double> shifted = p.X;
  for (double& v : shifted) v += 1.0;
  Tensor Xs(device(), shifted, {p.n, p.d});
  auto ms = dense(Xs.get());
  auto recomputed = estimator("ElasticNet", R"({"alpha": 0.05, "tol": 1e-12, "precompute": )" + rows(gram, 3.0) + "}");
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, recomputed.get(), ms.get(), y.get(), nullptr));
  const auto coef = attribute_of(recomputed.get(), "coef_");
  for (std::int64_t j = 0; j < p.d; ++j) EXPECT_NEAR(coef[j], own[j], 1e-10) << j;
}

FRANCA_INSTANTIATE_DEVICE_TESTS(ElasticNet);

}  // namespace
}  // namespace franca::test
