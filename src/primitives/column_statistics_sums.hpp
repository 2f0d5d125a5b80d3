// The steps the CPU and CUDA column statistics share once their per-column sums are on the host
// (column_statistics.cpp).
#pragma once

#include <vector>

#include "primitives/column_statistics.hpp"

namespace franca {

// sum of w x / weight, column by column.
std::vector<double> means_of(const std::vector<double>& weighted_sums, const std::vector<double>& weight);
// squares: sum of w (x - mean)^2; deviations: sum of w (x - mean). The m2 of ColumnStatistics.
std::vector<double> m2_of(const std::vector<double>& squares, const std::vector<double>& deviations,
                          const std::vector<double>& weight);
// A CSR matrix's sums over its stored values, completed with its implicit zeros: each column's
// weight less its stored (non-NaN) values' weight is the weight of zeros, each (0 - mean).
void add_implicit_zeros(const ColumnStatistics& stats, const std::vector<double>& stored_weight,
                        std::vector<double>& squares, std::vector<double>& deviations);

}  // namespace franca
