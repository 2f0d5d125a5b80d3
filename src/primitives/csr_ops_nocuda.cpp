#include "core/no_cuda.hpp"
#include "primitives/csr_ops.hpp"

namespace franca {
void csr_check_cuda(const Context&, const CsrMatrix&) { throw_built_without_cuda("csr_check"); }
void csr_normalize_rows_cuda(const Context&, const CsrMatrix&, RowNorm) {
  throw_built_without_cuda("csr_normalize_rows");
}
std::vector<std::int64_t> csr_column_counts_cuda(const Context&, const CsrMatrix&) {
  throw_built_without_cuda("csr_column_counts");
}
CsrMatrix csr_scale_columns_cuda(const Context&, const CsrMatrix&, const Array*, bool) {
  throw_built_without_cuda("csr_scale_columns");
}
}  // namespace franca
