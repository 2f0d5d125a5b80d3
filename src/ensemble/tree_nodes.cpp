// What every tree grower shares on the host: the bootstrap draws of a tree, and the last step of a
// tree (cost-complexity pruning, then the breadth-first node order).
#include <algorithm>
#include <deque>
#include <limits>

#include "core/expects.hpp"
#include "ensemble/forest.hpp"
#include "ensemble/level_growth.hpp"

namespace franca::forest {

double draw_weight_scale(std::int64_t n, double max_weight) {
  return fixed_point_scale(static_cast<double>(n) * max_weight);
}

DrawFrame whole_rows_frame(const double* weights, std::int64_t n) {
  DrawFrame frame;
  frame.total_rows = n;
  frame.equal_weights = std::all_of(weights, weights + n, [&](double w) { return w == weights[0]; });
  if (frame.equal_weights) return frame;
  frame.weight_scale = draw_weight_scale(n, *std::max_element(weights, weights + n));
  for (std::int64_t i = 0; i < n; ++i)
    frame.weight_total = add_fixed_weight(frame.weight_total, fixed_weight(weights[i], frame.weight_scale));
  return frame;
}

void bootstrap_counts(const TreeSettings& s, const DrawFrame& frame, const double* weights, std::int64_t rows,
                      std::int64_t tree, std::vector<std::int32_t>& counts) {
  counts.assign(static_cast<std::size_t>(rows), 0);
  const CounterRandom rng(tree_key(s.seed, tree), 0x626f6f74ull);
  if (frame.equal_weights) {
    for (std::int64_t j = 0; j < s.n_draws; ++j) {
      const auto r = static_cast<std::int64_t>(
                         rng.below(static_cast<std::uint64_t>(j), static_cast<std::uint64_t>(frame.total_rows))) -
                     frame.first_row;
      if (r >= 0 && r < rows) ++counts[static_cast<std::size_t>(r)];
    }
    return;
  }
  // Row i holds the draws u in [cumulative before it, cumulative through it).
  std::vector<std::int64_t> cumulative(static_cast<std::size_t>(rows));
  std::int64_t total = frame.weight_before;
  for (std::int64_t i = 0; i < rows; ++i)
    cumulative[static_cast<std::size_t>(i)] = total =
        add_fixed_weight(total, fixed_weight(weights[i], frame.weight_scale));
  for (std::int64_t j = 0; j < s.n_draws; ++j) {
    const auto u = static_cast<std::int64_t>(
        rng.below(static_cast<std::uint64_t>(j), static_cast<std::uint64_t>(frame.weight_total)));
    if (u < frame.weight_before || u >= total) continue;
    const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
    ++counts[static_cast<std::size_t>(it - cumulative.begin())];
  }
}

namespace {

// Appends node k of `grown` to `out` with its children at left and left + 1 (kLeaf: a leaf, whose
// split fields become scikit-learn's TREE_UNDEFINED).
void append_node_copy(TreeNodes& out, const TreeNodes& grown, std::size_t k, std::int64_t left, int value_width) {
  const bool leaf = left == kLeaf;
  out.left.push_back(left);
  out.right.push_back(leaf ? kLeaf : left + 1);
  out.feature.push_back(leaf ? kUndefined : grown.feature[k]);
  out.threshold.push_back(leaf ? static_cast<double>(kUndefined) : grown.threshold[k]);
  out.missing_left.push_back(leaf ? 0 : grown.missing_left[k]);
  out.n_samples.push_back(grown.n_samples[k]);
  out.weighted_n.push_back(grown.weighted_n[k]);
  out.impurity.push_back(grown.impurity[k]);
  const auto width = static_cast<std::size_t>(value_width);
  out.value.insert(out.value.end(), grown.value.begin() + static_cast<std::ptrdiff_t>(k * width),
                   grown.value.begin() + static_cast<std::ptrdiff_t>((k + 1) * width));
}

// scikit-learn's minimal cost-complexity pruning: while the weakest link (the internal node whose
// subtree lowers the weighted impurity least per extra leaf) has an effective alpha <= ccp_alpha,
// its subtree becomes a leaf. Children have larger ids than their parent (every grower creates a
// node's children after it), so a reverse scan visits subtrees before their roots.
std::vector<std::uint8_t> pruned_leaves(const TreeNodes& t, double ccp_alpha) {
  const auto n = static_cast<std::size_t>(t.size());
  std::vector<std::uint8_t> leaf(n);
  for (std::size_t i = 0; i < n; ++i) leaf[i] = t.left[i] == kLeaf;
  if (!(ccp_alpha > 0)) return leaf;
  const double total = t.weighted_n[0];
  std::vector<double> risk(n), subtree_risk(n);
  std::vector<std::int64_t> leaves(n);
  for (std::size_t i = 0; i < n; ++i) risk[i] = t.weighted_n[i] * t.impurity[i] / total;
  while (true) {
    double weakest = std::numeric_limits<double>::infinity();
    std::size_t weakest_node = n;
    for (std::size_t k = n; k-- > 0;) {
      if (leaf[k]) {
        subtree_risk[k] = risk[k];
        leaves[k] = 1;
        continue;
      }
      const auto l = static_cast<std::size_t>(t.left[k]), r = static_cast<std::size_t>(t.right[k]);
      subtree_risk[k] = subtree_risk[l] + subtree_risk[r];
      leaves[k] = leaves[l] + leaves[r];
      const double alpha = (risk[k] - subtree_risk[k]) / static_cast<double>(leaves[k] - 1);
      if (alpha <= weakest) {  // the smallest id among equals: the node closest to the root
        weakest = alpha;
        weakest_node = k;
      }
    }
    if (weakest_node == n || weakest > ccp_alpha) break;
    leaf[weakest_node] = 1;
  }
  return leaf;
}

}  // namespace

TreeNodes prune_and_order(const TreeNodes& grown, double ccp_alpha, int value_width) {
  const std::vector<std::uint8_t> leaf = pruned_leaves(grown, ccp_alpha);
  TreeNodes out;
  std::deque<std::int64_t> queue{0};
  std::vector<std::int64_t> order;
  while (!queue.empty()) {
    const std::int64_t k = queue.front();
    queue.pop_front();
    order.push_back(k);
    if (!leaf[static_cast<std::size_t>(k)]) {
      queue.push_back(grown.left[static_cast<std::size_t>(k)]);
      queue.push_back(grown.right[static_cast<std::size_t>(k)]);
    }
  }
  std::int64_t next_child = 1;
  for (const std::int64_t k : order) {
    const auto i = static_cast<std::size_t>(k);
    const bool is_leaf = leaf[i];
    append_node_copy(out, grown, i, is_leaf ? kLeaf : next_child, value_width);
    if (!is_leaf) next_child += 2;
  }
  return out;
}

TreeNodes in_depth_first_creation_order(const TreeNodes& grown, int value_width) {
  const auto size = static_cast<std::size_t>(grown.size());
  std::vector<std::int64_t> order{0}, stack{0};  // order: old ids, by new id
  order.reserve(size);
  while (!stack.empty()) {
    const auto k = static_cast<std::size_t>(stack.back());
    stack.pop_back();
    if (grown.left[k] == kLeaf) continue;
    order.push_back(grown.left[k]);
    order.push_back(grown.right[k]);
    stack.push_back(grown.right[k]);
    stack.push_back(grown.left[k]);
  }
  std::vector<std::int64_t> new_id(size);
  for (std::size_t i = 0; i < order.size(); ++i)
    new_id[static_cast<std::size_t>(order[i])] = static_cast<std::int64_t>(i);
  auto renumbered = [&](std::int64_t child) {
    return child == kLeaf ? kLeaf : new_id[static_cast<std::size_t>(child)];
  };
  TreeNodes out;
  for (const std::int64_t old : order) {
    const auto k = static_cast<std::size_t>(old);
    append_node_copy(out, grown, k, renumbered(grown.left[k]), value_width);
  }
  return out;
}

void check_tree_arrays(const ForestView& v, Status status, const char* what) {
  const std::int64_t* off = v.offsets;
  FRANCA_EXPECTS_STATUS(v.n_trees >= 1 && off[0] == 0, status, "{}: a forest needs trees, its offsets from 0", what);
  for (std::int64_t t = 0; t < v.n_trees; ++t)
    FRANCA_EXPECTS_STATUS(off[t + 1] > off[t] && off[t + 1] - off[t] < (std::int64_t{1} << 31), status,
                          "{}: tree {} has {} nodes (1 to 2^31 - 1)", what, t, off[t + 1] - off[t]);
  // Prediction walks from the root: children must follow their parent (no cycle) within the
  // tree, and a split must name a feature of X.
  for (std::int64_t t = 0; t < v.n_trees; ++t) {
    const std::int64_t size = off[t + 1] - off[t];
    for (std::int64_t k = 0; k < size; ++k) {
      const std::int64_t i = off[t] + k;
      if (v.left[i] == kLeaf) {
        FRANCA_EXPECTS_STATUS(v.right[i] == kLeaf, status, "{}: node {} of tree {} has one child", what, k, t);
        continue;
      }
      // Breadth-first order puts a node's children side by side, after it: the walk reads the
      // right child as left + 1.
      FRANCA_EXPECTS_STATUS(v.left[i] > k && v.right[i] == v.left[i] + 1 && v.right[i] < size, status,
                            "{}: node {} of tree {} must have children left > node and right = left + 1 "
                            "within the tree (breadth-first order), got {} and {}",
                            what, k, t, v.left[i], v.right[i]);
      FRANCA_EXPECTS_STATUS(v.feature[i] >= 0 && v.feature[i] < v.n_features, status,
                            "{}: node {} of tree {} splits feature {} of {}", what, k, t, v.feature[i], v.n_features);
    }
  }
}

void out_of_bag_sums(const Context& ctx, const Matrix& X_host, const ForestView& v, const TreeSettings& s,
                     const DrawFrame& frame, const double* weights, std::vector<double>& sums,
                     std::vector<std::int64_t>& counted) {
  const std::int64_t n = X_host.rows();
  const std::int64_t width = v.n_outputs * v.value_width;
  sums.assign(static_cast<std::size_t>(n * width), 0.0);
  counted.assign(static_cast<std::size_t>(n), 0);
  constexpr std::int64_t kTreesPerPass = 32;  // bounds the leaves held: rows x 32
  std::vector<std::int32_t> drawn;
  for (std::int64_t t0 = 0; t0 < v.n_trees; t0 += kTreesPerPass) {
    ForestView part = v;
    part.offsets = v.offsets + t0;
    part.n_trees = std::min(kTreesPerPass, v.n_trees - t0);
    Array leaves;
    forest_leaves<Backend::cpu>(ctx, X_host, part, leaves);
    const auto* leaf = leaves.ptr<const std::int64_t>();
    for (std::int64_t j = 0; j < part.n_trees; ++j) {
      bootstrap_counts(s, frame, weights, n, t0 + j, drawn);
      for (std::int64_t i = 0; i < n; ++i) {
        if (drawn[static_cast<std::size_t>(i)] != 0) continue;
        const double* value = v.value + (part.offsets[j] + leaf[i * part.n_trees + j]) * width;
        for (std::int64_t k = 0; k < width; ++k) sums[static_cast<std::size_t>(i * width + k)] += value[k];
        ++counted[static_cast<std::size_t>(i)];
      }
    }
  }
}

}  // namespace franca::forest
