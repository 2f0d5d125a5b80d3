// The input preparation every linear model's data pass expects.
#pragma once

#include "core/context.hpp"
#include "core/matrix.hpp"

namespace franca {

// X itself, or for CSR X a copy of its parts made contiguous where they are not, checked by
// csr_check (indices within the columns, indptr non-decreasing).
Matrix contiguous_checked(const Context& ctx, const Matrix& X);

}  // namespace franca
