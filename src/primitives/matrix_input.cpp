#include "primitives/matrix_input.hpp"

#include "core/dispatch.hpp"
#include "primitives/csr_ops.hpp"

namespace franca {

Matrix contiguous_checked(const Context& ctx, const Matrix& X) {
  if (X.kind != Matrix::Kind::csr) return X;
  CsrMatrix c = X.csr;
  const Device device = c.data.device;
  c.indptr = to(ctx, c.indptr, device, c.indptr.dtype);
  c.indices = to(ctx, c.indices, device, c.indices.dtype);
  c.data = to(ctx, c.data, device, c.data.dtype);
  FRANCA_DISPATCH(device, csr_check, ctx, c);
  return Matrix::from_csr(std::move(c));
}

}  // namespace franca
