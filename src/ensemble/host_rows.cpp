#include "ensemble/host_rows.hpp"

#include <algorithm>

#include "core/matrix_ref.hpp"
#include "primitives/csr_ops.hpp"

namespace franca::forest {

Matrix host_matrix(const Context& ctx, const Matrix& X) {
  if (X.device().is_cpu()) return X;
  Matrix h = X;
  if (X.kind == Matrix::Kind::csr) {
    h.csr.indptr = to_device(ctx, X.csr.indptr, Device::cpu());
    h.csr.indices = to_device(ctx, X.csr.indices, Device::cpu());
    h.csr.data = to_device(ctx, X.csr.data, Device::cpu());
  } else {
    h.dense = to_device(ctx, X.dense, Device::cpu());
  }
  return h;
}

void read_rows_as_float(const Matrix& X, const std::int64_t* index, std::int64_t begin, std::int64_t end, float* out) {
  const std::int64_t d = X.cols();
  if (X.kind == Matrix::Kind::csr) {
    std::fill(out, out + (end - begin) * d, 0.0f);
    dispatch_csr(X.csr, [&](auto t, auto itag, auto ptag) {
      using T = decltype(t);
      using I = decltype(itag);
      using P = decltype(ptag);
      const P* indptr = X.csr.indptr.ptr<const P>();
      const I* indices = X.csr.indices.ptr<const I>();
      const T* data = X.csr.data.ptr<const T>();
      for (std::int64_t k = begin; k < end; ++k) {
        const std::int64_t r = index ? index[k] : k;
        float* row = out + (k - begin) * d;
        // Duplicate entries of a column add up, as scipy reads them.
        for (P p = indptr[r]; p < indptr[r + 1]; ++p)
          row[indices[p]] = static_cast<float>(static_cast<T>(row[indices[p]]) + data[p]);
      }
    });
    return;
  }
  dispatch_floating(X.dense.dtype, [&](auto t) {
    using T = decltype(t);
    const auto m = matrix_ref<const T>(X.dense);
    for (std::int64_t k = begin; k < end; ++k) {
      const std::int64_t r = index ? index[k] : k;
      float* row = out + (k - begin) * d;
      for (std::int64_t j = 0; j < d; ++j) row[j] = static_cast<float>(m(r, j));
    }
  });
}

}  // namespace franca::forest
