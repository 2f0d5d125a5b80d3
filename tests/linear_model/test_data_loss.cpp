// franca_estimator_data_loss and franca_estimator_fit_external on every device. Oracles: the
// log-loss and its gradient computed here in long double; blocks of rows, whose sums must be the
// whole's; a fitted model, where the data gradient must cancel the penalty's (the fit minimises data
// term + penalty); the Hessian against central differences of the gradient; franca_estimator_fit on
// the same rows, which an external fit over their blocks must repeat.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/franca_test.hpp"

namespace franca::test {
namespace {

constexpr double kSumRtol = 1e-12;        // blocks against the whole: the same sums in another order
constexpr double kReferenceRtol = 1e-12;  // against the long double loss and gradient
constexpr double kStationaryTol = 1e-6;   // max |data gradient + penalty gradient| at a fit to tol 1e-10
constexpr double kHessianRtol = 1e-5;     // against central differences of the gradient (step 1e-6)
constexpr double kExternalRtol = 1e-8;    // an external fit's coefficients against fit's: sums in another order

struct Rows {
  std::int64_t n, d;
  std::vector<double> X, y, w;  // X row-major; y class codes or targets; w sample weights
  Rows slice(std::int64_t begin, std::int64_t end) const {
    return {end - begin, d, std::vector<double>(X.begin() + begin * d, X.begin() + end * d),
            std::vector<double>(y.begin() + begin, y.begin() + end),
            std::vector<double>(w.begin() + begin, w.begin() + end)};
  }
};

// Labels 0..k-1 drawn from a softmax of random scores (k = 2: codes 0 and 1), weights in [0.5, 1.5].
Rows classification(std::int64_t n, std::int64_t d, std::int64_t k, std::uint64_t seed) {
  Rows r{n, d, normal(static_cast<std::size_t>(n * d), seed), {}, {}};
  const auto u = normal(static_cast<std::size_t>(n * 2), seed + 1);
  for (std::int64_t i = 0; i < n; ++i) {
    r.y.push_back(static_cast<double>(static_cast<std::int64_t>(std::fabs(u[i]) * 7) % k));
    r.w.push_back(1.0 + 0.5 * std::tanh(u[n + i]));
  }
  for (std::size_t q = 0; q < r.X.size(); q += 4) r.X[q] = 0;  // structure for CSR
  return r;
}

struct Result {
  double loss = 0;
  std::vector<double> gradient, hessian;
};

Result data_loss(const std::string& device, franca_estimator est, const Rows& r, const std::string& layout,
                 const std::vector<double>& coef, bool hessian) {
  const LaidOutMatrix<double, std::int64_t> X(device, r.X, r.n, r.d, layout);
  Tensor y(device, r.y, {r.n}), w(device, r.w, {r.n}), c("cpu", coef, {static_cast<std::int64_t>(coef.size())});
  Result out;
  DLManagedTensor *g = nullptr, *h = nullptr;
  EXPECT_EQ(franca_estimator_data_loss(nullptr, est, X.get(), y.get(), w.get(), c.get(), &out.loss, &g,
                                       hessian ? &h : nullptr),
            FRANCA_OK)
      << franca_last_error();
  if (g) {
    const auto* values = static_cast<const double*>(g->dl_tensor.data);
    out.gradient.assign(values, values + coef.size());
    g->deleter(g);
  }
  if (h) {
    const auto* values = static_cast<const double*>(h->dl_tensor.data);
    out.hessian.assign(values, values + coef.size() * coef.size());
    h->deleter(h);
  }
  return out;
}

// sum_i w_i log_loss_i and its gradient, in long double: t = 1 the binomial loss log(1 + e^z) - y z,
// else the multinomial one; coef as the verb orders it (t rows of d, then t intercepts).
Result reference(const Rows& r, std::int64_t t, const std::vector<double>& coef) {
  const std::int64_t d = r.d;
  long double loss = 0;
  std::vector<long double> g(coef.size(), 0.0L), z(static_cast<std::size_t>(t));
  for (std::int64_t i = 0; i < r.n; ++i) {
    const auto label = static_cast<std::int64_t>(r.y[i]);
    for (std::int64_t c = 0; c < t; ++c) {
      z[c] = coef[t * d + c];
      for (std::int64_t j = 0; j < d; ++j) z[c] += static_cast<long double>(r.X[i * d + j]) * coef[c * d + j];
    }
    std::vector<long double> residual(static_cast<std::size_t>(t));
    if (t == 1) {
      loss += r.w[i] * (std::log1p(std::exp(z[0])) - label * z[0]);
      residual[0] = 1.0L / (1.0L + std::exp(-z[0])) - label;
    } else {
      const long double m = *std::max_element(z.begin(), z.end());
      long double s = 0;
      for (auto v : z) s += std::exp(v - m);
      loss += r.w[i] * (m + std::log(s) - z[label]);
      for (std::int64_t c = 0; c < t; ++c) residual[c] = std::exp(z[c] - m) / s - (c == label ? 1.0L : 0.0L);
    }
    for (std::int64_t c = 0; c < t; ++c) {
      for (std::int64_t j = 0; j < d; ++j) g[c * d + j] += r.w[i] * residual[c] * r.X[i * d + j];
      g[t * d + c] += r.w[i] * residual[c];
    }
  }
  return {static_cast<double>(loss), std::vector<double>(g.begin(), g.end()), {}};
}

double max_relative(const std::vector<double>& a, const std::vector<double>& b) {
  double worst = 0, scale = 0;
  for (std::size_t j = 0; j < b.size(); ++j) {
    worst = std::max(worst, std::fabs(a[j] - b[j]));
    scale = std::max(scale, std::fabs(b[j]));
  }
  return worst / scale;
}

class DataLoss : public DeviceTest {};

TEST_P(DataLoss, LogisticBlocksSumToTheWhole) {
  for (const std::int64_t k : {2, 3}) {
    for (const std::string layout : {"row-major", "csr"}) {
      const Rows r = classification(90, 4, k, 11);
      const std::int64_t t = k == 2 ? 1 : k;
      const auto coef = normal(static_cast<std::size_t>(t * (r.d + 1)), 12);
      auto est = estimator("LogisticRegression");
      const Result whole = data_loss(device(), est.get(), r, layout, coef, false);
      const Result expected = reference(r, t, coef);
      const std::string what = "k=" + std::to_string(k) + " " + layout;
      EXPECT_NEAR(whole.loss, expected.loss, kReferenceRtol * std::fabs(expected.loss)) << what;
      EXPECT_LE(max_relative(whole.gradient, expected.gradient), kReferenceRtol) << what;
      const Result a = data_loss(device(), est.get(), r.slice(0, 37), layout, coef, false);
      const Result b = data_loss(device(), est.get(), r.slice(37, 90), layout, coef, false);
      EXPECT_NEAR(a.loss + b.loss, whole.loss, kSumRtol * std::fabs(whole.loss)) << what;
      std::vector<double> sum(coef.size());
      for (std::size_t j = 0; j < sum.size(); ++j) sum[j] = a.gradient[j] + b.gradient[j];
      EXPECT_LE(max_relative(sum, whole.gradient), kSumRtol) << what;
    }
  }
}

TEST_P(DataLoss, VanishesWithThePenaltyAtAFit) {
  // LogisticRegression: sum_i w_i loss_i + ||W||^2 / (2C); PoissonRegressor: that sum / sum_i w_i +
  // alpha / 2 ||w||^2. At each fit the data gradient cancels the penalty's.
  const Rows r = classification(120, 3, 3, 21);
  Tensor X(device(), r.X, {r.n, r.d}), y(device(), r.y, {r.n}), w(device(), r.w, {r.n});
  auto Xm = dense(X.get());
  auto logistic = estimator("LogisticRegression", R"({"C": 0.5, "tol": 1e-10, "max_iter": 1000})");
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, logistic.get(), Xm.get(), y.get(), w.get()));
  std::vector<double> coef = attribute_of(logistic.get(), "coef_");
  const std::vector<double> intercept = attribute_of(logistic.get(), "intercept_");
  coef.insert(coef.end(), intercept.begin(), intercept.end());
  Result at_fit = data_loss(device(), logistic.get(), r, "row-major", coef, false);
  for (std::size_t j = 0; j < coef.size(); ++j) {
    const double penalty = j < static_cast<std::size_t>(3 * r.d) ? coef[j] / 0.5 : 0.0;
    EXPECT_NEAR(at_fit.gradient[j], -penalty, kStationaryTol) << "LogisticRegression coefficient " << j;
  }

  auto poisson = estimator("PoissonRegressor", R"({"alpha": 0.1, "tol": 1e-10, "max_iter": 1000})");
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, poisson.get(), Xm.get(), y.get(), w.get()));
  coef = attribute_of(poisson.get(), "coef_");
  coef.push_back(attribute_of(poisson.get(), "intercept_")[0]);
  at_fit = data_loss(device(), poisson.get(), r, "row-major", coef, false);
  double total = 0;
  for (double v : r.w) total += v;
  for (std::size_t j = 0; j < coef.size(); ++j) {
    const double penalty = j < static_cast<std::size_t>(r.d) ? 0.1 * coef[j] : 0.0;
    EXPECT_NEAR(at_fit.gradient[j] / total, -penalty, kStationaryTol) << "PoissonRegressor coefficient " << j;
  }
}

TEST_P(DataLoss, HessianIsTheGradientsDerivative) {
  const Rows r = classification(80, 3, 3, 31);
  for (const std::string name : {"LogisticRegression", "PoissonRegressor"}) {
    const std::size_t size = name == "PoissonRegressor" ? 4 : 12;
    auto est = estimator(name);
    auto coef = normal(size, 32);
    for (double& c : coef) c *= 0.3;
    const Result at = data_loss(device(), est.get(), r, "csr", coef, true);
    ASSERT_EQ(at.hessian.size(), size * size) << name;
    constexpr double kStep = 1e-6;
    for (std::size_t j = 0; j < size; ++j) {
      auto up = coef, down = coef;
      up[j] += kStep;
      down[j] -= kStep;
      const Result u = data_loss(device(), est.get(), r, "csr", up, false);
      const Result v = data_loss(device(), est.get(), r, "csr", down, false);
      std::vector<double> column(size), difference(size);
      for (std::size_t i = 0; i < size; ++i) {
        column[i] = at.hessian[i * size + j];
        difference[i] = (u.gradient[i] - v.gradient[i]) / (2 * kStep);
      }
      EXPECT_LE(max_relative(column, difference), kHessianRtol) << name << " column " << j;
    }
  }
}

// The data term of rows split into blocks, summed: franca_estimator_fit_external's callback.
struct Blocks {
  std::string device;
  franca_estimator est;  // another handle than the fitted one, which the fit holds exclusively
  std::vector<Rows> parts;
  int status = 0;  // what the callback returns
};

int blocks_data_loss(const double* coef, std::int64_t n_coef, double* loss, double* gradient, double* hessian,
                     void* user_data) {
  const auto& blocks = *static_cast<const Blocks*>(user_data);
  const std::vector<double> c(coef, coef + n_coef);
  *loss = 0;
  std::fill(gradient, gradient + n_coef, 0.0);
  if (hessian) std::fill(hessian, hessian + n_coef * n_coef, 0.0);
  for (const Rows& part : blocks.parts) {
    const Result r = data_loss(blocks.device, blocks.est, part, "row-major", c, hessian != nullptr);
    *loss += r.loss;
    for (std::int64_t j = 0; j < n_coef; ++j) gradient[j] += r.gradient[j];
    for (std::size_t j = 0; hessian && j < r.hessian.size(); ++j) hessian[j] += r.hessian[j];
  }
  return blocks.status;
}

TEST_P(DataLoss, FitExternalRepeatsTheFit) {
  struct Case {
    const char* name;
    const char* params;
    std::int64_t k;  // classes of the rows' y (also Poisson and Gamma targets 0 .. k-1)
  };
  const Case cases[] = {{"LogisticRegression", R"({"C": 0.5, "tol": 1e-8})", 3},
                        {"LogisticRegression", R"({"solver": "newton-cholesky", "tol": 1e-8})", 2},
                        {"LogisticRegression", R"({"penalty": "l1", "C": 2.0, "tol": 1e-8})", 2},
                        {"PoissonRegressor", R"({"alpha": 0.1, "l1_ratio": 0.3, "tol": 1e-8})", 3},
                        {"GammaRegressor", R"({"solver": "newton-cholesky", "tol": 1e-8})", 3}};
  for (const Case& c : cases) {
    Rows r = classification(150, 4, c.k, 51);
    if (std::string(c.name) == "GammaRegressor")
      for (double& v : r.y) v += 0.5;  // Gamma targets are positive
    Tensor X(device(), r.X, {r.n, r.d}), y(device(), r.y, {r.n}), w(device(), r.w, {r.n});
    auto Xm = dense(X.get());
    auto local = estimator(c.name, c.params);
    FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, local.get(), Xm.get(), y.get(), w.get()));

    auto external = estimator(c.name, c.params), evaluator = estimator(c.name, c.params);
    Blocks blocks{device(), evaluator.get(), {r.slice(0, 40), r.slice(40, 41), r.slice(41, 150)}};
    double weight_sum = 0, weighted_y = 0;
    for (std::int64_t i = 0; i < r.n; ++i) weight_sum += r.w[i], weighted_y += r.w[i] * r.y[i];
    const bool classifier = std::string(c.name) == "LogisticRegression";
    char rows[256];
    if (classifier) {
      std::snprintf(rows, sizeof rows,
                    R"({"n_samples": 150, "n_features": 4, "sample_weight_sum": %.17g, "n_classes": %d})", weight_sum,
                    static_cast<int>(c.k));
    } else {
      std::snprintf(rows, sizeof rows,
                    R"({"n_samples": 150, "n_features": 4, "sample_weight_sum": %.17g, "target_mean": %.17g})",
                    weight_sum, weighted_y / weight_sum);
    }
    FRANCA_ASSERT_OK(franca_estimator_fit_external(nullptr, external.get(), rows, blocks_data_loss, &blocks));
    const std::string what = std::string(c.name) + " " + c.params;
    EXPECT_LE(max_relative(attribute_of(external.get(), "coef_"), attribute_of(local.get(), "coef_")), kExternalRtol)
        << what;
    EXPECT_LE(max_relative(attribute_of(external.get(), "intercept_"), attribute_of(local.get(), "intercept_")),
              kExternalRtol)
        << what;
    EXPECT_EQ(attribute_of(external.get(), "n_iter_"), attribute_of(local.get(), "n_iter_")) << what;
    if (classifier) EXPECT_EQ(attribute_of(external.get(), "classes_"), attribute_of(local.get(), "classes_")) << what;
  }
}

FRANCA_INSTANTIATE_DEVICE_TESTS(DataLoss);

TEST(FitExternalErrors, EachNamesItsCause) {
  const Rows r = classification(30, 2, 3, 61);
  auto logistic = estimator("LogisticRegression"), evaluator = estimator("LogisticRegression");
  Blocks blocks{"cpu", evaluator.get(), {r}};
  const char* rows = R"({"n_samples": 30, "n_features": 2, "sample_weight_sum": 30, "n_classes": 3})";
  blocks.status = 7;
  FRANCA_ASSERT_ERROR(franca_estimator_fit_external(nullptr, logistic.get(), rows, blocks_data_loss, &blocks),
                      FRANCA_ERROR_CANCELLED, "data_loss: the caller's data term returned 7");
  int fitted = 1;
  FRANCA_ASSERT_OK(franca_estimator_is_fitted(logistic.get(), &fitted));
  EXPECT_EQ(fitted, 0);
  blocks.status = 0;
  FRANCA_ASSERT_ERROR(franca_estimator_fit_external(nullptr, logistic.get(),
                                                    R"({"n_samples": 30, "sample_weight_sum": 30, "n_classes": 3})",
                                                    blocks_data_loss, &blocks),
                      FRANCA_ERROR_INVALID_ARGUMENT, "rows: 'n_features' is missing");
  FRANCA_ASSERT_ERROR(
      franca_estimator_fit_external(nullptr, logistic.get(),
                                    R"({"n_rows": 30, "n_features": 2, "sample_weight_sum": 30, "n_classes": 3})",
                                    blocks_data_loss, &blocks),
      FRANCA_ERROR_INVALID_ARGUMENT, "rows: unknown member 'n_rows'");
  FRANCA_ASSERT_ERROR(
      franca_estimator_fit_external(nullptr, logistic.get(),
                                    R"({"n_samples": 30, "n_features": 2, "sample_weight_sum": 0, "n_classes": 3})",
                                    blocks_data_loss, &blocks),
      FRANCA_ERROR_INVALID_ARGUMENT, "rows: sample_weight_sum must be positive");
  FRANCA_ASSERT_ERROR(franca_estimator_fit_external(nullptr, logistic.get(), rows, nullptr, &blocks),
                      FRANCA_ERROR_INVALID_ARGUMENT, "data_loss: must not be NULL");
  auto ovr = estimator("LogisticRegression", R"({"multi_class": "ovr"})");
  FRANCA_ASSERT_ERROR(franca_estimator_fit_external(nullptr, ovr.get(), rows, blocks_data_loss, &blocks),
                      FRANCA_ERROR_NOT_IMPLEMENTED, "multi_class='ovr'");
  auto ridge = estimator("Ridge");
  FRANCA_ASSERT_ERROR(franca_estimator_fit_external(nullptr, ridge.get(), rows, blocks_data_loss, &blocks),
                      FRANCA_ERROR_NOT_IMPLEMENTED, "Ridge cannot fit on rows held elsewhere");
}

TEST(DataLossErrors, EachNamesItsArgument) {
  const Rows r = classification(10, 2, 2, 41);
  Tensor X("cpu", r.X, {r.n, r.d}), y("cpu", r.y, {r.n});
  auto Xm = dense(X.get());
  const std::vector<double> three(3, 0.0), four(4, 0.0), bad_labels{0, 1, 2, 0, 1, 0, 1, 0, 1, 0};
  Tensor coef("cpu", three, {3}), coef_4("cpu", four, {4}), coef_2d("cpu", four, {2, 2}),
      y_bad("cpu", bad_labels, {10});
  double loss = 0;
  DLManagedTensor* g = nullptr;
  auto ridge = estimator("Ridge");
  FRANCA_ASSERT_ERROR(
      franca_estimator_data_loss(nullptr, ridge.get(), Xm.get(), y.get(), nullptr, coef.get(), &loss, &g, nullptr),
      FRANCA_ERROR_NOT_IMPLEMENTED, "Ridge has no data term");
  auto logistic = estimator("LogisticRegression");
  FRANCA_ASSERT_ERROR(franca_estimator_data_loss(nullptr, logistic.get(), Xm.get(), y_bad.get(), nullptr, coef.get(),
                                                 &loss, &g, nullptr),
                      FRANCA_ERROR_INVALID_ARGUMENT, "y: expected the class codes 0 to 1 of 1 score(s) per row");
  FRANCA_ASSERT_ERROR(
      franca_estimator_data_loss(nullptr, logistic.get(), Xm.get(), y.get(), nullptr, coef_4.get(), &loss, &g, nullptr),
      FRANCA_ERROR_INVALID_ARGUMENT, "coef: expected n_scores x (n_features + fit_intercept)");
  FRANCA_ASSERT_ERROR(franca_estimator_data_loss(nullptr, logistic.get(), Xm.get(), y.get(), nullptr, coef_2d.get(),
                                                 &loss, &g, nullptr),
                      FRANCA_ERROR_INVALID_ARGUMENT, "coef: expected a 1-D array");
  FRANCA_ASSERT_ERROR(
      franca_estimator_data_loss(nullptr, logistic.get(), Xm.get(), y.get(), nullptr, coef.get(), nullptr, &g, nullptr),
      FRANCA_ERROR_INVALID_ARGUMENT, "loss");
  auto poisson = estimator("PoissonRegressor");
  FRANCA_ASSERT_ERROR(
      franca_estimator_data_loss(nullptr, poisson.get(), Xm.get(), y.get(), nullptr, coef_4.get(), &loss, &g, nullptr),
      FRANCA_ERROR_INVALID_ARGUMENT, "coef: expected n_features + fit_intercept = 3 values, got 4");
  EXPECT_EQ(g, nullptr);
}

}  // namespace
}  // namespace franca::test
