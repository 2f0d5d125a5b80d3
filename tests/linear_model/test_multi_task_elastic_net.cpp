// MultiTaskElasticNet and MultiTaskLasso on every device through the C ABI: the fit meets the block
// optimality conditions of its objective, computed here from X and Y (path_problem.hpp), with and
// without intercept and sample weights (rescaled to sum to n); MultiTaskLasso is MultiTaskElasticNet
// with l1_ratio=1; CSR X gives dense X's model; warm_start resumes; scikit-learn's shapes; a 1-D y
// and bad values are named errors. (Parity with scikit-learn: tests/python/test_elastic_net_parity.py.)
#include <cmath>
#include <string>

#include "common/franca_test.hpp"
#include "linear_model/path_problem.hpp"

namespace franca::test {
namespace {

class MultiTaskElasticNet : public DeviceTest {};

constexpr std::int64_t kTargets = 3;

TEST_P(MultiTaskElasticNet, MeetsTheBlockConditionsWithAndWithoutInterceptAndWeights) {
  const auto p = make_path_problem(90, 6, 51);
  const std::vector<double> Y = multi_task_targets(p, kTargets);
  std::vector<double> s(static_cast<std::size_t>(p.n));
  for (std::int64_t i = 0; i < p.n; ++i) s[static_cast<std::size_t>(i)] = 0.5 + static_cast<double>(i % 4);
  double s_sum = 0.0;
  for (const double v : s) s_sum += v;
  std::vector<double> s_normalised = s;  // what the objective weighs: s rescaled to sum to n
  for (double& v : s_normalised) v *= static_cast<double>(p.n) / s_sum;
  Tensor X(device(), p.X, {p.n, p.d}), Yt(device(), Y, {p.n, kTargets}), w(device(), s, {p.n});
  auto m = dense(X.get());
  for (const bool intercept : {true, false})
    for (const bool weighted : {false, true}) {
      const std::string what = std::string(intercept ? "intercept" : "no intercept") + (weighted ? ", weighted" : "");
      auto model = estimator("MultiTaskElasticNet", std::string(R"({"alpha": 0.3, "l1_ratio": 0.6, "tol": 1e-12, )") +
                                                        R"("max_iter": 100000, "fit_intercept": )" +
                                                        (intercept ? "true}" : "false}"));
      FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, model.get(), m.get(), Yt.get(), weighted ? w.get() : nullptr));
      const auto coef = attribute_of(model.get(), "coef_");
      const auto b = attribute_of(model.get(), "intercept_");
      ASSERT_EQ(coef.size(), static_cast<std::size_t>(kTargets * p.d));
      ASSERT_EQ(b.size(), static_cast<std::size_t>(kTargets));
      if (!intercept)
        for (const double v : b) EXPECT_EQ(v, 0.0) << what;
      const std::int64_t nonzero =
          expect_block_conditions(p, Y, kTargets, coef, intercept ? b : std::vector<double>{},
                                  weighted ? s_normalised : std::vector<double>{}, 0.3, 0.6, 1e-7, what);
      EXPECT_GT(nonzero, 0) << what;
      EXPECT_LT(nonzero, p.d) << what << ": the L2,1 penalty drops whole features at this alpha";
      EXPECT_GE(attribute_of(model.get(), "n_iter_")[0], 1.0) << what;
      EXPECT_LE(attribute_of(model.get(), "dual_gap_")[0], attribute_of(model.get(), "eps_")[0]) << what;
    }
}

TEST_P(MultiTaskElasticNet, LassoCsrAndWarmStart) {
  const auto p = make_path_problem(80, 5, 61);
  const std::vector<double> Y = multi_task_targets(p, kTargets);
  Tensor X(device(), p.X, {p.n, p.d}), Yt(device(), Y, {p.n, kTargets});
  auto m = dense(X.get());
  const LaidOutMatrix<double, std::int64_t> csr(device(), p.X, p.n, p.d, "csr");
  auto lasso = estimator("MultiTaskLasso", R"({"alpha": 0.4, "tol": 1e-12, "max_iter": 100000})");
  auto enet = estimator("MultiTaskElasticNet", R"({"alpha": 0.4, "l1_ratio": 1.0, "tol": 1e-12, "max_iter": 100000})");
  auto sparse = estimator("MultiTaskLasso", R"({"alpha": 0.4, "tol": 1e-12, "max_iter": 100000})");
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, lasso.get(), m.get(), Yt.get(), nullptr));
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, enet.get(), m.get(), Yt.get(), nullptr));
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, sparse.get(), csr.get(), Yt.get(), nullptr));
  for (const char* name : {"coef_", "intercept_"}) {
    const auto a = attribute_of(lasso.get(), name), b = attribute_of(enet.get(), name),
               c = attribute_of(sparse.get(), name);
    for (std::size_t k = 0; k < a.size(); ++k) {
      EXPECT_EQ(a[k], b[k]) << name << "[" << k << "]: MultiTaskLasso is l1_ratio=1";
      EXPECT_NEAR(a[k], c[k], 1e-9 * std::max(1.0, std::fabs(a[k]))) << name << "[" << k << "]: CSR";
    }
  }
  // Refitting from the solution with warm_start converges before the first sweep.
  FRANCA_ASSERT_OK(franca_estimator_set_params(lasso.get(), R"({"warm_start": true})"));
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, lasso.get(), m.get(), Yt.get(), nullptr));
  EXPECT_EQ(attribute_of(lasso.get(), "n_iter_")[0], 0.0);
  // A model of other targets is no warm start.
  Tensor Y2(device(), std::vector<double>(static_cast<std::size_t>(p.n * 2), 1.0), {p.n, 2});
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, lasso.get(), m.get(), Y2.get(), nullptr),
                      FRANCA_ERROR_INVALID_ARGUMENT, "warm_start");
}

TEST_P(MultiTaskElasticNet, OneDimensionalYAndBadValuesAreNamedErrors) {
  const auto p = make_path_problem(20, 3, 71);
  Tensor X(device(), p.X, {p.n, p.d}), y(device(), p.y, {p.n});
  auto m = dense(X.get());
  auto lasso = estimator("MultiTaskLasso");
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, lasso.get(), m.get(), y.get(), nullptr),
                      FRANCA_ERROR_INVALID_ARGUMENT, "y: For mono-task outputs, use Lasso");
  auto enet = estimator("MultiTaskElasticNet");
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, enet.get(), m.get(), y.get(), nullptr),
                      FRANCA_ERROR_INVALID_ARGUMENT, "y: For mono-task outputs, use ElasticNet");
  FRANCA_ASSERT_ERROR(franca_estimator_set_params(enet.get(), R"({"l1_ratio": 1.5})"), FRANCA_ERROR_INVALID_ARGUMENT,
                      "l1_ratio");
  FRANCA_ASSERT_ERROR(franca_estimator_set_params(lasso.get(), R"({"l1_ratio": 0.5})"), FRANCA_ERROR_INVALID_ARGUMENT,
                      "l1_ratio");
}

FRANCA_INSTANTIATE_DEVICE_TESTS(MultiTaskElasticNet);

}  // namespace
}  // namespace franca::test
