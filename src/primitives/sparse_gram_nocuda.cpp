#include "core/no_cuda.hpp"
#include "primitives/sparse_gram.hpp"

namespace franca {
SparseGram csr_gram_cuda(const Context&, const CsrMatrix&, const Array&, const Array*) {
  throw_built_without_cuda("csr_gram");
}
}  // namespace franca
