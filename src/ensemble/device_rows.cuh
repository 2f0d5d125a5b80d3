// Rows of a CUDA X as float32, as read_rows_as_float (host_rows.hpp) reads a host X: the values
// the binning codes and the trees' thresholds are compared with. Binning and prediction read X
// through it a block of rows at a time, into device scratch.
#pragma once

#include <cstdint>

#include "core/context.hpp"
#include "core/matrix.hpp"

namespace franca::forest {

// Writes rows [begin, end) of X (dense of any strides, or CSR, float32 or float64, on a CUDA
// device) to `out` (device memory, row-major, X.cols() floats per row) on ctx's stream, each value
// cast to float as the host reader casts it: a CSR row's duplicate entries add up in the data's
// type, implicit zeros are +0.
void read_device_rows_as_float(const Context& ctx, const Matrix& X, std::int64_t begin, std::int64_t end, float* out);

// How many rows a pass over X takes when each row needs `bytes_per_row` bytes of device scratch:
// at least one, at most `rows`, and a few hundred MiB of scratch in all.
std::int64_t rows_per_pass(std::int64_t rows, std::int64_t bytes_per_row);

}  // namespace franca::forest
