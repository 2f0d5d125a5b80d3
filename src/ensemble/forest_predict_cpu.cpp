#include <algorithm>
#include <cmath>

#include "core/parallel.hpp"
#include "ensemble/forest.hpp"
#include "ensemble/host_rows.hpp"

namespace franca::forest {

namespace {

// Rows walked tree by tree together: the more rows, the more of a large tree's nodes each load
// into cache serves; the rows' floats stay within kBlockBytes.
constexpr std::int64_t kMinBlockRows = 256, kMaxBlockRows = 4096, kBlockBytes = std::int64_t{1} << 19;

// A node packed in 16 bytes for the walk: a node's children are adjacent in breadth-first order
// (right = left + 1), so one index and the missing-value side fit one word beside the feature.
struct PackedNode {
  double threshold;
  std::int32_t feature;            // -1 at a leaf
  std::uint32_t left_and_missing;  // left child << 1 | missing values go left
};

// The nodes of the view's trees, from its first tree's (a view may start at any tree).
std::vector<PackedNode> pack(const ForestView& forest) {
  const std::int64_t first = forest.offsets[0];
  std::vector<PackedNode> nodes(static_cast<std::size_t>(forest.offsets[forest.n_trees] - first));
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::size_t k = static_cast<std::size_t>(first) + i;
    const bool leaf = forest.left[k] == kLeaf;
    nodes[i] = {forest.threshold[k], leaf ? -1 : static_cast<std::int32_t>(forest.feature[k]),
                leaf ? 0u : static_cast<std::uint32_t>(forest.left[k] << 1 | forest.missing_left[k])};
  }
  return nodes;
}

// leaf_of over packed nodes for kLanes rows at once: the walks are independent, so stepping them
// in turn lets the loads of one row's next node overlap those of the others (one walk alone waits
// on each load).
constexpr int kLanes = 8;

void packed_leaves(const PackedNode* tree, const float* rows, std::int64_t d, int lanes, std::uint32_t* leaves) {
  std::uint32_t node[kLanes] = {};
  bool walking = true;
  while (walking) {
    walking = false;
    for (int i = 0; i < lanes; ++i) {
      const PackedNode& p = tree[node[i]];
      if (p.feature < 0) continue;
      walking = true;
      const float x = rows[i * d + p.feature];
      const bool left = std::isnan(x) ? (p.left_and_missing & 1u) != 0 : static_cast<double>(x) <= p.threshold;
      node[i] = (p.left_and_missing >> 1) + (left ? 0u : 1u);
    }
  }
  for (int i = 0; i < lanes; ++i) leaves[i] = node[i];
}

// Calls visit(row, t, leaf) for every row of X and tree, blocks of rows split among the threads;
// within a block, tree by tree, so that a tree's nodes stay in cache.
template <class Visit>
void for_each_leaf(const Context& ctx, const Matrix& X, const ForestView& forest, Visit&& visit) {
  const std::int64_t d = X.cols();
  const std::vector<PackedNode> nodes = pack(forest);
  const std::int64_t block_rows = std::clamp<std::int64_t>(kBlockBytes / (d * static_cast<std::int64_t>(sizeof(float))),
                                                           kMinBlockRows, kMaxBlockRows);
  parallel_for(ctx, X.rows(), kMinBlockRows, [&](std::int64_t begin, std::int64_t end) {
    std::vector<float> block(static_cast<std::size_t>(block_rows * d));
    for (std::int64_t r0 = begin; r0 < end; r0 += block_rows) {
      const std::int64_t r1 = std::min(end, r0 + block_rows);
      read_rows_as_float(X, nullptr, r0, r1, block.data());
      for (std::int64_t t = 0; t < forest.n_trees; ++t) {
        const PackedNode* tree = nodes.data() + (forest.offsets[t] - forest.offsets[0]);
        for (std::int64_t r = r0; r < r1; r += kLanes) {
          const int lanes = static_cast<int>(std::min<std::int64_t>(kLanes, r1 - r));
          std::uint32_t leaves[kLanes];
          packed_leaves(tree, block.data() + (r - r0) * d, d, lanes, leaves);
          for (int i = 0; i < lanes; ++i) visit(r + i, t, leaves[i]);
        }
      }
    }
  });
}

}  // namespace

template <>
void forest_leaves<Backend::cpu>(const Context& ctx, const Matrix& X, const ForestView& forest, Array& out) {
  out = Array::empty(ctx, Device::cpu(), DType::int64, {X.rows(), forest.n_trees});
  auto* leaves = out.ptr<std::int64_t>();
  for_each_leaf(ctx, X, forest,
                [&](std::int64_t r, std::int64_t t, std::int64_t leaf) { leaves[r * forest.n_trees + t] = leaf; });
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
