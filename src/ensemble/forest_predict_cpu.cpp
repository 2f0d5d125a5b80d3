#include <algorithm>

#include "core/parallel.hpp"
#include "ensemble/forest.hpp"
#include "ensemble/host_rows.hpp"

namespace franca::forest {

namespace {

constexpr std::int64_t kBlockRows = 256;

// Calls visit(row, t, leaf) for every row of X and tree, blocks of rows split among the threads;
// within a block, tree by tree, so that a tree's nodes stay in cache.
template <class Visit>
void for_each_leaf(const Context& ctx, const Matrix& X, const ForestView& forest, Visit&& visit) {
  const std::int64_t d = X.cols();
  parallel_for(ctx, X.rows(), kBlockRows, [&](std::int64_t begin, std::int64_t end) {
    std::vector<float> block(static_cast<std::size_t>(kBlockRows * d));
    for (std::int64_t r0 = begin; r0 < end; r0 += kBlockRows) {
      const std::int64_t r1 = std::min(end, r0 + kBlockRows);
      read_rows_as_float(X, nullptr, r0, r1, block.data());
      for (std::int64_t t = 0; t < forest.n_trees; ++t)
        for (std::int64_t r = r0; r < r1; ++r) visit(r, t, leaf_of(forest, t, block.data() + (r - r0) * d));
    }
  });
}

}  // namespace

template <>
void forest_leaves<Backend::cpu>(const Context& ctx, const Matrix& X, const ForestView& forest, Array& out) {
  out = Array::empty(ctx, Device::cpu(), DType::int64, {X.rows(), forest.n_trees});
  auto* leaves = out.ptr<std::int64_t>();
  for_each_leaf(ctx, X, forest, [&](std::int64_t r, std::int64_t t, std::int64_t leaf) {
    leaves[r * forest.n_trees + t] = leaf;
  });
}

template <>
void forest_mean_values<Backend::cpu>(const Context& ctx, const Matrix& X, const ForestView& forest, Array& out) {
  const std::int64_t width = forest.n_outputs * forest.value_width;
  out = Array::empty(ctx, Device::cpu(), DType::float64, {X.rows(), forest.n_outputs, forest.value_width});
  auto* sums = out.ptr<double>();
  std::fill(sums, sums + X.rows() * width, 0.0);
  for_each_leaf(ctx, X, forest, [&](std::int64_t r, std::int64_t t, std::int64_t leaf) {
    const double* v = forest.value + (forest.offsets[t] + leaf) * width;
    double* s = sums + r * width;
    for (std::int64_t k = 0; k < width; ++k) s[k] += v[k];
  });
  for (std::int64_t k = 0; k < X.rows() * width; ++k) sums[k] /= static_cast<double>(forest.n_trees);
}

}  // namespace franca::forest
