// linear_model/coordinate_descent.hpp's alpha_max_of: the first alpha of a grid, whose L1 weight
// alpha * l1_ratio * n is not below max |x_j^T y|, found in a bounded number of steps even where
// that product is subnormal (fuzz_abi found an ElasticNetCV fit that stepped one ulp at a time for
// longer than its timeout).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "linear_model/coordinate_descent.hpp"

namespace franca::test {
namespace {

TEST(AlphaMax, ReachesTheL1WeightOfTheLargestCorrelationInFewSteps) {
  const double tiny = std::numeric_limits<double>::denorm_min();
  const struct {
    double xy_max, n, l1_ratio;
  } cases[] = {{3.0, 7.0, 0.3},    {1e-320, 1.0, 1e-300}, {7 * tiny, 3.0, 1e-310},
               {1e-310, 5.0, 0.7}, {1e300, 1e10, 1e-300}, {5e-324, 1e6, 1.0}};
  for (const auto& c : cases) {
    const double alpha = alpha_max_of(c.xy_max, c.n, c.l1_ratio);
    EXPECT_GE(alpha * c.l1_ratio * c.n, c.xy_max) << c.xy_max << " " << c.n << " " << c.l1_ratio;
    // Not far above: within a factor of 2 of the exact quotient (or the smallest positive double).
    const double exact = c.xy_max / (c.n * c.l1_ratio);
    if (std::isfinite(exact) && exact > 0) EXPECT_LE(alpha, 2 * exact) << c.xy_max;
  }
}

}  // namespace
}  // namespace franca::test
