// The bin edges of each feature, from the rows (or, beyond kSampleRows rows, a random sample of
// them, as scikit-learn's histogram gradient boosting): every distinct value its own bin when there
// are no more than max_bins, else max_bins quantiles of the values.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/parallel.hpp"
#include "core/random.hpp"
#include "ensemble/forest.hpp"
#include "ensemble/host_rows.hpp"

namespace franca::forest {

namespace {

constexpr std::int64_t kSampleRows = 200000;

// The cuts of one feature from its sorted non-missing sample values.
std::vector<float> cuts_of(const std::vector<float>& sorted, int max_bins) {
  std::vector<float> distinct(sorted);
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  if (distinct.size() <= static_cast<std::size_t>(max_bins)) {
    if (!distinct.empty()) distinct.pop_back();  // the largest value's bin is the last one
    return distinct;
  }
  std::vector<float> cuts;
  const auto n = static_cast<std::int64_t>(sorted.size());
  for (int j = 1; j < max_bins; ++j) {
    const float q = sorted[static_cast<std::size_t>(n * j / max_bins)];
    if (cuts.empty() || q > cuts.back()) cuts.push_back(q);
  }
  // The largest value must not be a cut: a bin above it would stay empty.
  if (!cuts.empty() && cuts.back() >= distinct.back()) cuts.pop_back();
  return cuts;
}

}  // namespace

std::vector<std::int64_t> bin_sample_rows(std::int64_t n, std::uint64_t seed) {
  std::vector<std::int64_t> rows;
  if (n <= kSampleRows) {
    rows.resize(static_cast<std::size_t>(n));
    std::iota(rows.begin(), rows.end(), 0);
    return rows;
  }
  const CounterRandom rng(seed, 0x62696e73ull);
  PartialShuffle shuffle(n);
  for (std::int64_t i = 0; i < kSampleRows; ++i)
    rows.push_back(shuffle.next(
        i + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(n - i)))));
  std::sort(rows.begin(), rows.end());
  return rows;
}

BinCuts cuts_from_sample(const Context& ctx, const float* sample, std::int64_t s, std::int64_t d, int max_bins) {
  std::vector<std::vector<float>> per_feature(static_cast<std::size_t>(d));
  parallel_for(ctx, d, 1, [&](std::int64_t f0, std::int64_t f1) {
    std::vector<float> column;
    for (std::int64_t f = f0; f < f1; ++f) {
      column.clear();
      for (std::int64_t i = 0; i < s; ++i) {
        const float v = sample[static_cast<std::size_t>(i * d + f)];
        if (!std::isnan(v)) column.push_back(v);
      }
      std::sort(column.begin(), column.end());
      per_feature[static_cast<std::size_t>(f)] = cuts_of(column, max_bins);
    }
  });
  BinCuts out;
  out.offsets.push_back(0);
  for (const auto& c : per_feature) {
    out.cuts.insert(out.cuts.end(), c.begin(), c.end());
    out.offsets.push_back(static_cast<std::int64_t>(out.cuts.size()));
  }
  return out;
}

BinCuts find_bin_cuts(const Context& ctx, const Matrix& X_in, int max_bins, std::uint64_t seed) {
  const Matrix X = X_in;  // host: the caller brings a copy of device data
  const std::int64_t d = X.cols();
  const std::vector<std::int64_t> rows = bin_sample_rows(X.rows(), seed);
  const auto s = static_cast<std::int64_t>(rows.size());
  std::vector<float> sample(static_cast<std::size_t>(s * d));
  parallel_for(ctx, s, 1024, [&](std::int64_t begin, std::int64_t end) {
    read_rows_as_float(X, rows.data(), begin, end, sample.data() + begin * d);
  });
  return cuts_from_sample(ctx, sample.data(), s, d, max_bins);
}

BinnedFeatures bin_features(const Context& ctx, const Matrix& X, const BinCuts& cuts) {
  BinnedFeatures out;
  out.rows = X.rows();
  out.cuts = cuts;
  FRANCA_DISPATCH(X.device(), encode_bins, ctx, X, cuts, out.codes, out.bin_low, out.bin_high);
  return out;
}

}  // namespace franca::forest
