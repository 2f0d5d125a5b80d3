#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/expects.hpp"
#include "core/parallel.hpp"
#include "primitives/csr_ops.hpp"

namespace franca {

namespace {

constexpr std::int64_t kRowGrain = 256;

}  // namespace

template <>
void csr_check<Backend::cpu>(const Context& ctx, const CsrMatrix& m) {
  dispatch_csr(m, [&](auto, auto itag, auto ptag) {
    using I = decltype(itag);
    using P = decltype(ptag);
    const P* indptr = m.indptr.ptr<const P>();
    const I* indices = m.indices.ptr<const I>();
    FRANCA_EXPECTS(indptr[0] == 0 && indptr[m.rows] == m.nnz(),
                   "indptr: must start at 0 and end at nnz = {} (got {} and {})", m.nnz(),
                   static_cast<std::int64_t>(indptr[0]), static_cast<std::int64_t>(indptr[m.rows]));
    for (std::int64_t i = 0; i < m.rows; ++i) {
      FRANCA_EXPECTS(indptr[i] <= indptr[i + 1], "indptr: must be non-decreasing (indptr[{}] > indptr[{}])", i, i + 1);
    }
    const auto bad = parallel_accumulate(ctx, m.nnz(), 1 << 16, std::int64_t{-1},
                                         [&](std::int64_t begin, std::int64_t end, std::int64_t& first) {
                                           for (std::int64_t k = begin; k < end && first < 0; ++k)
                                             if (indices[k] < 0 || indices[k] >= m.cols) first = k;
                                         });
    for (const std::int64_t k : bad) {
      FRANCA_EXPECTS(k < 0, "indices: column index {} at position {} is outside [0, {})",
                     static_cast<std::int64_t>(indices[k]), k, m.cols);
    }
  });
}

template <>
void csr_normalize_rows<Backend::cpu>(const Context& ctx, const CsrMatrix& m, RowNorm norm) {
  dispatch_csr(m, [&](auto tag, auto, auto ptag) {
    using T = decltype(tag);
    using P = decltype(ptag);
    const P* indptr = m.indptr.ptr<const P>();
    T* data = m.data.ptr<T>();
    parallel_for(ctx, m.rows, kRowGrain, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) normalize_row(data + indptr[i], indptr[i + 1] - indptr[i], norm);
    });
  });
}

template <>
std::vector<std::int64_t> csr_column_counts<Backend::cpu>(const Context& ctx, const CsrMatrix& m) {
  // Counts are integers, the same whatever the split: one count vector per thread (not per chunk,
  // as parallel_accumulate's floating sums need: 16 vectors of 2^20 columns cost more than the
  // counting), filled and then summed column range by column range, in parallel.
  constexpr std::int64_t kEntriesPerThread = std::int64_t{1} << 16;
  const std::int64_t nnz = m.nnz(), cols = m.cols;
  const std::int64_t parts = std::clamp<std::int64_t>(nnz / kEntriesPerThread, 1, ctx.threads());
  std::vector<std::vector<std::int64_t>> partial(static_cast<std::size_t>(parts));
  dispatch_index(m.indices.dtype, [&](auto itag) {
    using I = decltype(itag);
    const I* indices = m.indices.ptr<const I>();
    parallel_for(ctx, parts, 1, [&](std::int64_t p0, std::int64_t p1) {
      for (std::int64_t p = p0; p < p1; ++p) {
        std::vector<std::int64_t>& counts = partial[static_cast<std::size_t>(p)];
        counts.assign(static_cast<std::size_t>(cols), 0);
        for (std::int64_t k = nnz * p / parts; k < nnz * (p + 1) / parts; ++k)
          ++counts[static_cast<std::size_t>(indices[k])];
      }
    });
  });
  std::vector<std::int64_t> total = std::move(partial.front());
  parallel_for(ctx, cols, std::int64_t{1} << 14, [&](std::int64_t j0, std::int64_t j1) {
    for (std::size_t p = 1; p < partial.size(); ++p)
      for (std::int64_t j = j0; j < j1; ++j)
        total[static_cast<std::size_t>(j)] += partial[p][static_cast<std::size_t>(j)];
  });
  return total;
}

template <>
CsrMatrix csr_scale_columns<Backend::cpu>(const Context& ctx, const CsrMatrix& m, const Array* idf, bool sublinear,
                                          bool drop_zeros) {
  return dispatch_csr(m, [&](auto tag, auto itag, auto ptag) {
    using T = decltype(tag);
    using I = decltype(itag);
    using P = decltype(ptag);
    const P* indptr = m.indptr.ptr<const P>();
    const I* indices = m.indices.ptr<const I>();
    const T* data = m.data.ptr<const T>();
    const double* w = idf ? idf->ptr<const double>() : nullptr;
    CsrMatrix out;
    out.rows = m.rows;
    out.cols = m.cols;
    out.indptr = Array::empty(ctx, Device::cpu(), DType::int64, {m.rows + 1});
    std::int64_t* out_indptr = out.indptr.ptr<std::int64_t>();
    // One pass, each row written where it is in m (it can only lose entries) and its entries
    // counted; rows are moved down afterwards only where some entry was dropped (rare: the
    // explicit zeros of cancelling hashed signs). Counting first would compute every value twice.
    const std::int64_t nnz = m.nnz();
    out.indices = Array::empty(ctx, Device::cpu(), m.indices.dtype, {nnz});
    out.data = Array::empty(ctx, Device::cpu(), m.data.dtype, {nnz});
    I* out_indices = out.indices.ptr<I>();
    T* out_data = out.data.ptr<T>();
    out_indptr[0] = 0;
    parallel_for(ctx, m.rows, kRowGrain, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) {
        std::int64_t at = indptr[i];
        for (P k = indptr[i]; k < indptr[i + 1]; ++k) {
          const T v = tfidf_value(data[k], w, indices[k], sublinear);
          if (drop_zeros && v == T(0)) continue;
          out_indices[at] = indices[k];
          out_data[at++] = v;
        }
        out_indptr[i + 1] = at - indptr[i];
      }
    });
    for (std::int64_t i = 0; i < m.rows; ++i) out_indptr[i + 1] += out_indptr[i];
    if (out_indptr[m.rows] != nnz) {
      for (std::int64_t i = 0; i < m.rows; ++i) {
        const std::int64_t from = indptr[i], to = out_indptr[i], count = out_indptr[i + 1] - to;
        if (from == to || count == 0) continue;
        std::memmove(out_indices + to, out_indices + from, static_cast<std::size_t>(count) * sizeof(I));
        std::memmove(out_data + to, out_data + from, static_cast<std::size_t>(count) * sizeof(T));
      }
      out.indices.shape[0] = out.data.shape[0] = out_indptr[m.rows];
    }
    return out;
  });
}

}  // namespace franca
