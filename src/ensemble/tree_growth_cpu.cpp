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
#include <cmath>
#include <cstring>
#include <numeric>
#include <queue>

#include "core/expects.hpp"
#include "core/parallel.hpp"
#include "ensemble/forest.hpp"

namespace franca::forest {

namespace {

constexpr std::int64_t kFullHistogramBytes = std::int64_t{16} << 20;

struct Task {
  std::int64_t node = 0;
  std::int64_t begin = 0, end = 0;  // the node's rows: rows_[begin, end)
  std::int64_t depth = 0;
  std::uint64_t key = 0;
  double lower = -INFINITY, upper = INFINITY;
  std::vector<std::int64_t> totals;
  std::vector<std::int64_t> hist;      // every feature's histogram (full mode only)
  std::vector<std::uint8_t> constant;  // features known to be constant in the node
};

struct Split {
  std::int64_t feature = -1;
  int bin = 0;
  bool missing_left = false;
  double threshold = 0;
  double improvement = 0;
  std::vector<std::int64_t> left, right;
  bool valid() const { return feature >= 0; }
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

// Whether a feature's histogram has at most one non-empty cell, missing values included.
template <class Bins>
bool is_constant(const Bins& bins) {
  int non_empty = bins.missing()[0] > 0;
  for (int i = 0; i < bins.size() && non_empty <= 1; ++i) non_empty += bins.cell(i)[0] > 0;
  return non_empty <= 1;
}

class HostTreeGrower {
 public:
  HostTreeGrower(const BinnedFeatures& X, const TreeTargets& y, const TreeSettings& s)
      : X_(X), y_(y), s_(s), layout_(s.layout), m_(layout_.width()),
        n_(X.rows), d_(X.cuts.features()) {
    hist_offset_.push_back(0);
    for (std::int64_t f = 0; f < d_; ++f) hist_offset_.push_back(hist_offset_.back() + (X.cuts.n_bins(f) + 1) * m_);
    full_mode_ = s.max_leaf_nodes < 0 && 2 * s.max_features > d_ &&
                 hist_offset_.back() * static_cast<std::int64_t>(sizeof(std::int64_t)) <= kFullHistogramBytes;
    value_width_ = layout_.classification() ? layout_.n_classes : 1;
    dense_.resize(static_cast<std::size_t>(kCodes * m_));
    left_.resize(static_cast<std::size_t>(m_));
    right_.resize(static_cast<std::size_t>(m_));
    feature_order_.resize(static_cast<std::size_t>(d_));
  }

  TreeNodes grow(std::int64_t tree) {
    prepare_rows(tree);
    nodes_ = TreeNodes{};
    Task root;
    root.end = static_cast<std::int64_t>(rows_.size());
    root.key = tree_key(s_.seed, tree);
    root.totals.assign(static_cast<std::size_t>(m_), 0);
    for (const std::int32_t r : rows_) add_row(root.totals.data(), r);
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
  // The tree's rows and their fixed-point statistics.
  void prepare_rows(std::int64_t tree) {
    std::vector<double> w(static_cast<std::size_t>(n_));
    const double* weights = y_.weights.ptr<const double>();
    const std::int32_t* labels = layout_.classification() ? y_.labels.ptr<const std::int32_t>() : nullptr;
    if (s_.bootstrap) {
      const std::vector<std::int32_t> counts = bootstrap_counts(s_, weights, n_, tree);
      std::vector<double> class_weight(static_cast<std::size_t>(std::max(layout_.n_classes, 1)), 1.0);
      if (s_.balanced_subsample) {
        // scikit-learn's compute_sample_weight('balanced', y, indices): over the drawn rows, with the
        // classes drawn at least once.
        std::vector<double> drawn(class_weight.size(), 0.0);
        for (std::int64_t i = 0; i < n_; ++i) drawn[static_cast<std::size_t>(labels[i * layout_.n_outputs])] += counts[static_cast<std::size_t>(i)];
        const auto present = std::count_if(drawn.begin(), drawn.end(), [](double c) { return c > 0; });
        for (std::size_t c = 0; c < drawn.size(); ++c)
          class_weight[c] = drawn[c] > 0 ? static_cast<double>(s_.n_draws) / (static_cast<double>(present) * drawn[c]) : 0;
      }
      for (std::int64_t i = 0; i < n_; ++i) {
        const double cw = s_.balanced_subsample ? class_weight[static_cast<std::size_t>(labels[i * layout_.n_outputs])] : 1.0;
        w[static_cast<std::size_t>(i)] = counts[static_cast<std::size_t>(i)] * cw;
      }
    } else {
      w.assign(weights, weights + n_);
    }
    rows_.clear();
    double total = 0;
    for (std::int64_t i = 0; i < n_; ++i) {
      if (w[static_cast<std::size_t>(i)] > 0) {
        rows_.push_back(static_cast<std::int32_t>(i));
        total += w[static_cast<std::size_t>(i)];
      }
    }
    scales_ = Scales{};
    scales_.w = fixed_point_scale(total);
    if (layout_.classification()) {
      row_weight_.assign(static_cast<std::size_t>(n_), 0);
      for (const std::int32_t r : rows_) row_weight_[static_cast<std::size_t>(r)] = std::llround(w[static_cast<std::size_t>(r)] * scales_.w);
      return;
    }
    const double* values = y_.values.ptr<const double>();
    const int O = layout_.n_outputs;
    double sum_y = 0, sum_y2 = 0, sum_ylogy = 0;
    auto ylogy = [](double v) { return v > 0 ? v * std::log(v) : 0.0; };
    for (const std::int32_t r : rows_) {
      for (int o = 0; o < O; ++o) {
        const double v = values[r * O + o], wr = w[static_cast<std::size_t>(r)];
        sum_y += wr * std::fabs(v);
        sum_y2 += wr * v * v;
        sum_ylogy += wr * std::fabs(ylogy(v));
      }
    }
    scales_.wy = fixed_point_scale(sum_y);
    scales_.wy2 = fixed_point_scale(sum_y2);
    scales_.wylogy = fixed_point_scale(sum_ylogy);
    row_stats_.assign(static_cast<std::size_t>(n_ * m_), 0);
    const int per = layout_.per_output();
    for (const std::int32_t r : rows_) {
      std::int64_t* st = row_stats_.data() + static_cast<std::int64_t>(r) * m_;
      const double wr = w[static_cast<std::size_t>(r)];
      st[0] = 1;
      st[1] = std::llround(wr * scales_.w);
      for (int o = 0; o < O; ++o) {
        const double v = values[r * O + o];
        st[2 + o * per] = std::llround(wr * v * scales_.wy);
        st[3 + o * per] = std::llround(wr * v * v * scales_.wy2);
        if (per == 3) st[4 + o * per] = std::llround(wr * ylogy(v) * scales_.wylogy);
      }
    }
  }

  void add_row(std::int64_t* cell, std::int32_t r) const {
    if (layout_.classification()) {
      const std::int32_t* labels = y_.labels.ptr<const std::int32_t>() + static_cast<std::int64_t>(r) * layout_.n_outputs;
      const std::int64_t w = row_weight_[static_cast<std::size_t>(r)];
      cell[0] += 1;
      for (int o = 0; o < layout_.n_outputs; ++o) cell[1 + o * layout_.n_classes + labels[o]] += w;
      return;
    }
    const std::int64_t* st = row_stats_.data() + static_cast<std::int64_t>(r) * m_;
    for (int k = 0; k < m_; ++k) cell[k] += st[k];
  }

  // Feature f's histogram over the task's rows, into hist ((n_bins + 1) x m cells, zeroed here).
  void build_feature(const Task& task, std::int64_t f, std::int64_t* hist) const {
    std::fill(hist, hist + (X_.cuts.n_bins(f) + 1) * m_, 0);
    const std::uint8_t* column = X_.codes.ptr<const std::uint8_t>() + f * n_;
    for (std::int64_t i = task.begin; i < task.end; ++i) {
      const std::int32_t r = rows_[static_cast<std::size_t>(i)];
      add_row(hist + column[r] * m_, r);
    }
  }

  void build_all(const Task& task, std::vector<std::int64_t>& hist) const {
    hist.assign(static_cast<std::size_t>(hist_offset_.back()), 0);
    for (std::int64_t f = 0; f < d_; ++f) build_feature(task, f, hist.data() + hist_offset_[static_cast<std::size_t>(f)]);
  }

  // Full mode keeps a node's histogram of every feature while building it from the rows would
  // cost more than subtracting it (rows x features updates against its cells).
  bool keeps_histogram(const Task& task) const {
    return full_mode_ && (task.end - task.begin) * d_ * m_ >= hist_offset_.back();
  }

  // Feature f's non-empty bins over the task's rows, from its rows sorted by code.
  void build_compact(const Task& task, std::int64_t f, CompactHistogram& out) {
    const std::uint8_t* column = X_.codes.ptr<const std::uint8_t>() + f * n_;
    const int missing = X_.cuts.n_bins(f);
    const std::int64_t rows = task.end - task.begin;
    coded_rows_.resize(static_cast<std::size_t>(rows));
    for (std::int64_t i = 0; i < rows; ++i) {
      const std::int32_t r = rows_[static_cast<std::size_t>(task.begin + i)];
      coded_rows_[static_cast<std::size_t>(i)] = (static_cast<std::int64_t>(column[r]) << 32) | static_cast<std::uint32_t>(r);
    }
    if (rows <= 32) {  // insertion sort: the common tiny node
      for (std::size_t i = 1; i < coded_rows_.size(); ++i)
        for (std::size_t k = i; k > 0 && coded_rows_[k - 1] > coded_rows_[k]; --k) std::swap(coded_rows_[k - 1], coded_rows_[k]);
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
        add_row(out.missing_cell.data(), r);
        continue;
      }
      if (out.bins.empty() || out.bins.back() != code) {
        cell = out.cells.data() + out.bins.size() * static_cast<std::size_t>(m_);
        out.bins.push_back(code);
      }
      add_row(cell, r);
    }
    out.cells.resize(out.bins.size() * static_cast<std::size_t>(m_));
  }

  // Appends the task's node (its statistics, value and impurity) to nodes_, as a leaf for now.
  void add_node(Task& task) {
    task.node = nodes_.size();
    const NodeStats stats(layout_, scales_, task.totals.data());
    nodes_.left.push_back(kLeaf);
    nodes_.right.push_back(kLeaf);
    nodes_.feature.push_back(kUndefined);
    nodes_.threshold.push_back(static_cast<double>(kUndefined));
    nodes_.missing_left.push_back(0);
    nodes_.n_samples.push_back(stats.rows());
    nodes_.weighted_n.push_back(stats.weight());
    nodes_.impurity.push_back(stats.impurity());
    const double w = stats.weight();
    for (int o = 0; o < layout_.n_outputs; ++o) {
      if (layout_.classification()) {
        double wo = 0;
        for (int c = 0; c < layout_.n_classes; ++c) wo += stats.class_weight(o, c);
        for (int c = 0; c < layout_.n_classes; ++c) nodes_.value.push_back(stats.class_weight(o, c) / wo);
      } else {
        nodes_.value.push_back(stats.sum_y(o) / w);
      }
    }
    if (!s_.monotonic.empty()) {
      // scikit-learn's clip_node_value: output 0's value (a classifier's class-0 fraction) within
      // the node's bounds.
      double* v = nodes_.value.data() + task.node * layout_.n_outputs * value_width_;
      v[0] = std::min(std::max(v[0], task.lower), task.upper);
      if (layout_.classification()) v[1] = 1 - v[0];
    }
  }

  bool splittable(const Task& task) const {
    const NodeStats stats(layout_, scales_, task.totals.data());
    if (s_.max_depth >= 0 && task.depth >= s_.max_depth) return false;
    if (stats.rows() < s_.min_samples_split || stats.rows() < 2 * s_.min_samples_leaf) return false;
    if (stats.weight() < 2 * min_weight_leaf_) return false;
    return nodes_.impurity[static_cast<std::size_t>(task.node)] > kEpsilon;
  }

  Split find_split(Task& task) {
    Split best;
    if (!splittable(task)) return best;
    SplitLimits limits;
    limits.min_samples_leaf = s_.min_samples_leaf;
    limits.min_weight_leaf = min_weight_leaf_;
    limits.lower = task.lower;
    limits.upper = task.upper;
    std::vector<std::int32_t>& order = feature_order_;
    std::iota(order.begin(), order.end(), 0);
    const CounterRandom rng(task.key, 0x66656174ull);
    const std::int64_t rows = task.end - task.begin;
    double best_proxy = -INFINITY;
    std::int64_t visited = 0;
    bool varied = false;
    // Evaluates feature f's histogram `bins`; false when f is constant in the node.
    auto evaluate = [&](std::int64_t f, const auto& bins) {
      if (is_constant(bins)) return false;
      limits.monotonic = s_.monotonic.empty() ? 0 : s_.monotonic[static_cast<std::size_t>(f)];
      const SplitChoice choice =
          best_split_of(layout_, scales_, bins, task.totals.data(), limits, left_.data(), right_.data());
      if (choice.bin >= 0 && choice.proxy > best_proxy) {
        best_proxy = choice.proxy;
        best.feature = f;
        best.bin = choice.bin;
        best.missing_left = choice.missing_left;
        best_hist_.assign(bins, m_);
      }
      return true;
    };
    for (std::int64_t i = 0; i < d_ && !(visited >= s_.max_features && varied); ++i) {
      const auto j = i + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(d_ - i)));
      std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
      const std::int64_t f = order[static_cast<std::size_t>(i)];
      ++visited;
      if (task.constant[static_cast<std::size_t>(f)]) continue;
      const int n_bins = X_.cuts.n_bins(f);
      bool varies;
      if (!task.hist.empty()) {
        varies = evaluate(f, DenseBins{task.hist.data() + hist_offset_[static_cast<std::size_t>(f)], n_bins, m_});
      } else if (rows < n_bins) {
        build_compact(task, f, compact_);
        varies = evaluate(f, compact_);
      } else {
        build_feature(task, f, dense_.data());
        varies = evaluate(f, DenseBins{dense_.data(), n_bins, m_});
      }
      if (!varies) task.constant[static_cast<std::size_t>(f)] = 1;
      varied = varied || varies;
    }
    if (!best.valid()) return best;
    describe_split(task, best);
    if (best.improvement + kEpsilon < s_.min_impurity_decrease) best.feature = -1;
    return best;
  }

  // The chosen split's sides, threshold (between the observed values around it, as scikit-learn)
  // and impurity improvement.
  void describe_split(const Task& task, Split& split) const {
    const auto f = static_cast<std::size_t>(split.feature);
    const CompactHistogram& hist = best_hist_;
    split.left.assign(static_cast<std::size_t>(m_), 0);
    int next = 0;  // the first non-empty bin right of the split
    for (; next < hist.size() && hist.bin(next) <= split.bin; ++next)
      for (int k = 0; k < m_; ++k) split.left[static_cast<std::size_t>(k)] += hist.cell(next)[k];
    if (split.missing_left)
      for (int k = 0; k < m_; ++k) split.left[static_cast<std::size_t>(k)] += hist.missing()[k];
    split.right.resize(static_cast<std::size_t>(m_));
    for (int k = 0; k < m_; ++k)
      split.right[static_cast<std::size_t>(k)] = task.totals[static_cast<std::size_t>(k)] - split.left[static_cast<std::size_t>(k)];
    if (next == hist.size()) {
      split.threshold = INFINITY;  // every value left, the missing ones right
    } else {
      const double low = X_.bin_high[f * kCodes + static_cast<std::size_t>(split.bin)];
      const double high = X_.bin_low[f * kCodes + static_cast<std::size_t>(hist.bin(next))];
      split.threshold = low / 2.0 + high / 2.0;
      if (split.threshold == high || std::isinf(split.threshold)) split.threshold = low;
    }
    split.improvement = split_improvement(layout_, NodeStats(layout_, scales_, task.totals.data()),
                                          NodeStats(layout_, scales_, split.left.data()),
                                          NodeStats(layout_, scales_, split.right.data()), w_root_);
  }

  // Splits the task's node: partitions its rows (stably) and returns its two children, added to
  // nodes_, with their histograms in full mode (the parent's is consumed).
  std::pair<Task, Task> split_node(Task& task, const Split& split) {
    const auto node = static_cast<std::size_t>(task.node);
    nodes_.feature[node] = split.feature;
    nodes_.threshold[node] = split.threshold;
    nodes_.missing_left[node] = split.missing_left;
    const std::uint8_t* column = X_.codes.ptr<const std::uint8_t>() + split.feature * n_;
    const int missing = X_.cuts.n_bins(split.feature);
    auto goes_left = [&](std::int32_t r) {
      const int code = column[r];
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
      c.lower = task.lower;
      c.upper = task.upper;
    }
    const int cst = s_.monotonic.empty() ? 0 : s_.monotonic[static_cast<std::size_t>(split.feature)];
    if (cst != 0) {
      // scikit-learn's bounds: the children meet at the middle of their values.
      const NodeStats l(layout_, scales_, split.left.data()), r(layout_, scales_, split.right.data());
      const double middle = l.monotonic_value() / 2 + r.monotonic_value() / 2;
      (cst > 0 ? children[0].upper : children[0].lower) = middle;
      (cst > 0 ? children[1].lower : children[1].upper) = middle;
    }
    const int small = children[0].end - children[0].begin <= children[1].end - children[1].begin ? 0 : 1;
    if (!task.hist.empty() && keeps_histogram(children[1 - small])) {
      build_all(children[small], children[small].hist);
      for (std::size_t k = 0; k < task.hist.size(); ++k) task.hist[k] -= children[small].hist[k];
      children[1 - small].hist = std::move(task.hist);
      if (!keeps_histogram(children[small])) children[small].hist = {};
    }
    add_node(children[0]);
    add_node(children[1]);
    nodes_.left[node] = children[0].node;
    nodes_.right[node] = children[1].node;
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
      if (a->split.improvement != b->split.improvement) return a->split.improvement < b->split.improvement;
      return a->task.node > b->task.node;
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
  // find_split's scratch: a dense histogram, a compact one, the best feature's, split sides.
  std::vector<std::int64_t> dense_, left_, right_, coded_rows_;
  std::vector<std::int32_t> feature_order_;
  CompactHistogram compact_, best_hist_;
  std::vector<std::int64_t> row_weight_, row_stats_;
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
  parallel_for(ctx, n_trees, 1, [&](std::int64_t t0, std::int64_t t1) {
    HostTreeGrower grower(X, y, s);
    for (std::int64_t t = t0; t < t1; ++t) {
      ctx.check_cancelled();
      trees[static_cast<std::size_t>(t)] = grower.grow(first_tree + t);
    }
  });
  return trees;
}

}  // namespace franca::forest
