// Growing a batch of trees together, level by level (best-first with max_leaf_nodes: per step, the
// node each tree expands), for growers whose rows are counted elsewhere: on a GPU (the CUDA
// grower, tree_growth_cuda.cu) or in blocks of rows held by other processes (tree_growth_blocks.cpp).
// The host keeps the trees and decides as the CPU grower does, with the same code (tree_growth.hpp):
// which nodes may split, the walk over a node's features, the split's threshold and improvement,
// node values and bounds, the best-first order. The engine does the work over rows: each tree's
// totals, the histograms of (node, feature) pairs and their best splits, the rows' moves to the
// children.
//
// Nodes: a node's handle numbers it among those the engine's rows can be in, -1 once a node is a
// leaf; level by level, handles number the level's nodes; best-first, the nodes of the batch as
// they are created. Requests list nodes sorted by handle.
//
// A node's search: its features are drawn in FeatureOrder's order a round at a time (max_features
// of them first, then twice as many as the round before), each drawn (node, feature) pair gets a
// histogram (integer sums: any order of rows gives the CPU's) and its best split; the host walks
// the pairs in visiting order as the CPU does and stops where the CPU stops, so features drawn past
// that point change nothing. A round's pairs go to the engine in requests bounded by
// the engine's request_cells().
#pragma once

#include <algorithm>
#include <array>
#include <deque>
#include <limits>
#include <queue>
#include <vector>

#include "core/expects.hpp"
#include "ensemble/forest.hpp"
#include "ensemble/tree_growth.hpp"

namespace franca::forest {

// Bounds of one request: pair scratch, and the nodes searched together (host memory of their
// searches); the engine bounds its histogram cells. Larger requests only save requests.
constexpr std::int64_t kScratchCells = std::int64_t{1} << 24;
constexpr std::int64_t kPairsPerRequest = std::int64_t{1} << 18;
constexpr std::int64_t kPairsPerSearch = std::int64_t{1} << 20;

// A node a request searches, and its pairs there.
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

// The index of `handle` among `count` items sorted by handle, -1 when absent.
template <class Item>
FRANCA_HD std::int32_t find_handle(const Item* items, std::int32_t count, std::int32_t handle) {
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

// The node a row of node `handle` moves to under `moves` (sorted by handle); its codes of the
// split features are read through code(feature).
template <class Code>
FRANCA_HD std::int32_t moved_handle(const NodeMove* moves, std::int32_t count, const std::int32_t* n_bins,
                                    std::int32_t handle, const Code& code) {
  const std::int32_t j = find_handle(moves, count, handle);
  if (j < 0) return handle;
  const NodeMove move = moves[j];
  if (move.feature < 0) return move.left;
  const int c = code(move.feature);
  const bool left = c == n_bins[move.feature] ? move.missing_left != 0 : c <= move.bin;
  return left ? move.left : move.right;
}

// What a request's pair needs beyond its histogram.
struct PairLimits {
  StatLayout layout;
  std::int64_t min_samples_leaf = 1;
  const Scales* tree_scales = nullptr;
  const double* tree_min_weight_leaf = nullptr;
  const std::int32_t* n_bins = nullptr;     // per feature
  const std::int32_t* monotonic = nullptr;  // per feature; null: no constraint
};

// A pair's best split in its node from its histogram, as the CPU's find_split evaluates it;
// scratch: 2 m cells, left: m cells (the best split's left side).
FRANCA_HD inline PairResult evaluate_pair(const PairLimits& a, const NodeTask& task, const PairTask& pair,
                                          const std::int64_t* totals, const std::int64_t* hist, std::int64_t* scratch,
                                          std::int64_t* left) {
  const int m = a.layout.width();
  const DenseBins bins{hist + pair.cells, a.n_bins[pair.feature], m};
  PairResult result{-INFINITY, -1, -1, 1, 0, 0};
  if (is_constant_feature(bins)) return result;
  SplitLimits limits;
  limits.min_samples_leaf = a.min_samples_leaf;
  limits.min_weight_leaf = a.tree_min_weight_leaf[task.tree];
  limits.monotonic = a.monotonic ? a.monotonic[pair.feature] : 0;
  limits.lower = task.bounds.lower;
  limits.upper = task.bounds.upper;
  const SplitChoice choice =
      best_split_of(a.layout, a.tree_scales[task.tree], bins, totals, limits, scratch, scratch + m);
  result.constant = 0;
  result.proxy = choice.proxy;
  result.bin = choice.bin;
  result.missing_left = choice.missing_left;
  result.node_has_missing = choice.node_has_missing;
  if (choice.bin >= 0) result.next = split_left_side(bins, m, choice.bin, choice.missing_left, left);
  return result;
}

// A node's features in visiting order, drawn by FeatureOrder's partial shuffle one position at a
// time: a search draws a few of many features, and many nodes search at once.
class VisitOrder {
 public:
  VisitOrder(std::uint64_t node_key, std::int64_t features) : draw_(node_key, features), shuffle_(features) {}

  bool exhausted() const { return shuffle_.exhausted(); }

  // The feature at the next position (the CPU's swap of positions i and j, then order[i]).
  std::int32_t next() { return static_cast<std::int32_t>(shuffle_.next(draw_.swap_position(shuffle_.drawn()))); }

 private:
  FeatureOrder draw_;
  PartialShuffle shuffle_;
};

// The nodes renumbered in the order the CPU's depth-first grower creates them (a node's children
// when it is popped from the stack, left child popped first): prune_and_order breaks ties between
// equal effective alphas by node id.
TreeNodes in_depth_first_creation_order(const TreeNodes& grown, int value_width);

// A tree of the batch as the engine starts it: its scales and its rows' totals.
struct TreeStart {
  Scales scales;
  std::vector<std::int64_t> totals;
};

// Engine: where the batch's rows are counted.
//   std::int64_t request_cells(): the histogram cells of a request, at most (one pair at least).
//   std::vector<TreeStart> start(first_tree, n_trees): each tree's rows drawn, its scales and totals.
//   void place(roots, min_weight_leaf): each tree's rows in its root's node (handle, -1: a leaf),
//     and each tree's min_weight_leaf, for the searches to come.
//   void evaluate(tasks, pairs, totals, results, left_sides): the pairs' histograms over the rows of
//     their nodes, each pair's evaluate_pair (results: one per pair; left_sides: m per pair).
//   void apply(moves): the rows of the nodes in `moves` (sorted by handle) move.
template <class Engine>
class LevelGrower {
 public:
  LevelGrower(Engine& engine, const BinnedFeatures& X, const TreeSettings& s)
      : engine_(engine), X_(X), s_(s), layout_(s.layout), m_(layout_.width()), d_(X.cuts.features()) {
    for (std::int64_t f = 0; f < d_; ++f) n_bins_.push_back(X.cuts.n_bins(f));
    value_width_ = static_cast<int>(layout_.n_outputs * (layout_.classification() ? layout_.n_classes : 1));
  }

  const std::vector<std::int32_t>& n_bins() const { return n_bins_; }

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

  // A node that may split: what the CPU grower's Task holds, less its rows (the engine's), plus
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

  // The batch's trees and their roots (appended to the trees), the engine's rows each in its root's
  // node if the root may split. Returns the roots that may, handles from 0.
  std::vector<OpenNode> prepare(std::int64_t first_tree, std::int64_t n_trees) {
    std::vector<TreeStart> starts = engine_.start(first_tree, n_trees);
    trees_.assign(static_cast<std::size_t>(n_trees), Tree{});
    std::vector<OpenNode> roots;
    std::vector<std::int32_t> handles;
    std::vector<double> min_weight_leaf;
    for (std::int64_t g = 0; g < n_trees; ++g) {
      Tree& tree = trees_[static_cast<std::size_t>(g)];
      tree.scales = starts[static_cast<std::size_t>(g)].scales;
      OpenNode root;
      root.tree = static_cast<std::int32_t>(g);
      root.key = tree_key(s_.seed, first_tree + g);
      root.totals = std::move(starts[static_cast<std::size_t>(g)].totals);
      tree.w_root = NodeStats(layout_, tree.scales, root.totals.data()).weight();
      tree.min_weight_leaf = s_.min_weight_fraction_leaf * tree.w_root;
      root.node = append_node(tree.nodes, s_, tree.scales, root.totals.data(), root.bounds);
      if (is_open(root)) root.handle = static_cast<std::int32_t>(roots.size());
      handles.push_back(root.handle);
      min_weight_leaf.push_back(tree.min_weight_leaf);
      if (root.handle >= 0) roots.push_back(std::move(root));
    }
    engine_.place(handles, min_weight_leaf);
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
      if (!next.empty()) engine_.apply(moves);
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
                                "X: a batch of trees numbers its nodes in 31 bits");
          child.handle = targets[side] = static_cast<std::int32_t>(next_handle_++);
          nodes.push_back(std::move(child));
          searched.push_back(&nodes.back());
        }
        moves.push_back({node->handle, static_cast<std::int32_t>(node->split.feature), node->split.bin, targets[0],
                         targets[1], static_cast<std::uint8_t>(node->split.missing_left)});
      }
      engine_.apply(moves);
    }
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
        const std::size_t end = request_end(pairs, begin);
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

  // The end of the request that starts at pairs[begin]: within the histogram, scratch and pair
  // bounds, at least one pair.
  std::size_t request_end(const std::vector<ScheduledPair>& pairs, std::size_t begin) const {
    std::int64_t cells = 0;
    std::size_t end = begin;
    while (end < pairs.size() && static_cast<std::int64_t>(end - begin) < kPairsPerRequest) {
      const std::int64_t pair_cells = (n_bins_[static_cast<std::size_t>(pairs[end].feature)] + 1) * std::int64_t{m_};
      const std::int64_t scratch = static_cast<std::int64_t>(end - begin + 1) * 3 * m_;
      if (end > begin && (cells + pair_cells > engine_.request_cells() || scratch > kScratchCells)) break;
      cells += pair_cells;
      ++end;
    }
    return end;
  }

  // One request: the histograms and best splits of pairs [begin, end), then the host's walk over
  // them in visiting order.
  void evaluate(OpenNode* const* nodes, std::vector<NodeSearch>& searches, const std::vector<ScheduledPair>& pairs,
                std::size_t begin, std::size_t end) {
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
    std::vector<PairResult> outcome;
    std::vector<std::int64_t> left_sides;
    engine_.evaluate(tasks, pair_tasks, totals, cells, outcome, left_sides);
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

  Engine& engine_;
  const BinnedFeatures& X_;
  const TreeSettings& s_;
  StatLayout layout_;
  int m_;
  std::int64_t d_;
  int value_width_ = 1;
  std::vector<std::int32_t> n_bins_;
  std::vector<Tree> trees_;
  std::int64_t next_handle_ = 0;
};

}  // namespace franca::forest
