// Column compaction of a CSR matrix: the columns that hold stored values, and the matrix with its
// column indices renumbered over them. A hashed text matrix of 2**20 columns may use a small part
// of them: a model fitted on the compacted matrix has vectors (and L-BFGS pairs) of that part.
//
//     Matrix Xc = FRANCA_DISPATCH(X.device(), csr_compact_columns, ctx, X, columns);
#pragma once

#include <cstdint>
#include <vector>

#include "core/context.hpp"
#include "core/dispatch.hpp"
#include "core/matrix.hpp"

namespace franca {

// X (CSR, parts contiguous, passed csr_check) with its column indices renumbered over the columns
// that hold stored values, which are appended in order to `columns` (host); X itself, and
// `columns` left empty, when every column holds values. The result shares indptr and data with X.
template <Backend B>
Matrix csr_compact_columns(const Context& ctx, const Matrix& X, std::vector<std::int64_t>& columns);

// The host part of both backends: from the column counts, the new number of each column (-1 for
// an empty one) and `columns`; returns false (columns empty) when no column is empty.
bool csr_compact_plan(const std::vector<std::int64_t>& counts, std::vector<std::int64_t>& renumber,
                      std::vector<std::int64_t>& columns);

}  // namespace franca
