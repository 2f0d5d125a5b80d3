#include "core/error.hpp"
#include "primitives/sparse_gram.hpp"

namespace franca {

// Least squares on CSR X runs on the CPU only so far; CUDA CSR input is refused clearly.
template <>
SparseGram csr_gram<Backend::cuda>(const Context&, const CsrMatrix&, const Array&, const Array*) {
  throw_error(Status::not_implemented,
              "X: least squares (LinearRegression, Ridge) on a CUDA CSR matrix is not implemented yet; pass a dense "
              "CUDA array or a host CSR matrix");
}

}  // namespace franca
