// core/random.hpp: the counter-based generator is deterministic, its streams differ, its draws
// are uniform (chi-square against the expected counts), and random_state overrides the context's
// seed.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/random.hpp"

namespace franca::test {
namespace {

// The 0.999 quantile of chi-square with 63 degrees of freedom is about 103.4.
constexpr double kChiSquare63At999 = 103.4;

TEST(Random, SameDrawsForTheSameSeedAndStream) {
  const CounterRandom a(42, 3), b(42, 3), other_stream(42, 4), other_seed(43, 3);
  int same_stream = 0, same_seed = 0;
  for (std::uint64_t k = 0; k < 1000; ++k) {
    ASSERT_EQ(a.bits(k), b.bits(k)) << "draw " << k;
    same_stream += a.bits(k) == other_stream.bits(k);
    same_seed += a.bits(k) == other_seed.bits(k);
  }
  EXPECT_EQ(same_stream, 0);
  EXPECT_EQ(same_seed, 0);
}

TEST(Random, UniformAndBelowAreUniform) {
  const CounterRandom r(7);
  constexpr int kBins = 64;
  constexpr std::uint64_t kDraws = 640000;
  std::vector<double> uniform_counts(kBins, 0.0), below_counts(kBins, 0.0);
  for (std::uint64_t k = 0; k < kDraws; ++k) {
    const double u = r.uniform(k);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    uniform_counts[static_cast<int>(u * kBins)] += 1;
    const auto b = r.below(k + kDraws, kBins);
    ASSERT_LT(b, static_cast<std::uint64_t>(kBins));
    below_counts[b] += 1;
  }
  const double expected = static_cast<double>(kDraws) / kBins;
  double chi_uniform = 0, chi_below = 0;
  for (int b = 0; b < kBins; ++b) {
    chi_uniform += (uniform_counts[b] - expected) * (uniform_counts[b] - expected) / expected;
    chi_below += (below_counts[b] - expected) * (below_counts[b] - expected) / expected;
  }
  EXPECT_LT(chi_uniform, kChiSquare63At999);
  EXPECT_LT(chi_below, kChiSquare63At999);
}

TEST(Random, RandomStateOverridesTheContextSeed) {
  Context ctx("cpu");
  ctx.set_seed(11);
  EXPECT_EQ(seed_for(ctx, std::nullopt), 11u);
  EXPECT_EQ(seed_for(ctx, 5), 5u);
}

}  // namespace
}  // namespace franca::test
