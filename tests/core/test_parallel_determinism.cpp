// CPU reductions split the rows into chunks that depend on the data size only and add the chunks'
// partial sums in a fixed order, so float64 results are bit-identical run to run and for any
// thread count (core/parallel.hpp). The inputs are large enough for many chunks.
#include <cstring>

#include "common/franca_test.hpp"

namespace franca::test {
namespace {

struct ContextDeleter {
  void operator()(franca_context c) const { franca_context_free(c); }
};
using ContextPtr = std::unique_ptr<franca_context_s, ContextDeleter>;

ContextPtr cpu_context(int threads) {
  franca_context c = nullptr;
  EXPECT_EQ(franca_context_create("cpu", &c), FRANCA_OK) << franca_last_error();
  EXPECT_EQ(franca_context_set_threads(c, threads), FRANCA_OK) << franca_last_error();
  return ContextPtr(c);
}

// Fits `name` on X (n x d) with sample_weight (and y when `supervised`) at each thread count (twice at the first), and
// expects every attribute in `attributes` to be bit-identical to the first fit's.
void expect_identical_fits(const std::string& name, const std::string& params, bool supervised, std::int64_t n,
                           std::int64_t d, const std::vector<std::string>& attributes) {
  auto X = normal(static_cast<std::size_t>(n * d), 11);
  for (std::int64_t i = 0; i < n; ++i) X[i * d] = X[i * d] * 1e3 + 1e6;  // large offset: rounding shows
  const auto noise = normal(static_cast<std::size_t>(n), 12);
  std::vector<double> y(static_cast<std::size_t>(n)), w(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    y[i] = 0.5 * X[i * d] - 2.0 * X[i * d + d - 1] + noise[i];
    w[i] = 0.25 + static_cast<double>(i % 13) / 3.0;
  }
  Tensor tx("cpu", X, {n, d}), ty("cpu", y, {n}), tw("cpu", w, {n});
  auto m = dense(tx.get());

  std::vector<std::vector<double>> reference;
  for (const int threads : {1, 1, 2, 3, 7}) {
    auto ctx = cpu_context(threads);
    auto est = estimator(name, params);
    FRANCA_ASSERT_OK(franca_estimator_fit(ctx.get(), est.get(), m.get(), supervised ? ty.get() : nullptr, tw.get()));
    for (std::size_t a = 0; a < attributes.size(); ++a) {
      const auto values = attribute_of(est.get(), attributes[a].c_str());
      if (reference.size() <= a) {
        reference.push_back(values);
        continue;
      }
      ASSERT_EQ(values.size(), reference[a].size())
          << name << "." << attributes[a] << " with " << threads << " threads";
      EXPECT_EQ(std::memcmp(values.data(), reference[a].data(), values.size() * sizeof(double)), 0)
          << name << "." << attributes[a] << " with " << threads << " threads differs from 1 thread (n = " << n
          << ", d = " << d << "; first value " << values[0] << " vs " << reference[a][0] << ")";
    }
  }
}

TEST(ParallelDeterminism, StandardScalerMomentsAreIdenticalForAnyThreadCount) {
  expect_identical_fits("StandardScaler", "{}", false, 300000, 4, {"mean_", "var_", "scale_"});
}

TEST(ParallelDeterminism, RidgeCoefficientsAreIdenticalForAnyThreadCount) {
  expect_identical_fits("Ridge", R"({"alpha": 1.0})", true, 300000, 6, {"coef_", "intercept_"});
}

}  // namespace
}  // namespace franca::test
