#include "primitives/csr_compact.hpp"
#include "primitives/csr_ops.hpp"

namespace franca {

bool csr_compact_plan(const std::vector<std::int64_t>& counts, std::vector<std::int64_t>& renumber,
                      std::vector<std::int64_t>& columns) {
  columns.clear();
  renumber.assign(counts.size(), -1);
  for (std::size_t j = 0; j < counts.size(); ++j)
    if (counts[j] > 0) {
      renumber[j] = static_cast<std::int64_t>(columns.size());
      columns.push_back(static_cast<std::int64_t>(j));
    }
  if (columns.size() == counts.size()) {
    columns.clear();
    return false;
  }
  return true;
}

template <>
Matrix csr_compact_columns<Backend::cpu>(const Context& ctx, const Matrix& X, std::vector<std::int64_t>& columns) {
  const CsrMatrix& c = X.csr;
  std::vector<std::int64_t> renumber;
  if (!csr_compact_plan(csr_column_counts<Backend::cpu>(ctx, c), renumber, columns)) return X;
  CsrMatrix out = c;
  out.cols = static_cast<std::int64_t>(columns.size());
  out.indices = Array::empty(ctx, Device::cpu(), c.indices.dtype, {c.nnz()});
  dispatch_index(c.indices.dtype, [&](auto index_tag) {
    using I = decltype(index_tag);
    const I* indices = c.indices.ptr<const I>();
    I* renumbered = out.indices.ptr<I>();
    for (std::int64_t p = 0; p < c.nnz(); ++p)
      renumbered[p] = static_cast<I>(renumber[static_cast<std::size_t>(indices[p])]);
  });
  return Matrix::from_csr(std::move(out));
}

}  // namespace franca
