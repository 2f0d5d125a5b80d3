#include <algorithm>
#include <cmath>
#include <limits>

#include "core/parallel.hpp"
#include "ensemble/forest.hpp"
#include "ensemble/host_rows.hpp"

namespace franca::forest {

namespace {

// std::lower_bound's index without branches on the comparisons (a conditional move each step):
// codes are drawn from random values, which a branch would mispredict half of the time.
int lower_bound_index(const float* sorted, int size, float v) {
  if (size == 0) return 0;
  const float* base = sorted;
  for (int n = size; n > 1;) {
    const int half = n / 2;
    base = base[half] < v ? base + half : base;
    n -= half;
  }
  return static_cast<int>(base - sorted) + (*base < v);
}

}  // namespace

template <>
void encode_bins<Backend::cpu>(const Context& ctx, const Matrix& X, const BinCuts& cuts, Array& codes,
                               std::vector<float>& bin_low, std::vector<float>& bin_high) {
  const std::int64_t n = X.rows(), d = X.cols();
  // Row-major on the CPU (the grower reads a row's codes of several features at once).
  codes = Array::empty(ctx, Device::cpu(), DType::uint8, {n, d});
  auto* out = codes.ptr<std::uint8_t>();
  bin_low.assign(static_cast<std::size_t>(d * kCodes), std::numeric_limits<float>::infinity());
  bin_high.assign(static_cast<std::size_t>(d * kCodes), -std::numeric_limits<float>::infinity());
  // Blocks of rows read as floats, then the features of a block split among the threads (each
  // thread owns its features' codes and value ranges) into a column-major block, transposed into
  // the rows last: threads writing neighbouring bytes of the same rows would share cache lines.
  // A block small enough (256 KiB) for the features' column passes over it to stay in cache.
  const std::int64_t block = std::max<std::int64_t>(1, std::min<std::int64_t>(n, (std::int64_t{1} << 16) / d));
  std::vector<float> values(static_cast<std::size_t>(block * d));
  std::vector<std::uint8_t> block_codes(static_cast<std::size_t>(block * d));
  for (std::int64_t r0 = 0; r0 < n; r0 += block) {
    const std::int64_t r1 = std::min(n, r0 + block), rows = r1 - r0;
    parallel_for(ctx, rows, 256, [&](std::int64_t begin, std::int64_t end) {
      read_rows_as_float(X, nullptr, r0 + begin, r0 + end, values.data() + begin * d);
    });
    parallel_for(ctx, d, 1, [&](std::int64_t f0, std::int64_t f1) {
      for (std::int64_t f = f0; f < f1; ++f) {
        const float* first = cuts.cuts.data() + cuts.offsets[static_cast<std::size_t>(f)];
        const int n_cuts =
            static_cast<int>(cuts.offsets[static_cast<std::size_t>(f) + 1] - cuts.offsets[static_cast<std::size_t>(f)]);
        const int missing = cuts.n_bins(f);  // the bin after the n_cuts + 1 value bins
        float* low = bin_low.data() + f * kCodes;
        float* high = bin_high.data() + f * kCodes;
        std::uint8_t* column = block_codes.data() + f * rows;
        for (std::int64_t i = 0; i < rows; ++i) {
          const float v = values[static_cast<std::size_t>(i * d + f)];
          if (std::isnan(v)) {
            column[i] = static_cast<std::uint8_t>(missing);
            continue;
          }
          const int code = lower_bound_index(first, n_cuts, v);
          column[i] = static_cast<std::uint8_t>(code);
          low[code] = std::min(low[code], v);
          high[code] = std::max(high[code], v);
        }
      }
    });
    parallel_for(ctx, rows, 256, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i)
        for (std::int64_t f = 0; f < d; ++f)
          out[(r0 + i) * d + f] = block_codes[static_cast<std::size_t>(f * rows + i)];
    });
  }
}

}  // namespace franca::forest
