// The CPU grower: the trees split among the threads, each tree grown by one thread from the byte
// codes. A node's split is the best over features visited in a random order keyed by the node's
// path (tree_ops.hpp), so the tree does not depend on the order nodes are grown in: depth first
// here, best first with max_leaf_nodes, level by level on the GPU.
//
// Histograms: when a node examines more than half of the features (the regressor's default), each
// large node's histogram covers every feature and a split builds only the smaller child's, the
// larger child's being the parent's minus it. Otherwise, and in nodes of fewer rows than a full
// histogram has bins (where building it would cost more than the rows), a node builds the
// histogram of each feature it visits from its rows; in a node of fewer rows than the feature has
// bins, as the list of its non-empty bins only.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <numeric>
#include <queue>

#include "core/expects.hpp"
#include "core/parallel.hpp"
#include "ensemble/absolute_error.hpp"
#include "ensemble/forest.hpp"
#include "ensemble/tree_growth.hpp"

namespace franca::forest {

namespace {

constexpr std::int64_t kPrefetchRows = 16;
constexpr std::int64_t kFullHistogramBytes = std::int64_t{16} << 20;

struct Task {
  std::int64_t node = 0;
  std::int64_t begin = 0, end = 0;  // the node's rows: rows_[begin, end)
  std::int64_t depth = 0;
  std::uint64_t key = 0;
  ValueBounds bounds;
  std::vector<std::int64_t> totals;
  std::vector<std::int64_t> hist;      // every feature's histogram (full mode only)
  std::vector<std::uint8_t> constant;  // features known to be constant in the node
};

// One feature's histogram as its non-empty value bins (ascending) and the missing-value cell.
struct CompactHistogram {
  int width = 0;
  std::vector<int> bins;
  std::vector<std::int64_t> cells;  // bins.size() x width
  std::vector<std::int64_t> missing_cell;

  int size() const { return static_cast<int>(bins.size()); }
  int bin(int i) const { return bins[static_cast<std::size_t>(i)]; }
  const std::int64_t* cell(int i) const { return cells.data() + static_cast<std::int64_t>(i) * width; }
  const std::int64_t* missing() const { return missing_cell.data(); }

  template <class Bins>
  void assign(const Bins& from, int m) {
    width = m;
    bins.clear();
    cells.clear();
    for (int i = 0; i < from.size(); ++i) {
      if (from.cell(i)[0] == 0) continue;
      bins.push_back(from.bin(i));
      cells.insert(cells.end(), from.cell(i), from.cell(i) + m);
    }
    missing_cell.assign(from.missing(), from.missing() + m);
  }
};

class HostTreeGrower {
 public:
  HostTreeGrower(const BinnedFeatures& X, const TreeTargets& y, const TreeSettings& s)
      : X_(X), y_(y), s_(s), layout_(s.layout), m_(layout_.width()), n_(X.rows), d_(X.cuts.features()) {
    hist_offset_.push_back(0);
    for (std::int64_t f = 0; f < d_; ++f) hist_offset_.push_back(hist_offset_.back() + (X.cuts.n_bins(f) + 1) * m_);
    full_mode_ = s.max_leaf_nodes < 0 && 2 * s.max_features > d_ &&
                 hist_offset_.back() * static_cast<std::int64_t>(sizeof(std::int64_t)) <= kFullHistogramBytes;
    value_width_ = layout_.classification() ? layout_.n_classes : 1;
    absolute_error_ = layout_.criterion == Criterion::absolute_error;
    left_.resize(static_cast<std::size_t>(m_));
    right_.resize(static_cast<std::size_t>(m_));
    feature_order_.resize(static_cast<std::size_t>(d_));
    all_features_.resize(static_cast<std::size_t>(d_));
    std::iota(all_features_.begin(), all_features_.end(), 0);
  }

  TreeNodes grow(std::int64_t tree) {
    tree_rows_.prepare(s_, n_, y_.weights.ptr<const double>(),
                       layout_.classification() ? y_.labels.ptr<const std::int32_t>() : nullptr,
                       layout_.classification() ? nullptr : y_.values.ptr<const double>(), tree);
    rows_ = tree_rows_.rows();
    scales_ = tree_rows_.scales();
    nodes_ = TreeNodes{};
    Task root;
    root.end = static_cast<std::int64_t>(rows_.size());
    root.key = tree_key(s_.seed, tree);
    root.totals.assign(static_cast<std::size_t>(m_), 0);
    for (const std::int32_t r : rows_) tree_rows_.add_row(root.totals.data(), r);
    root.constant.assign(static_cast<std::size_t>(d_), 0);
    if (keeps_histogram(root)) build_all(root, root.hist);
    w_root_ = NodeStats(layout_, scales_, root.totals.data()).weight();
    min_weight_leaf_ = s_.min_weight_fraction_leaf * w_root_;
    add_node(root);
    if (s_.max_leaf_nodes < 0) {
      grow_depth_first(std::move(root));
    } else {
      grow_best_first(std::move(root));
    }
    return prune_and_order(nodes_, s_.ccp_alpha, static_cast<int>(layout_.n_outputs * value_width_));
  }

 private:
  // The histograms of `count` features over the task's rows in one pass over them (the codes are
  // row-major on the CPU: a row's codes share cache lines), into hists[j] ((n_bins + 1) x m
  // cells each, zeroed here).
  void build_features(const Task& task, const std::int32_t* features, int count, std::int64_t* const* hists) const {
    for (int j = 0; j < count; ++j) std::fill(hists[j], hists[j] + (X_.cuts.n_bins(features[j]) + 1) * m_, 0);
    const std::uint8_t* codes = X_.codes.ptr<const std::uint8_t>();
    for (std::int64_t i = task.begin; i < task.end; ++i) {
      // The node's rows are scattered over the matrix: ask for a row's codes ahead of use.
      if (i + kPrefetchRows < task.end)
        __builtin_prefetch(codes + static_cast<std::int64_t>(rows_[static_cast<std::size_t>(i + kPrefetchRows)]) * d_);
      const std::int32_t r = rows_[static_cast<std::size_t>(i)];
      const std::uint8_t* row = codes + static_cast<std::int64_t>(r) * d_;
      tree_rows_.add_row_to_histograms(row, features, count, hists, m_, r);
    }
  }

  void build_all(const Task& task, std::vector<std::int64_t>& hist) const {
    hist.resize(static_cast<std::size_t>(hist_offset_.back()));
    std::vector<std::int64_t*> hists(static_cast<std::size_t>(d_));
    for (std::int64_t f = 0; f < d_; ++f)
      hists[static_cast<std::size_t>(f)] = hist.data() + hist_offset_[static_cast<std::size_t>(f)];
    build_features(task, all_features_.data(), static_cast<int>(d_), hists.data());
  }

  // Full mode keeps a node's histogram of every feature while building it from the rows would
  // cost more than subtracting it (rows x features updates against its cells).
  bool keeps_histogram(const Task& task) const {
    return full_mode_ && (task.end - task.begin) * d_ * m_ >= hist_offset_.back();
  }

  // Feature f's non-empty bins over the task's rows, from its rows sorted by code.
  void build_compact(const Task& task, std::int64_t f, CompactHistogram& out) {
    const std::uint8_t* column = X_.codes.ptr<const std::uint8_t>() + f;
    const int missing = X_.cuts.n_bins(f);
    const std::int64_t rows = task.end - task.begin;
    coded_rows_.resize(static_cast<std::size_t>(rows));
    for (std::int64_t i = 0; i < rows; ++i) {
      const std::int32_t r = rows_[static_cast<std::size_t>(task.begin + i)];
      coded_rows_[static_cast<std::size_t>(i)] =
          (static_cast<std::int64_t>(column[static_cast<std::int64_t>(r) * d_]) << 32) | static_cast<std::uint32_t>(r);
    }
    if (rows <= 32) {  // insertion sort: the common tiny node
      for (std::size_t i = 1; i < coded_rows_.size(); ++i)
        for (std::size_t k = i; k > 0 && coded_rows_[k - 1] > coded_rows_[k]; --k)
          std::swap(coded_rows_[k - 1], coded_rows_[k]);
    } else {
      std::sort(coded_rows_.begin(), coded_rows_.end());
    }
    out.width = m_;
    out.bins.clear();
    out.cells.assign(static_cast<std::size_t>(rows * m_), 0);
    out.missing_cell.assign(static_cast<std::size_t>(m_), 0);
    std::int64_t* cell = nullptr;
    for (const std::int64_t coded : coded_rows_) {
      const int code = static_cast<int>(coded >> 32);
      const auto r = static_cast<std::int32_t>(coded & 0xffffffff);
      if (code == missing) {
        tree_rows_.add_row(out.missing_cell.data(), r);
        continue;
      }
      if (out.bins.empty() || out.bins.back() != code) {
        cell = out.cells.data() + out.bins.size() * static_cast<std::size_t>(m_);
        out.bins.push_back(code);
      }
      tree_rows_.add_row(cell, r);
    }
    out.cells.resize(out.bins.size() * static_cast<std::size_t>(m_));
  }

  // Appends the task's node (its statistics, value and impurity) to nodes_, as a leaf for now.
  void add_node(Task& task) {
    task.node = append_node(nodes_, s_, scales_, task.totals.data(), task.bounds);
    if (!absolute_error_) return;
    // the medians and their absolute deviations, in place of the histogram's means and variance
    prepare_medians(task);
    const auto k = static_cast<std::size_t>(task.node);
    medians_.node_value(nodes_.value.data() + k * static_cast<std::size_t>(layout_.n_outputs), nodes_.impurity[k]);
  }

  void prepare_medians(const Task& task) {
    medians_.prepare(rows_.data() + task.begin, task.end - task.begin, tree_rows_.weights(),
                     y_.values.ptr<const double>(), layout_.n_outputs);
  }

  // Applies the feature order's swaps up to position i (the order is drawn ahead for batches).
  void draw_through(std::vector<std::int32_t>& order, const FeatureOrder& draw, std::int64_t i) {
    for (; drawn_ <= i; ++drawn_)
      std::swap(order[static_cast<std::size_t>(drawn_)], order[static_cast<std::size_t>(draw.swap_position(drawn_))]);
  }

  // The histogram of the feature at position i of the order, built from the rows together with
  // those of the next features the search may visit (as many as it needs to reach max_features,
  // one at least): one pass over the rows for all of them. Features the search stops before are
  // built for nothing; the search itself, and so the split, is the same.
  const std::int64_t* batched_histogram(const Task& task, std::vector<std::int32_t>& order, const FeatureOrder& draw,
                                        std::int64_t i, const FeatureSearch& search) {
    const std::int32_t f = order[static_cast<std::size_t>(i)];
    for (std::size_t j = 0; j < batch_.size(); ++j)
      if (batch_[j] == f) return batch_hist_.data() + j * kCodes * m_;
    const std::int64_t wanted = std::clamp<std::int64_t>(s_.max_features - search.visited, 1, kMaxBatch);
    batch_.clear();
    for (std::int64_t k = i; k < d_ && static_cast<std::int64_t>(batch_.size()) < wanted; ++k) {
      draw_through(order, draw, k);
      const std::int32_t g = order[static_cast<std::size_t>(k)];
      if (!task.constant[static_cast<std::size_t>(g)] && task.end - task.begin >= X_.cuts.n_bins(g))
        batch_.push_back(g);
    }
    batch_hist_.resize(batch_.size() * kCodes * static_cast<std::size_t>(m_));
    std::int64_t* hists[kMaxBatch];
    for (std::size_t j = 0; j < batch_.size(); ++j) hists[j] = batch_hist_.data() + j * kCodes * m_;
    build_features(task, batch_.data(), static_cast<int>(batch_.size()), hists);
    return hists[0];
  }

  Split find_split(Task& task) {
    const NodeStats stats(layout_, scales_, task.totals.data());
    if (!splittable(s_, stats, task.depth, nodes_.impurity[static_cast<std::size_t>(task.node)], min_weight_leaf_))
      return {};
    SplitLimits limits;
    limits.min_samples_leaf = s_.min_samples_leaf;
    limits.min_weight_leaf = min_weight_leaf_;
    limits.lower = task.bounds.lower;
    limits.upper = task.bounds.upper;
    std::vector<std::int32_t>& order = feature_order_;
    std::iota(order.begin(), order.end(), 0);
    drawn_ = 0;
    batch_.clear();
    const FeatureOrder draw(task.key, d_);
    const std::int64_t rows = task.end - task.begin;
    FeatureSearch search;
    if (absolute_error_) prepare_medians(task);
    AbsoluteErrors errors, best_errors;
    // Visits feature f with its histogram `bins`; false when f is constant in the node.
    auto evaluate = [&](std::int64_t f, const auto& bins) {
      if (is_constant_feature(bins)) return false;
      limits.monotonic = s_.monotonic.empty() ? 0 : s_.monotonic[static_cast<std::size_t>(f)];
      const SplitChoice choice =
          absolute_error_
              ? medians_.best_split(X_.codes.ptr<const std::uint8_t>() + f, d_, X_.cuts.n_bins(f), limits, errors)
              : best_split_of(layout_, scales_, bins, task.totals.data(), limits, left_.data(), right_.data());
      if (search.visit(f, choice)) {
        best_hist_.assign(bins, m_);
        best_errors = errors;
      }
      return true;
    };
    for (std::int64_t i = 0; i < d_ && !search.done(s_.max_features); ++i) {
      draw_through(order, draw, i);
      const std::int64_t f = order[static_cast<std::size_t>(i)];
      if (task.constant[static_cast<std::size_t>(f)]) {
        search.visit_constant();
        continue;
      }
      const int n_bins = X_.cuts.n_bins(f);
      bool varies;
      if (!task.hist.empty()) {
        varies = evaluate(f, DenseBins{task.hist.data() + hist_offset_[static_cast<std::size_t>(f)], n_bins, m_});
      } else if (rows < n_bins) {
        build_compact(task, f, compact_);
        varies = evaluate(f, compact_);
      } else {
        varies = evaluate(f, DenseBins{batched_histogram(task, order, draw, i, search), n_bins, m_});
      }
      if (!varies) {
        task.constant[static_cast<std::size_t>(f)] = 1;
        search.visit_constant();
      }
    }
    if (search.feature < 0) return {};
    std::vector<std::int64_t> left(static_cast<std::size_t>(m_));
    const int next = split_left_side(best_hist_, m_, search.best.bin, search.best.missing_left, left.data());
    double improvement = NAN;
    if (absolute_error_) {  // scikit-learn's impurity_improvement, from the children's absolute deviations
      const double wl = best_errors.left_weight, wr = best_errors.right_weight, w = wl + wr;
      const double outputs = layout_.n_outputs;
      improvement = (w / w_root_) *
                    (nodes_.impurity[static_cast<std::size_t>(task.node)] -
                     (wr / w) * (best_errors.right / (wr * outputs)) - (wl / w) * (best_errors.left / (wl * outputs)));
    }
    return describe_split(s_, X_, scales_, search, task.totals.data(), std::move(left), next, w_root_, improvement);
  }

  // Splits the task's node: partitions its rows (stably) and returns its two children, added to
  // nodes_, with their histograms in full mode (the parent's is consumed).
  std::pair<Task, Task> split_node(Task& task, const Split& split) {
    const std::uint8_t* column = X_.codes.ptr<const std::uint8_t>() + split.feature;
    const int missing = X_.cuts.n_bins(split.feature);
    auto goes_left = [&](std::int32_t r) {
      const int code = column[static_cast<std::int64_t>(r) * d_];
      return code == missing ? split.missing_left : code <= split.bin;
    };
    scratch_rows_.clear();
    std::int64_t out = task.begin;
    for (std::int64_t i = task.begin; i < task.end; ++i) {
      const std::int32_t r = rows_[static_cast<std::size_t>(i)];
      if (goes_left(r)) {
        rows_[static_cast<std::size_t>(out++)] = r;
      } else {
        scratch_rows_.push_back(r);
      }
    }
    std::copy(scratch_rows_.begin(), scratch_rows_.end(), rows_.begin() + out);

    Task children[2];
    for (int side = 0; side < 2; ++side) {
      Task& c = children[side];
      c.begin = side == 0 ? task.begin : out;
      c.end = side == 0 ? out : task.end;
      c.depth = task.depth + 1;
      c.key = child_key(task.key, side == 1);
      c.totals = side == 0 ? split.left : split.right;
      c.constant = task.constant;
    }
    child_bounds(s_.monotonic.empty() ? 0 : s_.monotonic[static_cast<std::size_t>(split.feature)],
                 NodeStats(layout_, scales_, split.left.data()), NodeStats(layout_, scales_, split.right.data()),
                 task.bounds, children[0].bounds, children[1].bounds);
    const int small = children[0].end - children[0].begin <= children[1].end - children[1].begin ? 0 : 1;
    if (!task.hist.empty() && keeps_histogram(children[1 - small])) {
      build_all(children[small], children[small].hist);
      for (std::size_t k = 0; k < task.hist.size(); ++k) task.hist[k] -= children[small].hist[k];
      children[1 - small].hist = std::move(task.hist);
      if (!keeps_histogram(children[small])) children[small].hist = {};
    }
    add_node(children[0]);
    add_node(children[1]);
    record_split(nodes_, task.node, split, children[0].node, children[1].node);
    return {std::move(children[0]), std::move(children[1])};
  }

  void grow_depth_first(Task root) {
    std::vector<Task> stack;
    stack.push_back(std::move(root));
    while (!stack.empty()) {
      Task task = std::move(stack.back());
      stack.pop_back();
      const Split split = find_split(task);
      if (!split.valid()) continue;
      auto [left, right] = split_node(task, split);
      stack.push_back(std::move(right));
      stack.push_back(std::move(left));
    }
  }

  // scikit-learn's BestFirstTreeBuilder: the frontier node of largest improvement splits next,
  // until max_leaf_nodes leaves.
  void grow_best_first(Task root) {
    struct Entry {
      Task task;
      Split split;
    };
    auto later = [](const Entry* a, const Entry* b) {
      return expands_later(a->split.improvement, a->task.node, b->split.improvement, b->task.node);
    };
    std::vector<std::unique_ptr<Entry>> entries;
    std::priority_queue<Entry*, std::vector<Entry*>, decltype(later)> frontier(later);
    auto push = [&](Task task) {
      auto entry = std::make_unique<Entry>();
      entry->split = find_split(task);
      entry->task = std::move(task);
      frontier.push(entry.get());
      entries.push_back(std::move(entry));
    };
    push(std::move(root));
    std::int64_t splits_left = s_.max_leaf_nodes - 1;
    while (!frontier.empty()) {
      Entry* e = frontier.top();
      frontier.pop();
      if (!e->split.valid() || splits_left <= 0) continue;
      --splits_left;
      auto [left, right] = split_node(e->task, e->split);
      push(std::move(left));
      push(std::move(right));
    }
  }

  const BinnedFeatures& X_;
  const TreeTargets& y_;
  const TreeSettings& s_;
  StatLayout layout_;
  int m_;
  std::int64_t n_, d_;
  std::vector<std::int64_t> hist_offset_;
  bool full_mode_ = false;
  std::int64_t value_width_ = 1;

  std::vector<std::int32_t> rows_, scratch_rows_;
  // find_split's scratch: a compact histogram, the best feature's, split sides.
  std::vector<std::int64_t> left_, right_, coded_rows_;
  std::vector<std::int32_t> feature_order_, all_features_;
  // find_split's batch of features whose histograms were built together, and how far the
  // feature order is drawn.
  static constexpr std::int64_t kMaxBatch = 32;
  std::vector<std::int32_t> batch_;
  std::vector<std::int64_t> batch_hist_;
  std::int64_t drawn_ = 0;
  CompactHistogram compact_, best_hist_;
  bool absolute_error_ = false;
  MedianSplitter medians_;  // absolute_error's: the node's rows ranked by y
  TreeRows tree_rows_;
  Scales scales_;
  double w_root_ = 0, min_weight_leaf_ = 0;
  TreeNodes nodes_;
};

}  // namespace

template <>
std::vector<TreeNodes> grow_trees<Backend::cpu>(const Context& ctx, const BinnedFeatures& X, const TreeTargets& y,
                                                const TreeSettings& s, std::int64_t first_tree, std::int64_t n_trees) {
  FRANCA_EXPECTS(X.rows < (std::int64_t{1} << 31), "X: forests take at most 2^31 - 1 rows, got {}", X.rows);
  std::vector<TreeNodes> trees(static_cast<std::size_t>(n_trees));
  // Trees differ in size: each thread takes the next tree when it is done with one.
  std::atomic<std::int64_t> next{0};
  parallel_for(ctx, std::min<std::int64_t>(n_trees, ctx.threads()), 1, [&](std::int64_t, std::int64_t) {
    HostTreeGrower grower(X, y, s);
    for (std::int64_t t = next++; t < n_trees; t = next++) {
      ctx.check_cancelled();
      trees[static_cast<std::size_t>(t)] = grower.grow(first_tree + t);
    }
  });
  return trees;
}

}  // namespace franca::forest
