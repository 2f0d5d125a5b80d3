// LassoCV and ElasticNetCV on every device through the C ABI: the grid starts at alpha_max =
// max_j |x_j^T (y - mean y)| / (n l1_ratio) (computed here independently) and falls by eps, the
// refit equals Lasso/ElasticNet at the chosen alpha, CSR X gives the dense result, the shapes
// follow scikit-learn, and bad values are named errors. (Parity of mse_path_ with scikit-learn:
// tests/python/test_elastic_net_cv_parity.py.)
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "common/franca_test.hpp"
#include "linear_model/path_problem.hpp"

namespace franca::test {
namespace {

constexpr double kTolerance = 1e-8;  // between two fits at tol=1e-12 of the same problem

std::vector<std::int64_t> shape_of(franca_estimator est, const char* name) {
  DLManagedTensor* t = nullptr;
  EXPECT_EQ(franca_estimator_get_attribute(est, name, &t), FRANCA_OK) << name << ": " << franca_last_error();
  std::vector<std::int64_t> shape(t->dl_tensor.shape, t->dl_tensor.shape + t->dl_tensor.ndim);
  t->deleter(t);
  return shape;
}

class ElasticNetCv : public DeviceTest {};

TEST_P(ElasticNetCv, GridStartsAtAlphaMaxAndTheRefitIsTheModelAtAlpha) {
  const auto p = make_path_problem(90, 6, 21);
  Tensor X(device(), p.X, {p.n, p.d}), y(device(), p.y, {p.n});
  auto m = dense(X.get());
  for (const bool lasso : {true, false}) {
    const double l1_ratio = lasso ? 1.0 : 0.7;
    const std::string what = lasso ? "LassoCV" : "ElasticNetCV";
    std::ostringstream params;
    params << "{\"tol\": 1e-12, \"max_iter\": 100000, \"n_alphas\": 20, \"eps\": 0.01, \"cv\": 4";
    if (!lasso) params << ", \"l1_ratio\": " << l1_ratio;
    params << "}";
    auto cv = estimator(what, params.str());
    FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, cv.get(), m.get(), y.get(), nullptr));
    // alpha_max, independently.
    double y_mean = 0.0, xy_max = 0.0;
    for (const double v : p.y) y_mean += v / static_cast<double>(p.n);
    for (std::int64_t j = 0; j < p.d; ++j) {
      double x_mean = 0.0, s = 0.0;
      for (std::int64_t i = 0; i < p.n; ++i) x_mean += p.X[i * p.d + j] / static_cast<double>(p.n);
      for (std::int64_t i = 0; i < p.n; ++i) s += (p.X[i * p.d + j] - x_mean) * (p.y[i] - y_mean);
      xy_max = std::max(xy_max, std::fabs(s));
    }
    const auto alphas = attribute_of(cv.get(), "alphas_");
    ASSERT_EQ(alphas.size(), 20U) << what;
    EXPECT_NEAR(alphas[0], xy_max / (static_cast<double>(p.n) * l1_ratio), 1e-10 * alphas[0]) << what;
    EXPECT_NEAR(alphas[19], alphas[0] * 0.01, 1e-10 * alphas[0]) << what;
    for (std::size_t a = 1; a < alphas.size(); ++a) EXPECT_LT(alphas[a], alphas[a - 1]) << what << " alpha " << a;
    EXPECT_EQ(shape_of(cv.get(), "mse_path_"), (std::vector<std::int64_t>{20, 4})) << what;
    const auto mse = attribute_of(cv.get(), "mse_path_");
    const double alpha = attribute_of(cv.get(), "alpha_")[0];
    // alpha_ has the smallest mean over the folds.
    std::size_t best = 0;
    double low = HUGE_VAL;
    for (std::size_t a = 0; a < 20; ++a) {
      const double mean = (mse[a * 4] + mse[a * 4 + 1] + mse[a * 4 + 2] + mse[a * 4 + 3]) / 4;
      if (mean < low) low = mean, best = a;
    }
    EXPECT_EQ(alpha, alphas[best]) << what;

    std::ostringstream single;
    single << "{\"tol\": 1e-12, \"max_iter\": 100000, \"alpha\": " << std::setprecision(17) << alpha;
    if (!lasso) single << ", \"l1_ratio\": " << l1_ratio;
    single << "}";
    auto ref = estimator(lasso ? "Lasso" : "ElasticNet", single.str());
    FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, ref.get(), m.get(), y.get(), nullptr));
    const auto a = attribute_of(cv.get(), "coef_"), b = attribute_of(ref.get(), "coef_");
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t j = 0; j < a.size(); ++j) EXPECT_NEAR(a[j], b[j], kTolerance) << what << " coef " << j;
    EXPECT_NEAR(attribute_of(cv.get(), "intercept_")[0], attribute_of(ref.get(), "intercept_")[0], kTolerance);
  }
}

TEST_P(ElasticNetCv, CsrMatchesDense) {
  const auto p = make_path_problem(60, 8, 4);
  Tensor X(device(), p.X, {p.n, p.d}), y(device(), p.y, {p.n});
  auto dm = dense(X.get());
  const LaidOutMatrix<double, std::int64_t> cm(device(), p.X, p.n, p.d, "csr");
  const std::string params = "{\"tol\": 1e-12, \"max_iter\": 100000, \"n_alphas\": 15, \"l1_ratio\": [0.3, 0.9]}";
  auto a = estimator("ElasticNetCV", params), b = estimator("ElasticNetCV", params);
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, a.get(), dm.get(), y.get(), nullptr));
  const auto status = franca_estimator_fit(nullptr, b.get(), cm.get(), y.get(), nullptr);
  FRANCA_ASSERT_OK(status);
  EXPECT_EQ(shape_of(a.get(), "mse_path_"), (std::vector<std::int64_t>{2, 15, 5}));
  EXPECT_EQ(shape_of(a.get(), "alphas_"), (std::vector<std::int64_t>{2, 15}));
  for (const char* name : {"mse_path_", "alphas_", "coef_", "intercept_", "alpha_", "l1_ratio_"}) {
    const auto u = attribute_of(a.get(), name), v = attribute_of(b.get(), name);
    ASSERT_EQ(u.size(), v.size()) << name;
    for (std::size_t k = 0; k < u.size(); ++k)
      EXPECT_NEAR(u[k], v[k], kTolerance * std::max(1.0, std::fabs(u[k]))) << name << "[" << k << "]";
  }
}

// Explicit splits: KFold's written out give the int cv's fit; a split whose rows do not cover X
// (its training rows not the complement of its test rows, a pass of their own) gives the fit of
// the same split on X without the rows it leaves out, for the same alphas.
TEST_P(ElasticNetCv, ExplicitSplitsAreTheirFolds) {
  const auto p = make_path_problem(60, 5, 41);
  Tensor X(device(), p.X, {p.n, p.d}), y(device(), p.y, {p.n});
  auto m = dense(X.get());
  const std::string base = R"({"tol": 1e-12, "max_iter": 100000, "alphas": [0.5, 0.1, 0.02, 0.004], "l1_ratio": 0.7, )";
  // The rows of the ranges [begin, end) as a JSON list.
  const auto rows = [](std::vector<std::pair<std::int64_t, std::int64_t>> ranges) {
    std::string s;
    for (const auto& [begin, end] : ranges)
      for (std::int64_t i = begin; i < end; ++i) s += (s.empty() ? "" : ", ") + std::to_string(i);
    return "[" + s + "]";
  };
  const auto split = [&](std::vector<std::pair<std::int64_t, std::int64_t>> train,
                         std::vector<std::pair<std::int64_t, std::int64_t>> test) {
    return "[" + rows(std::move(train)) + ", " + rows(std::move(test)) + "]";
  };
  auto by_count = estimator("ElasticNetCV", base + R"("cv": 3})");
  auto by_splits = estimator("ElasticNetCV", base + R"("cv": [)" + split({{20, 60}}, {{0, 20}}) + ", " +
                                                 split({{0, 20}, {40, 60}}, {{20, 40}}) + ", " +
                                                 split({{0, 40}}, {{40, 60}}) + "]}");
  for (auto* est : {&by_count, &by_splits})
    FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, est->get(), m.get(), y.get(), nullptr));
  for (const char* name : {"mse_path_", "coef_", "alpha_"}) {
    const auto a = attribute_of(by_count.get(), name), b = attribute_of(by_splits.get(), name);
    ASSERT_EQ(a.size(), b.size()) << name;
    for (std::size_t k = 0; k < a.size(); ++k) EXPECT_NEAR(a[k], b[k], kTolerance * (1 + std::fabs(a[k]))) << name;
  }

  // Rows 50..59 in no set: the folds' MSEs equal those of the same splits on the first 50 rows.
  const std::string partial_cv =
      R"("cv": [)" + split({{10, 50}}, {{0, 10}}) + ", " + split({{0, 35}}, {{35, 50}}) + "]}";
  auto partial = estimator("ElasticNetCV", base + partial_cv);
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, partial.get(), m.get(), y.get(), nullptr));
  std::vector<double> head(p.X.begin(), p.X.begin() + 50 * p.d), y_head(p.y.begin(), p.y.begin() + 50);
  Tensor X50(device(), head, {50, p.d}), y50(device(), y_head, {50});
  auto m50 = dense(X50.get());
  auto covered = estimator("ElasticNetCV", base + partial_cv);
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, covered.get(), m50.get(), y50.get(), nullptr));
  const auto a = attribute_of(partial.get(), "mse_path_"), b = attribute_of(covered.get(), "mse_path_");
  ASSERT_EQ(a.size(), 8U);
  for (std::size_t k = 0; k < a.size(); ++k) EXPECT_NEAR(a[k], b[k], kTolerance * (1 + std::fabs(b[k]))) << k;

  auto beyond = estimator("ElasticNetCV", R"({"cv": [[[0, 1], [2, 99]]]})");
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, beyond.get(), m.get(), y.get(), nullptr),
                      FRANCA_ERROR_INVALID_ARGUMENT, "cv: split 0 lists row 99, but X has 60 rows");
}

TEST_P(ElasticNetCv, InvalidInputsAreNamed) {
  auto est = estimator("ElasticNetCV");
  for (const auto& [params, needle] : std::vector<std::pair<const char*, const char*>>{
           {"{\"cv\": 1}", "parameter 'cv'"},
           {"{\"cv\": []}", "parameter 'cv'"},
           {"{\"cv\": [[[0], []]]}", "parameter 'cv'"},
           {"{\"eps\": 0}", "parameter 'eps'"},
           {"{\"n_alphas\": 0}", "parameter 'n_alphas'"},
           {"{\"alphas\": [0.1, -1]}", "parameter 'alphas'"},
           {"{\"alphas\": []}", "parameter 'alphas'"},
           {"{\"l1_ratio\": [0.5, 1.5]}", "parameter 'l1_ratio'"},
           {"{\"l1_ratio\": -0.1}", "parameter 'l1_ratio'"},
           {"{\"precompute\": \"always\"}", "parameter 'precompute'"},
           {"{\"selection\": \"best\"}", "parameter 'selection'"},
       })
    FRANCA_ASSERT_ERROR(franca_estimator_set_params(est.get(), params), FRANCA_ERROR_INVALID_ARGUMENT, needle);
  FRANCA_ASSERT_ERROR(franca_estimator_set_params(est.get(), "{\"alphas\": 0.5}"), FRANCA_ERROR_TYPE,
                      "parameter 'alphas'");
  FRANCA_ASSERT_ERROR(franca_estimator_set_params(est.get(), "{\"precompute\": [[1.0]]}"), FRANCA_ERROR_NOT_IMPLEMENTED,
                      "Gram matrix");
  auto lasso = estimator("LassoCV");
  FRANCA_ASSERT_ERROR(franca_estimator_set_params(lasso.get(), "{\"l1_ratio\": 0.5}"), FRANCA_ERROR_INVALID_ARGUMENT,
                      "l1_ratio");

  const auto p = make_path_problem(4, 3, 2);
  Tensor X(device(), p.X, {p.n, p.d}), y(device(), p.y, {p.n});
  Tensor Y2(device(), std::vector<double>(8, 1.0), {4, 2});
  auto m = dense(X.get());
  auto five = estimator("LassoCV");
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, five.get(), m.get(), y.get(), nullptr),
                      FRANCA_ERROR_INVALID_ARGUMENT, "n_splits=5 greater than the number of samples: n_samples=4");
  auto zero = estimator("ElasticNetCV", "{\"l1_ratio\": 0.0, \"cv\": 2}");
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, zero.get(), m.get(), y.get(), nullptr),
                      FRANCA_ERROR_INVALID_ARGUMENT, "l1_ratio=0");
  auto multi = estimator("LassoCV", "{\"cv\": 2}");
  EXPECT_NE(franca_estimator_fit(nullptr, multi.get(), m.get(), Y2.get(), nullptr), FRANCA_OK) << "2-D y";
}

FRANCA_INSTANTIATE_DEVICE_TESTS(ElasticNetCv);

}  // namespace
}  // namespace franca::test
