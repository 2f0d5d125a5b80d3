#include <cmath>
#include <limits>

#include "core/matrix_ref.hpp"
#include "core/parallel.hpp"
#include "core/value_scan.hpp"

namespace franca {

template <>
ValueScan scan_values<Backend::cpu>(const Context& ctx, const Array& a) {
  return dispatch_numeric(a.dtype, [&](auto tag) {
    using T = decltype(tag);
    const auto m = matrix_ref<const T>(a);
    const auto partial = dispatch_column_stride(m, [&](auto unit) {
      constexpr bool kUnit = decltype(unit)::value;
      return parallel_accumulate(ctx, m.rows, std::max<std::int64_t>(1, (1 << 15) / std::max<std::int64_t>(m.cols, 1)),
                                 ValueScan{}, [&](std::int64_t begin, std::int64_t end, ValueScan& s) {
                                   // Branch-free flags over each row: NaN fails every comparison, so !(|x| <= max)
                                   // catches NaN and infinity at once; the rare row with one is then told apart.
                                   bool negative = false, nonzero = false;
                                   for (std::int64_t i = begin; i < end; ++i) {
                                     bool nonfinite = false;
                                     for (std::int64_t j = 0; j < m.cols; ++j) {
                                       const double x = static_cast<double>(m.template at<kUnit>(i, j));
                                       nonfinite |= !(std::fabs(x) <= std::numeric_limits<double>::max());
                                       negative |= x < 0;
                                       nonzero |= x != 0;
                                     }
                                     if (!nonfinite) continue;
                                     for (std::int64_t j = 0; j < m.cols; ++j) {
                                       const double x = static_cast<double>(m.template at<kUnit>(i, j));
                                       s.has_nan |= std::isnan(x);
                                       s.has_inf |= std::isinf(x);
                                     }
                                   }
                                   s.has_negative |= negative;
                                   s.has_nonzero |= nonzero;
                                 });
    });
    ValueScan total;
    for (const auto& s : partial) {
      total.has_nan |= s.has_nan;
      total.has_inf |= s.has_inf;
      total.has_negative |= s.has_negative;
      total.has_nonzero |= s.has_nonzero;
    }
    return total;
  });
}

}  // namespace franca
