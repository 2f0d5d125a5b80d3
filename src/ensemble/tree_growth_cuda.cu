// The CUDA grower: a batch of trees grown together by LevelGrower (level_growth.hpp), the device
// doing the work over rows: histograms of a request's (node, feature) pairs, the best split of each
// pair (evaluate_pair), and the rows' moves to the children.
//
// Rows: every (tree, drawn row) is an entry (its X row, its node, its weight or statistics), the
// trees' entries one after the other. An entry's node is a handle, -1 once its node is a leaf; a
// launch lists the nodes it serves sorted by handle, and an entry finds its node there by binary
// search.
//
// Identity with the CPU: the sums are integers (rows added with 64-bit atomics, so any order gives
// the CPU's), and every double a tree keeps (values, impurities, thresholds, improvements) is
// computed on the host by the code the CPU grower runs. The device computes only the proxies that
// rank a node's candidate splits, with the same functions, in the same order, without fused
// multiply-adds (--fmad=false). What is left: entropy's log2 and Poisson's log in those proxies are
// CUDA's, which may differ from the host's libm in the last bit, so two candidates whose proxies
// tie to that bit may be ranked differently.
//
// Device memory: the batch's entries (kEntryBytes at most: 8 bytes each, and 8 per statistic),
// and per launch its histograms (kHistogramCells int64 at most), 3 x m int64 of scratch per pair
// (kScratchCells at most) and the pairs' results.
#include <algorithm>
#include <type_traits>

#include "core/cuda_check.cuh"
#include "core/cuda_handles.cuh"
#include "core/cuda_launch.cuh"
#include "core/expects.hpp"
#include "ensemble/forest.hpp"
#include "ensemble/level_growth.hpp"

namespace franca::forest {

namespace {

// Bounds the entries of a batch of trees and the histograms of a launch on the device; larger
// batches and launches only save launches.
constexpr std::int64_t kEntryBytes = std::int64_t{1} << 30;
constexpr std::int64_t kHistogramCells = std::int64_t{1} << 26;

// What each entry is and where it is.
struct Entries {
  const std::int32_t* rows;    // X row
  std::int32_t* node;          // node handle, -1 in a leaf
  const std::int64_t* weight;  // classification: fixed-point weight
  const std::int64_t* stats;   // regression: m fixed-point statistics
  std::int64_t count;
};

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

// One thread per pair: its best split (evaluate_pair).
__global__ void evaluate_kernel(PairLimits limits, const NodeTask* tasks, const PairTask* pairs, std::int32_t count,
                                const std::int64_t* totals, const std::int64_t* hist, std::int64_t* scratch,
                                PairResult* results, std::int64_t* left) {
  const int m = limits.layout.width();
  for (std::int64_t p = cuda::grid_start(); p < count; p += cuda::grid_stride()) {
    const PairTask pair = pairs[p];
    results[p] = evaluate_pair(limits, tasks[pair.task], pair, totals + static_cast<std::int64_t>(pair.task) * m, hist,
                               scratch + p * 2 * m, left + p * m);
  }
}

// One thread per entry: an entry of a node that moves goes to the child its code sends it to, as
// the CPU's partition sends its row.
__global__ void move_kernel(Entries entries, const std::uint8_t* codes, std::int64_t n, const std::int32_t* n_bins,
                            const NodeMove* moves, std::int32_t move_count) {
  for (std::int64_t i = cuda::grid_start(); i < entries.count; i += cuda::grid_stride()) {
    const std::int64_t r = entries.rows[i];
    entries.node[i] = moved_handle(moves, move_count, n_bins, entries.node[i], [&](std::int32_t feature) {
      return codes[static_cast<std::int64_t>(feature) * n + r];
    });
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

// LevelGrower's engine on a GPU: the batch's entries on the device.
class DeviceRows {
 public:
  DeviceRows(const Context& ctx, const BinnedFeatures& X, const TreeTargets& y, const TreeSettings& s)
      : ctx_(ctx), X_(X), s_(s), layout_(s.layout), m_(layout_.width()), n_(X.rows), device_(X.codes.device) {
    weights_ = to(ctx, y.weights, Device::cpu(), DType::float64);
    if (layout_.classification()) {
      labels_ = to(ctx, y.labels, Device::cpu(), DType::int32);
      device_labels_ = to(ctx, y.labels, device_, DType::int32);
    } else {
      values_ = to(ctx, y.values, Device::cpu(), DType::float64);
    }
    std::vector<std::int32_t> n_bins;
    for (std::int64_t f = 0; f < X.cuts.features(); ++f) n_bins.push_back(X.cuts.n_bins(f));
    device_n_bins_ = upload(ctx, n_bins, device_);
    if (!s.monotonic.empty())
      device_monotonic_ = upload(ctx, std::vector<std::int32_t>(s.monotonic.begin(), s.monotonic.end()), device_);
  }

  // The trees a batch grows, so that its entries stay within kEntryBytes.
  std::int64_t trees_per_batch() const {
    const std::int64_t statistics = layout_.classification() ? 1 : m_;
    const std::int64_t entry_bytes =
        2 * std::int64_t{sizeof(std::int32_t)} + std::int64_t{sizeof(std::int64_t)} * statistics;
    return std::max<std::int64_t>(1, kEntryBytes / std::max<std::int64_t>(1, n_ * entry_bytes));
  }

  std::int64_t request_cells() const { return kHistogramCells; }

  std::vector<TreeStart> start(std::int64_t first_tree, std::int64_t n_trees) {
    rows_.clear();
    values_of_rows_.clear();
    tree_entries_.clear();
    std::vector<TreeStart> starts;
    std::vector<Scales> scales;
    TreeRows tree_rows;
    for (std::int64_t g = 0; g < n_trees; ++g) {
      tree_rows.prepare(s_, n_, weights_.ptr<const double>(),
                        layout_.classification() ? labels_.ptr<const std::int32_t>() : nullptr,
                        layout_.classification() ? nullptr : values_.ptr<const double>(), first_tree + g);
      TreeStart tree{tree_rows.scales(), std::vector<std::int64_t>(static_cast<std::size_t>(m_), 0)};
      for (const std::int32_t r : tree_rows.rows()) {
        tree_rows.add_row(tree.totals.data(), r);
        rows_.push_back(r);
        if (layout_.classification()) {
          values_of_rows_.push_back(tree_rows.weight(r));
        } else {
          values_of_rows_.insert(values_of_rows_.end(), tree_rows.stats(r), tree_rows.stats(r) + m_);
        }
      }
      tree_entries_.push_back(static_cast<std::int64_t>(tree_rows.rows().size()));
      scales.push_back(tree.scales);
      starts.push_back(std::move(tree));
    }
    tree_scales_ = upload(ctx_, scales, device_);
    return starts;
  }

  void place(const std::vector<std::int32_t>& roots, const std::vector<double>& min_weight_leaf) {
    std::vector<std::int32_t> nodes;
    nodes.reserve(rows_.size());
    for (std::size_t g = 0; g < roots.size(); ++g)
      nodes.insert(nodes.end(), static_cast<std::size_t>(tree_entries_[g]), roots[g]);
    entry_rows_ = upload(ctx_, rows_, device_);
    entry_nodes_ = upload(ctx_, nodes, device_);
    entry_values_ = upload(ctx_, values_of_rows_, device_);
    entries_.rows = entry_rows_.ptr<const std::int32_t>();
    entries_.node = entry_nodes_.ptr<std::int32_t>();
    entries_.weight = layout_.classification() ? entry_values_.ptr<const std::int64_t>() : nullptr;
    entries_.stats = layout_.classification() ? nullptr : entry_values_.ptr<const std::int64_t>();
    entries_.count = static_cast<std::int64_t>(rows_.size());
    tree_min_weight_leaf_ = upload(ctx_, min_weight_leaf, device_);
  }

  // One launch: the histograms and best splits of the request's pairs.
  void evaluate(const std::vector<NodeTask>& tasks, const std::vector<PairTask>& pairs,
                const std::vector<std::int64_t>& totals, std::int64_t cells, std::vector<PairResult>& results,
                std::vector<std::int64_t>& left_sides) {
    ctx_.check_cancelled();
    const auto stream = cuda::stream_of(ctx_);
    const auto count = static_cast<std::int32_t>(pairs.size());
    const Array device_tasks = upload(ctx_, tasks, device_);
    const Array device_pairs = upload(ctx_, pairs, device_);
    const Array device_totals = upload(ctx_, totals, device_);
    Array hist = Array::empty(ctx_, device_, DType::int64, {cells});
    Array scratch = Array::empty(ctx_, device_, DType::int64, {std::int64_t{count} * 2 * m_});
    Array left = Array::empty(ctx_, device_, DType::int64, {std::int64_t{count} * m_});
    Array outcome = Array::empty(ctx_, device_, DType::uint8,
                                 {std::int64_t{count} * static_cast<std::int64_t>(sizeof(PairResult))});
    FRANCA_CUDA_TRY(cudaMemsetAsync(hist.data, 0, hist.nbytes(), stream));
    histogram_kernel<<<cuda::blocks_for(entries_.count), cuda::kBlockThreads, 0, stream>>>(
        entries_, device_labels_.ptr<const std::int32_t>(), X_.codes.ptr<const std::uint8_t>(), n_, layout_,
        device_tasks.ptr<const NodeTask>(), static_cast<std::int32_t>(tasks.size()), device_pairs.ptr<const PairTask>(),
        hist.ptr<std::int64_t>());
    FRANCA_CUDA_CHECK_LAUNCH();
    PairLimits limits;
    limits.layout = layout_;
    limits.min_samples_leaf = s_.min_samples_leaf;
    limits.tree_scales = tree_scales_.ptr<const Scales>();
    limits.tree_min_weight_leaf = tree_min_weight_leaf_.ptr<const double>();
    limits.n_bins = device_n_bins_.ptr<const std::int32_t>();
    limits.monotonic = s_.monotonic.empty() ? nullptr : device_monotonic_.ptr<const std::int32_t>();
    evaluate_kernel<<<cuda::blocks_for(count), cuda::kBlockThreads, 0, stream>>>(
        limits, device_tasks.ptr<const NodeTask>(), device_pairs.ptr<const PairTask>(), count,
        device_totals.ptr<const std::int64_t>(), hist.ptr<const std::int64_t>(), scratch.ptr<std::int64_t>(),
        outcome.ptr<PairResult>(), left.ptr<std::int64_t>());
    FRANCA_CUDA_CHECK_LAUNCH();
    results = download<PairResult>(ctx_, outcome.data, static_cast<std::size_t>(count));
    left_sides =
        download<std::int64_t>(ctx_, left.data, static_cast<std::size_t>(count) * static_cast<std::size_t>(m_));
  }

  // Moves the entries of the nodes in `moves` (sorted by handle).
  void apply(const std::vector<NodeMove>& moves) {
    ctx_.check_cancelled();
    const Array device_moves = upload(ctx_, moves, device_);
    move_kernel<<<cuda::blocks_for(entries_.count), cuda::kBlockThreads, 0, cuda::stream_of(ctx_)>>>(
        entries_, X_.codes.ptr<const std::uint8_t>(), n_, device_n_bins_.ptr<const std::int32_t>(),
        device_moves.ptr<const NodeMove>(), static_cast<std::int32_t>(moves.size()));
    FRANCA_CUDA_CHECK_LAUNCH();
  }

 private:
  const Context& ctx_;
  const BinnedFeatures& X_;
  const TreeSettings& s_;
  StatLayout layout_;
  int m_;
  std::int64_t n_;
  Device device_;
  Array weights_, labels_, values_;  // host
  Array device_labels_, device_n_bins_, device_monotonic_;

  // The batch: its entries on the host until placed, then on the device.
  std::vector<std::int32_t> rows_;
  std::vector<std::int64_t> values_of_rows_, tree_entries_;
  Array entry_rows_, entry_nodes_, entry_values_, tree_scales_, tree_min_weight_leaf_;
  Entries entries_{};
};

}  // namespace

template <>
std::vector<TreeNodes> grow_trees<Backend::cuda>(const Context& ctx, const BinnedFeatures& X, const TreeTargets& y,
                                                 const TreeSettings& s, std::int64_t first_tree, std::int64_t n_trees) {
  FRANCA_EXPECTS(X.rows < (std::int64_t{1} << 31), "X: forests take at most 2^31 - 1 rows, got {}", X.rows);
  cuda::DeviceGuard guard(X.codes.device.id);
  DeviceRows rows(ctx, X, y, s);
  LevelGrower<DeviceRows> grower(rows, X, s);
  std::vector<TreeNodes> trees;
  const std::int64_t batch = rows.trees_per_batch();
  for (std::int64_t t = 0; t < n_trees; t += batch) {
    ctx.check_cancelled();
    for (TreeNodes& tree : grower.grow(first_tree + t, std::min(batch, n_trees - t))) trees.push_back(std::move(tree));
  }
  return trees;
}

}  // namespace franca::forest
