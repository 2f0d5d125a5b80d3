// The pieces of a random forest fit, in the order a fit uses them: the features quantised once into
// byte codes (binning), the per-row targets and weights, the settings of the trees, the trees
// grown from histograms of the codes (tree_growth), and the flat forest that predicts from raw X
// (forest_predict). Each primitive has a CPU and a CUDA implementation (foo_cpu.cpp, foo_cuda.cu)
// computing the same function; the maths they share is in tree_ops.hpp.
#pragma once

#include <cmath>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "core/array.hpp"
#include "core/context.hpp"
#include "core/dispatch.hpp"
#include "core/expects.hpp"
#include "core/matrix.hpp"
#include "ensemble/tree_ops.hpp"

namespace franca::forest {

// A partial Fisher-Yates shuffle of [0, n), drawn one position at a time and holding only the
// positions it has displaced: drawing the first few of a large n costs as much as they do.
class PartialShuffle {
 public:
  explicit PartialShuffle(std::int64_t n) : n_(n) {}

  bool exhausted() const { return drawn_ == n_; }
  std::int64_t drawn() const { return drawn_; }

  // The element at the next position i once swapped with position j (i <= j < n).
  std::int64_t next(std::int64_t j) {
    const std::int64_t i = drawn_++;
    const std::int64_t at_i = take(i);  // position i is never read again
    if (j == i) return at_i;
    const std::int64_t at_j = take(j);
    displaced_[j] = at_i;
    return at_j;
  }

 private:
  std::int64_t take(std::int64_t position) {
    const auto it = displaced_.find(position);
    if (it == displaced_.end()) return position;
    const std::int64_t element = it->second;
    displaced_.erase(it);
    return element;
  }

  std::int64_t n_;
  std::int64_t drawn_ = 0;
  std::unordered_map<std::int64_t, std::int64_t> displaced_;
};

// Bin edges of each feature, found on the host from (a sample of) the rows: a value v has code
// lower_bound(cuts of its feature, float(v)); NaN has code n_bins[f]. With no more distinct values
// than bins, each value has its own bin and the splits are scikit-learn's exact ones.
struct BinCuts {
  std::vector<std::int64_t> offsets;  // features + 1: feature f's cuts are cuts[offsets[f], offsets[f + 1])
  std::vector<float> cuts;
  std::int64_t features() const { return static_cast<std::int64_t>(offsets.size()) - 1; }
  int n_bins(std::int64_t f) const {
    return static_cast<int>(offsets[static_cast<std::size_t>(f) + 1] - offsets[static_cast<std::size_t>(f)]) + 1;
  }
};

// The features quantised: codes (uint8 on X's device, in the layout its grower reads fastest: rows
// x features on the CPU, features x rows on CUDA) and, per feature and bin,
// the smallest and largest value seen in the bin (host, kCodes per feature), between which split
// thresholds are placed, as scikit-learn places them between observed values.
struct BinnedFeatures {
  std::int64_t rows = 0;
  BinCuts cuts;
  Array codes;
  std::vector<float> bin_low, bin_high;
};

BinCuts find_bin_cuts(const Context& ctx, const Matrix& X, int max_bins, std::uint64_t seed);
// The rows find_bin_cuts reads of n (ascending): all, or a random sample of 200,000 beyond that.
std::vector<std::int64_t> bin_sample_rows(std::int64_t n, std::uint64_t seed);
// find_bin_cuts from the sample's rows (s x d float32, row-major).
BinCuts cuts_from_sample(const Context& ctx, const float* sample, std::int64_t s, std::int64_t d, int max_bins);
BinnedFeatures bin_features(const Context& ctx, const Matrix& X, const BinCuts& cuts);

// Writes codes (uint8, allocated on X's device in its layout, see BinnedFeatures) and the per-bin value ranges
// (host, features x kCodes; +inf / -inf for bins with no value).
template <Backend B>
void encode_bins(const Context& ctx, const Matrix& X, const BinCuts& cuts, Array& codes, std::vector<float>& bin_low,
                 std::vector<float>& bin_high);

// The targets of the rows (on the codes' device). Classification: labels, int32 class codes
// (rows x outputs); regression: values, float64 (rows x outputs). weights: float64 rows, the
// sample weight times the class weight (bootstrap draws rows in proportion to it; without
// bootstrap the trees weigh rows by it).
struct TreeTargets {
  Array labels;
  Array values;
  Array weights;
};

struct TreeSettings {
  StatLayout layout;
  std::int64_t max_depth = -1;  // -1: none
  std::int64_t min_samples_split = 2;
  std::int64_t min_samples_leaf = 1;
  double min_weight_fraction_leaf = 0;
  std::int64_t max_features = 1;
  std::int64_t max_leaf_nodes = -1;  // -1: none (depth-first); else best-first growth
  double min_impurity_decrease = 0;
  double ccp_alpha = 0;
  std::vector<int> monotonic;  // per feature, signs already flipped for a classifier; empty: none
  bool bootstrap = true;
  std::int64_t n_draws = 0;         // bootstrap draws per tree
  bool balanced_subsample = false;  // class weights from each bootstrap's class counts
  std::uint64_t seed = 0;
};

// One tree as scikit-learn's Tree arrays, nodes in breadth-first order (root 0; children of a
// node after all nodes of smaller depth, left before right, so right = left + 1: the model format
// requires it and prediction relies on it), the same whichever device grew it.
// value: nodes x outputs x width (class fractions, or the mean of y).
struct TreeNodes {
  std::vector<std::int64_t> left, right, feature, n_samples;
  std::vector<double> threshold, weighted_n, impurity, value;
  std::vector<std::uint8_t> missing_left;
  std::int64_t size() const { return static_cast<std::int64_t>(left.size()); }
};

// Where a block of rows sits among the rows a forest draws its bootstrap samples from (the whole
// of them: first_row 0, every row). With equal weights the draws pick rows uniformly; otherwise
// each row's weight is taken in fixed point (weight_scale, a power of two that keeps the total
// within 2^61), so that the cumulative weights, and with them the draws, are exact integers that
// a block finds from its own rows and the weight of the rows before it.
struct DrawFrame {
  std::int64_t total_rows = 0;
  std::int64_t first_row = 0;
  bool equal_weights = true;
  double weight_scale = 1;
  std::int64_t weight_before = 0;  // fixed-point weight of the rows before the block
  std::int64_t weight_total = 0;   // of every row
};

// A row's fixed-point weight in a frame, and a running sum of them: a scale from elsewhere (a
// question to a block of rows) that would overflow the sum is refused.
inline std::int64_t fixed_weight(double weight, double scale) {
  const double fixed = weight * scale;
  FRANCA_EXPECTS(fixed >= 0 && fixed < 0x1p62, "weights: a row's weight {} is {} at the draws' fixed-point scale",
                 weight, fixed);
  return std::llround(fixed);
}
inline std::int64_t add_fixed_weight(std::int64_t sum, std::int64_t weight) {
  FRANCA_EXPECTS(!__builtin_add_overflow(sum, weight, &sum), "weights: the fixed-point weights overflow their sum");
  return sum;
}
// The fixed-point scale of n rows whose largest weight is max_weight.
double draw_weight_scale(std::int64_t n, double max_weight);
// The frame of all n rows of these (host) weights.
DrawFrame whole_rows_frame(const double* weights, std::int64_t n);

// Bootstrap draw counts of tree `tree` (into counts, the frame's `rows` rows from its first): n_draws
// rows of the frame's total drawn with replacement, with probability proportional to the (host)
// weights, as scikit-learn 1.9.
void bootstrap_counts(const TreeSettings& s, const DrawFrame& frame, const double* weights, std::int64_t rows,
                      std::int64_t tree, std::vector<std::int32_t>& counts);

// Grows trees first_tree .. first_tree + n_trees - 1.
template <Backend B>
std::vector<TreeNodes> grow_trees(const Context& ctx, const BinnedFeatures& X, const TreeTargets& y,
                                  const TreeSettings& s, std::int64_t first_tree, std::int64_t n_trees);

// Minimal cost-complexity pruning (scikit-learn's ccp_alpha) of a grown tree, then the nodes
// renumbered breadth-first without the pruned ones. Also what every grower ends with (alpha 0).
TreeNodes prune_and_order(const TreeNodes& grown, double ccp_alpha, int value_width);

// A fitted forest, its trees' arrays concatenated: tree t's nodes are [offsets[t], offsets[t+1]),
// children indices local to the tree. value_width: classes (or 1), per output.
struct ForestView {
  std::int64_t n_trees = 0, n_outputs = 1, value_width = 1, n_features = 0;
  const std::int64_t* offsets = nullptr;
  const std::int64_t* left = nullptr;
  const std::int64_t* right = nullptr;
  const std::int64_t* feature = nullptr;
  const double* threshold = nullptr;
  const std::uint8_t* missing_left = nullptr;
  const double* value = nullptr;
};

// A fitted forest's trees' arrays concatenated, as its fitted attributes hold them.
struct FlatForest {
  std::vector<std::int64_t> offsets{0}, left, right, feature, n_samples;
  std::vector<double> threshold, weighted_n, impurity, value;
  std::vector<std::uint8_t> missing_left;
  std::int64_t n_outputs = 1, width = 1;

  ForestView view(std::int64_t d) const {
    ForestView v;
    v.n_trees = static_cast<std::int64_t>(offsets.size()) - 1;
    v.n_outputs = n_outputs;
    v.value_width = width;
    v.n_features = d;
    v.offsets = offsets.data();
    v.left = left.data();
    v.right = right.data();
    v.feature = feature.data();
    v.threshold = threshold.data();
    v.missing_left = missing_left.data();
    v.value = value.data();
    return v;
  }
};

// Throws `status` ("what: ...") unless every tree of the view can be walked from its root: offsets
// increasing from 0, children after their parent side by side (breadth-first, right = left + 1)
// within the tree, splits on features below n_features.
void check_tree_arrays(const ForestView& v, Status status, const char* what);

// The out-of-bag sums of the frame's rows (those of X_host, with these host weights): per row, the
// sum of the leaf values (outputs x width) of the trees that did not draw it, and their number.
void out_of_bag_sums(const Context& ctx, const Matrix& X_host, const ForestView& v, const TreeSettings& s,
                     const DrawFrame& frame, const double* weights, std::vector<double>& sums,
                     std::vector<std::int64_t>& counted);

// The leaf (tree-local id) that a row of float values reaches in tree t: x <= threshold goes
// left, NaN goes where the split sent missing values.
FRANCA_HD inline std::int64_t leaf_of(const ForestView& forest, std::int64_t t, const float* row) {
  const std::int64_t base = forest.offsets[t];
  std::int64_t node = 0;
  while (forest.left[base + node] != kLeaf) {
    const std::int64_t k = base + node;
    const float x = row[forest.feature[k]];
    const bool left = x != x ? forest.missing_left[k] != 0 : static_cast<double>(x) <= forest.threshold[k];
    node = left ? forest.left[k] : forest.right[k];
  }
  return node;
}

// The leaf each row reaches in each tree (int64, rows x n_trees, tree-local node ids).
template <Backend B>
void forest_leaves(const Context& ctx, const Matrix& X, const ForestView& forest, Array& out);
// The mean over trees of the leaf values each row reaches (float64, rows x outputs x width).
template <Backend B>
void forest_mean_values(const Context& ctx, const Matrix& X, const ForestView& forest, Array& out);

}  // namespace franca::forest
