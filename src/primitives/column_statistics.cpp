// The backend-neutral steps of the column statistics: sums to means and m2, and the merge.
#include "primitives/column_statistics.hpp"

#include "core/expects.hpp"
#include "primitives/column_statistics_sums.hpp"

namespace franca {

std::vector<double> means_of(const std::vector<double>& weighted_sums, const std::vector<double>& weight) {
  std::vector<double> mean(weight.size());
  for (std::size_t j = 0; j < mean.size(); ++j) mean[j] = weighted_sums[j] / weight[j];
  return mean;
}

std::vector<double> m2_of(const std::vector<double>& squares, const std::vector<double>& deviations,
                          const std::vector<double>& weight) {
  std::vector<double> m2(weight.size());
  for (std::size_t j = 0; j < m2.size(); ++j) m2[j] = squares[j] - deviations[j] * deviations[j] / weight[j];
  return m2;
}

void add_implicit_zeros(const ColumnStatistics& stats, const std::vector<double>& stored_weight,
                        std::vector<double>& squares, std::vector<double>& deviations) {
  for (std::size_t j = 0; j < squares.size(); ++j) {
    const double zeros = stats.weight[j] - stored_weight[j];
    squares[j] += zeros * stats.mean[j] * stats.mean[j];
    deviations[j] -= zeros * stats.mean[j];
  }
}

ColumnStatistics merge_column_statistics(const ColumnStatistics& a, const ColumnStatistics& b) {
  FRANCA_EXPECTS(a.weight.size() == b.weight.size() && a.m2.empty() == b.m2.empty(),
                 "column statistics: merging summaries of {} and {} columns", a.weight.size(), b.weight.size());
  ColumnStatistics out = a;
  for (std::size_t j = 0; j < a.weight.size(); ++j) {
    if (b.weight[j] == 0) continue;
    if (a.weight[j] == 0) {
      out.weight[j] = b.weight[j];
      out.mean[j] = b.mean[j];
      if (!b.m2.empty()) out.m2[j] = b.m2[j];
      continue;
    }
    const double weight = a.weight[j] + b.weight[j];
    const double delta = b.mean[j] - a.mean[j];
    out.weight[j] = weight;
    out.mean[j] = a.mean[j] + delta * (b.weight[j] / weight);
    if (!a.m2.empty()) out.m2[j] = a.m2[j] + b.m2[j] + delta * delta * (a.weight[j] * (b.weight[j] / weight));
  }
  return out;
}

}  // namespace franca
