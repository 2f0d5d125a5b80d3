#include <cmath>

#include "common/franca_test.hpp"

namespace franca::test {
namespace {

class StandardScalerTest : public DeviceTest {};

TEST_P(StandardScalerTest, MatchesWeightedMomentsAndInverts) {
  const std::int64_t n = 400, d = 5;
  auto X = normal(static_cast<std::size_t>(n * d), 3);
  for (std::int64_t i = 0; i < n; ++i) {
    X[i * d + 0] = X[i * d + 0] * 100 + 1e4;  // large offset: needs a stable variance
    X[i * d + 4] = 7.0;                       // constant: scale stays 1
  }
  std::vector<double> w(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) w[i] = 0.5 + (i % 7);
  Tensor tx(device(), X, {n, d}), tw(device(), w, {n});
  auto est = estimator("StandardScaler");
  auto m = dense(tx.get());
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, est.get(), m.get(), nullptr, tw.get()));
  const auto mean = attribute_of(est.get(), "mean_");
  const auto var = attribute_of(est.get(), "var_");
  const auto scale = attribute_of(est.get(), "scale_");
  const auto seen = attribute_of(est.get(), "n_samples_seen_");
  long double wsum = 0;
  for (auto wi : w) wsum += wi;
  EXPECT_NEAR(seen[0], static_cast<double>(wsum), 1e-9);
  for (std::int64_t j = 0; j < d; ++j) {
    long double s = 0, ss = 0;
    for (std::int64_t i = 0; i < n; ++i) s += w[i] * X[i * d + j];
    const long double mu = s / wsum;
    for (std::int64_t i = 0; i < n; ++i) ss += w[i] * (X[i * d + j] - mu) * (X[i * d + j] - mu);
    const double v = static_cast<double>(ss / wsum);
    EXPECT_NEAR(mean[j], static_cast<double>(mu), 1e-9 * (1 + std::fabs(static_cast<double>(mu)))) << "feature " << j;
    EXPECT_NEAR(var[j], v, 1e-9 * (1 + v)) << "feature " << j;
    EXPECT_NEAR(scale[j], j == 4 ? 1.0 : std::sqrt(v), 1e-9 * (1 + v)) << "feature " << j;
  }
  franca_matrix z = nullptr, back = nullptr;
  FRANCA_ASSERT_OK(franca_estimator_apply(nullptr, est.get(), "transform", m.get(), &z));
  FRANCA_ASSERT_OK(franca_estimator_apply(nullptr, est.get(), "inverse_transform", z, &back));
  const auto zv = values_of(z), bv = values_of(back);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < d; ++j) {
      EXPECT_NEAR(zv[i * d + j], (X[i * d + j] - mean[j]) / scale[j], 1e-9) << i << "," << j;
      EXPECT_NEAR(bv[i * d + j], X[i * d + j], 1e-8 * (1 + std::fabs(X[i * d + j]))) << i << "," << j;
    }
  franca_matrix_free(z);
  franca_matrix_free(back);
}

TEST_P(StandardScalerTest, WithoutMeanOrStd) {
  const std::int64_t n = 50, d = 3;
  const auto X = normal(static_cast<std::size_t>(n * d), 9);
  Tensor tx(device(), X, {n, d});
  auto m = dense(tx.get());
  auto est = estimator("StandardScaler", R"({"with_mean": false, "with_std": false})");
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, est.get(), m.get(), nullptr, nullptr));
  DLManagedTensor* t = nullptr;
  FRANCA_ASSERT_ERROR(franca_estimator_get_attribute(est.get(), "mean_", &t), FRANCA_ERROR_NOT_FOUND, "mean_");
  EXPECT_EQ(attribute_of(est.get(), "n_samples_seen_")[0], 50.0);
  franca_matrix z = nullptr;
  FRANCA_ASSERT_OK(franca_estimator_apply(nullptr, est.get(), "transform", m.get(), &z));
  EXPECT_EQ(values_of(z), X);
  franca_matrix_free(z);
}

// Moments beyond float64 would make a model of NaN scale_ that franca could not even load back:
// the fit names the problem instead (found by the C ABI fuzzer).
TEST_P(StandardScalerTest, MomentsBeyondFloat64AreANamedError) {
  const std::int64_t n = 14;
  Tensor huge(device(), std::vector<double>(static_cast<std::size_t>(n), 1e300), {n, 1});
  Tensor heavy(device(), std::vector<double>(static_cast<std::size_t>(n), 1e300), {n});
  Tensor near_max(device(), std::vector<double>(static_cast<std::size_t>(n), 1.5e308), {n, 1});
  auto m_huge = dense(huge.get()), m_near_max = dense(near_max.get());
  auto scaler = estimator("StandardScaler");
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, scaler.get(), m_huge.get(), nullptr, heavy.get()),
                      FRANCA_ERROR_INVALID_ARGUMENT, "X: its weighted mean or variance overflows float64");
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, scaler.get(), m_near_max.get(), nullptr, nullptr),
                      FRANCA_ERROR_INVALID_ARGUMENT, "X: its weighted mean or variance overflows float64");
  int fitted = 1;
  FRANCA_ASSERT_OK(franca_estimator_is_fitted(scaler.get(), &fitted));
  EXPECT_EQ(fitted, 0);
}

FRANCA_INSTANTIATE_DEVICE_TESTS(StandardScalerTest);

}  // namespace
}  // namespace franca::test
