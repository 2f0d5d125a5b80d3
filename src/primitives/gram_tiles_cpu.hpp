// The inner product of the CPU Gram passes (least squares' X^T S X, the Newton Hessian's
// X^T diag(h) X): blocks of rows copied row-major into a buffer, then their cross products summed
// tile by tile, each tile's kGramTileRows x kGramTileCols sums held in registers while the block's
// rows stream past (the form of a BLAS syrk kernel). One dot product per output entry, as the
// passes had before, serialises every addition on the previous one: this form is about 6x faster.
#pragma once

#include <cstdint>
#include <vector>

namespace franca {

constexpr std::int64_t kGramTileRows = 4;
constexpr std::int64_t kGramTileCols = 8;

// The row stride of a block buffer of D columns: the tiles read up to the next multiple of
// kGramTileCols (what they read there is never written out).
inline std::int64_t gram_block_stride(std::int64_t D) {
  return (D + kGramTileCols - 1) / kGramTileCols * kGramTileCols;
}

// Rows a block buffer holds: its two operands stay in the first-level cache.
constexpr std::int64_t kGramBlockRows = 64;

// out[row_start[a] + b] += sum_{r < R} A[r * a_stride + a] * B[r * b_stride + b] for a < a_cols and
// b < b_cols, only b >= a when `upper` (then A and B have the same columns). A and B: R rows of
// gram_block_stride(their columns) values. row_start places row a of the output: a * b_cols for a
// row-major matrix, packed_upper_index(a, a, D) - a for a packed upper triangle.
void add_cross_products(std::int64_t R, const double* A, std::int64_t a_cols, const double* B, std::int64_t b_cols,
                        bool upper, double* out, const std::vector<std::int64_t>& row_start);

}  // namespace franca
