// Rows of a host X (dense, any strides, or CSR; float32 or float64) as the float32 values a tree
// compares with its thresholds: scikit-learn's trees read X as float32, and so do franca's.
#pragma once

#include <cstdint>

#include "core/context.hpp"
#include "core/matrix.hpp"

namespace franca::forest {

// Writes rows [begin, end) of X (or rows index[begin..end) when index is not null) to out,
// row-major, X.cols() floats per row; implicit zeros of a CSR X are written as 0.
// X with its arrays on the host (X itself when they are there).
Matrix host_matrix(const Context& ctx, const Matrix& X);

void read_rows_as_float(const Matrix& X, const std::int64_t* index, std::int64_t begin, std::int64_t end, float* out);

}  // namespace franca::forest
