// A forest fitted on rows held in blocks elsewhere (the partitions of a cluster), by questions to
// the blocks (Estimator::fit_blocks): the same forest as a fit on all the rows at once, whatever the
// blocks. The client asks, in order:
//   describe (rows): each block's size, labels and their counts (or the targets' sums);
//   sample (rows): the block's rows of the bin sample (bin_sample_rows of all the rows), from which
//     the client finds the bin cuts as find_bin_cuts does;
//   keep (rows): each block bins its rows, codes its labels and weighs its rows (sample_weight times
//     class_weight), and keeps that form;
//   summary (kept): each bin's smallest and largest value, the weights' sums;
//   draw totals (kept, bootstrap with unequal weights): each block's fixed-point weight, so that a
//     block knows the cumulative weight of the rows before it (DrawFrame);
//   then, per batch of trees, tree sums (the sums the trees' fixed-point scales come from) and grow
//     questions: the trees' totals, then the histograms of the (node, feature) pairs LevelGrower
//     asks for. A grow question carries every move of the batch's nodes so far, so a block keeps no
//     state between questions but its kept form: a block recomputed elsewhere answers the same.
// Histograms are integer sums, so the blocks' answers add up to the histograms of all the rows.
#pragma once

#include <cstdint>
#include <vector>

#include "core/estimator.hpp"
#include "ensemble/forest.hpp"

namespace franca::forest {

// What the client learns of the rows from the blocks' descriptions.
struct BlockFacts {
  std::int64_t n = 0, d = 0, n_outputs = 1;
  std::vector<std::int64_t> first_rows;           // per block, then n
  std::vector<std::vector<double>> classes;       // classification: per output, sorted
  std::vector<std::vector<std::int64_t>> counts;  // rows of each class
  bool weighted = false;                          // some block has a sample_weight
  double y_min = 0, y_sum = 0;                    // regression: over every output
};

// What the client learns once the blocks keep their binned rows.
struct BlockSummary {
  std::vector<float> bin_low, bin_high;  // features x kCodes, as BinnedFeatures's
  double weight_sum = 0;                 // of sample_weight times class_weight
  double weighted_squares = 0;           // regression: sum of w y^2
  double min_weight = 0, max_weight = 0;
};

BlockFacts describe_blocks(const BlockRows& rows, bool classifier);
BinCuts block_bin_cuts(const Context& ctx, const BlockRows& rows, const BlockFacts& facts, int max_bins,
                       std::uint64_t seed);
// Each block keeps its rows binned by `cuts`, its labels coded by facts.classes, its weights
// multiplied by class_weights (per output and class; empty: none).
void keep_binned_blocks(const BlockRows& rows, const BlockFacts& facts, const BinCuts& cuts, const StatLayout& layout,
                        const std::vector<std::vector<double>>& class_weights);
BlockSummary summarize_blocks(const BlockRows& rows, const BlockFacts& facts);

// Every row's out-of-bag sums and counts (out_of_bag_sums), and its targets, in block order.
struct BlockOutOfBag {
  std::vector<double> sums;
  std::vector<std::int64_t> counted;
  std::vector<double> targets;  // rows x outputs
};

// Grows trees from the kept blocks (X: the cuts and bin ranges, no codes).
class BlockForestGrower {
 public:
  // Asks the blocks for their fixed-point weights when the bootstrap draws by unequal weights.
  BlockForestGrower(const Context& ctx, const BlockRows& rows, const BlockFacts& facts, const BlockSummary& summary,
                    const BinnedFeatures& X, const TreeSettings& s);
  // Trees first_tree .. first_tree + n_trees - 1.
  std::vector<TreeNodes> grow(std::int64_t first_tree, std::int64_t n_trees);
  // The grown forest's out-of-bag sums, asked of the blocks' rows (their weights as keep_binned_blocks
  // made them, with these class weights).
  BlockOutOfBag out_of_bag(const ForestView& v, const std::vector<std::vector<double>>& class_weights) const;

 private:
  const Context& ctx_;
  const BlockRows& rows_;
  const BlockFacts& facts_;
  const BinnedFeatures& X_;
  const TreeSettings& s_;
  DrawFrame frame_;                          // of all the rows
  std::vector<std::int64_t> weight_before_;  // per block: DrawFrame::weight_before
};

// A block's answer to any of those questions.
std::vector<std::uint8_t> forest_block_answer(const Context& ctx, ByteSpan question, std::int64_t block_index,
                                              const Matrix* X, const Array* y, const Array* sample_weight,
                                              ByteSpan kept);

}  // namespace franca::forest
