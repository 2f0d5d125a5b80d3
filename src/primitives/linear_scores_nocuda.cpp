#include "core/no_cuda.hpp"
#include "primitives/linear_scores.hpp"

namespace franca {
void csr_linear_scores_cuda(const Context&, const CsrMatrix&, const Array&, const Array&, const Array&) {
  throw_built_without_cuda("csr_linear_scores");
}
}  // namespace franca
