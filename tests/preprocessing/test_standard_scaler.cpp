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

// The float64 reference of scikit-learn's nan-aware weighted moments of column j of the row-major
// X: over the rows whose value is not NaN (a CSR matrix's implicit zeros are zeros of X).
struct ReferenceMoments {
  double weight = 0, mean = 0, var = 0;
};
ReferenceMoments reference_moments(const std::vector<double>& X, std::int64_t n, std::int64_t d,
                                   const std::vector<double>& w, std::int64_t j) {
  long double weight = 0, sum = 0, squares = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    if (std::isnan(X[i * d + j])) continue;
    weight += w[i];
    sum += w[i] * X[i * d + j];
  }
  const long double mean = sum / weight;
  for (std::int64_t i = 0; i < n; ++i) {
    if (!std::isnan(X[i * d + j])) squares += w[i] * (X[i * d + j] - mean) * (X[i * d + j] - mean);
  }
  return {static_cast<double>(weight), static_cast<double>(mean), static_cast<double>(squares / weight)};
}

// n x d values, a third of them zeros and about one in ten NaN, rounded to T.
template <class T>
std::vector<double> values_with_zeros_and_nan(std::int64_t n, std::int64_t d, std::uint64_t seed) {
  auto X = normal(static_cast<std::size_t>(n * d), seed);
  for (std::size_t k = 0; k < X.size(); ++k) {
    if (k % 3 == 1) X[k] = 0;
    if (k % 11 == 4) X[k] = std::nan("");
    X[k] = static_cast<double>(static_cast<T>(X[k] * 4 + 2));
  }
  return X;
}

constexpr const char* kLayouts[] = {"row-major", "column-major", "csr"};

template <class T, class I>
void check_nan_aware_fit(const std::string& device, const std::string& layout) {
  SCOPED_TRACE(layout + (sizeof(T) == 4 ? ", float32" : ", float64"));
  const std::int64_t n = 240, d = 4;
  const auto X = values_with_zeros_and_nan<T>(n, d, 21);
  std::vector<double> w(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) w[i] = 0.25 + (i % 5);
  const bool sparse = layout == "csr";
  LaidOutMatrix<T, I> m(device, X, n, d, layout);
  Tensor tw(device, w, {n});
  auto est = estimator("StandardScaler", sparse ? R"({"with_mean": false})" : "{}");
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, est.get(), m.get(), nullptr, tw.get()));
  const auto seen = attribute_of(est.get(), "n_samples_seen_"), mean = attribute_of(est.get(), "mean_");
  const auto var = attribute_of(est.get(), "var_"), scale = attribute_of(est.get(), "scale_");
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(d)) << "the NaNs give each feature its own count";
  for (std::int64_t j = 0; j < d; ++j) {
    const ReferenceMoments r = reference_moments(X, n, d, w, j);
    EXPECT_NEAR(seen[j], r.weight, 1e-12 * r.weight) << "feature " << j;
    EXPECT_NEAR(mean[j], r.mean, 1e-12 * (1 + std::fabs(r.mean))) << "feature " << j;
    EXPECT_NEAR(var[j], r.var, 1e-12 * r.var) << "feature " << j;
    EXPECT_NEAR(scale[j], std::sqrt(r.var), 1e-12 * std::sqrt(r.var)) << "feature " << j;
  }
  franca_matrix z = nullptr;
  FRANCA_ASSERT_OK(franca_estimator_apply(nullptr, est.get(), "transform", m.get(), &z));
  // Row-major values (dense, whatever X's layout) or the stored values in row order (CSR): NaN
  // stays NaN.
  const auto out = values_of(z);
  std::size_t k = 0;
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < d; ++j) {
      const double x = X[i * d + j];
      if (sparse && x == 0) continue;
      const double expected = sparse ? static_cast<double>(static_cast<T>(x * (1.0 / scale[j])))
                                     : static_cast<double>(static_cast<T>((x - mean[j]) / scale[j]));
      const double got = out[k++];
      if (std::isnan(x)) {
        EXPECT_TRUE(std::isnan(got)) << i << "," << j;
      } else {
        EXPECT_EQ(got, expected) << i << "," << j;
      }
    }
  franca_matrix_free(z);
}

TEST_P(StandardScalerTest, LeavesNaNOutOfFitAndKeepsItInTransformOnEveryLayout) {
  for (const char* layout : kLayouts) {
    check_nan_aware_fit<double, std::int64_t>(device(), layout);
    check_nan_aware_fit<float, std::int32_t>(device(), layout);
  }
}

// Rows [begin, end) of the row-major n x d X.
std::vector<double> row_slice(const std::vector<double>& X, std::int64_t d, std::int64_t begin, std::int64_t end) {
  return {X.begin() + begin * d, X.begin() + end * d};
}

TEST_P(StandardScalerTest, PartialFitOverBatchesEqualsOneFit) {
  const std::int64_t n = 300, d = 4;
  const auto X = values_with_zeros_and_nan<double>(n, d, 5);
  std::vector<double> w(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) w[i] = 1.0 + (i % 3);
  const std::int64_t bounds[] = {0, 17, 160, 300};  // batches of unequal sizes
  for (const char* layout : kLayouts) {
    for (const bool weighted : {false, true}) {
      SCOPED_TRACE(std::string(layout) + (weighted ? ", weighted" : ""));
      const std::string params = std::string(layout) == "csr" ? R"({"with_mean": false})" : "{}";
      LaidOutMatrix<double, std::int64_t> all(device(), X, n, d, layout);
      Tensor tw(device(), w, {n});
      auto whole = estimator("StandardScaler", params), batched = estimator("StandardScaler", params);
      FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, whole.get(), all.get(), nullptr, weighted ? tw.get() : nullptr));
      for (int b = 0; b < 3; ++b) {
        const std::int64_t begin = bounds[b], end = bounds[b + 1];
        LaidOutMatrix<double, std::int64_t> part(device(), row_slice(X, d, begin, end), end - begin, d, layout);
        Tensor part_w(device(), row_slice(w, 1, begin, end), {end - begin});
        FRANCA_ASSERT_OK(franca_estimator_partial_fit(nullptr, batched.get(), part.get(), nullptr,
                                                      weighted ? part_w.get() : nullptr));
      }
      for (const char* name : {"n_samples_seen_", "mean_", "var_", "scale_"}) {
        const auto expected = attribute_of(whole.get(), name), got = attribute_of(batched.get(), name);
        ASSERT_EQ(got.size(), expected.size()) << name;
        for (std::size_t j = 0; j < got.size(); ++j)
          EXPECT_NEAR(got[j], expected[j], 1e-12 * (1 + std::fabs(expected[j]))) << name << "[" << j << "]";
      }
      LaidOutMatrix<double, std::int64_t> narrower(device(), row_slice(X, d - 1, 0, 10), 10, d - 1, "row-major");
      FRANCA_ASSERT_ERROR(franca_estimator_partial_fit(nullptr, batched.get(), narrower.get(), nullptr, nullptr),
                          FRANCA_ERROR_INVALID_ARGUMENT, "X has 3 features, but StandardScaler is expecting 4");
    }
  }
}

TEST_P(StandardScalerTest, SparseCentringAndPartialFitWithoutOneAreNamedErrors) {
  const std::int64_t n = 20, d = 3;
  const auto X = values_with_zeros_and_nan<double>(n, d, 8);
  LaidOutMatrix<double, std::int32_t> csr(device(), X, n, d, "csr"), rows(device(), X, n, d, "row-major");
  auto centring = estimator("StandardScaler");
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, centring.get(), csr.get(), nullptr, nullptr),
                      FRANCA_ERROR_INVALID_ARGUMENT, "Cannot center sparse matrices: pass `with_mean=False`");
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, centring.get(), rows.get(), nullptr, nullptr));
  franca_matrix z = nullptr;
  FRANCA_ASSERT_ERROR(franca_estimator_apply(nullptr, centring.get(), "transform", csr.get(), &z),
                      FRANCA_ERROR_INVALID_ARGUMENT, "Cannot center sparse matrices");
  Tensor y(device(), std::vector<double>(static_cast<std::size_t>(n), 1.0), {n});
  const auto finite = normal(static_cast<std::size_t>(n * d), 2);
  LaidOutMatrix<double, std::int32_t> finite_rows(device(), finite, n, d, "row-major");
  auto ridge = estimator("Ridge");
  FRANCA_ASSERT_ERROR(franca_estimator_partial_fit(nullptr, ridge.get(), finite_rows.get(), y.get(), nullptr),
                      FRANCA_ERROR_NOT_IMPLEMENTED, "Ridge has no partial_fit");
}

FRANCA_INSTANTIATE_DEVICE_TESTS(StandardScalerTest);

}  // namespace
}  // namespace franca::test
