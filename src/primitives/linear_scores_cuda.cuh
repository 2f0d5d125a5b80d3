// CUDA-only companion of linear_scores.hpp, for other CUDA units: the transposed product that
// gradients of linear models need.
#pragma once

#include "core/array.hpp"
#include "core/context.hpp"
#include "core/matrix.hpp"

namespace franca {

// out (t x d, row-major, X's value dtype, X's device) = R^T X, with R n x t row-major in X's value
// dtype on X's device; X dense (unit row or column stride) or CSR. cuBLAS GEMM / cuSPARSE SpMM.
void transposed_product_cuda(const Context& ctx, const Matrix& X, const Array& R, const Array& out);

}  // namespace franca
