#include "primitives/gram_tiles_cpu.hpp"

namespace franca {

// GCC on x86-64 also builds an AVX2/FMA copy of the kernel and picks one when the library loads
// (the package targets baseline x86-64; AVX2 doubles the kernel's speed). Results then differ
// between the two copies in the last bits (FMA rounds once), never between runs or thread counts.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define FRANCA_X86_64_V3_CLONE __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define FRANCA_X86_64_V3_CLONE
#endif

FRANCA_X86_64_V3_CLONE
void add_cross_products(std::int64_t R, const double* A, std::int64_t a_cols, const double* B, std::int64_t b_cols,
                        bool upper, double* out, const std::vector<std::int64_t>& row_start) {
  const std::int64_t a_stride = gram_block_stride(a_cols), b_stride = gram_block_stride(b_cols);
  for (std::int64_t a0 = 0; a0 < a_cols; a0 += kGramTileRows) {
    // Tiles start on multiples of kGramTileCols; in the upper triangle the first reaches back to
    // the diagonal.
    for (std::int64_t b0 = upper ? a0 - a0 % kGramTileCols : 0; b0 < b_cols; b0 += kGramTileCols) {
      double acc[kGramTileRows][kGramTileCols] = {};
      for (std::int64_t r = 0; r < R; ++r) {
        const double* ar = A + r * a_stride + a0;
        const double* br = B + r * b_stride + b0;
        for (std::int64_t i = 0; i < kGramTileRows; ++i)
          for (std::int64_t j = 0; j < kGramTileCols; ++j) acc[i][j] += ar[i] * br[j];
      }
      for (std::int64_t i = 0; i < kGramTileRows && a0 + i < a_cols; ++i) {
        double* row = out + row_start[static_cast<std::size_t>(a0 + i)];
        for (std::int64_t j = 0; j < kGramTileCols && b0 + j < b_cols; ++j)
          if (!upper || b0 + j >= a0 + i) row[b0 + j] += acc[i][j];
      }
    }
  }
}

}  // namespace franca
