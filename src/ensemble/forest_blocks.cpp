// The questions of a forest fitted on blocks of rows, both sides: what the client asks and merges
// (describe_blocks .. BlockForestGrower), and what a block answers (forest_block_answer). Questions
// and answers are little-endian byte images (core/serialize.hpp), read with bounds checks: they
// cross process boundaries through the caller.
#include "ensemble/forest_blocks.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <list>
#include <mutex>

#include "core/class_weight.hpp"
#include "core/expects.hpp"
#include "core/parallel.hpp"
#include "core/serialize.hpp"
#include "ensemble/host_rows.hpp"
#include "ensemble/level_growth.hpp"
#include "primitives/matrix_input.hpp"

namespace franca::forest {

namespace {

enum class Kind : std::uint8_t {
  describe = 1,
  sample,
  keep,
  summary,
  draw_totals,
  tree_sums,
  grow,
  class_draws,
  out_of_bag
};

constexpr std::uint64_t kKeptMagic = 0x6b6f6c4274736572ull;  // "rstBlok"
// A grow question's histograms, at most (int64 cells, dense on the client while it merges them).
constexpr std::int64_t kBlockRequestCells = std::int64_t{1} << 22;

template <class T>
void put_vector(ByteWriter& w, const std::vector<T>& v) {
  w.put<std::uint64_t>(v.size());
  w.put_bytes(v.data(), v.size() * sizeof(T));
}

template <class T>
std::vector<T> get_vector(ByteReader& r, const char* what) {
  const auto n = r.get<std::uint64_t>(what);
  FRANCA_EXPECTS_STATUS(n <= r.remaining() / sizeof(T), Status::invalid_argument,
                        "{}: claims {} items, more than the {} bytes left hold", what, n, r.remaining());
  std::vector<T> v(static_cast<std::size_t>(n));
  if (n > 0) std::memcpy(v.data(), r.take(static_cast<std::size_t>(n) * sizeof(T), what), v.size() * sizeof(T));
  return v;
}

ByteWriter question_of(Kind kind) {
  ByteWriter w;
  w.put<std::uint8_t>(static_cast<std::uint8_t>(kind));
  return w;
}

ByteReader reader_of(ByteSpan bytes, const char* source) {
  return ByteReader(bytes.data, bytes.size, source, Status::invalid_argument);
}

// The answers to a question, each checked to be there.
std::vector<ByteSpan> ask(const BlockRows& rows, BlockQuestion kind, ByteWriter& question) {
  std::vector<ByteSpan> answers = rows.ask(kind, question.bytes());
  if (kind == BlockQuestion::keep) return answers;
  FRANCA_EXPECTS(static_cast<std::int64_t>(answers.size()) == rows.n_blocks, "ask: returned {} answers for {} blocks",
                 answers.size(), rows.n_blocks);
  return answers;
}

// ---- The client's questions, and the blocks' answers to them. ----

// The layout and draw settings a block needs to draw and weigh a tree's rows.
void put_draw(ByteWriter& w, const TreeSettings& s, const DrawFrame& frame, const std::vector<std::int64_t>& first_rows,
              const std::vector<std::int64_t>& weight_before) {
  w.put<std::int32_t>(static_cast<std::int32_t>(s.layout.criterion));
  w.put<std::int32_t>(s.layout.n_outputs);
  w.put<std::int32_t>(s.layout.n_classes);
  w.put<std::uint8_t>(s.bootstrap);
  w.put<std::uint8_t>(s.balanced_subsample);
  w.put<std::int64_t>(s.n_draws);
  w.put<std::uint64_t>(s.seed);
  w.put<std::uint8_t>(frame.equal_weights);
  w.put<double>(frame.weight_scale);
  w.put<std::int64_t>(frame.weight_total);
  w.put<std::int64_t>(frame.total_rows);
  put_vector(w, first_rows);
  put_vector(w, weight_before);
}

struct BlockDraw {
  TreeSettings s;
  DrawFrame frame;  // this block's
};

BlockDraw get_draw(ByteReader& r, std::int64_t block_index) {
  BlockDraw out;
  const auto criterion = r.get<std::int32_t>("criterion");
  FRANCA_EXPECTS(criterion >= 0 && criterion <= static_cast<std::int32_t>(Criterion::poisson),
                 "question: criterion {} is none of the forest's", criterion);
  out.s.layout.criterion = static_cast<Criterion>(criterion);
  out.s.layout.n_outputs = r.get<std::int32_t>("n_outputs");
  out.s.layout.n_classes = r.get<std::int32_t>("n_classes");
  out.s.bootstrap = r.get<std::uint8_t>("bootstrap") != 0;
  out.s.balanced_subsample = r.get<std::uint8_t>("balanced_subsample") != 0;
  out.s.n_draws = r.get<std::int64_t>("n_draws");
  out.s.seed = r.get<std::uint64_t>("seed");
  out.frame.equal_weights = r.get<std::uint8_t>("equal_weights") != 0;
  out.frame.weight_scale = r.get<double>("weight_scale");
  out.frame.weight_total = r.get<std::int64_t>("weight_total");
  out.frame.total_rows = r.get<std::int64_t>("total_rows");
  const auto first_rows = get_vector<std::int64_t>(r, "first_rows");
  const auto weight_before = get_vector<std::int64_t>(r, "weight_before");
  FRANCA_EXPECTS(
      block_index < static_cast<std::int64_t>(weight_before.size()) && weight_before.size() + 1 == first_rows.size(),
      "block_index: {} is not among the question's {} blocks", block_index, first_rows.size());
  // As a fit makes them: at most 2^31 - 1 draws a tree, the classes and outputs of a classifier's
  // labels, a positive fixed-point total to draw from where a bootstrap draws by unequal weights.
  FRANCA_EXPECTS(
      out.s.n_draws >= 0 && out.s.n_draws < (std::int64_t{1} << 31) && out.frame.total_rows > 0 &&
          out.s.layout.n_outputs > 0 && out.s.layout.n_outputs < (1 << 20) && out.s.layout.n_classes >= 0 &&
          out.s.layout.n_classes < (1 << 20) &&
          (!out.s.bootstrap || out.frame.equal_weights ||
           (out.frame.weight_total > 0 && out.frame.weight_scale > 0 && std::isfinite(out.frame.weight_scale))),
      "question: the draw settings are out of range");
  out.frame.first_row = first_rows[static_cast<std::size_t>(block_index)];
  out.frame.weight_before = weight_before[static_cast<std::size_t>(block_index)];
  return out;
}

// A block's kept form: its rows binned, their labels (or targets) and weights, and the bin ranges.
// Sections in order of alignment (the header's int64, then float64, int32, float32, bytes), so
// that an 8-byte aligned image is read in place.
struct KeptBlock {
  std::int64_t first_row = 0, n = 0, d = 0, n_outputs = 1;
  bool classification = false;
  const double* weights = nullptr;
  const double* values = nullptr;        // regression: n x outputs
  const std::int32_t* labels = nullptr;  // classification: n x outputs
  const std::int32_t* n_bins = nullptr;  // per feature
  const float* bin_low = nullptr;        // features x kCodes
  const float* bin_high = nullptr;
  const std::uint8_t* codes = nullptr;  // n x features
  ByteSpan image;                       // the whole kept form
  std::vector<std::uint64_t> aligned;   // a copy, when the image was not aligned
};

// A block's targets as the trees take them: each row's weight (sample_weight times its classes'
// weights) and, for a classifier, its labels' codes (rows x outputs), from the question's classes
// and class weights of each output (put_classes).
struct BlockTargets {
  Array y;  // host float64, rows x outputs
  std::int64_t n_outputs = 1;
  std::vector<double> weights;
  std::vector<std::int32_t> labels;
};

void put_classes(ByteWriter& q, const BlockFacts& facts, const std::vector<std::vector<double>>& class_weights) {
  q.put<std::int64_t>(facts.n_outputs);
  for (std::size_t o = 0; o < facts.classes.size(); ++o) {
    put_vector(q, facts.classes[o]);
    put_vector(q, class_weights.empty() ? std::vector<double>{} : class_weights[o]);
  }
}

BlockTargets read_targets(const Context& ctx, ByteReader& q, bool classification, const Array& y,
                          const Array* sample_weight, std::int64_t n) {
  BlockTargets out;
  out.n_outputs = q.get<std::int64_t>("n_outputs");
  const std::int64_t y_outputs = y.ndim() == 1 ? 1 : y.dim(1);
  FRANCA_EXPECTS(y_outputs == out.n_outputs, "y: has {} outputs, the other blocks {}", y_outputs, out.n_outputs);
  out.y = to(ctx, y, Device::cpu(), DType::float64);
  const double* targets = out.y.ptr<const double>();
  out.weights.assign(static_cast<std::size_t>(n), 1.0);
  if (sample_weight) {
    const Array w = to(ctx, *sample_weight, Device::cpu(), DType::float64);
    out.weights.assign(w.ptr<const double>(), w.ptr<const double>() + n);
  }
  if (!classification) return out;
  out.labels.resize(static_cast<std::size_t>(n * out.n_outputs));
  for (std::int64_t o = 0; o < out.n_outputs; ++o) {
    const auto classes = get_vector<double>(q, "classes");
    const auto multipliers = get_vector<double>(q, "class weights");
    FRANCA_EXPECTS(multipliers.empty() || multipliers.size() == classes.size(),
                   "question: {} class weights for {} classes", multipliers.size(), classes.size());
    for (std::int64_t i = 0; i < n; ++i) {
      const double label = targets[i * out.n_outputs + o];
      const auto it = std::lower_bound(classes.begin(), classes.end(), label);
      FRANCA_EXPECTS(it != classes.end() && *it == label, "y: label {} of row {} is not among the classes", label, i);
      const auto code = static_cast<std::int32_t>(it - classes.begin());
      out.labels[static_cast<std::size_t>(i * out.n_outputs + o)] = code;
      if (!multipliers.empty()) out.weights[static_cast<std::size_t>(i)] *= multipliers[static_cast<std::size_t>(code)];
    }
  }
  return out;
}

std::vector<std::uint8_t> keep_rows(const Context& ctx, ByteReader& q, std::int64_t block_index, const Matrix& X,
                                    const Array& y, const Array* sample_weight) {
  const auto classification = q.get<std::uint8_t>("classification") != 0;
  BinCuts cuts;
  cuts.offsets = get_vector<std::int64_t>(q, "cut offsets");
  cuts.cuts = get_vector<float>(q, "cuts");
  const auto first_rows = get_vector<std::int64_t>(q, "first_rows");
  FRANCA_EXPECTS(block_index < static_cast<std::int64_t>(first_rows.size()),
                 "block_index: {} is not among the {} blocks", block_index, first_rows.size());
  FRANCA_EXPECTS(cuts.features() == X.cols() && !cuts.offsets.empty() && cuts.offsets.front() == 0 &&
                     cuts.offsets.back() == static_cast<std::int64_t>(cuts.cuts.size()) &&
                     std::is_sorted(cuts.offsets.begin(), cuts.offsets.end()),
                 "question: its bin cuts are not those of X's {} features", X.cols());
  for (std::int64_t f = 0; f < cuts.features(); ++f)
    FRANCA_EXPECTS(cuts.n_bins(f) <= kMaxBins, "question: feature {} has more than {} bins", f, kMaxBins);
  const std::int64_t n = X.rows(), d = X.cols();
  const BlockTargets t = read_targets(ctx, q, classification, y, sample_weight, n);
  const std::int64_t n_outputs = t.n_outputs;
  const std::vector<double>& weights = t.weights;
  const std::vector<std::int32_t>& labels = t.labels;
  const double* targets = t.y.ptr<const double>();
  Array codes;
  std::vector<float> bin_low, bin_high;
  encode_bins<Backend::cpu>(ctx, X, cuts, codes, bin_low, bin_high);
  ByteWriter w;
  w.put<std::uint64_t>(kKeptMagic);
  w.put<std::int64_t>(first_rows[static_cast<std::size_t>(block_index)]);
  w.put<std::int64_t>(n);
  w.put<std::int64_t>(d);
  w.put<std::int64_t>(n_outputs);
  w.put<std::int64_t>(classification);
  w.put_bytes(weights.data(), weights.size() * sizeof(double));
  if (classification) {
    w.put_bytes(labels.data(), labels.size() * sizeof(std::int32_t));
  } else {
    w.put_bytes(targets, static_cast<std::size_t>(n * n_outputs) * sizeof(double));
  }
  for (std::int64_t f = 0; f < d; ++f) w.put<std::int32_t>(cuts.n_bins(f));
  w.put_bytes(bin_low.data(), bin_low.size() * sizeof(float));
  w.put_bytes(bin_high.data(), bin_high.size() * sizeof(float));
  w.put_bytes(codes.data, static_cast<std::size_t>(n * d));
  return std::move(w.bytes());
}

KeptBlock read_kept(ByteSpan kept) {
  FRANCA_EXPECTS(kept.data != nullptr, "kept: a question of the kept blocks needs the block's kept form");
  KeptBlock b;
  const std::uint8_t* base = kept.data;
  if (reinterpret_cast<std::uintptr_t>(base) % alignof(std::uint64_t) != 0) {
    b.aligned.resize((kept.size + 7) / 8);
    std::memcpy(b.aligned.data(), kept.data, kept.size);
    base = reinterpret_cast<const std::uint8_t*>(b.aligned.data());
  }
  b.image = {base, kept.size};
  ByteReader r(base, kept.size, "kept", Status::invalid_argument);
  FRANCA_EXPECTS(r.get<std::uint64_t>("magic") == kKeptMagic, "kept: not a forest block's kept form");
  b.first_row = r.get<std::int64_t>("first_row");
  b.n = r.get<std::int64_t>("rows");
  b.d = r.get<std::int64_t>("features");
  b.n_outputs = r.get<std::int64_t>("outputs");
  b.classification = r.get<std::int64_t>("classification") != 0;
  FRANCA_EXPECTS(b.n >= 0 && b.n < (std::int64_t{1} << 31) && b.d > 0 && b.d < (std::int64_t{1} << 31) &&
                     b.n_outputs > 0 && b.n_outputs < (std::int64_t{1} << 20),
                 "kept: its sizes are out of range");
  const auto n = static_cast<std::size_t>(b.n), d = static_cast<std::size_t>(b.d),
             O = static_cast<std::size_t>(b.n_outputs);
  b.weights = reinterpret_cast<const double*>(r.take(n * sizeof(double), "weights"));
  if (b.classification) {
    b.labels = reinterpret_cast<const std::int32_t*>(r.take(n * O * sizeof(std::int32_t), "labels"));
  } else {
    b.values = reinterpret_cast<const double*>(r.take(n * O * sizeof(double), "targets"));
  }
  b.n_bins = reinterpret_cast<const std::int32_t*>(r.take(d * sizeof(std::int32_t), "n_bins"));
  b.bin_low = reinterpret_cast<const float*>(r.take(d * kCodes * sizeof(float), "bin_low"));
  b.bin_high = reinterpret_cast<const float*>(r.take(d * kCodes * sizeof(float), "bin_high"));
  b.codes = r.take(n * d, "codes");
  for (std::size_t f = 0; f < d; ++f)
    FRANCA_EXPECTS(b.n_bins[f] >= 1 && b.n_bins[f] <= kMaxBins, "kept: feature {} has {} bins", f, b.n_bins[f]);
  for (std::size_t i = 0; i < n * d; ++i)
    FRANCA_EXPECTS(b.codes[i] <= b.n_bins[i % d], "kept: code {} of row {} is out of its feature's range", b.codes[i],
                   i / d);
  for (std::size_t i = 0; i < n; ++i)
    FRANCA_EXPECTS(std::isfinite(b.weights[i]) && b.weights[i] >= 0, "kept: row {} has weight {}", i, b.weights[i]);
  if (!b.classification)
    for (std::size_t i = 0; i < n * O; ++i)
      FRANCA_EXPECTS(std::isfinite(b.values[i]), "kept: target {} is {}", i, b.values[i]);
  return b;
}

// The trees of a grow or tree-sums question, drawn and weighed on this block.
struct GrowQuestion {
  BlockDraw draw;
  std::int64_t first_tree = 0, n_trees = 0;
  // balanced_subsample: each tree's draws of each output's classes over all the blocks (trees x
  // outputs x classes); empty before the client has them (the class draws question).
  std::vector<double> class_draws;

  const double* class_draws_of(std::int64_t t) const {
    if (class_draws.empty()) return nullptr;
    return class_draws.data() + t * draw.s.layout.n_outputs * draw.s.layout.n_classes;
  }
};

GrowQuestion get_trees(ByteReader& q, std::int64_t block_index, const KeptBlock& b) {
  GrowQuestion g;
  g.draw = get_draw(q, block_index);
  g.first_tree = q.get<std::int64_t>("first_tree");
  g.n_trees = q.get<std::int64_t>("n_trees");
  FRANCA_EXPECTS(g.first_tree >= 0 && g.n_trees >= 0 && g.n_trees <= (std::int64_t{1} << 20),
                 "question: trees {} .. +{} out of range", g.first_tree, g.n_trees);
  g.class_draws = get_vector<double>(q, "class draws");
  FRANCA_EXPECTS(g.class_draws.empty() || static_cast<std::int64_t>(g.class_draws.size()) ==
                                              g.n_trees * g.draw.s.layout.n_outputs * g.draw.s.layout.n_classes,
                 "question: {} class draws for {} trees", g.class_draws.size(), g.n_trees);
  const StatLayout& layout = g.draw.s.layout;
  FRANCA_EXPECTS(layout.classification() == b.classification && layout.n_outputs == b.n_outputs,
                 "question: asks for {} outputs of {}, the block keeps {} of {}", layout.n_outputs,
                 layout.classification() ? "classes" : "targets", b.n_outputs,
                 b.classification ? "classes" : "targets");
  if (b.classification)
    for (std::int64_t i = 0; i < b.n * b.n_outputs; ++i)
      FRANCA_EXPECTS(b.labels[i] >= 0 && b.labels[i] < layout.n_classes, "kept: label code {} out of range",
                     b.labels[i]);
  FRANCA_EXPECTS(b.first_row == g.draw.frame.first_row, "kept: the block starts at row {}, the question says {}",
                 b.first_row, g.draw.frame.first_row);
  return g;
}

// A 64-bit digest of bytes, eight at a time in four lanes: the identity of a kept block or a level
// of moves for TreeMemo (a collision would need equal sizes and a 2^-64 chance).
std::uint64_t digest(const void* data, std::size_t n) {
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  std::uint64_t lanes[4] = {0x9e3779b97f4a7c15ull, 0xc2b2ae3d27d4eb4full, 0x165667b19e3779f9ull, 0x27d4eb2f165667c5ull};
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    for (int k = 0; k < 4; ++k) {
      std::uint64_t word;
      std::memcpy(&word, bytes + i + 8 * k, 8);
      lanes[k] = (lanes[k] ^ word) * 0x100000001b3ull;
      lanes[k] ^= lanes[k] >> 29;
    }
  }
  std::uint64_t h = n;
  for (; i < n; ++i) h = (h ^ bytes[i]) * 0x100000001b3ull;
  for (const std::uint64_t lane : lanes) h = (h ^ lane) * 0x9e3779b97f4a7c15ull ^ (h >> 31);
  return h;
}

// A block's trees as the last question of their batch left them (drawn rows from the tree sums
// question on, fixed-point statistics, each row's node after the levels replayed so far), kept
// between questions so that each tree is drawn once a batch and the next grow question replays its
// new level only: the answer is the same with or without it (a question whose block, batch,
// scales, roots or earlier levels differ starts afresh). Bounded: the blocks least
// recently asked are dropped past kMemoBytes.
class TreeMemo {
 public:
  struct Tree {
    bool drawn = false, fixed = false;  // rows drawn (the batch's draws); fixed at `scales`
    TreeRows rows;
    std::vector<std::int32_t> node;
    std::int32_t root = -1;
    Scales scales;
    std::vector<std::uint64_t> levels;  // digests of the levels replayed
  };
  struct Batch {
    std::uint64_t key = 0;
    std::vector<Tree> trees;
    std::size_t bytes = 0;
  };

  static TreeMemo& instance() {
    static TreeMemo memo;
    return memo;
  }

  // The batch of `key` (taken out: a question uses it alone), or a fresh one of n_trees trees.
  Batch take(std::uint64_t key, std::int64_t n_trees) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = batches_.begin(); it != batches_.end(); ++it) {
      if (it->key != key) continue;
      Batch batch = std::move(*it);
      bytes_ -= batch.bytes;
      batches_.erase(it);
      if (static_cast<std::int64_t>(batch.trees.size()) == n_trees) return batch;
      break;
    }
    Batch fresh;
    fresh.key = key;
    fresh.trees.resize(static_cast<std::size_t>(n_trees));
    return fresh;
  }

  void put(Batch batch) {
    constexpr std::size_t kMemoBytes = std::size_t{512} << 20;
    std::size_t bytes = 0;
    for (const Tree& tree : batch.trees) bytes += tree.rows.bytes() + tree.node.size() * sizeof(std::int32_t);
    if (bytes > kMemoBytes) return;
    batch.bytes = bytes;
    std::lock_guard<std::mutex> lock(mutex_);
    batches_.push_front(std::move(batch));
    bytes_ += bytes;
    while (bytes_ > kMemoBytes) {
      bytes_ -= batches_.back().bytes;
      batches_.pop_back();
    }
  }

 private:
  std::mutex mutex_;
  std::list<Batch> batches_;  // most recently used first
  std::size_t bytes_ = 0;
};

// The memo's key of a batch on a block: the block's bytes and the question's draw settings and trees
// (its start, less the kind: the tree sums and the grow questions of a batch share it).
std::uint64_t batch_key(const KeptBlock& b, ByteSpan question, std::size_t batch_end) {
  return digest(b.image.data, b.image.size) ^ (digest(question.data + 1, batch_end - 1) * 0x9e3779b97f4a7c15ull);
}

// The trees' draws of the batch, which the memo keeps for its grow questions.
std::vector<std::uint8_t> tree_sums_answer(const Context& ctx, ByteSpan question, ByteReader& q,
                                           std::int64_t block_index, const KeptBlock& b) {
  const GrowQuestion g = get_trees(q, block_index, b);
  TreeMemo::Batch batch = TreeMemo::instance().take(batch_key(b, question, q.position()), g.n_trees);
  std::vector<TreeSums> sums(static_cast<std::size_t>(g.n_trees));
  parallel_for(ctx, g.n_trees, 1, [&](std::int64_t t0, std::int64_t t1) {
    for (std::int64_t t = t0; t < t1; ++t) {
      TreeMemo::Tree& tree = batch.trees[static_cast<std::size_t>(t)];
      if (!tree.drawn) {
        tree.rows.draw(g.draw.s, g.draw.frame, b.n, b.weights, b.labels, g.first_tree + t, g.class_draws_of(t));
        tree.drawn = true;
      }
      sums[static_cast<std::size_t>(t)] = tree.rows.sums(b.values);
    }
  });
  TreeMemo::instance().put(std::move(batch));
  ByteWriter w;
  put_vector(w, sums);
  return std::move(w.bytes());
}

// balanced_subsample: each tree's draws of each output's classes among the block's rows.
std::vector<std::uint8_t> class_draws_answer(const Context& ctx, ByteReader& q, std::int64_t block_index,
                                             const KeptBlock& b) {
  GrowQuestion g = get_trees(q, block_index, b);
  g.draw.s.balanced_subsample = false;  // the plain draws, which the class weights will weigh
  const StatLayout& layout = g.draw.s.layout;
  const std::size_t per_tree = static_cast<std::size_t>(layout.n_outputs) * static_cast<std::size_t>(layout.n_classes);
  std::vector<double> draws(static_cast<std::size_t>(g.n_trees) * per_tree);
  parallel_for(ctx, g.n_trees, 1, [&](std::int64_t t0, std::int64_t t1) {
    TreeRows tree_rows;
    for (std::int64_t t = t0; t < t1; ++t) {
      tree_rows.draw(g.draw.s, g.draw.frame, b.n, b.weights, b.labels, g.first_tree + t);
      const std::vector<double> drawn = tree_rows.drawn_classes(layout, b.n, b.labels);
      std::copy(drawn.begin(), drawn.end(), draws.begin() + t * static_cast<std::int64_t>(per_tree));
    }
  });
  ByteWriter w;
  put_vector(w, draws);
  return std::move(w.bytes());
}

// The block's rows' out-of-bag sums of a grown forest (the question's arrays), their counts and the
// rows' targets: what the client scores.
std::vector<std::uint8_t> out_of_bag_answer(const Context& ctx, ByteReader& q, std::int64_t block_index,
                                            const Matrix& X, const Array& y, const Array* sample_weight) {
  const BlockDraw draw = get_draw(q, block_index);
  const bool classification = q.get<std::uint8_t>("classification") != 0;
  const BlockTargets targets = read_targets(ctx, q, classification, y, sample_weight, X.rows());
  FlatForest forest;
  forest.offsets = get_vector<std::int64_t>(q, "offsets");
  forest.left = get_vector<std::int64_t>(q, "left");
  forest.right = get_vector<std::int64_t>(q, "right");
  forest.feature = get_vector<std::int64_t>(q, "feature");
  forest.threshold = get_vector<double>(q, "threshold");
  forest.value = get_vector<double>(q, "value");
  forest.missing_left = get_vector<std::uint8_t>(q, "missing_left");
  forest.width = q.get<std::int64_t>("value_width");
  forest.n_outputs = targets.n_outputs;
  FRANCA_EXPECTS(forest.offsets.size() >= 2, "question: a forest of no tree");
  const auto nodes = static_cast<std::size_t>(forest.offsets.back());
  FRANCA_EXPECTS(forest.left.size() == nodes && forest.right.size() == nodes && forest.feature.size() == nodes &&
                     forest.threshold.size() == nodes && forest.missing_left.size() == nodes && forest.width >= 1 &&
                     forest.width < (std::int64_t{1} << 20) &&
                     forest.value.size() == nodes * static_cast<std::size_t>(forest.n_outputs * forest.width),
                 "question: the forest's arrays are not of its {} nodes", nodes);
  const ForestView v = forest.view(X.cols());
  check_tree_arrays(v, Status::invalid_argument, "question");
  std::vector<double> sums;
  std::vector<std::int64_t> counted;
  out_of_bag_sums(ctx, host_matrix(ctx, contiguous_checked(ctx, X)), v, draw.s, draw.frame, targets.weights.data(),
                  sums, counted);
  ByteWriter w;
  put_vector(w, sums);
  put_vector(w, counted);
  const double* y_values = targets.y.ptr<const double>();
  put_vector(w, std::vector<double>(y_values, y_values + X.rows() * targets.n_outputs));
  return std::move(w.bytes());
}

// Histogram cells as a grow answer sends them: the non-empty ones only (deep nodes hold few rows),
// each as the distance from the previous one and its m sums, as zigzag varints after dropping the
// trailing zero bits that every sum of its column shares (fixed-point weights are multiples of a
// power of two: a bootstrap count times the tree's unit). Sums of ten and more bytes shrink to a
// few.
void put_cells(ByteWriter& w, const std::vector<std::int64_t>& sums, int m) {
  const auto width = static_cast<std::size_t>(m);
  std::vector<std::size_t> filled;
  std::vector<int> shift(width, 63);
  for (std::size_t c = 0; c < sums.size(); c += width) {
    if (sums[c] == 0) continue;
    filled.push_back(c);
    for (std::size_t k = 0; k < width; ++k)
      if (sums[c + k] != 0) shift[k] = std::min(shift[k], __builtin_ctzll(static_cast<std::uint64_t>(sums[c + k])));
  }
  w.put<std::uint64_t>(filled.size());
  for (const int b : shift) w.put<std::uint8_t>(static_cast<std::uint8_t>(b));
  std::vector<std::uint8_t>& out = w.bytes();
  out.reserve(out.size() + filled.size() * (width + 1) * 3);
  auto varint = [&](std::uint64_t v) {
    for (; v >= 0x80; v >>= 7) out.push_back(static_cast<std::uint8_t>(v | 0x80));
    out.push_back(static_cast<std::uint8_t>(v));
  };
  std::size_t previous = 0;
  for (const std::size_t c : filled) {
    varint(c - previous);
    previous = c;
    for (std::size_t k = 0; k < width; ++k) {
      const std::int64_t v = sums[c + k] >> shift[k];
      varint((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
    }
  }
}

// sum += value, refused where it overflows: the blocks' sums of one tree stay within 2^62 (TreeRows),
// so an answer that overflows is not an answer to this question.
void add_checked(std::int64_t& sum, std::int64_t value) {
  FRANCA_EXPECTS(!__builtin_add_overflow(sum, value, &sum),
                 "answer: the blocks' sums overflow: not this fit's answers");
}

// Adds the cells of a put_cells answer into sums (`cells` long, m per cell).
void add_cells(ByteReader& r, std::vector<std::int64_t>& sums, int m) {
  const auto count = r.get<std::uint64_t>("cell count");
  std::vector<int> shift;
  for (int k = 0; k < m; ++k) {
    shift.push_back(r.get<std::uint8_t>("shift"));
    FRANCA_EXPECTS(shift.back() < 64, "answer: a column shift of {}", shift.back());
  }
  auto varint = [&] {
    std::uint64_t v = 0;
    for (int bits = 0;; bits += 7) {
      FRANCA_EXPECTS(bits < 64, "answer: a varint of more than 64 bits");
      const auto byte = r.get<std::uint8_t>("varint");
      v |= static_cast<std::uint64_t>(byte & 0x7f) << bits;
      if (!(byte & 0x80)) return v;
    }
  };
  std::uint64_t at = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    at += varint();
    FRANCA_EXPECTS(at % static_cast<std::uint64_t>(m) == 0 && at + static_cast<std::uint64_t>(m) <= sums.size(),
                   "answer: cell {} out of range", at);
    for (int k = 0; k < m; ++k) {
      const std::uint64_t z = varint();
      const auto v = static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
      add_checked(sums[static_cast<std::size_t>(at) + static_cast<std::size_t>(k)],
                  static_cast<std::int64_t>(static_cast<std::uint64_t>(v) << shift[static_cast<std::size_t>(k)]));
    }
  }
}

std::vector<std::uint8_t> grow_answer(const Context& ctx, ByteSpan question, ByteReader& q, std::int64_t block_index,
                                      const KeptBlock& b) {
  const GrowQuestion g = get_trees(q, block_index, b);
  const std::size_t batch_end = q.position();
  const StatLayout& layout = g.draw.s.layout;
  const int m = layout.width();
  const auto scales = get_vector<Scales>(q, "scales");
  const auto roots = get_vector<std::int32_t>(q, "roots");
  FRANCA_EXPECTS(
      static_cast<std::int64_t>(scales.size()) == g.n_trees && static_cast<std::int64_t>(roots.size()) == g.n_trees,
      "question: scales and roots for {} and {} trees, of {}", scales.size(), roots.size(), g.n_trees);
  const auto n_levels = q.get<std::uint64_t>("levels");
  FRANCA_EXPECTS(n_levels <= q.remaining(), "question: claims {} levels", n_levels);
  std::vector<std::vector<NodeMove>> levels;
  // A grower numbers a batch's nodes from its roots, two per split at most: handles beyond are no
  // node's, and bound the tables below.
  std::int64_t handles = g.n_trees + 1;
  for (std::uint64_t l = 0; l < n_levels; ++l) {
    levels.push_back(get_vector<NodeMove>(q, "moves"));
    handles += 2 * static_cast<std::int64_t>(levels.back().size());
  }
  const bool totals_only = q.get<std::uint8_t>("totals_only") != 0;
  const auto tasks = get_vector<NodeTask>(q, "tasks");
  const auto pairs = get_vector<PairTask>(q, "pairs");
  const auto cells = q.get<std::int64_t>("cells");
  // LevelGrower's bound, or one pair's histogram beyond it.
  FRANCA_EXPECTS(cells >= 0 && cells <= std::max<std::int64_t>(kBlockRequestCells, std::int64_t{kCodes} * m),
                 "question: {} histogram cells", cells);
  const auto is_handle = [&](std::int32_t h) { return h >= -1 && h < handles; };
  for (const std::int32_t root : roots) FRANCA_EXPECTS(is_handle(root), "question: root handle {} out of range", root);
  for (const auto& moves : levels)
    for (const NodeMove& move : moves)
      FRANCA_EXPECTS(move.handle >= 0 && is_handle(move.handle) && is_handle(move.left) && is_handle(move.right) &&
                         move.feature < b.d,
                     "question: a move of node {} is out of range", move.handle);
  for (const NodeTask& task : tasks)
    FRANCA_EXPECTS(task.handle >= 0 && is_handle(task.handle) && task.tree >= 0 && task.tree < g.n_trees &&
                       task.first_pair >= 0 && task.first_pair <= task.end_pair &&
                       task.end_pair <= static_cast<std::int32_t>(pairs.size()),
                   "question: a node's pairs are out of range");
  for (const PairTask& pair : pairs)
    FRANCA_EXPECTS(pair.feature >= 0 && pair.feature < b.d && pair.cells >= 0 &&
                       pair.cells + (b.n_bins[pair.feature] + 1) * std::int64_t{m} <= cells,
                   "question: a pair's histogram is out of range");
  // Each handle's move at each level, and its task: an array lookup per row where the level moves
  // many of the handles (level by level, all of them), a search among its few moves otherwise
  // (best-first: one node a tree), so that the tables stay within a few times the moves.
  const auto index_of_handles = [&](const auto& items) {
    std::vector<std::int32_t> index;
    if (static_cast<std::int64_t>(items.size()) * 8 < handles) return index;
    index.assign(static_cast<std::size_t>(handles), -1);
    for (std::size_t k = 0; k < items.size(); ++k)
      index[static_cast<std::size_t>(items[k].handle)] = static_cast<std::int32_t>(k);
    return index;
  };
  const auto find = [](const auto& items, const std::vector<std::int32_t>& index, std::int32_t handle) {
    return index.empty() ? find_handle(items.data(), static_cast<std::int32_t>(items.size()), handle)
                         : index[static_cast<std::size_t>(handle)];
  };
  for (const auto& moves : levels)
    FRANCA_EXPECTS(std::is_sorted(moves.begin(), moves.end(),
                                  [](const NodeMove& a, const NodeMove& b) { return a.handle < b.handle; }),
                   "question: a level's moves are not sorted by node");
  FRANCA_EXPECTS(std::is_sorted(tasks.begin(), tasks.end(),
                                [](const NodeTask& a, const NodeTask& b) { return a.handle < b.handle; }),
                 "question: its nodes are not sorted");
  std::vector<std::vector<std::int32_t>> move_index;
  for (const auto& moves : levels) move_index.push_back(index_of_handles(moves));
  const std::vector<std::int32_t> task_index = index_of_handles(tasks);

  std::vector<std::uint64_t> level_digests;
  for (const auto& moves : levels) level_digests.push_back(digest(moves.data(), moves.size() * sizeof(NodeMove)));
  // The block and the batch (draw settings and trees: the question's start).
  TreeMemo::Batch batch = TreeMemo::instance().take(batch_key(b, question, batch_end), g.n_trees);
  std::vector<std::int64_t> sums(static_cast<std::size_t>(totals_only ? g.n_trees * m : cells), 0);
  // Trees own disjoint pairs (a node belongs to one tree): the threads write disjoint cells.
  parallel_for(ctx, g.n_trees, 1, [&](std::int64_t t0, std::int64_t t1) {
    for (std::int64_t t = t0; t < t1; ++t) {
      TreeMemo::Tree& tree = batch.trees[static_cast<std::size_t>(t)];
      const Scales& tree_scales = scales[static_cast<std::size_t>(t)];
      const std::int32_t root = roots[static_cast<std::size_t>(t)];
      if (!tree.drawn) {
        tree.rows.draw(g.draw.s, g.draw.frame, b.n, b.weights, b.labels, g.first_tree + t, g.class_draws_of(t));
        tree.drawn = true;
      }
      tree.rows.relocate_labels(b.labels);  // a memo of the same block read from another copy of it
      if (!tree.fixed || std::memcmp(&tree.scales, &tree_scales, sizeof(Scales)) != 0) {
        tree.rows.fix(layout, tree_scales, b.values);
        tree.fixed = true;
        tree.scales = tree_scales;
        tree.levels.clear();
        tree.root = -2;  // no node yet
      }
      if (tree.root != root || tree.levels.size() > level_digests.size() ||
          !std::equal(tree.levels.begin(), tree.levels.end(), level_digests.begin())) {
        tree.node.assign(tree.rows.rows().size(), root);
        tree.root = root;
        tree.levels.clear();
      }
      const std::vector<std::int32_t>& rows = tree.rows.rows();
      if (totals_only) {
        for (const std::int32_t r : rows) tree.rows.add_row(sums.data() + t * m, r);
        continue;
      }
      std::vector<std::int32_t>& node = tree.node;
      for (std::size_t l = tree.levels.size(); l < levels.size(); ++l) {
        const std::vector<NodeMove>& moves = levels[l];
        const std::vector<std::int32_t>& index = move_index[l];
        for (std::size_t i = 0; i < rows.size(); ++i) {
          if (node[i] < 0) continue;
          const std::int32_t k = find(moves, index, node[i]);
          if (k < 0) continue;
          const std::uint8_t* row = b.codes + static_cast<std::int64_t>(rows[i]) * b.d;
          node[i] = moved_handle(&moves[static_cast<std::size_t>(k)], 1, b.n_bins, node[i],
                                 [&](std::int32_t f) { return row[f]; });
        }
        tree.levels.push_back(level_digests[l]);
      }
      for (std::size_t i = 0; i < rows.size(); ++i) {
        if (node[i] < 0) continue;
        const std::int32_t k = find(tasks, task_index, node[i]);
        if (k < 0 || tasks[static_cast<std::size_t>(k)].tree != t) continue;
        const std::uint8_t* row = b.codes + static_cast<std::int64_t>(rows[i]) * b.d;
        for (std::int32_t p = tasks[static_cast<std::size_t>(k)].first_pair;
             p < tasks[static_cast<std::size_t>(k)].end_pair; ++p) {
          const PairTask& pair = pairs[static_cast<std::size_t>(p)];
          tree.rows.add_row(sums.data() + pair.cells + std::int64_t{row[pair.feature]} * m, rows[i]);
        }
      }
    }
  });
  TreeMemo::instance().put(std::move(batch));
  ByteWriter w;
  if (totals_only) {
    put_vector(w, sums);
    return std::move(w.bytes());
  }
  put_cells(w, sums, m);
  return std::move(w.bytes());
}

}  // namespace

std::vector<std::uint8_t> forest_block_answer(const Context& ctx, ByteSpan question, std::int64_t block_index,
                                              const Matrix* X, const Array* y, const Array* sample_weight,
                                              ByteSpan kept) {
  ByteReader q = reader_of(question, "question");
  const auto kind = static_cast<Kind>(q.get<std::uint8_t>("kind"));
  const bool of_rows = kind == Kind::describe || kind == Kind::sample || kind == Kind::keep || kind == Kind::out_of_bag;
  FRANCA_EXPECTS(!of_rows || (X && y), "X, y: the question asks of the block's rows; pass them");
  ByteWriter w;
  switch (kind) {
    case Kind::describe: {
      const auto classification = q.get<std::uint8_t>("classification") != 0;
      const Array y_host = to(ctx, *y, Device::cpu(), DType::float64);
      const std::int64_t n = X->rows(), outputs = y->ndim() == 1 ? 1 : y->dim(1);
      const double* targets = y_host.ptr<const double>();
      w.put<std::int64_t>(n);
      w.put<std::int64_t>(X->cols());
      w.put<std::int64_t>(outputs);
      w.put<std::uint8_t>(sample_weight != nullptr);
      if (classification) {
        std::vector<double> column(static_cast<std::size_t>(n));
        for (std::int64_t o = 0; o < outputs; ++o) {
          for (std::int64_t i = 0; i < n; ++i) column[static_cast<std::size_t>(i)] = targets[i * outputs + o];
          const ClassLabels encoded = encode_class_labels(column.data(), n);
          put_vector(w, encoded.classes);
          put_vector(w, encoded.counts);
        }
      } else {
        double y_min = std::numeric_limits<double>::infinity(), y_sum = 0;
        for (std::int64_t i = 0; i < n * outputs; ++i) {
          y_min = std::min(y_min, targets[i]);
          y_sum += targets[i];
        }
        w.put<double>(y_min);
        w.put<double>(y_sum);
      }
      return std::move(w.bytes());
    }
    case Kind::sample: {
      const auto n = q.get<std::int64_t>("rows");
      const auto seed = q.get<std::uint64_t>("seed");
      const auto first_rows = get_vector<std::int64_t>(q, "first_rows");
      FRANCA_EXPECTS(block_index + 1 < static_cast<std::int64_t>(first_rows.size()),
                     "block_index: {} is not among the {} blocks", block_index, first_rows.size());
      const std::int64_t first = first_rows[static_cast<std::size_t>(block_index)];
      FRANCA_EXPECTS(first_rows[static_cast<std::size_t>(block_index) + 1] - first == X->rows() && n > 0,
                     "X: has {} rows, the blocks' description {}", X->rows(),
                     first_rows[static_cast<std::size_t>(block_index) + 1] - first);
      std::vector<std::int64_t> rows;
      for (const std::int64_t r : bin_sample_rows(n, seed))
        if (r >= first && r < first + X->rows()) rows.push_back(r - first);
      const Matrix X_host = host_matrix(ctx, contiguous_checked(ctx, *X));  // a CSR X's structure checked too
      std::vector<float> values(rows.size() * static_cast<std::size_t>(X->cols()));
      read_rows_as_float(X_host, rows.data(), 0, static_cast<std::int64_t>(rows.size()), values.data());
      put_vector(w, values);
      return std::move(w.bytes());
    }
    case Kind::keep:
      return keep_rows(ctx, q, block_index, host_matrix(ctx, contiguous_checked(ctx, *X)), *y, sample_weight);
    case Kind::summary: {
      const KeptBlock b = read_kept(kept);
      w.put_bytes(b.bin_low, static_cast<std::size_t>(b.d) * kCodes * sizeof(float));
      w.put_bytes(b.bin_high, static_cast<std::size_t>(b.d) * kCodes * sizeof(float));
      double sum = 0, squares = 0, least = std::numeric_limits<double>::infinity(), most = 0;
      for (std::int64_t i = 0; i < b.n; ++i) {
        const double wi = b.weights[i];
        sum += wi;
        least = std::min(least, wi);
        most = std::max(most, wi);
        if (!b.classification)
          for (std::int64_t o = 0; o < b.n_outputs; ++o)
            squares += wi * b.values[i * b.n_outputs + o] * b.values[i * b.n_outputs + o];
      }
      w.put<double>(sum);
      w.put<double>(squares);
      w.put<double>(least);
      w.put<double>(most);
      return std::move(w.bytes());
    }
    case Kind::draw_totals: {
      const KeptBlock b = read_kept(kept);
      const auto scale = q.get<double>("weight_scale");
      std::int64_t total = 0;
      FRANCA_EXPECTS(scale > 0 && std::isfinite(scale), "question: weight scale {}", scale);
      for (std::int64_t i = 0; i < b.n; ++i) total = add_fixed_weight(total, fixed_weight(b.weights[i], scale));
      w.put<std::int64_t>(total);
      return std::move(w.bytes());
    }
    case Kind::tree_sums:
      return tree_sums_answer(ctx, question, q, block_index, read_kept(kept));
    case Kind::grow:
      return grow_answer(ctx, question, q, block_index, read_kept(kept));
    case Kind::class_draws:
      return class_draws_answer(ctx, q, block_index, read_kept(kept));
    case Kind::out_of_bag:
      return out_of_bag_answer(ctx, q, block_index, *X, *y, sample_weight);
  }
  FRANCA_FAIL(Status::invalid_argument, "question: kind {} is none of a forest's questions", static_cast<int>(kind));
}

BlockFacts describe_blocks(const BlockRows& rows, bool classifier) {
  ByteWriter q = question_of(Kind::describe);
  q.put<std::uint8_t>(classifier);
  const std::vector<ByteSpan> answers = ask(rows, BlockQuestion::rows, q);
  BlockFacts facts;
  facts.first_rows.push_back(0);
  facts.y_min = std::numeric_limits<double>::infinity();
  for (std::size_t b = 0; b < answers.size(); ++b) {
    ByteReader r = reader_of(answers[b], "answer");
    const auto n = r.get<std::int64_t>("rows"), d = r.get<std::int64_t>("features"),
               outputs = r.get<std::int64_t>("outputs");
    facts.weighted = r.get<std::uint8_t>("weighted") != 0 || facts.weighted;
    FRANCA_EXPECTS(n >= 0 && n < (std::int64_t{1} << 40) && d > 0 && d < (std::int64_t{1} << 31) && outputs >= 1 &&
                       outputs < (std::int64_t{1} << 20),
                   "answer: block {} describes {} rows, {} features, {} outputs", b, n, d, outputs);
    if (b == 0) {
      facts.d = d;
      facts.n_outputs = outputs;
      facts.classes.resize(classifier ? static_cast<std::size_t>(outputs) : 0);
      facts.counts.resize(facts.classes.size());
    }
    FRANCA_EXPECTS(d == facts.d, "X: block {} has {} features, block 0 has {}", b, d, facts.d);
    FRANCA_EXPECTS(outputs == facts.n_outputs, "y: block {} has {} outputs, block 0 has {}", b, outputs,
                   facts.n_outputs);
    facts.n += n;
    facts.first_rows.push_back(facts.n);
    if (classifier) {
      for (std::int64_t o = 0; o < outputs; ++o) {
        const auto classes = get_vector<double>(r, "classes");
        const auto counts = get_vector<std::int64_t>(r, "counts");
        FRANCA_EXPECTS(classes.size() == counts.size(), "answer: {} classes and {} counts", classes.size(),
                       counts.size());
        auto& merged = facts.classes[static_cast<std::size_t>(o)];
        auto& merged_counts = facts.counts[static_cast<std::size_t>(o)];
        for (std::size_t c = 0; c < classes.size(); ++c) {
          const auto it = std::lower_bound(merged.begin(), merged.end(), classes[c]);
          const auto at = it - merged.begin();
          if (it == merged.end() || *it != classes[c]) {
            merged.insert(it, classes[c]);
            merged_counts.insert(merged_counts.begin() + at, 0);
          }
          merged_counts[static_cast<std::size_t>(at)] += counts[c];
        }
      }
    } else {
      facts.y_min = std::min(facts.y_min, r.get<double>("y_min"));
      facts.y_sum += r.get<double>("y_sum");
    }
  }
  FRANCA_EXPECTS(facts.n > 0, "X: the blocks hold no rows");
  return facts;
}

BinCuts block_bin_cuts(const Context& ctx, const BlockRows& rows, const BlockFacts& facts, int max_bins,
                       std::uint64_t seed) {
  ByteWriter q = question_of(Kind::sample);
  q.put<std::int64_t>(facts.n);
  q.put<std::uint64_t>(seed);
  put_vector(q, facts.first_rows);
  std::vector<float> sample;
  for (const ByteSpan& answer : ask(rows, BlockQuestion::rows, q)) {
    ByteReader r = reader_of(answer, "answer");
    const auto values = get_vector<float>(r, "sample");
    sample.insert(sample.end(), values.begin(), values.end());
  }
  const auto s = static_cast<std::int64_t>(sample.size()) / facts.d;
  FRANCA_EXPECTS(s == static_cast<std::int64_t>(bin_sample_rows(facts.n, seed).size()),
                 "answer: the blocks sent {} rows of the bin sample", s);
  return cuts_from_sample(ctx, sample.data(), s, facts.d, max_bins);
}

void keep_binned_blocks(const BlockRows& rows, const BlockFacts& facts, const BinCuts& cuts, const StatLayout& layout,
                        const std::vector<std::vector<double>>& class_weights) {
  ByteWriter q = question_of(Kind::keep);
  q.put<std::uint8_t>(layout.classification());
  put_vector(q, cuts.offsets);
  put_vector(q, cuts.cuts);
  put_vector(q, facts.first_rows);
  put_classes(q, facts, class_weights);
  ask(rows, BlockQuestion::keep, q);
}

BlockSummary summarize_blocks(const BlockRows& rows, const BlockFacts& facts) {
  ByteWriter q = question_of(Kind::summary);
  BlockSummary out;
  const auto cells = static_cast<std::size_t>(facts.d) * kCodes;
  out.bin_low.assign(cells, std::numeric_limits<float>::infinity());
  out.bin_high.assign(cells, -std::numeric_limits<float>::infinity());
  out.min_weight = std::numeric_limits<double>::infinity();
  for (const ByteSpan& answer : ask(rows, BlockQuestion::kept, q)) {
    ByteReader r = reader_of(answer, "answer");
    const auto* low = reinterpret_cast<const std::uint8_t*>(r.take(cells * sizeof(float), "bin_low"));
    const auto* high = reinterpret_cast<const std::uint8_t*>(r.take(cells * sizeof(float), "bin_high"));
    for (std::size_t k = 0; k < cells; ++k) {
      float lo, hi;
      std::memcpy(&lo, low + k * sizeof(float), sizeof(float));
      std::memcpy(&hi, high + k * sizeof(float), sizeof(float));
      out.bin_low[k] = std::min(out.bin_low[k], lo);
      out.bin_high[k] = std::max(out.bin_high[k], hi);
    }
    out.weight_sum += r.get<double>("weight_sum");
    out.weighted_squares += r.get<double>("squares");
    out.min_weight = std::min(out.min_weight, r.get<double>("min_weight"));
    out.max_weight = std::max(out.max_weight, r.get<double>("max_weight"));
  }
  return out;
}

namespace {

// LevelGrower's engine over the blocks: every request a grow question.
class BlockEngine {
 public:
  BlockEngine(const Context& ctx, const BlockRows& rows, const TreeSettings& s, const DrawFrame& frame,
              const std::vector<std::int64_t>& first_rows, const std::vector<std::int64_t>& weight_before,
              const std::vector<std::int32_t>& n_bins)
      : ctx_(ctx), rows_(rows), s_(s), m_(s.layout.width()), n_bins_(n_bins) {
    ByteWriter draw;
    put_draw(draw, s, frame, first_rows, weight_before);
    draw_ = std::move(draw.bytes());
  }

  std::int64_t request_cells() const { return kBlockRequestCells; }

  std::vector<TreeStart> start(std::int64_t first_tree, std::int64_t n_trees) {
    first_tree_ = first_tree;
    n_trees_ = n_trees;
    levels_.clear();
    class_draws_.clear();
    if (s_.balanced_subsample && s_.bootstrap) {
      ByteWriter q = trees_question(Kind::class_draws);
      std::vector<double> draws(static_cast<std::size_t>(n_trees * s_.layout.n_outputs * s_.layout.n_classes), 0.0);
      for (const ByteSpan& answer : ask(rows_, BlockQuestion::kept, q)) {
        ByteReader r = reader_of(answer, "answer");
        const auto block = get_vector<double>(r, "class draws");
        FRANCA_EXPECTS(block.size() == draws.size(), "answer: {} class draws, of {}", block.size(), draws.size());
        for (std::size_t k = 0; k < draws.size(); ++k) draws[k] += block[k];  // integers: exact
      }
      class_draws_ = std::move(draws);
    }
    ByteWriter q = trees_question(Kind::tree_sums);
    std::vector<TreeSums> sums(static_cast<std::size_t>(n_trees));
    for (const ByteSpan& answer : ask(rows_, BlockQuestion::kept, q)) {
      ByteReader r = reader_of(answer, "answer");
      const auto block = get_vector<TreeSums>(r, "tree sums");
      FRANCA_EXPECTS(block.size() == sums.size(), "answer: sums of {} trees, of {}", block.size(), sums.size());
      for (std::size_t t = 0; t < sums.size(); ++t) {
        sums[t].w += block[t].w;
        sums[t].y += block[t].y;
        sums[t].y2 += block[t].y2;
        sums[t].ylogy += block[t].ylogy;
      }
    }
    scales_.clear();
    for (const TreeSums& t : sums) scales_.push_back(scales_of(t));
    roots_.assign(static_cast<std::size_t>(n_trees), -1);
    const std::vector<std::int64_t> totals = grow_question(true, {}, {}, 0);
    std::vector<TreeStart> starts;
    for (std::int64_t t = 0; t < n_trees; ++t)
      starts.push_back({scales_[static_cast<std::size_t>(t)],
                        std::vector<std::int64_t>(totals.begin() + t * m_, totals.begin() + (t + 1) * m_)});
    return starts;
  }

  void place(const std::vector<std::int32_t>& roots, const std::vector<double>& min_weight_leaf) {
    roots_ = roots;
    min_weight_leaf_ = min_weight_leaf;
  }

  void evaluate(const std::vector<NodeTask>& tasks, const std::vector<PairTask>& pairs,
                const std::vector<std::int64_t>& totals, std::int64_t cells, std::vector<PairResult>& results,
                std::vector<std::int64_t>& left_sides) {
    ctx_.check_cancelled();
    const std::vector<std::int64_t> hist = grow_question(false, tasks, pairs, cells);
    PairLimits limits;
    limits.layout = s_.layout;
    limits.min_samples_leaf = s_.min_samples_leaf;
    limits.tree_scales = scales_.data();
    limits.tree_min_weight_leaf = min_weight_leaf_.data();
    limits.n_bins = n_bins_.data();
    const std::vector<std::int32_t> monotonic(s_.monotonic.begin(), s_.monotonic.end());
    limits.monotonic = monotonic.empty() ? nullptr : monotonic.data();
    results.resize(pairs.size());
    left_sides.assign(pairs.size() * static_cast<std::size_t>(m_), 0);
    parallel_for(ctx_, static_cast<std::int64_t>(pairs.size()), 64, [&](std::int64_t p0, std::int64_t p1) {
      std::vector<std::int64_t> scratch(static_cast<std::size_t>(2 * m_));
      for (std::int64_t p = p0; p < p1; ++p) {
        const PairTask& pair = pairs[static_cast<std::size_t>(p)];
        // A tree's sums stay within 2^62 (TreeRows::fix): so must every column of a pair's
        // histogram taken whole, and its node's totals, for the split search's partial sums not to
        // overflow.
        const std::int64_t* node = totals.data() + static_cast<std::int64_t>(pair.task) * m_;
        const std::int64_t size = (n_bins_[static_cast<std::size_t>(pair.feature)] + 1) * std::int64_t{m_};
        for (int k = 0; k < m_; ++k) {
          double magnitude = 0;
          for (std::int64_t c = pair.cells + k; c < pair.cells + size; c += m_)
            magnitude += std::fabs(static_cast<double>(hist[static_cast<std::size_t>(c)]));
          FRANCA_EXPECTS(magnitude < 0x1p62 && std::fabs(static_cast<double>(node[k])) < 0x1p62,
                         "answer: the blocks' histograms sum beyond 2^62: not this fit's answers");
        }
        results[static_cast<std::size_t>(p)] = evaluate_pair(limits, tasks[static_cast<std::size_t>(pair.task)], pair,
                                                             totals.data() + static_cast<std::int64_t>(pair.task) * m_,
                                                             hist.data(), scratch.data(), left_sides.data() + p * m_);
      }
    });
  }

  void apply(const std::vector<NodeMove>& moves) {
    ctx_.check_cancelled();
    levels_.push_back(moves);
  }

 private:
  ByteWriter trees_question(Kind kind) const {
    ByteWriter q = question_of(kind);
    q.put_bytes(draw_.data(), draw_.size());
    q.put<std::int64_t>(first_tree_);
    q.put<std::int64_t>(n_trees_);
    put_vector(q, class_draws_);
    return q;
  }

  // The blocks' summed histograms of the pairs (cells), or the trees' totals (trees x m).
  std::vector<std::int64_t> grow_question(bool totals_only, const std::vector<NodeTask>& tasks,
                                          const std::vector<PairTask>& pairs, std::int64_t cells) {
    ByteWriter q = trees_question(Kind::grow);
    put_vector(q, scales_);
    put_vector(q, roots_);
    q.put<std::uint64_t>(levels_.size());
    for (const auto& moves : levels_) put_vector(q, moves);
    q.put<std::uint8_t>(totals_only);
    put_vector(q, tasks);
    put_vector(q, pairs);
    q.put<std::int64_t>(cells);
    const std::size_t size = totals_only ? static_cast<std::size_t>(n_trees_ * m_) : static_cast<std::size_t>(cells);
    std::vector<std::int64_t> sums(size, 0);
    for (const ByteSpan& answer : ask(rows_, BlockQuestion::kept, q)) {
      ByteReader r = reader_of(answer, "answer");
      if (!totals_only) {
        add_cells(r, sums, m_);
        continue;
      }
      const auto block = get_vector<std::int64_t>(r, "sums");
      FRANCA_EXPECTS(block.size() == size, "answer: {} totals, of {}", block.size(), size);
      for (std::size_t k = 0; k < size; ++k) add_checked(sums[k], block[k]);
    }
    return sums;
  }

  const Context& ctx_;
  const BlockRows& rows_;
  const TreeSettings& s_;
  int m_;
  const std::vector<std::int32_t>& n_bins_;
  std::vector<std::uint8_t> draw_;  // put_draw's bytes
  std::int64_t first_tree_ = 0, n_trees_ = 0;
  std::vector<Scales> scales_;
  std::vector<std::int32_t> roots_;
  std::vector<double> min_weight_leaf_;
  std::vector<std::vector<NodeMove>> levels_;
  std::vector<double> class_draws_;  // balanced_subsample: GrowQuestion::class_draws
};

}  // namespace

BlockForestGrower::BlockForestGrower(const Context& ctx, const BlockRows& rows, const BlockFacts& facts,
                                     const BlockSummary& summary, const BinnedFeatures& X, const TreeSettings& s)
    : ctx_(ctx), rows_(rows), facts_(facts), X_(X), s_(s) {
  frame_.total_rows = facts.n;
  frame_.equal_weights = summary.min_weight == summary.max_weight;
  weight_before_.assign(static_cast<std::size_t>(rows.n_blocks), 0);
  if (frame_.equal_weights || !s.bootstrap) return;
  frame_.weight_scale = draw_weight_scale(facts.n, summary.max_weight);
  ByteWriter q = question_of(Kind::draw_totals);
  q.put<double>(frame_.weight_scale);
  std::size_t b = 0;
  for (const ByteSpan& answer : ask(rows, BlockQuestion::kept, q)) {
    ByteReader r = reader_of(answer, "answer");
    weight_before_[b++] = frame_.weight_total;
    frame_.weight_total += r.get<std::int64_t>("weight_total");
  }
}

BlockOutOfBag BlockForestGrower::out_of_bag(const ForestView& v,
                                            const std::vector<std::vector<double>>& class_weights) const {
  ByteWriter q = question_of(Kind::out_of_bag);
  put_draw(q, s_, frame_, facts_.first_rows, weight_before_);
  q.put<std::uint8_t>(s_.layout.classification());
  put_classes(q, facts_, class_weights);
  const auto nodes = static_cast<std::size_t>(v.offsets[v.n_trees]);
  put_vector(q, std::vector<std::int64_t>(v.offsets, v.offsets + v.n_trees + 1));
  put_vector(q, std::vector<std::int64_t>(v.left, v.left + nodes));
  put_vector(q, std::vector<std::int64_t>(v.right, v.right + nodes));
  put_vector(q, std::vector<std::int64_t>(v.feature, v.feature + nodes));
  put_vector(q, std::vector<double>(v.threshold, v.threshold + nodes));
  put_vector(q, std::vector<double>(v.value, v.value + nodes * static_cast<std::size_t>(v.n_outputs * v.value_width)));
  put_vector(q, std::vector<std::uint8_t>(v.missing_left, v.missing_left + nodes));
  q.put<std::int64_t>(v.value_width);
  BlockOutOfBag out;
  for (const ByteSpan& answer : ask(rows_, BlockQuestion::rows, q)) {
    ByteReader r = reader_of(answer, "answer");
    const auto sums = get_vector<double>(r, "sums");
    const auto counted = get_vector<std::int64_t>(r, "counted");
    const auto targets = get_vector<double>(r, "targets");
    FRANCA_EXPECTS(sums.size() == counted.size() * static_cast<std::size_t>(v.n_outputs * v.value_width) &&
                       targets.size() == counted.size() * static_cast<std::size_t>(v.n_outputs),
                   "answer: out-of-bag sums of {} rows do not match", counted.size());
    out.sums.insert(out.sums.end(), sums.begin(), sums.end());
    out.counted.insert(out.counted.end(), counted.begin(), counted.end());
    out.targets.insert(out.targets.end(), targets.begin(), targets.end());
  }
  FRANCA_EXPECTS(static_cast<std::int64_t>(out.counted.size()) == facts_.n, "answer: out-of-bag sums of {} rows, of {}",
                 out.counted.size(), facts_.n);
  return out;
}

std::vector<TreeNodes> BlockForestGrower::grow(std::int64_t first_tree, std::int64_t n_trees) {
  std::vector<std::int32_t> n_bins;
  for (std::int64_t f = 0; f < X_.cuts.features(); ++f) n_bins.push_back(X_.cuts.n_bins(f));
  BlockEngine engine(ctx_, rows_, s_, frame_, facts_.first_rows, weight_before_, n_bins);
  LevelGrower<BlockEngine> grower(engine, X_, s_);
  return grower.grow(first_tree, n_trees);
}

}  // namespace franca::forest
