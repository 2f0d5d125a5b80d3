// The CUDA grower: a batch of trees grown together, the nodes of all of them searched in one set
// of launches per level (best-first with max_leaf_nodes: per step, the node each tree expands).
// The host keeps the trees and decides as the CPU grower does, with the same code
// (tree_growth.hpp): each tree's rows and fixed-point statistics, which nodes may split, the walk
// over a node's features, the split's threshold and improvement, node values and bounds, the
// best-first order. The device does the work over rows: histograms, the best split of each
// (node, feature) pair (best_split_of, tree_ops.hpp), and the rows' moves to the children.
//
// Rows: every (tree, drawn row) is an entry (its X row, its node, its weight or statistics), the
// trees' entries one after the other. An entry's node is a handle, -1 once its node is a leaf;
// a launch lists the nodes it serves sorted by handle, and an entry finds its node there by
// binary search. Level by level, handles number the level's nodes; best-first, they number the
// nodes of the batch as they are created.
//
// A node's search: its features are drawn in FeatureOrder's order a round at a time (max_features
// of them first, then twice as many as the round before), each drawn (node, feature) pair gets a
// histogram (int64 cells, rows added with 64-bit atomics: integer sums, so any order gives the
// CPU's) and its best split; the host walks the pairs in visiting order as the CPU does and
// stops where the CPU stops, so features drawn past that point change nothing. A round's pairs go
// in launches bounded by kHistogramCells; each launch is one histogram pass over the entries and
// one thread per pair to find its split.
//
// Identity with the CPU: the sums are integers, and every double a tree keeps (values, impurities,
// thresholds, improvements) is computed on the host by the code the CPU grower runs. The device
// computes only the proxies that rank a node's candidate splits, with the same functions, in the
// same order, without fused multiply-adds (--fmad=false). What is left: entropy's log2 and
// Poisson's log in those proxies are CUDA's, which may differ from the host's libm in the last
// bit, so two candidates whose proxies tie to that bit may be ranked differently. The node ids
// are put in the CPU grower's creation order before prune_and_order, whose pruning breaks ties
// by node id.
//
// Device memory: the batch's entries (kEntryBytes at most: 8 bytes each, and 8 per statistic),
// and per launch its histograms (kHistogramCells int64 at most), 3 x m int64 of scratch per pair
// (kScratchCells at most) and the pairs' results.
#include <algorithm>
#include <array>
#include <deque>
#include <limits>
#include <queue>
#include <type_traits>
#include <unordered_map>

#include "core/cuda_check.cuh"
#include "core/cuda_handles.cuh"
#include "core/cuda_launch.cuh"
#include "core/expects.hpp"
#include "ensemble/forest.hpp"
#include "ensemble/tree_growth.hpp"

namespace franca::forest {

namespace {

// Bounds of device memory: entries of a batch of trees, histogram cells and pair scratch of a
// launch. Larger batches and launches only save launches.
constexpr std::int64_t kEntryBytes = std::int64_t{1} << 30;
constexpr std::int64_t kHistogramCells = std::int64_t{1} << 26;
constexpr std::int64_t kScratchCells = std::int64_t{1} << 24;
constexpr std::int64_t kPairsPerLaunch = std::int64_t{1} << 18;
// Bounds the nodes searched together (host memory of their searches).
constexpr std::int64_t kPairsPerSearch = std::int64_t{1} << 20;

// What each entry is and where it is.
struct Entries {
  const std::int32_t* rows;    // X row
  std::int32_t* node;          // node handle, -1 in a leaf
  const std::int64_t* weight;  // classification: fixed-point weight
  const std::int64_t* stats;   // regression: m fixed-point statistics
  std::int64_t count;
};

// A node a launch searches, and its pairs there.
struct NodeTask {
  std::int32_t handle;
  std::int32_t tree;  // in the batch
  std::int32_t first_pair, end_pair;
  ValueBounds bounds;
};

struct PairTask {
  std::int64_t cells;  // the pair's histogram: cells [cells, cells + (n_bins + 1) * m)
  std::int32_t feature;
  std::int32_t task;
};

// The best split of a pair (SplitChoice; bin -1: none), its left side's first non-empty bin right
// of it (split_left_side), and whether the feature is constant in the node.
struct PairResult {
  double proxy;
  std::int32_t bin;
  std::int32_t next;
  std::uint8_t constant;
  std::uint8_t missing_left;
  std::uint8_t node_has_missing;
};

// A node's rows move to its children (feature >= 0) or to `left` (no split: -1, a leaf).
struct NodeMove {
  std::int32_t handle;
  std::int32_t feature;
  std::int32_t bin;
  std::int32_t left, right;  // handles, -1 for a leaf
  std::uint8_t missing_left;
};

struct SearchArgs {
  StatLayout layout;
  std::int64_t min_samples_leaf;
  const Scales* tree_scales;
  const double* tree_min_weight_leaf;
  const std::int32_t* n_bins;     // per feature
  const std::int32_t* monotonic;  // per feature; null: no constraint
  const NodeTask* tasks;
  const std::int64_t* totals;  // tasks x m
  const PairTask* pairs;
  std::int32_t pair_count;
  const std::int64_t* hist;
  std::int64_t* scratch;  // pairs x 2m
  PairResult* results;
  std::int64_t* left;  // pairs x m
};

// The index of `handle` among `count` items sorted by handle, -1 when absent.
template <class Item>
__device__ std::int32_t find_handle(const Item* items, std::int32_t count, std::int32_t handle) {
  if (count == 0 || handle < items[0].handle || handle > items[count - 1].handle) return -1;
  std::int32_t low = 0, high = count - 1;
  while (low < high) {
    const std::int32_t middle = low + (high - low) / 2;
    if (items[middle].handle < handle) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return items[low].handle == handle ? low : -1;
}

// Adds to an int64 cell through the unsigned 64-bit atomic: two's complement sums are the same.
__device__ inline void add_to(std::int64_t* cell, std::int64_t value) {
  if (value != 0) atomicAdd(reinterpret_cast<unsigned long long*>(cell), static_cast<unsigned long long>(value));
}

// One thread per entry: an entry of a node the launch serves adds its row to each of the node's
// pairs' histograms, in the cell of its code.
__global__ void histogram_kernel(Entries entries, const std::int32_t* labels, const std::uint8_t* codes, std::int64_t n,
                                 StatLayout layout, const NodeTask* tasks, std::int32_t task_count,
                                 const PairTask* pairs, std::int64_t* hist) {
  const int m = layout.width();
  for (std::int64_t i = cuda::grid_start(); i < entries.count; i += cuda::grid_stride()) {
    const std::int32_t t = find_handle(tasks, task_count, entries.node[i]);
    if (t < 0) continue;
    const std::int64_t r = entries.rows[i];
    for (std::int32_t p = tasks[t].first_pair; p < tasks[t].end_pair; ++p) {
      std::int64_t* cell = hist + pairs[p].cells + static_cast<std::int64_t>(codes[pairs[p].feature * n + r]) * m;
      if (layout.classification()) {
        const std::int64_t w = entries.weight[i];
        add_to(cell, 1);
        for (int o = 0; o < layout.n_outputs; ++o)
          add_to(cell + 1 + o * layout.n_classes + labels[r * layout.n_outputs + o], w);
      } else {
        for (int k = 0; k < m; ++k) add_to(cell + k, entries.stats[i * m + k]);
      }
    }
  }
}

// One thread per pair: the feature's best split in the node, as the CPU's find_split evaluates it.
__global__ void evaluate_kernel(SearchArgs a) {
  const int m = a.layout.width();
  for (std::int64_t p = cuda::grid_start(); p < a.pair_count; p += cuda::grid_stride()) {
    const PairTask pair = a.pairs[p];
    const NodeTask task = a.tasks[pair.task];
    const DenseBins bins{a.hist + pair.cells, a.n_bins[pair.feature], m};
    PairResult result{-INFINITY, -1, -1, 1, 0, 0};
    if (!is_constant_feature(bins)) {
      SplitLimits limits;
      limits.min_samples_leaf = a.min_samples_leaf;
      limits.min_weight_leaf = a.tree_min_weight_leaf[task.tree];
      limits.monotonic = a.monotonic ? a.monotonic[pair.feature] : 0;
      limits.lower = task.bounds.lower;
      limits.upper = task.bounds.upper;
      std::int64_t* scratch = a.scratch + p * 2 * m;
      const SplitChoice choice =
          best_split_of(a.layout, a.tree_scales[task.tree], bins, a.totals + static_cast<std::int64_t>(pair.task) * m,
                        limits, scratch, scratch + m);
      result.constant = 0;
      result.proxy = choice.proxy;
      result.bin = choice.bin;
      result.missing_left = choice.missing_left;
      result.node_has_missing = choice.node_has_missing;
      if (choice.bin >= 0) result.next = split_left_side(bins, m, choice.bin, choice.missing_left, a.left + p * m);
    }
    a.results[p] = result;
  }
}

// One thread per entry: an entry of a node that moves goes to the child its code sends it to, as
// the CPU's partition sends its row.
__global__ void move_kernel(Entries entries, const std::uint8_t* codes, std::int64_t n, const std::int32_t* n_bins,
                            const NodeMove* moves, std::int32_t move_count) {
  for (std::int64_t i = cuda::grid_start(); i < entries.count; i += cuda::grid_stride()) {
    const std::int32_t j = find_handle(moves, move_count, entries.node[i]);
    if (j < 0) continue;
    const NodeMove move = moves[j];
    if (move.feature < 0) {
      entries.node[i] = move.left;
      continue;
    }
    const int code = codes[static_cast<std::int64_t>(move.feature) * n + entries.rows[i]];
    const bool left = code == n_bins[move.feature] ? move.missing_left != 0 : code <= move.bin;
    entries.node[i] = left ? move.left : move.right;
  }
}

// Trivially copyable host values to the device and back, on ctx's stream. An upload waits for
// its copy, so that the host vector may go.
template <class T>
Array upload(const Context& ctx, const std::vector<T>& host, Device device) {
  static_assert(std::is_trivially_copyable<T>::value, "upload copies bytes");
  const auto bytes = static_cast<std::int64_t>(host.size() * sizeof(T));
  Array out = Array::empty(ctx, device, DType::uint8, {bytes});
  if (bytes > 0) {
    const auto stream = cuda::stream_of(ctx);
    FRANCA_CUDA_TRY(
        cudaMemcpyAsync(out.data, host.data(), static_cast<std::size_t>(bytes), cudaMemcpyHostToDevice, stream));
    FRANCA_CUDA_TRY(cudaStreamSynchronize(stream));
  }
  return out;
}

template <class T>
std::vector<T> download(const Context& ctx, const void* device_data, std::size_t count) {
  std::vector<T> host(count);
  if (count == 0) return host;
  const auto stream = cuda::stream_of(ctx);
  FRANCA_CUDA_TRY(cudaMemcpyAsync(host.data(), device_data, count * sizeof(T), cudaMemcpyDeviceToHost, stream));
  FRANCA_CUDA_TRY(cudaStreamSynchronize(stream));
  return host;
}

// A node's features in visiting order, drawn by FeatureOrder's partial shuffle, holding only the
// positions the shuffle has displaced: a search draws a few of many features, and many nodes
// search at once.
class VisitOrder {
 public:
  VisitOrder(std::uint64_t node_key, std::int64_t features) : draw_(node_key, features), features_(features) {}

  bool exhausted() const { return drawn_ == features_; }

  // The feature at the next position (the CPU's swap of positions i and j, then order[i]).
  std::int32_t next() {
    const std::int64_t i = drawn_++;
    const std::int64_t j = draw_.swap_position(i);
    const std::int32_t at_i = take(i);  // position i is never read again
    if (j == i) return at_i;
    const std::int32_t at_j = take(j);
    displaced_[j] = at_i;
    return at_j;
  }

 private:
  std::int32_t take(std::int64_t position) {
    const auto it = displaced_.find(position);
    if (it == displaced_.end()) return static_cast<std::int32_t>(position);
    const std::int32_t feature = it->second;
    displaced_.erase(it);
    return feature;
  }

  FeatureOrder draw_;
  std::int64_t features_;
  std::int64_t drawn_ = 0;
  std::unordered_map<std::int64_t, std::int32_t> displaced_;
};

// The nodes renumbered in the order the CPU's depth-first grower creates them (a node's children
// when it is popped from the stack, left child popped first): prune_and_order breaks ties between
// equal effective alphas by node id.
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
    out.left.push_back(renumbered(grown.left[k]));
    out.right.push_back(renumbered(grown.right[k]));
    out.feature.push_back(grown.feature[k]);
    out.threshold.push_back(grown.threshold[k]);
    out.missing_left.push_back(grown.missing_left[k]);
    out.n_samples.push_back(grown.n_samples[k]);
    out.weighted_n.push_back(grown.weighted_n[k]);
    out.impurity.push_back(grown.impurity[k]);
    out.value.insert(out.value.end(), grown.value.begin() + old * value_width,
                     grown.value.begin() + (old + 1) * value_width);
  }
  return out;
}

class DeviceTreeGrower {
 public:
  DeviceTreeGrower(const Context& ctx, const BinnedFeatures& X, const TreeTargets& y, const TreeSettings& s)
      : ctx_(ctx),
        X_(X),
        s_(s),
        layout_(s.layout),
        m_(layout_.width()),
        n_(X.rows),
        d_(X.cuts.features()),
        device_(X.codes.device) {
    weights_ = to(ctx, y.weights, Device::cpu(), DType::float64);
    if (layout_.classification()) {
      labels_ = to(ctx, y.labels, Device::cpu(), DType::int32);
      device_labels_ = to(ctx, y.labels, device_, DType::int32);
    } else {
      values_ = to(ctx, y.values, Device::cpu(), DType::float64);
    }
    for (std::int64_t f = 0; f < d_; ++f) n_bins_.push_back(X.cuts.n_bins(f));
    device_n_bins_ = upload(ctx, n_bins_, device_);
    if (!s.monotonic.empty())
      device_monotonic_ = upload(ctx, std::vector<std::int32_t>(s.monotonic.begin(), s.monotonic.end()), device_);
    value_width_ = static_cast<int>(layout_.n_outputs * (layout_.classification() ? layout_.n_classes : 1));
  }

  // The trees a batch grows, so that its entries stay within kEntryBytes.
  std::int64_t trees_per_batch() const {
    const std::int64_t statistics = layout_.classification() ? 1 : m_;
    const std::int64_t entry_bytes =
        2 * std::int64_t{sizeof(std::int32_t)} + std::int64_t{sizeof(std::int64_t)} * statistics;
    return std::max<std::int64_t>(1, kEntryBytes / std::max<std::int64_t>(1, n_ * entry_bytes));
  }

  std::vector<TreeNodes> grow(std::int64_t first_tree, std::int64_t n_trees) {
    std::vector<OpenNode> roots = prepare(first_tree, n_trees);
    const bool best_first = s_.max_leaf_nodes >= 0;
    if (best_first) {
      grow_best_first(std::move(roots));
    } else {
      grow_level_by_level(std::move(roots));
    }
    std::vector<TreeNodes> out;
    for (Tree& tree : trees_) {
      // Best-first, the nodes are already in the CPU's creation order (the frontier's).
      out.push_back(prune_and_order(best_first ? tree.nodes : in_depth_first_creation_order(tree.nodes, value_width_),
                                    s_.ccp_alpha, value_width_));
    }
    return out;
  }

 private:
  struct Tree {
    TreeNodes nodes;
    Scales scales;
    double w_root = 0, min_weight_leaf = 0;
  };

  // A node that may split: what the CPU grower's Task holds, less its rows (the entries'), plus
  // its handle and, once searched, its split.
  struct OpenNode {
    std::int32_t handle = -1;
    std::int32_t tree = 0;
    std::int64_t node = 0, depth = 0;
    std::uint64_t key = 0;
    ValueBounds bounds;
    std::vector<std::int64_t> totals;
    Split split;
  };

  // A node's search: its features in visiting order, the CPU's walk over them, and the left side
  // of the best split so far.
  struct NodeSearch {
    NodeSearch(std::uint64_t key, std::int64_t features) : order(key, features) {}
    VisitOrder order;
    FeatureSearch walk;
    std::vector<std::int64_t> best_left;
    int best_next = -1;
    bool finished = false;
  };

  struct ScheduledPair {
    std::int32_t search;  // the node's index among those searched together
    std::int32_t feature;
  };

  // The batch's trees, their roots (appended to the trees), and the entries on the device, each
  // in its root's node if the root may split. Returns the roots that may, handles from 0.
  std::vector<OpenNode> prepare(std::int64_t first_tree, std::int64_t n_trees) {
    trees_.assign(static_cast<std::size_t>(n_trees), Tree{});
    std::vector<std::int32_t> rows, nodes;
    std::vector<std::int64_t> weights, stats;
    std::vector<OpenNode> roots;
    TreeRows tree_rows;
    for (std::int64_t g = 0; g < n_trees; ++g) {
      tree_rows.prepare(s_, n_, weights_.ptr<const double>(),
                        layout_.classification() ? labels_.ptr<const std::int32_t>() : nullptr,
                        layout_.classification() ? nullptr : values_.ptr<const double>(), first_tree + g);
      Tree& tree = trees_[static_cast<std::size_t>(g)];
      tree.scales = tree_rows.scales();
      OpenNode root;
      root.tree = static_cast<std::int32_t>(g);
      root.key = tree_key(s_.seed, first_tree + g);
      root.totals.assign(static_cast<std::size_t>(m_), 0);
      for (const std::int32_t r : tree_rows.rows()) tree_rows.add_row(root.totals.data(), r);
      tree.w_root = NodeStats(layout_, tree.scales, root.totals.data()).weight();
      tree.min_weight_leaf = s_.min_weight_fraction_leaf * tree.w_root;
      root.node = append_node(tree.nodes, s_, tree.scales, root.totals.data(), root.bounds);
      if (is_open(root)) root.handle = static_cast<std::int32_t>(roots.size());
      for (const std::int32_t r : tree_rows.rows()) {
        rows.push_back(r);
        nodes.push_back(root.handle);
        if (layout_.classification()) {
          weights.push_back(tree_rows.weight(r));
        } else {
          stats.insert(stats.end(), tree_rows.stats(r), tree_rows.stats(r) + m_);
        }
      }
      if (root.handle >= 0) roots.push_back(std::move(root));
    }
    entry_rows_ = upload(ctx_, rows, device_);
    entry_nodes_ = upload(ctx_, nodes, device_);
    entry_values_ = upload(ctx_, layout_.classification() ? weights : stats, device_);
    entries_.rows = entry_rows_.ptr<const std::int32_t>();
    entries_.node = entry_nodes_.ptr<std::int32_t>();
    entries_.weight = layout_.classification() ? entry_values_.ptr<const std::int64_t>() : nullptr;
    entries_.stats = layout_.classification() ? nullptr : entry_values_.ptr<const std::int64_t>();
    entries_.count = static_cast<std::int64_t>(rows.size());
    std::vector<Scales> scales;
    std::vector<double> min_weight_leaf;
    for (const Tree& tree : trees_) {
      scales.push_back(tree.scales);
      min_weight_leaf.push_back(tree.min_weight_leaf);
    }
    tree_scales_ = upload(ctx_, scales, device_);
    tree_min_weight_leaf_ = upload(ctx_, min_weight_leaf, device_);
    next_handle_ = static_cast<std::int64_t>(roots.size());
    return roots;
  }

  bool is_open(const OpenNode& node) const {
    const Tree& tree = trees_[static_cast<std::size_t>(node.tree)];
    return splittable(s_, NodeStats(layout_, tree.scales, node.totals.data()), node.depth,
                      tree.nodes.impurity[static_cast<std::size_t>(node.node)], tree.min_weight_leaf);
  }

  // Splits a searched node as the CPU's split_node does: its two children appended to its tree,
  // left first.
  std::array<OpenNode, 2> split_node(const OpenNode& parent) {
    Tree& tree = trees_[static_cast<std::size_t>(parent.tree)];
    const Split& split = parent.split;
    std::array<OpenNode, 2> children;
    child_bounds(s_.monotonic.empty() ? 0 : s_.monotonic[static_cast<std::size_t>(split.feature)],
                 NodeStats(layout_, tree.scales, split.left.data()),
                 NodeStats(layout_, tree.scales, split.right.data()), parent.bounds, children[0].bounds,
                 children[1].bounds);
    for (int side = 0; side < 2; ++side) {
      OpenNode& c = children[static_cast<std::size_t>(side)];
      c.tree = parent.tree;
      c.depth = parent.depth + 1;
      c.key = child_key(parent.key, side == 1);
      c.totals = side == 0 ? split.left : split.right;
      c.node = append_node(tree.nodes, s_, tree.scales, c.totals.data(), c.bounds);
    }
    record_split(tree.nodes, parent.node, split, children[0].node, children[1].node);
    return children;
  }

  void grow_level_by_level(std::vector<OpenNode> open) {
    while (!open.empty()) {
      ctx_.check_cancelled();
      std::vector<OpenNode*> searched;
      for (OpenNode& node : open) searched.push_back(&node);
      search(searched);
      std::vector<OpenNode> next;
      std::vector<NodeMove> moves;
      for (const OpenNode& node : open) {
        NodeMove move{node.handle, -1, 0, -1, -1, 0};
        if (node.split.valid()) {
          std::array<OpenNode, 2> children = split_node(node);
          std::int32_t targets[2];
          for (int side = 0; side < 2; ++side) {
            OpenNode& child = children[static_cast<std::size_t>(side)];
            targets[side] = -1;
            if (!is_open(child)) continue;
            child.handle = targets[side] = static_cast<std::int32_t>(next.size());
            next.push_back(std::move(child));
          }
          move = {node.handle, static_cast<std::int32_t>(node.split.feature),     node.split.bin, targets[0],
                  targets[1],  static_cast<std::uint8_t>(node.split.missing_left)};
        }
        moves.push_back(move);
      }
      if (!next.empty()) apply(moves);
      open = std::move(next);
    }
  }

  struct ExpandsLater {
    bool operator()(const OpenNode* a, const OpenNode* b) const {
      return expands_later(a->split.improvement, a->node, b->split.improvement, b->node);
    }
  };

  // scikit-learn's BestFirstTreeBuilder, each tree as the CPU grows it; a step expands the best
  // frontier node of every tree that has splits left. Only nodes with a valid split enter a
  // frontier: the CPU's pops of the others change nothing.
  void grow_best_first(std::vector<OpenNode> roots) {
    std::deque<OpenNode> nodes;  // stable addresses
    using Frontier = std::priority_queue<OpenNode*, std::vector<OpenNode*>, ExpandsLater>;
    std::vector<Frontier> frontier(trees_.size());
    std::vector<std::int64_t> splits_left(trees_.size(), s_.max_leaf_nodes - 1);
    std::vector<OpenNode*> searched;
    for (OpenNode& root : roots) {
      nodes.push_back(std::move(root));
      searched.push_back(&nodes.back());
    }
    while (true) {
      search(searched);
      for (OpenNode* node : searched)
        if (node->split.valid()) frontier[static_cast<std::size_t>(node->tree)].push(node);
      ctx_.check_cancelled();
      std::vector<OpenNode*> expanding;
      for (std::size_t g = 0; g < trees_.size(); ++g) {
        if (frontier[g].empty() || splits_left[g] <= 0) continue;
        expanding.push_back(frontier[g].top());
        frontier[g].pop();
        --splits_left[g];
      }
      if (expanding.empty()) break;
      std::sort(expanding.begin(), expanding.end(),
                [](const OpenNode* a, const OpenNode* b) { return a->handle < b->handle; });
      searched.clear();
      std::vector<NodeMove> moves;
      for (const OpenNode* node : expanding) {
        std::array<OpenNode, 2> children = split_node(*node);
        std::int32_t targets[2];
        for (int side = 0; side < 2; ++side) {
          OpenNode& child = children[static_cast<std::size_t>(side)];
          targets[side] = -1;
          if (!is_open(child)) continue;
          FRANCA_EXPECTS_STATUS(next_handle_ < std::numeric_limits<std::int32_t>::max(), Status::out_of_memory,
                                "X: the CUDA grower numbers a batch's nodes in 31 bits");
          child.handle = targets[side] = static_cast<std::int32_t>(next_handle_++);
          nodes.push_back(std::move(child));
          searched.push_back(&nodes.back());
        }
        moves.push_back({node->handle, static_cast<std::int32_t>(node->split.feature), node->split.bin, targets[0],
                         targets[1], static_cast<std::uint8_t>(node->split.missing_left)});
      }
      apply(moves);
    }
  }

  // Moves the entries of the nodes in `moves` (sorted by handle).
  void apply(const std::vector<NodeMove>& moves) {
    const Array device_moves = upload(ctx_, moves, device_);
    move_kernel<<<cuda::blocks_for(entries_.count), cuda::kBlockThreads, 0, cuda::stream_of(ctx_)>>>(
        entries_, X_.codes.ptr<const std::uint8_t>(), n_, device_n_bins_.ptr<const std::int32_t>(),
        device_moves.ptr<const NodeMove>(), static_cast<std::int32_t>(moves.size()));
    FRANCA_CUDA_CHECK_LAUNCH();
  }

  // Sets the split of each node (sorted by handle), searched in groups that bound host memory.
  void search(const std::vector<OpenNode*>& nodes) {
    const std::int64_t first_round = std::min(d_, s_.max_features);
    const auto per_group = static_cast<std::size_t>(std::max<std::int64_t>(1, kPairsPerSearch / first_round));
    for (std::size_t begin = 0; begin < nodes.size(); begin += per_group)
      search_group(nodes.data() + begin, std::min(per_group, nodes.size() - begin));
  }

  void search_group(OpenNode* const* nodes, std::size_t count) {
    std::vector<NodeSearch> searches;
    searches.reserve(count);
    for (std::size_t j = 0; j < count; ++j) searches.emplace_back(nodes[j]->key, d_);
    for (int round = 0;; ++round) {
      const std::int64_t round_draws = std::min(d_, s_.max_features << std::min(round, 31));
      std::vector<ScheduledPair> pairs;
      for (std::size_t j = 0; j < count; ++j) {
        VisitOrder& order = searches[j].order;
        if (searches[j].finished) continue;
        for (std::int64_t k = 0; k < round_draws && !order.exhausted(); ++k)
          pairs.push_back({static_cast<std::int32_t>(j), order.next()});
      }
      if (pairs.empty()) break;
      for (std::size_t begin = 0; begin < pairs.size();) {
        const std::size_t end = launch_end(pairs, begin);
        evaluate(nodes, searches, pairs, begin, end);
        begin = end;
      }
      for (NodeSearch& search : searches)
        search.finished = search.finished || search.walk.done(s_.max_features) || search.order.exhausted();
    }
    for (std::size_t j = 0; j < count; ++j) {
      OpenNode& node = *nodes[j];
      NodeSearch& search = searches[j];
      if (search.walk.feature < 0) continue;  // node.split stays invalid
      const Tree& tree = trees_[static_cast<std::size_t>(node.tree)];
      node.split = describe_split(s_, X_, tree.scales, search.walk, node.totals.data(), std::move(search.best_left),
                                  search.best_next, tree.w_root);
    }
  }

  // The end of the launch that starts at pairs[begin]: within the histogram, scratch and pair
  // bounds, at least one pair.
  std::size_t launch_end(const std::vector<ScheduledPair>& pairs, std::size_t begin) const {
    std::int64_t cells = 0;
    std::size_t end = begin;
    while (end < pairs.size() && static_cast<std::int64_t>(end - begin) < kPairsPerLaunch) {
      const std::int64_t pair_cells = (n_bins_[static_cast<std::size_t>(pairs[end].feature)] + 1) * std::int64_t{m_};
      const std::int64_t scratch = static_cast<std::int64_t>(end - begin + 1) * 3 * m_;
      if (end > begin && (cells + pair_cells > kHistogramCells || scratch > kScratchCells)) break;
      cells += pair_cells;
      ++end;
    }
    return end;
  }

  // One launch: the histograms and best splits of pairs [begin, end), then the host's walk over
  // them in visiting order.
  void evaluate(OpenNode* const* nodes, std::vector<NodeSearch>& searches, const std::vector<ScheduledPair>& pairs,
                std::size_t begin, std::size_t end) {
    const auto stream = cuda::stream_of(ctx_);
    std::vector<NodeTask> tasks;
    std::vector<PairTask> pair_tasks;
    std::vector<std::int64_t> totals;
    std::vector<std::int32_t> task_search;  // each task's node, among those searched together
    std::int64_t cells = 0;
    for (std::size_t p = begin; p < end; ++p) {
      const ScheduledPair& pair = pairs[p];
      if (task_search.empty() || task_search.back() != pair.search) {
        const OpenNode& node = *nodes[pair.search];
        const auto first = static_cast<std::int32_t>(p - begin);
        tasks.push_back({node.handle, node.tree, first, first, node.bounds});
        totals.insert(totals.end(), node.totals.begin(), node.totals.end());
        task_search.push_back(pair.search);
      }
      ++tasks.back().end_pair;
      pair_tasks.push_back({cells, pair.feature, static_cast<std::int32_t>(tasks.size() - 1)});
      cells += (n_bins_[static_cast<std::size_t>(pair.feature)] + 1) * std::int64_t{m_};
    }
    const auto count = static_cast<std::int32_t>(end - begin);
    const Array device_tasks = upload(ctx_, tasks, device_);
    const Array device_pairs = upload(ctx_, pair_tasks, device_);
    const Array device_totals = upload(ctx_, totals, device_);
    Array hist = Array::empty(ctx_, device_, DType::int64, {cells});
    Array scratch = Array::empty(ctx_, device_, DType::int64, {std::int64_t{count} * 2 * m_});
    Array left = Array::empty(ctx_, device_, DType::int64, {std::int64_t{count} * m_});
    Array results = Array::empty(ctx_, device_, DType::uint8,
                                 {std::int64_t{count} * static_cast<std::int64_t>(sizeof(PairResult))});
    FRANCA_CUDA_TRY(cudaMemsetAsync(hist.data, 0, hist.nbytes(), stream));
    histogram_kernel<<<cuda::blocks_for(entries_.count), cuda::kBlockThreads, 0, stream>>>(
        entries_, device_labels_.ptr<const std::int32_t>(), X_.codes.ptr<const std::uint8_t>(), n_, layout_,
        device_tasks.ptr<const NodeTask>(), static_cast<std::int32_t>(tasks.size()), device_pairs.ptr<const PairTask>(),
        hist.ptr<std::int64_t>());
    FRANCA_CUDA_CHECK_LAUNCH();
    SearchArgs args;
    args.layout = layout_;
    args.min_samples_leaf = s_.min_samples_leaf;
    args.tree_scales = tree_scales_.ptr<const Scales>();
    args.tree_min_weight_leaf = tree_min_weight_leaf_.ptr<const double>();
    args.n_bins = device_n_bins_.ptr<const std::int32_t>();
    args.monotonic = s_.monotonic.empty() ? nullptr : device_monotonic_.ptr<const std::int32_t>();
    args.tasks = device_tasks.ptr<const NodeTask>();
    args.totals = device_totals.ptr<const std::int64_t>();
    args.pairs = device_pairs.ptr<const PairTask>();
    args.pair_count = count;
    args.hist = hist.ptr<const std::int64_t>();
    args.scratch = scratch.ptr<std::int64_t>();
    args.results = results.ptr<PairResult>();
    args.left = left.ptr<std::int64_t>();
    evaluate_kernel<<<cuda::blocks_for(count), cuda::kBlockThreads, 0, stream>>>(args);
    FRANCA_CUDA_CHECK_LAUNCH();
    const std::vector<PairResult> outcome = download<PairResult>(ctx_, results.data, static_cast<std::size_t>(count));
    const std::vector<std::int64_t> left_sides =
        download<std::int64_t>(ctx_, left.data, static_cast<std::size_t>(count) * static_cast<std::size_t>(m_));
    for (std::size_t p = begin; p < end; ++p) {
      NodeSearch& search = searches[static_cast<std::size_t>(pairs[p].search)];
      if (search.walk.done(s_.max_features)) continue;  // the CPU's walk stopped before this feature
      const PairResult& r = outcome[p - begin];
      if (r.constant) {
        search.walk.visit_constant();
        continue;
      }
      if (search.walk.visit(pairs[p].feature,
                            SplitChoice{r.proxy, r.bin, r.missing_left != 0, r.node_has_missing != 0})) {
        const std::int64_t* side = left_sides.data() + static_cast<std::int64_t>(p - begin) * m_;
        search.best_left.assign(side, side + m_);
        search.best_next = r.next;
      }
    }
  }

  const Context& ctx_;
  const BinnedFeatures& X_;
  const TreeSettings& s_;
  StatLayout layout_;
  int m_;
  std::int64_t n_, d_;
  Device device_;
  int value_width_ = 1;
  Array weights_, labels_, values_;  // host
  Array device_labels_, device_n_bins_, device_monotonic_;
  std::vector<std::int32_t> n_bins_;

  // The batch.
  std::vector<Tree> trees_;
  Array entry_rows_, entry_nodes_, entry_values_, tree_scales_, tree_min_weight_leaf_;
  Entries entries_{};
  std::int64_t next_handle_ = 0;
};

}  // namespace

template <>
std::vector<TreeNodes> grow_trees<Backend::cuda>(const Context& ctx, const BinnedFeatures& X, const TreeTargets& y,
                                                 const TreeSettings& s, std::int64_t first_tree, std::int64_t n_trees) {
  FRANCA_EXPECTS(X.rows < (std::int64_t{1} << 31), "X: forests take at most 2^31 - 1 rows, got {}", X.rows);
  cuda::DeviceGuard guard(X.codes.device.id);
  DeviceTreeGrower grower(ctx, X, y, s);
  std::vector<TreeNodes> trees;
  const std::int64_t batch = grower.trees_per_batch();
  for (std::int64_t t = 0; t < n_trees; t += batch) {
    ctx.check_cancelled();
    for (TreeNodes& tree : grower.grow(first_tree + t, std::min(batch, n_trees - t))) trees.push_back(std::move(tree));
  }
  return trees;
}

}  // namespace franca::forest
