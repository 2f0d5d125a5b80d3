// The maths of growing one decision tree from histograms, written once for the CPU grower and the
// CUDA kernels (FRANCA_HD): the per-row statistics a histogram cell sums, scikit-learn's impurity
// criteria and split proxies over those sums, and the choice of a split within one feature's
// histogram. Sums are fixed-point int64 (a power-of-two scale per tree), so that a histogram is
// the same whatever order, thread or device adds its rows, histograms of row partitions add up
// exactly, and the splits chosen from them are identical on every device.
#pragma once

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>

#include "core/matrix_ref.hpp"
#include "core/random.hpp"

namespace franca::forest {

// absolute_error's medians are no sums a histogram holds: its cells are squared_error's (they give
// the rows, weights and constant features), and the CPU grower finds its splits, values and
// impurities from the node's rows (absolute_error.hpp).
enum class Criterion { gini, entropy, squared_error, friedman_mse, poisson, absolute_error };

// scikit-learn's EPSILON (_tree.pyx, _criterion.pyx).
constexpr double kEpsilon = DBL_EPSILON;
// Codes are one byte: up to 255 value bins and the missing-value bin after them.
constexpr int kMaxBins = 255;
constexpr int kCodes = kMaxBins + 1;
// scikit-learn's TREE_LEAF and TREE_UNDEFINED.
constexpr std::int64_t kLeaf = -1;
constexpr std::int64_t kUndefined = -2;

// What a histogram cell holds. Classification: [rows, w(output 0, class 0), ..., w(O-1, C-1)];
// regression: [rows, w, then per output wy, wy^2 and, for Poisson, wy log y]. rows counts the rows
// (with a non-zero weight) and decides min_samples_leaf; the rest are fixed-point sums.
struct StatLayout {
  Criterion criterion = Criterion::gini;
  int n_outputs = 1;
  int n_classes = 0;  // the largest number of classes of an output; 0 for regression

  FRANCA_HD bool classification() const { return n_classes > 0; }
  FRANCA_HD int per_output() const { return criterion == Criterion::poisson ? 3 : 2; }
  FRANCA_HD int width() const { return classification() ? 1 + n_outputs * n_classes : 2 + n_outputs * per_output(); }
};

// Fixed-point units per real unit of each kind of sum.
struct Scales {
  double w = 1, wy = 1, wy2 = 1, wylogy = 1;
};

// The power of two that takes a sum of magnitude `total` to at most 2^61: every partial sum of a
// tree then fits an int64 with room for the rounding of each term.
// Totals beyond float64's range are refused before (random_forest.cpp); the exponent is bounded
// all the same, so that no total makes the scale infinite.
inline double fixed_point_scale(double total) {
  if (!(total > 0) || !std::isfinite(total)) return 1.0;
  const double exponent = 61 - std::ceil(std::log2(total));
  return std::ldexp(1.0, static_cast<int>(std::min(1000.0, std::max(-1000.0, exponent))));
}

// Sums of one side of a split (or a node), read from a histogram cell.
class NodeStats {
 public:
  // Reads the cell's weight now: the stats are a snapshot of a cell that split scans change.
  FRANCA_HD NodeStats(const StatLayout& layout, const Scales& scales, const std::int64_t* cell)
      : layout_(layout), scales_(scales), cell_(cell), weight_(read_weight()) {}

  FRANCA_HD std::int64_t rows() const { return cell_[0]; }
  // Every output's class weights add up to the same total: the rows' weight.
  FRANCA_HD double weight() const { return weight_; }
  // Output o's class-c weight (classification).
  FRANCA_HD double class_weight(int o, int c) const {
    return static_cast<double>(cell_[1 + o * layout_.n_classes + c]) / scales_.w;
  }
  FRANCA_HD double sum_y(int o) const { return static_cast<double>(cell_[2 + o * layout_.per_output()]) / scales_.wy; }
  FRANCA_HD double sum_y2(int o) const {
    return static_cast<double>(cell_[3 + o * layout_.per_output()]) / scales_.wy2;
  }
  FRANCA_HD double sum_ylogy(int o) const {
    return static_cast<double>(cell_[4 + o * layout_.per_output()]) / scales_.wylogy;
  }

  // scikit-learn's node_impurity of these rows: averaged over the outputs.
  FRANCA_HD double impurity() const {
    const double w = weight();
    double total = 0;
    for (int o = 0; o < layout_.n_outputs; ++o) {
      switch (layout_.criterion) {
        case Criterion::gini: {
          double sq = 0;
          for (int c = 0; c < layout_.n_classes; ++c) {
            const double wc = class_weight(o, c);
            sq += wc * wc;
          }
          total += 1.0 - sq / (w * w);
          break;
        }
        case Criterion::entropy: {
          for (int c = 0; c < layout_.n_classes; ++c) {
            const double p = class_weight(o, c) / w;
            if (p > 0) total -= p * log2(p);
          }
          break;
        }
        case Criterion::squared_error:
        case Criterion::friedman_mse:
        case Criterion::absolute_error: {  // the variance, replaced by the grower (see Criterion)
          const double mean = sum_y(o) / w;
          total += sum_y2(o) / w - mean * mean;
          break;
        }
        case Criterion::poisson: {
          const double mean = sum_y(o) / w;
          if (mean <= kEpsilon) return INFINITY;
          total += (sum_ylogy(o) - sum_y(o) * log(mean)) / w;
          break;
        }
      }
    }
    return total / layout_.n_outputs;
  }

  // The value monotonic constraints bound: the mean of y, or (binary classification) the
  // fraction of class 0, as scikit-learn (which flips the signs of a classifier's constraints).
  FRANCA_HD double monotonic_value() const {
    return layout_.classification() ? class_weight(0, 0) / weight() : sum_y(0) / weight();
  }

 private:
  FRANCA_HD double read_weight() const {
    if (!layout_.classification()) return static_cast<double>(cell_[1]) / scales_.w;
    std::int64_t w = 0;
    for (int c = 0; c < layout_.n_classes; ++c) w += cell_[1 + c];
    return static_cast<double>(w) / scales_.w;
  }

  StatLayout layout_;
  Scales scales_;
  const std::int64_t* cell_;
  double weight_;
};

// scikit-learn's proxy_impurity_improvement: ranks the splits of one node.
FRANCA_HD inline double split_proxy(const StatLayout& layout, const NodeStats& left, const NodeStats& right) {
  const double wl = left.weight(), wr = right.weight();
  switch (layout.criterion) {
    case Criterion::gini:
    case Criterion::entropy:
      return -wr * right.impurity() - wl * left.impurity();
    case Criterion::squared_error:
    case Criterion::absolute_error: {  // not used: the grower ranks absolute_error's splits itself
      double proxy = 0;
      for (int o = 0; o < layout.n_outputs; ++o)
        proxy += left.sum_y(o) * left.sum_y(o) / wl + right.sum_y(o) * right.sum_y(o) / wr;
      return proxy;
    }
    case Criterion::friedman_mse: {
      double tl = 0, tr = 0;
      for (int o = 0; o < layout.n_outputs; ++o) {
        tl += left.sum_y(o);
        tr += right.sum_y(o);
      }
      const double diff = wr * tl - wl * tr;
      return diff * diff / (wl * wr);
    }
    case Criterion::poisson: {
      double proxy = 0;
      for (int o = 0; o < layout.n_outputs; ++o) {
        const double sl = left.sum_y(o), sr = right.sum_y(o);
        if (sl <= kEpsilon || sr <= kEpsilon) return -INFINITY;
        proxy += sl * log(sl / wl) + sr * log(sr / wr);
      }
      return proxy;
    }
  }
  return -INFINITY;
}

// scikit-learn's impurity_improvement of a split of a node of weight w, in a tree of root weight
// w_root: what min_impurity_decrease and feature_importances_ weigh.
FRANCA_HD inline double split_improvement(const StatLayout& layout, const NodeStats& node, const NodeStats& left,
                                          const NodeStats& right, double w_root) {
  const double w = node.weight(), wl = left.weight(), wr = right.weight();
  if (layout.criterion == Criterion::friedman_mse) {
    double tl = 0, tr = 0;
    for (int o = 0; o < layout.n_outputs; ++o) {
      tl += left.sum_y(o);
      tr += right.sum_y(o);
    }
    const double diff = (wr * tl - wl * tr) / layout.n_outputs;
    return diff * diff / (wl * wr * w_root);
  }
  return (w / w_root) * (node.impurity() - (wr / w) * right.impurity() - (wl / w) * left.impurity());
}

// The limits every split of a node must respect.
struct SplitLimits {
  std::int64_t min_samples_leaf = 1;
  double min_weight_leaf = 0;
  // Monotonic constraint of the feature (+1, -1, 0) and the node's bounds on the value.
  int monotonic = 0;
  double lower = -INFINITY, upper = INFINITY;
};

// A split of one feature: rows whose code is <= bin (and missing ones when missing_left) go left.
struct SplitChoice {
  double proxy = -INFINITY;
  int bin = -1;  // -1: no valid split found
  bool missing_left = false;
  bool node_has_missing = false;  // some of the node's rows miss the feature
};

// A feature's histogram as best_split_of reads it: size() value bins in ascending order of bin(i),
// some possibly empty, each cell(i) `width` int64 sums, then the missing-value cell. DenseBins is
// the n_bins + 1 cells of a built histogram; the CPU grower also passes the non-empty bins alone.
struct DenseBins {
  const std::int64_t* hist;
  int n_bins;
  int width;
  FRANCA_HD int size() const { return n_bins; }
  FRANCA_HD int bin(int i) const { return i; }
  FRANCA_HD const std::int64_t* cell(int i) const { return hist + static_cast<std::int64_t>(i) * width; }
  FRANCA_HD const std::int64_t* missing() const { return hist + static_cast<std::int64_t>(n_bins) * width; }
};

// The best split of one feature: positions between non-empty bins ascending, missing values right,
// then the same with missing values left, then (when some are missing) all values left and the
// missing ones right. The first of equal proxies wins, as in scikit-learn. `left` and `right` are
// scratch cells.
template <class Bins>
FRANCA_HD SplitChoice best_split_of(const StatLayout& layout, const Scales& scales, const Bins& bins,
                                    const std::int64_t* node, const SplitLimits& limits, std::int64_t* left,
                                    std::int64_t* right) {
  const int m = layout.width();
  const std::int64_t* missing = bins.missing();
  SplitChoice best;
  best.node_has_missing = missing[0] > 0;
  auto consider = [&](int bin, bool missing_left) {
    if (left[0] < limits.min_samples_leaf || right[0] < limits.min_samples_leaf) return;
    const NodeStats left_stats(layout, scales, left), right_stats(layout, scales, right);
    if (left_stats.weight() < limits.min_weight_leaf || right_stats.weight() < limits.min_weight_leaf) return;
    if (limits.monotonic != 0) {
      const double vl = left_stats.monotonic_value(), vr = right_stats.monotonic_value();
      if (!(vl >= limits.lower && vr >= limits.lower && vl <= limits.upper && vr <= limits.upper &&
            limits.monotonic * (vl - vr) <= 0))
        return;
    }
    const double proxy = split_proxy(layout, left_stats, right_stats);
    if (proxy > best.proxy) {
      best.proxy = proxy;
      best.bin = bin;
      best.missing_left = missing_left;
    }
  };
  int last = bins.size() - 1;  // the last non-empty value bin
  while (last >= 0 && bins.cell(last)[0] == 0) --last;
  for (int direction = 0; direction < 2; ++direction) {
    const bool missing_left = direction == 1;
    if (missing_left && missing[0] == 0) break;
    for (int k = 0; k < m; ++k) left[k] = missing_left ? missing[k] : 0;
    for (int i = 0; i < last; ++i) {
      const std::int64_t* cell = bins.cell(i);
      if (cell[0] == 0) continue;
      for (int k = 0; k < m; ++k) {
        left[k] += cell[k];
        right[k] = node[k] - left[k];
      }
      consider(bins.bin(i), missing_left);
    }
  }
  if (missing[0] > 0 && last >= 0) {
    for (int k = 0; k < m; ++k) {
      right[k] = missing[k];
      left[k] = node[k] - missing[k];
    }
    consider(bins.bin(last), false);
  }
  return best;
}

// best_split_of a built histogram (n_bins value cells, then the missing cell).
FRANCA_HD inline SplitChoice best_feature_split(const StatLayout& layout, const Scales& scales,
                                                const std::int64_t* hist, int n_bins, const std::int64_t* node,
                                                const SplitLimits& limits, std::int64_t* left, std::int64_t* right) {
  return best_split_of(layout, scales, DenseBins{hist, n_bins, layout.width()}, node, limits, left, right);
}

// The draws of one tree: key of the tree, then of each node by its path from the root, so that a
// node's feature order is the same whatever order the grower visits nodes in.
FRANCA_HD inline std::uint64_t tree_key(std::uint64_t seed, std::int64_t tree) {
  return CounterRandom(seed, 0x7265657472656574ull).bits(static_cast<std::uint64_t>(tree));
}
FRANCA_HD inline std::uint64_t child_key(std::uint64_t node_key, bool right) {
  return CounterRandom(node_key, 0x636869646c64ull).bits(right ? 2 : 1);
}

// The order a node visits the features in: a partial Fisher-Yates shuffle drawn from the node's
// key one position at a time, so that only the positions a search reaches are drawn. Position i
// takes the feature at position swap_position(i) (>= i), which takes position i's.
class FeatureOrder {
 public:
  FRANCA_HD FeatureOrder(std::uint64_t node_key, std::int64_t features)
      : rng_(node_key, 0x66656174ull), features_(features) {}
  FRANCA_HD std::int64_t swap_position(std::int64_t i) const {
    return i + static_cast<std::int64_t>(
                   rng_.below(static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(features_ - i)));
  }

 private:
  CounterRandom rng_;
  std::int64_t features_;
};

// scikit-learn's walk over a node's features in their visiting order: every visited feature counts
// towards max_features, constant ones included; the walk stops once max_features features are
// visited and one of them varies in the node; the first feature of the largest proxy wins.
struct FeatureSearch {
  std::int64_t visited = 0;
  bool varied = false;
  std::int64_t feature = -1;  // the best feature so far, -1 for none
  SplitChoice best;

  FRANCA_HD bool done(std::int64_t max_features) const { return visited >= max_features && varied; }
  FRANCA_HD void visit_constant() { ++visited; }
  // Visits feature f, which varies, with its best split; returns whether that is the best so far.
  FRANCA_HD bool visit(std::int64_t f, const SplitChoice& choice) {
    ++visited;
    varied = true;
    if (choice.bin < 0 || !(choice.proxy > best.proxy)) return false;
    best = choice;
    feature = f;
    return true;
  }
};

// Whether a feature's histogram has at most one non-empty cell, missing values included: the
// feature is constant in the node.
template <class Bins>
FRANCA_HD bool is_constant_feature(const Bins& bins) {
  int non_empty = bins.missing()[0] > 0;
  for (int i = 0; i < bins.size() && non_empty <= 1; ++i) non_empty += bins.cell(i)[0] > 0;
  return non_empty <= 1;
}

// The left side of a feature's split at `bin`: the sums of its value bins up to `bin` and, when
// missing values go left, of the missing cell. Returns the first non-empty value bin right of the
// split, -1 when there is none (only missing values go right).
template <class Bins>
FRANCA_HD int split_left_side(const Bins& bins, int m, int bin, bool missing_left, std::int64_t* left) {
  for (int k = 0; k < m; ++k) left[k] = 0;
  int i = 0;
  for (; i < bins.size() && bins.bin(i) <= bin; ++i)
    for (int k = 0; k < m; ++k) left[k] += bins.cell(i)[k];
  if (missing_left)
    for (int k = 0; k < m; ++k) left[k] += bins.missing()[k];
  while (i < bins.size() && bins.cell(i)[0] == 0) ++i;
  return i < bins.size() ? bins.bin(i) : -1;
}

// The threshold of a split between value bins `bin` and `next` of a feature, from the smallest
// (bin_low) and largest (bin_high) value of each of its bins: halfway between the largest value
// left and the smallest right, as scikit-learn, or the largest value left when halfway rounds to
// the smallest right or overflows; +inf when no value goes right (next = -1).
FRANCA_HD inline double split_threshold(const float* bin_low, const float* bin_high, int bin, int next) {
  if (next < 0) return INFINITY;
  const double low = bin_high[bin];
  const double high = bin_low[next];
  const double threshold = low / 2.0 + high / 2.0;
  return threshold == high || threshold == INFINITY || threshold == -INFINITY ? low : threshold;
}

// Bounds on a node's value under monotonic constraints (scikit-learn's lower and upper bounds).
struct ValueBounds {
  double lower = -INFINITY, upper = INFINITY;
};

// The bounds of a split's children: the parent's and, when the split feature has a monotonic
// constraint (+1 or -1), the children meet halfway between their values.
FRANCA_HD inline void child_bounds(int constraint, const NodeStats& left, const NodeStats& right,
                                   const ValueBounds& parent, ValueBounds& left_bounds, ValueBounds& right_bounds) {
  left_bounds = parent;
  right_bounds = parent;
  if (constraint == 0) return;
  const double middle = left.monotonic_value() / 2 + right.monotonic_value() / 2;
  (constraint > 0 ? left_bounds.upper : left_bounds.lower) = middle;
  (constraint > 0 ? right_bounds.lower : right_bounds.upper) = middle;
}

// A node's value (outputs x (classes or 1)): class fractions, or the mean of y. With `clip`
// (monotonic constraints), output 0's value (a classifier's class-0 fraction) is clipped to the
// node's bounds, as scikit-learn's clip_node_value, and a binary classifier's class 1 follows.
FRANCA_HD inline void node_value(const StatLayout& layout, const NodeStats& stats, bool clip, const ValueBounds& bounds,
                                 double* value) {
  const double w = stats.weight();
  const int width = layout.classification() ? layout.n_classes : 1;
  for (int o = 0; o < layout.n_outputs; ++o) {
    double* v = value + o * width;
    if (layout.classification()) {
      double wo = 0;
      for (int c = 0; c < layout.n_classes; ++c) wo += stats.class_weight(o, c);
      for (int c = 0; c < layout.n_classes; ++c) v[c] = stats.class_weight(o, c) / wo;
    } else {
      v[0] = stats.sum_y(o) / w;
    }
  }
  if (!clip) return;
  // std::max, then std::min, spelled out for device code.
  const double raised = value[0] < bounds.lower ? bounds.lower : value[0];
  value[0] = bounds.upper < raised ? bounds.upper : raised;
  if (layout.classification() && width > 1) value[1] = 1 - value[0];
}

}  // namespace franca::forest
