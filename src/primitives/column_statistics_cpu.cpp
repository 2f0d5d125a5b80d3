#include <cmath>

#include "core/matrix_ref.hpp"
#include "core/parallel.hpp"
#include "primitives/column_statistics_sums.hpp"
#include "primitives/csr_ops.hpp"

namespace franca {

namespace {

double weight_of(const double* w, std::int64_t row) { return w ? w[row] : 1.0; }

// `count` per-column sums over rows, each a vector of `cols`, added in parallel_accumulate's
// chunks (the same result for any thread count). add(row, acc) adds one row to acc, which holds
// sum k of column j at acc[k * cols + j].
template <class AddRow>
std::vector<std::vector<double>> column_sums(const Context& ctx, std::int64_t rows, std::int64_t cols, int count,
                                             std::int64_t values_per_row, AddRow&& add) {
  const auto total = sum_partials(parallel_accumulate(
      ctx, rows, row_grain(values_per_row), std::vector<double>(static_cast<std::size_t>(count * cols), 0.0),
      [&](std::int64_t begin, std::int64_t end, std::vector<double>& acc) {
        for (std::int64_t i = begin; i < end; ++i) add(i, acc.data());
      }));
  std::vector<std::vector<double>> out;
  for (int k = 0; k < count; ++k) out.emplace_back(total.begin() + k * cols, total.begin() + (k + 1) * cols);
  return out;
}

}  // namespace

template <>
ColumnStatistics column_statistics<Backend::cpu>(const Context& ctx, const Array& X, const Array* weights,
                                                 bool with_m2) {
  return dispatch_floating(X.dtype, [&](auto tag) {
    using T = decltype(tag);
    const auto m = matrix_ref<const T>(X);
    const double* w = weights ? weights->ptr<const double>() : nullptr;
    const std::int64_t d = m.cols;
    // [sum of w x | sum of w] over the values that are not NaN.
    const auto sums = column_sums(ctx, m.rows, d, 2, d, [&](std::int64_t i, double* acc) {
      const double wi = weight_of(w, i);
      for (std::int64_t j = 0; j < d; ++j) {
        const double x = static_cast<double>(m(i, j));
        if (std::isnan(x)) continue;
        acc[j] += wi * x;
        acc[d + j] += wi;
      }
    });
    ColumnStatistics out;
    out.weight = sums[1];
    out.mean = means_of(sums[0], out.weight);
    if (!with_m2) return out;
    // [sum of w (x - mean)^2 | sum of w (x - mean)]: a second pass over the centred values.
    const auto centred = column_sums(ctx, m.rows, d, 2, d, [&](std::int64_t i, double* acc) {
      const double wi = weight_of(w, i);
      for (std::int64_t j = 0; j < d; ++j) {
        const double x = static_cast<double>(m(i, j));
        if (std::isnan(x)) continue;
        const double deviation = x - out.mean[static_cast<std::size_t>(j)];
        acc[j] += wi * deviation * deviation;
        acc[d + j] += wi * deviation;
      }
    });
    out.m2 = m2_of(centred[0], centred[1], out.weight);
    return out;
  });
}

template <>
ColumnStatistics csr_column_statistics<Backend::cpu>(const Context& ctx, const CsrMatrix& m, const Array* weights,
                                                     bool with_m2) {
  return dispatch_csr(m, [&](auto tag, auto itag, auto ptag) {
    using T = decltype(tag);
    using I = decltype(itag);
    using P = decltype(ptag);
    const P* indptr = m.indptr.ptr<const P>();
    const I* indices = m.indices.ptr<const I>();
    const T* data = m.data.ptr<const T>();
    const double* w = weights ? weights->ptr<const double>() : nullptr;
    const std::int64_t d = m.cols;
    const std::int64_t per_row = std::max<std::int64_t>(1, m.nnz() / std::max<std::int64_t>(m.rows, 1));
    double total_weight = 0;
    for (std::int64_t i = 0; i < m.rows; ++i) total_weight += weight_of(w, i);
    // [sum of w x | weight of the stored values that are not NaN | weight of the NaNs].
    const auto sums = column_sums(ctx, m.rows, d, 3, per_row, [&](std::int64_t i, double* acc) {
      const double wi = weight_of(w, i);
      for (P k = indptr[i]; k < indptr[i + 1]; ++k) {
        const double x = static_cast<double>(data[k]);
        const std::int64_t j = indices[k];
        if (std::isnan(x)) {
          acc[2 * d + j] += wi;
          continue;
        }
        acc[j] += wi * x;
        acc[d + j] += wi;
      }
    });
    ColumnStatistics out;
    out.weight.assign(static_cast<std::size_t>(d), total_weight);
    for (std::size_t j = 0; j < out.weight.size(); ++j) out.weight[j] -= sums[2][j];
    out.mean = means_of(sums[0], out.weight);
    if (!with_m2) return out;
    auto centred = column_sums(ctx, m.rows, d, 2, per_row, [&](std::int64_t i, double* acc) {
      const double wi = weight_of(w, i);
      for (P k = indptr[i]; k < indptr[i + 1]; ++k) {
        const double x = static_cast<double>(data[k]);
        if (std::isnan(x)) continue;
        const double deviation = x - out.mean[static_cast<std::size_t>(indices[k])];
        acc[indices[k]] += wi * deviation * deviation;
        acc[d + indices[k]] += wi * deviation;
      }
    });
    add_implicit_zeros(out, sums[1], centred[0], centred[1]);
    out.m2 = m2_of(centred[0], centred[1], out.weight);
    return out;
  });
}

}  // namespace franca
