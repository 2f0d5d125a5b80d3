// What the CPU and CUDA tree growers share on the host, so that both grow the same trees: the rows
// of a tree and their fixed-point statistics, the test of whether a node may split, the
// description of a chosen split (sides, threshold, impurity improvement), the nodes appended to a
// tree, and the best-first expansion order. The maths inside is tree_ops.hpp's.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/expects.hpp"
#include "ensemble/forest.hpp"

namespace franca::forest {

// Sums over a tree's drawn rows from which its fixed-point scales follow: the weights, and for
// regression the weighted |y|, y^2 and |y log y| over the outputs.
struct TreeSums {
  double w = 0, y = 0, y2 = 0, ylogy = 0;
};

inline Scales scales_of(const TreeSums& sums) {
  Scales scales;
  scales.w = fixed_point_scale(sums.w);
  scales.wy = fixed_point_scale(sums.y);
  scales.wy2 = fixed_point_scale(sums.y2);
  scales.wylogy = fixed_point_scale(sums.ylogy);
  return scales;
}

// A tree's rows (those of positive weight, ascending) and what each adds to a histogram cell:
// classification, its fixed-point weight on its label's class of each output; regression, its
// statistics (StatLayout) in fixed point, at the scales the tree's totals call for. The rows are
// the forest's, or a block of them (DrawFrame): a block's tree draws its share of the forest's
// draws, and its scales come from the sums of every block.
class TreeRows {
 public:
  // Draws tree `tree`'s rows (bootstrap, or every row of positive weight) from n rows' host
  // weights, labels (classification, n x outputs) or values (regression, n x outputs).
  void prepare(const TreeSettings& s, std::int64_t n, const double* weights, const std::int32_t* labels,
               const double* values, std::int64_t tree) {
    draw(s, whole_rows_frame(weights, n), n, weights, labels, tree);
    fix(s.layout, scales_of(sums(values)), values);
  }

  // The tree's weights of the frame's n rows (their host weights and labels): bootstrap draw
  // counts (times the balanced_subsample class weights) or the weights themselves. With
  // balanced_subsample, class_draws: the tree's draws of each output's classes (outputs x
  // n_classes) over all the rows when the frame is a block of them; null: the frame's own.
  void draw(const TreeSettings& s, const DrawFrame& frame, std::int64_t n, const double* weights,
            const std::int32_t* labels, std::int64_t tree, const double* class_draws = nullptr) {
    const StatLayout& layout = s.layout;
    labels_ = labels;
    layout_ = layout;
    m_ = layout.width();
    // Buffers kept from tree to tree: fresh pages for each tree cost more than filling them.
    std::vector<double>& w = tree_weights_;
    w.resize(static_cast<std::size_t>(n));
    if (s.bootstrap) {
      std::vector<std::int32_t>& counts = counts_;
      bootstrap_counts(s, frame, weights, n, tree, counts);
      for (std::int64_t i = 0; i < n; ++i) w[static_cast<std::size_t>(i)] = counts[static_cast<std::size_t>(i)];
      if (s.balanced_subsample) {
        // scikit-learn's compute_sample_weight('balanced', y, indices): per output, over the drawn
        // rows, with the classes drawn at least once; the outputs' weights multiply.
        const auto K = static_cast<std::size_t>(layout.n_classes);
        const std::vector<double> own = class_draws ? std::vector<double>{} : drawn_classes(layout, n, labels);
        const double* drawn_of_all = class_draws ? class_draws : own.data();
        std::vector<double> class_weight(K);
        for (int o = 0; o < layout.n_outputs; ++o) {
          const double* drawn = drawn_of_all + static_cast<std::size_t>(o) * K;
          const auto present = std::count_if(drawn, drawn + K, [](double c) { return c > 0; });
          for (std::size_t c = 0; c < K; ++c)
            class_weight[c] =
                drawn[c] > 0 ? static_cast<double>(s.n_draws) / (static_cast<double>(present) * drawn[c]) : 0;
          for (std::int64_t i = 0; i < n; ++i)
            w[static_cast<std::size_t>(i)] *= class_weight[static_cast<std::size_t>(labels[i * layout.n_outputs + o])];
        }
      }
    } else {
      w.assign(weights, weights + n);
    }
    rows_.clear();
    for (std::int64_t i = 0; i < n; ++i)
      if (w[static_cast<std::size_t>(i)] > 0) rows_.push_back(static_cast<std::int32_t>(i));
  }

  // The draws of each output's classes (outputs x n_classes) among the last draw's counts of n rows.
  std::vector<double> drawn_classes(const StatLayout& layout, std::int64_t n, const std::int32_t* labels) const {
    const auto K = static_cast<std::size_t>(layout.n_classes);
    std::vector<double> drawn(static_cast<std::size_t>(layout.n_outputs) * K, 0.0);
    for (int o = 0; o < layout.n_outputs; ++o)
      for (std::int64_t i = 0; i < n; ++i)
        drawn[static_cast<std::size_t>(o) * K + static_cast<std::size_t>(labels[i * layout.n_outputs + o])] +=
            counts_[static_cast<std::size_t>(i)];
    return drawn;
  }

  // The drawn rows' sums (values: regression's, n x outputs; null for classification).
  TreeSums sums(const double* values) const {
    TreeSums out;
    for (const std::int32_t r : rows_) out.w += tree_weights_[static_cast<std::size_t>(r)];
    if (layout_.classification()) return out;
    const int O = layout_.n_outputs;
    for (const std::int32_t r : rows_) {
      for (int o = 0; o < O; ++o) {
        const double v = values[r * O + o], wr = tree_weights_[static_cast<std::size_t>(r)];
        out.y += wr * std::fabs(v);
        out.y2 += wr * v * v;
        out.ylogy += wr * std::fabs(ylogy(v));
      }
    }
    return out;
  }

  // The drawn rows' fixed-point weights (classification) or statistics (regression) at `scales`.
  // The scales keep every sum of the tree's rows within 2^61 when they come from these rows' sums;
  // scales from elsewhere (the sums of a fit's blocks) that would not are refused, before an
  // integer sum could overflow.
  void fix(const StatLayout& layout, const Scales& scales, const double* values) {
    const auto n = static_cast<std::int64_t>(tree_weights_.size());
    const std::vector<double>& w = tree_weights_;
    scales_ = scales;
    double magnitude = 0;  // of the largest column's sum
    auto fixed = [&](double x, double& column) {
      column += std::fabs(x);
      return std::llround(x);
    };
    if (layout.classification()) {
      row_weight_.assign(static_cast<std::size_t>(n), 0);
      for (const std::int32_t r : rows_)
        row_weight_[static_cast<std::size_t>(r)] = fixed(w[static_cast<std::size_t>(r)] * scales_.w, magnitude);
      check_magnitude(magnitude);
      return;
    }
    const int O = layout.n_outputs;
    row_stats_.assign(static_cast<std::size_t>(n * m_), 0);
    const int per = layout.per_output();
    double columns[4] = {0, 0, 0, 0};  // w, wy, wy^2, wy log y, over the outputs
    for (const std::int32_t r : rows_) {
      std::int64_t* st = row_stats_.data() + static_cast<std::int64_t>(r) * m_;
      const double wr = w[static_cast<std::size_t>(r)];
      st[0] = 1;
      st[1] = fixed(wr * scales_.w, columns[0]);
      for (int o = 0; o < O; ++o) {
        const double v = values[r * O + o];
        st[2 + o * per] = fixed(wr * v * scales_.wy, columns[1]);
        st[3 + o * per] = fixed(wr * v * v * scales_.wy2, columns[2]);
        if (per == 3) st[4 + o * per] = fixed(wr * ylogy(v) * scales_.wylogy, columns[3]);
      }
    }
    for (const double column : columns) magnitude = std::max(magnitude, column);
    check_magnitude(magnitude);
  }

  const std::vector<std::int32_t>& rows() const { return rows_; }
  // The labels add_row reads (draw's), where they are now: the same labels moved elsewhere.
  void relocate_labels(const std::int32_t* labels) { labels_ = labels; }
  // The memory the tree's rows hold.
  std::size_t bytes() const {
    return rows_.capacity() * sizeof(std::int32_t) +
           (row_weight_.capacity() + row_stats_.capacity()) * sizeof(std::int64_t) +
           tree_weights_.capacity() * sizeof(double) + counts_.capacity() * sizeof(std::int32_t);
  }
  const Scales& scales() const { return scales_; }
  // Each row's weight in this tree (0 for rows it did not draw).
  const double* weights() const { return tree_weights_.data(); }
  // Row r's fixed-point weight (classification).
  std::int64_t weight(std::int32_t r) const { return row_weight_[static_cast<std::size_t>(r)]; }
  // Row r's m fixed-point statistics (regression).
  const std::int64_t* stats(std::int32_t r) const { return row_stats_.data() + static_cast<std::int64_t>(r) * m_; }

  // Adds row r to the cells of `count` histograms, its code of feature features[j] picking the
  // cell of histogram j (row: its codes; m: the cells' width). The row's weight and labels are read
  // once (a store to a cell could alias them).
  void add_row_to_histograms(const std::uint8_t* row, const std::int32_t* features, int count,
                             std::int64_t* const* hists, int m, std::int32_t r) const {
    if (layout_.classification() && layout_.n_outputs == 1) {
      const std::int64_t w = weight(r);
      const int column = 1 + labels_[r];
      for (int j = 0; j < count; ++j) {
        std::int64_t* cell = hists[j] + row[features[j]] * m;
        cell[0] += 1;
        cell[column] += w;
      }
      return;
    }
    for (int j = 0; j < count; ++j) add_row(hists[j] + row[features[j]] * m, r);
  }

  // Adds row r to a histogram cell.
  void add_row(std::int64_t* cell, std::int32_t r) const {
    if (layout_.classification()) {
      const std::int32_t* labels = labels_ + static_cast<std::int64_t>(r) * layout_.n_outputs;
      const std::int64_t w = weight(r);
      cell[0] += 1;
      for (int o = 0; o < layout_.n_outputs; ++o) cell[1 + o * layout_.n_classes + labels[o]] += w;
      return;
    }
    const std::int64_t* st = stats(r);
    for (int k = 0; k < m_; ++k) cell[k] += st[k];
  }

 private:
  StatLayout layout_;
  int m_ = 0;
  const std::int32_t* labels_ = nullptr;
  std::vector<std::int32_t> rows_;
  Scales scales_;
  std::vector<std::int64_t> row_weight_, row_stats_;
  std::vector<double> tree_weights_;
  std::vector<std::int32_t> counts_;

  static double ylogy(double v) { return v > 0 ? v * std::log(v) : 0.0; }

  static void check_magnitude(double magnitude) {
    FRANCA_EXPECTS(magnitude < 0x1p62,
                   "scales: the tree's rows sum to {} fixed-point units at its scales, beyond 2^62 (scales from the "
                   "sums of other rows than these: the blocks' answers disagree)",
                   magnitude);
  }
};

// A node's split: rows whose code of `feature` is <= bin (missing ones when missing_left) go left.
struct Split {
  std::int64_t feature = -1;
  int bin = 0;
  bool missing_left = false;
  double threshold = 0;
  double improvement = 0;
  std::vector<std::int64_t> left, right;
  bool valid() const { return feature >= 0; }
};

// Whether a node (its sums, depth and impurity) may split, before any split is sought.
inline bool splittable(const TreeSettings& s, const NodeStats& stats, std::int64_t depth, double impurity,
                       double min_weight_leaf) {
  if (s.max_depth >= 0 && depth >= s.max_depth) return false;
  if (stats.rows() < s.min_samples_split || stats.rows() < 2 * s.min_samples_leaf) return false;
  if (stats.weight() < 2 * min_weight_leaf) return false;
  return impurity > kEpsilon;
}

// The split a node's feature search found (search.feature >= 0), from its left side (left sums,
// and `next`, the first non-empty value bin right of it: split_left_side): its right side,
// threshold (between the observed values around it, as scikit-learn) and impurity improvement.
// Invalid (feature -1) when the improvement falls short of min_impurity_decrease.
// improvement: the split's, where the grower computes it (absolute_error); NaN: from the sums.
inline Split describe_split(const TreeSettings& s, const BinnedFeatures& X, const Scales& scales,
                            const FeatureSearch& search, const std::int64_t* totals, std::vector<std::int64_t> left,
                            int next, double w_root, double improvement = NAN) {
  const StatLayout& layout = s.layout;
  const int m = layout.width();
  Split split;
  split.feature = search.feature;
  split.bin = search.best.bin;
  split.left = std::move(left);
  split.right.resize(static_cast<std::size_t>(m));
  for (int k = 0; k < m; ++k)
    split.right[static_cast<std::size_t>(k)] = totals[k] - split.left[static_cast<std::size_t>(k)];
  // As scikit-learn 1.4+: where the node had no missing value, predict sends them to the side
  // that had more rows.
  split.missing_left = search.best.node_has_missing ? search.best.missing_left : split.left[0] > split.right[0];
  const std::int64_t f = split.feature * kCodes;
  split.threshold = split_threshold(X.bin_low.data() + f, X.bin_high.data() + f, split.bin, next);
  split.improvement =
      !std::isnan(improvement)
          ? improvement
          : split_improvement(layout, NodeStats(layout, scales, totals), NodeStats(layout, scales, split.left.data()),
                              NodeStats(layout, scales, split.right.data()), w_root);
  if (split.improvement + kEpsilon < s.min_impurity_decrease) split.feature = -1;
  return split;
}

// Appends a leaf of these sums (value, impurity, sample counts) to a tree; returns its id.
inline std::int64_t append_node(TreeNodes& nodes, const TreeSettings& s, const Scales& scales,
                                const std::int64_t* totals, const ValueBounds& bounds) {
  const StatLayout& layout = s.layout;
  const NodeStats stats(layout, scales, totals);
  const std::int64_t node = nodes.size();
  nodes.left.push_back(kLeaf);
  nodes.right.push_back(kLeaf);
  nodes.feature.push_back(kUndefined);
  nodes.threshold.push_back(static_cast<double>(kUndefined));
  nodes.missing_left.push_back(0);
  nodes.n_samples.push_back(stats.rows());
  nodes.weighted_n.push_back(stats.weight());
  nodes.impurity.push_back(stats.impurity());
  const std::size_t width = static_cast<std::size_t>(layout.n_outputs) *
                            static_cast<std::size_t>(layout.classification() ? layout.n_classes : 1);
  nodes.value.resize(nodes.value.size() + width);
  node_value(layout, stats, !s.monotonic.empty(), bounds, nodes.value.data() + nodes.value.size() - width);
  return node;
}

// Makes leaf `node` a split with children `left` and `right`.
inline void record_split(TreeNodes& nodes, std::int64_t node, const Split& split, std::int64_t left,
                         std::int64_t right) {
  const auto k = static_cast<std::size_t>(node);
  nodes.feature[k] = split.feature;
  nodes.threshold[k] = split.threshold;
  nodes.missing_left[k] = split.missing_left;
  nodes.left[k] = left;
  nodes.right[k] = right;
}

// scikit-learn's best-first order (BestFirstTreeBuilder): the frontier node of largest improvement
// expands first, the first created among equals. Whether node a expands after node b.
inline bool expands_later(double improvement_a, std::int64_t node_a, double improvement_b, std::int64_t node_b) {
  if (improvement_a != improvement_b) return improvement_a < improvement_b;
  return node_a > node_b;
}

}  // namespace franca::forest
