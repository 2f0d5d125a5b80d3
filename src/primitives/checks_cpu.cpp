#include "primitives/checks.hpp"

#include <cmath>

#include "core/matrix_ref.hpp"
#include "core/parallel.hpp"

namespace franca {

ValueScan scan_values_cpu(const Context& ctx, const Array& a) {
  return dispatch_numeric(a.dtype, [&](auto tag) {
    using T = decltype(tag);
    const auto m = matrix_ref<const T>(a);
    const auto partial =
        parallel_accumulate(ctx, m.rows, std::max<std::int64_t>(1, (1 << 15) / std::max<std::int64_t>(m.cols, 1)),
                            ValueScan{}, [&](std::int64_t begin, std::int64_t end, ValueScan& s) {
                              for (std::int64_t i = begin; i < end; ++i) {
                                for (std::int64_t j = 0; j < m.cols; ++j) {
                                  const double x = static_cast<double>(m(i, j));
                                  s.has_nan |= std::isnan(x);
                                  s.has_inf |= std::isinf(x);
                                  s.has_negative |= x < 0;
                                }
                              }
                            });
    ValueScan total;
    for (const auto& s : partial) {
      total.has_nan |= s.has_nan;
      total.has_inf |= s.has_inf;
      total.has_negative |= s.has_negative;
    }
    return total;
  });
}

}  // namespace franca
