// scikit-learn's absolute_error criterion (its MAE, the 1.8+ form) for the CPU grower: a node's value
// is each output's weighted median of y, its impurity the weighted absolute deviation from it,
// summed over the outputs and divided by the node's weight times the outputs. A split's children
// are ranked by the sum of their absolute deviations (scikit-learn's proxy). Medians are no sums a
// histogram can hold, so a node's rows are ranked by y once and each visited feature's candidate
// splits (those best_split_of visits, in its order) are swept with a Fenwick tree over the ranks:
// O(rows log rows) a feature, as scikit-learn's.
#pragma once

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

#include "ensemble/tree_ops.hpp"

namespace franca::forest {

// Weights and weighted values of activated ranks 0..n-1, with prefix sums and the weighted median.
class RankTree {
 public:
  void reset(std::int64_t n) {
    n_ = n;
    w_.assign(static_cast<std::size_t>(n + 1), 0.0);
    wy_.assign(static_cast<std::size_t>(n + 1), 0.0);
    total_w_ = total_wy_ = 0;
    top_ = 1;
    while (top_ * 2 <= n) top_ *= 2;
  }

  void add(std::int64_t rank, double y, double w) {
    total_w_ += w;
    total_wy_ += w * y;
    for (std::int64_t i = rank + 1; i <= n_; i += i & -i) {
      w_[static_cast<std::size_t>(i)] += w;
      wy_[static_cast<std::size_t>(i)] += w * y;
    }
  }

  // The weighted absolute deviation of the activated values (sorted_y: the value of each rank) from
  // their weighted median, which goes to `median`: the value where the cumulative weight crosses
  // half the total, or halfway between the two values around an exact half, as scikit-learn.
  double absolute_error(const double* sorted_y, double& median) const {
    const double half = 0.5 * total_w_;
    double w_below = 0, wy_below = 0;
    const std::int64_t rank = first_above(half, false, w_below, wy_below);
    median = sorted_y[rank];
    if (w_below == half && w_below > 0) {
      double w_through = 0, wy_through = 0;
      median = (sorted_y[first_above(half, true, w_through, wy_through)] + median) / 2;
    }
    return (total_wy_ - wy_below - median * (total_w_ - w_below)) + (median * w_below - wy_below);
  }

 private:
  // The smallest rank whose cumulative weight (itself included) exceeds `target`, or reaches it
  // when `reaching`; the sums of the ranks below it.
  std::int64_t first_above(double target, bool reaching, double& w_below, double& wy_below) const {
    std::int64_t position = 0;
    double w = 0, wy = 0;
    for (std::int64_t step = top_; step > 0; step /= 2) {
      const std::int64_t next = position + step;
      if (next > n_) continue;
      const double with = w + w_[static_cast<std::size_t>(next)];
      if (reaching ? with < target : with <= target) {
        position = next;
        w = with;
        wy += wy_[static_cast<std::size_t>(next)];
      }
    }
    w_below = w;
    wy_below = wy;
    return std::min(position, n_ - 1);
  }

  std::int64_t n_ = 0, top_ = 1;
  std::vector<double> w_, wy_;
  double total_w_ = 0, total_wy_ = 0;
};

// The sums of absolute deviations of a split's two sides, over the outputs, and the sides' weights.
struct AbsoluteErrors {
  double left = 0, right = 0;
  double left_weight = 0, right_weight = 0;
};

// A node's rows ranked by y, its value and impurity, and the best split of each feature.
class MedianSplitter {
 public:
  // The node's rows (their weights and n_outputs values, indexed by row).
  void prepare(const std::int32_t* rows, std::int64_t count, const double* weights, const double* values,
               int n_outputs) {
    rows_ = rows;
    m_ = count;
    weights_ = weights;
    outputs_ = n_outputs;
    weight_sum_ = 0;
    for (std::int64_t i = 0; i < count; ++i) weight_sum_ += weight(i);
    sorted_y_.resize(static_cast<std::size_t>(count * n_outputs));
    ranks_.resize(static_cast<std::size_t>(count * n_outputs));
    std::vector<std::int64_t> order(static_cast<std::size_t>(count));
    for (int o = 0; o < n_outputs; ++o) {
      auto y_of = [&](std::int64_t i) { return values[static_cast<std::int64_t>(rows[i]) * n_outputs + o]; };
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) { return y_of(a) < y_of(b); });
      for (std::int64_t k = 0; k < count; ++k) {
        const auto i = order[static_cast<std::size_t>(k)];
        sorted_y_[static_cast<std::size_t>(o * count + k)] = y_of(i);
        ranks_[static_cast<std::size_t>(o * count + i)] = k;
      }
    }
  }

  // The node's medians go to value (one per output), its impurity to impurity.
  void node_value(double* value, double& impurity) {
    double errors = 0;
    for (int o = 0; o < outputs_; ++o) {
      tree_.reset(m_);
      for (std::int64_t i = 0; i < m_; ++i) activate(o, i);
      errors += tree_.absolute_error(sorted_y(o), value[o]);
    }
    impurity = errors / (weight_sum_ * outputs_);
  }

  // The best split of the feature whose codes are codes[row * stride] (n_bins value codes, then the
  // missing one), among the positions best_split_of visits, in its order, under `limits` (its
  // monotonic constraint aside: refused with absolute_error). The best split's sums of absolute
  // deviations go to `best_errors`.
  SplitChoice best_split(const std::uint8_t* codes, std::int64_t stride, int n_bins, const SplitLimits& limits,
                         AbsoluteErrors& best_errors) {
    group_by_code(codes, stride, n_bins);
    const bool has_missing = start_[static_cast<std::size_t>(n_bins) + 1] > start_[static_cast<std::size_t>(n_bins)];
    // The candidates: between consecutive non-empty value codes with missing values right, then
    // left, then (with missing values) every value left and the missing ones right.
    candidates_.clear();
    const auto k_codes = static_cast<std::int64_t>(present_.size());
    for (int missing_left = 0; missing_left < (has_missing ? 2 : 1); ++missing_left)
      for (std::int64_t k = 0; k + 1 < k_codes; ++k) candidates_.push_back({k, missing_left == 1});
    if (has_missing && k_codes > 0) candidates_.push_back({k_codes - 1, false});
    errors_.assign(candidates_.size(), AbsoluteErrors{});
    for (int o = 0; o < outputs_; ++o) sweep(o, n_bins, has_missing);

    SplitChoice best;
    best.node_has_missing = has_missing;
    const std::int64_t missing_rows = count_of(n_bins);
    const double missing_w = weight_of(n_bins);
    std::int64_t rows_through = 0;
    double w_through = 0;
    std::int64_t through_k = -1;  // the codes whose sums rows_through and w_through hold
    for (std::size_t c = 0; c < candidates_.size(); ++c) {
      const Candidate& candidate = candidates_[c];
      if (candidate.k < through_k) rows_through = 0, w_through = 0, through_k = -1;
      for (; through_k < candidate.k; ++through_k) {
        const int code = present_[static_cast<std::size_t>(through_k + 1)];
        rows_through += count_of(code);
        w_through += weight_of(code);
      }
      const std::int64_t left_rows = rows_through + (candidate.missing_left ? missing_rows : 0);
      const double left_w = w_through + (candidate.missing_left ? missing_w : 0);
      const std::int64_t right_rows = m_ - left_rows;
      const double right_w = weight_sum_ - left_w;
      if (left_rows < limits.min_samples_leaf || right_rows < limits.min_samples_leaf) continue;
      if (left_w < limits.min_weight_leaf || right_w < limits.min_weight_leaf) continue;
      const AbsoluteErrors& e = errors_[c];
      const double proxy = -(e.left + e.right) / outputs_;
      if (proxy > best.proxy) {
        best.proxy = proxy;
        best.bin = present_[static_cast<std::size_t>(candidate.k)];
        best.missing_left = candidate.missing_left;
        best_errors = e;
        best_errors.left_weight = left_w;
        best_errors.right_weight = right_w;
      }
    }
    return best;
  }

 private:
  struct Candidate {
    std::int64_t k;  // the left side's value codes: present_[0..k]
    bool missing_left;
  };

  const double* sorted_y(int o) const { return sorted_y_.data() + static_cast<std::int64_t>(o) * m_; }
  double weight(std::int64_t i) const { return weights_[rows_[i]]; }
  void activate(int o, std::int64_t i) {
    const std::int64_t rank = ranks_[static_cast<std::size_t>(o * m_ + i)];
    tree_.add(rank, sorted_y(o)[rank], weight(i));
  }
  std::int64_t count_of(int code) const {
    return start_[static_cast<std::size_t>(code) + 1] - start_[static_cast<std::size_t>(code)];
  }
  double weight_of(int code) const {
    double w = 0;
    for (std::int64_t j = start_[static_cast<std::size_t>(code)]; j < start_[static_cast<std::size_t>(code) + 1]; ++j)
      w += weight(by_code_[static_cast<std::size_t>(j)]);
    return w;
  }
  void activate_code(int o, int code) {
    for (std::int64_t j = start_[static_cast<std::size_t>(code)]; j < start_[static_cast<std::size_t>(code) + 1]; ++j)
      activate(o, by_code_[static_cast<std::size_t>(j)]);
  }

  // The node's positions ordered by code (counting sort) and the non-empty value codes.
  void group_by_code(const std::uint8_t* codes, std::int64_t stride, int n_bins) {
    start_.assign(static_cast<std::size_t>(n_bins) + 2, 0);
    for (std::int64_t i = 0; i < m_; ++i) ++start_[static_cast<std::size_t>(codes[rows_[i] * stride]) + 1];
    present_.clear();
    for (int code = 0; code < n_bins; ++code)
      if (start_[static_cast<std::size_t>(code) + 1] > 0) present_.push_back(code);
    for (std::size_t c = 1; c < start_.size(); ++c) start_[c] += start_[c - 1];
    by_code_.resize(static_cast<std::size_t>(m_));
    std::vector<std::int64_t> next(start_.begin(), start_.end() - 1);
    for (std::int64_t i = 0; i < m_; ++i) by_code_[static_cast<std::size_t>(next[codes[rows_[i] * stride]]++)] = i;
  }

  // Adds output o's absolute deviations of every candidate's two sides to errors_: each side a
  // prefix or suffix of the value codes (plus the missing ones where they go), built by adding
  // codes one by one, so that no sum is ever subtracted.
  void sweep(int o, int n_bins, bool has_missing) {
    const auto k_codes = static_cast<std::int64_t>(present_.size());
    double median = 0;
    for (int missing_left = 0; missing_left < (has_missing ? 2 : 1); ++missing_left) {
      const std::size_t first = missing_left ? static_cast<std::size_t>(std::max<std::int64_t>(k_codes - 1, 0)) : 0;
      tree_.reset(m_);  // left sides: codes 0..k
      if (missing_left) activate_code(o, n_bins);
      for (std::int64_t k = 0; k + 1 < k_codes; ++k) {
        activate_code(o, present_[static_cast<std::size_t>(k)]);
        errors_[first + static_cast<std::size_t>(k)].left += tree_.absolute_error(sorted_y(o), median);
      }
      tree_.reset(m_);  // right sides: codes k+1..
      if (!missing_left) activate_code(o, n_bins);
      for (std::int64_t k = k_codes - 2; k >= 0; --k) {
        activate_code(o, present_[static_cast<std::size_t>(k + 1)]);
        errors_[first + static_cast<std::size_t>(k)].right += tree_.absolute_error(sorted_y(o), median);
      }
    }
    if (!has_missing || k_codes == 0) return;
    AbsoluteErrors& all_values_left = errors_.back();
    tree_.reset(m_);
    for (const int code : present_) activate_code(o, code);
    all_values_left.left += tree_.absolute_error(sorted_y(o), median);
    tree_.reset(m_);
    activate_code(o, n_bins);
    all_values_left.right += tree_.absolute_error(sorted_y(o), median);
  }

  const std::int32_t* rows_ = nullptr;
  const double* weights_ = nullptr;
  std::int64_t m_ = 0;
  int outputs_ = 1;
  double weight_sum_ = 0;  // the node's
  std::vector<double> sorted_y_;
  std::vector<std::int64_t> ranks_, start_, by_code_;
  std::vector<int> present_;
  std::vector<Candidate> candidates_;
  std::vector<AbsoluteErrors> errors_;
  RankTree tree_;
};

}  // namespace franca::forest
