// RandomForestClassifier and RandomForestRegressor: scikit-learn's forests, grown from histograms
// of byte-coded features (forest.hpp), on dense or CSR X with missing values, on the CPU or CUDA.
// The fitted state is the trees' scikit-learn arrays concatenated (tree_*_), so a saved forest
// predicts on any device and the Python binding rebuilds scikit-learn trees from it.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "core/class_weight.hpp"
#include "core/expects.hpp"
#include "core/logging.hpp"
#include "core/random.hpp"
#include "core/registry.hpp"
#include "ensemble/forest.hpp"
#include "ensemble/forest_blocks.hpp"
#include "ensemble/host_rows.hpp"
#include "primitives/matrix_input.hpp"

namespace franca {

namespace {

// max_features: 'sqrt', 'log2', an int (a count), a float (a fraction of the features) or None.
struct MaxFeatures {
  enum class Kind { sqrt, log2, count, fraction, all };
  Kind kind = Kind::sqrt;
  double value = 0;
};

// max_samples: None (n_samples draws), an int (a count) or a float > 0 (a fraction).
// min_samples_split / min_samples_leaf: an int (a count) or a float (a fraction of n_samples).
struct CountOrFraction {
  bool fraction = false;
  double value = 0;
};

// monotonic_cst: None or one of -1, 0, 1 per feature.
struct MonotonicCst {
  bool given = false;
  std::vector<int> values;
};

}  // namespace

template <>
struct ParamCodec<MaxFeatures> {
  static std::string type_name() { return "{'sqrt', 'log2'}, int, float or None"; }
  static MaxFeatures read(const json& v, const ParamInfo& info) {
    if (v.is_null()) return {MaxFeatures::Kind::all, 0};
    if (v.is_string()) {
      const auto s = v.get<std::string>();
      FRANCA_EXPECTS(s == "sqrt" || s == "log2",
                     "parameter '{}': must be 'sqrt', 'log2', an int in [1, inf), a float in (0.0, 1.0] or None, "
                     "got '{}'",
                     info.name, s);
      return {s == "sqrt" ? MaxFeatures::Kind::sqrt : MaxFeatures::Kind::log2, 0};
    }
    if (v.is_number_integer()) {
      const auto n = params_detail::read_integer(v, info, 1, std::numeric_limits<std::int64_t>::max(), "int");
      return {MaxFeatures::Kind::count, static_cast<double>(n)};
    }
    const double x = params_detail::read_float(v, info);
    FRANCA_EXPECTS(x > 0 && x <= 1, "parameter '{}': a float must be in (0.0, 1.0], got {}", info.name, x);
    return {MaxFeatures::Kind::fraction, x};
  }
  static json write(const MaxFeatures& m) {
    switch (m.kind) {
      case MaxFeatures::Kind::sqrt:
        return "sqrt";
      case MaxFeatures::Kind::log2:
        return "log2";
      case MaxFeatures::Kind::count:
        return static_cast<std::int64_t>(m.value);
      case MaxFeatures::Kind::fraction:
        return m.value;
      case MaxFeatures::Kind::all:
        break;
    }
    return nullptr;
  }
};

template <>
struct ParamCodec<CountOrFraction> {
  static std::string type_name() { return "int or float"; }
  static CountOrFraction read(const json& v, const ParamInfo& info) {
    if (v.is_number_integer())
      return {false, static_cast<double>(
                         params_detail::read_integer(v, info, 1, std::numeric_limits<std::int64_t>::max(), "int"))};
    return {true, params_detail::read_float(v, info)};
  }
  static json write(const CountOrFraction& c) {
    return c.fraction ? json(c.value) : json(static_cast<std::int64_t>(c.value));
  }
};

template <>
struct ParamCodec<std::optional<CountOrFraction>> {
  static std::string type_name() { return "int, float or None"; }
  static std::optional<CountOrFraction> read(const json& v, const ParamInfo& info) {
    if (v.is_null()) return std::nullopt;
    return ParamCodec<CountOrFraction>::read(v, info);
  }
  static json write(const std::optional<CountOrFraction>& c) {
    return c ? ParamCodec<CountOrFraction>::write(*c) : json(nullptr);
  }
};

template <>
struct ParamCodec<MonotonicCst> {
  static std::string type_name() { return "array-like of int or None"; }
  static MonotonicCst read(const json& v, const ParamInfo& info) {
    if (v.is_null()) return {};
    FRANCA_EXPECTS_STATUS(v.is_array(), Status::type, "parameter '{}': expected a list of -1, 0 and 1 or None, got {}",
                          info.name, params_detail::describe(v));
    MonotonicCst out{true, {}};
    for (const auto& x : v) {
      double c = 0;
      FRANCA_EXPECTS(x.is_number() && ((c = x.get<double>()) == -1 || c == 0 || c == 1),
                     "parameter '{}': monotonic_cst must be None or an array-like of -1, 0 or 1, but got {}", info.name,
                     x.dump());
      out.values.push_back(static_cast<int>(c));
    }
    return out;
  }
  static json write(const MonotonicCst& m) { return m.given ? json(m.values) : json(nullptr); }
};

namespace {

using forest::Criterion;

// The check of an int-or-float parameter: a count of at least min_count, or a fraction in (0, 1]
// (or (0, 1) unless one_included).
auto count_or_fraction(const char* name, double min_count, bool one_included) {
  return [=](const CountOrFraction& c) {
    const bool valid = c.fraction ? c.value > 0 && (one_included ? c.value <= 1 : c.value < 1) : c.value >= min_count;
    FRANCA_EXPECTS(valid, "parameter '{}': must be an int in [{}, inf) or a float in (0.0, 1.0{}, got {}", name,
                   min_count, one_included ? "]" : ")", c.value);
  };
}

enum class ClassifierCriterion { gini, entropy, log_loss };
enum class RegressorCriterion { squared_error, absolute_error, friedman_mse, poisson };

template <bool kClassifier>
struct ForestParams {
  using CriterionName = std::conditional_t<kClassifier, ClassifierCriterion, RegressorCriterion>;

  std::int64_t n_estimators = 100;
  CriterionName criterion{};
  std::optional<std::int64_t> max_depth;
  CountOrFraction min_samples_split{false, 2};
  CountOrFraction min_samples_leaf{false, 1};
  double min_weight_fraction_leaf = 0;
  MaxFeatures max_features =
      kClassifier ? MaxFeatures{MaxFeatures::Kind::sqrt, 0} : MaxFeatures{MaxFeatures::Kind::fraction, 1.0};
  std::optional<std::int64_t> max_leaf_nodes;
  double min_impurity_decrease = 0;
  bool bootstrap = true;
  bool oob_score = false;
  std::optional<std::int64_t> n_jobs;
  std::optional<std::int64_t> random_state;
  std::int64_t verbose = 0;
  bool warm_start = false;
  ClassWeight class_weight;  // classifier only
  double ccp_alpha = 0;
  std::optional<CountOrFraction> max_samples;
  MonotonicCst monotonic_cst;
  std::int64_t n_bins = forest::kMaxBins;

  Criterion tree_criterion() const {
    if constexpr (kClassifier) {
      return criterion == ClassifierCriterion::gini ? Criterion::gini : Criterion::entropy;
    } else {
      switch (criterion) {
        case RegressorCriterion::friedman_mse:
          return Criterion::friedman_mse;
        case RegressorCriterion::poisson:
          return Criterion::poisson;
        case RegressorCriterion::absolute_error:
          return Criterion::absolute_error;
        default:
          return Criterion::squared_error;
      }
    }
  }

  static void declare(ParamTable<ForestParams>& t) {
    using P = ForestParams;
    t.field("n_estimators", &P::n_estimators, "The number of trees in the forest.").minimum(1);
    if constexpr (kClassifier) {
      t.field("criterion", &P::criterion,
              "The split quality: 'gini' (Gini impurity), 'entropy' or 'log_loss' (both Shannon information gain).")
          .names({{"gini", ClassifierCriterion::gini},
                  {"entropy", ClassifierCriterion::entropy},
                  {"log_loss", ClassifierCriterion::log_loss}});
    } else {
      t.field("criterion", &P::criterion,
              "The split quality: 'squared_error' (variance reduction), 'friedman_mse' (Friedman's improvement "
              "score), 'poisson' (half Poisson deviance; y >= 0 with a positive sum) or 'absolute_error' (mean "
              "absolute deviation from the median, leaves predict medians: grown on the CPU from the node's rows, "
              "O(rows log rows) a feature, whatever the device; without monotonic_cst, not on blocks).")
          .names({{"squared_error", RegressorCriterion::squared_error},
                  {"absolute_error", RegressorCriterion::absolute_error},
                  {"friedman_mse", RegressorCriterion::friedman_mse},
                  {"poisson", RegressorCriterion::poisson}});
    }
    t.field("max_depth", &P::max_depth,
            "The maximum depth of a tree; None grows nodes until they are pure or hold fewer than "
            "min_samples_split samples.")
        .minimum(1);
    t.field("min_samples_split", &P::min_samples_split,
            "The minimum number of (distinct, drawn) samples a node needs to be split: an int >= 2, or a float in "
            "(0, 1], a fraction of n_samples rounded up.")
        .check(count_or_fraction("min_samples_split", 2, true));
    t.field("min_samples_leaf", &P::min_samples_leaf,
            "The minimum number of samples in each leaf: an int >= 1, or a float in (0, 1), a fraction of "
            "n_samples rounded up.")
        .check(count_or_fraction("min_samples_leaf", 1, false));
    t.field("min_weight_fraction_leaf", &P::min_weight_fraction_leaf,
            "The minimum fraction of a tree's total sample weight in each leaf.")
        .minimum(0)
        .maximum(0.5);
    t.field("max_features", &P::max_features,
            "The number of features a split examines at least: 'sqrt' or 'log2' of n_features, an int, a float "
            "(a fraction of n_features) or None (all). As scikit-learn, the search goes on past it until a feature "
            "that varies in the node is found.");
    t.field("max_leaf_nodes", &P::max_leaf_nodes,
            "Grow trees best-first (largest impurity decrease first) up to this many leaves; None: no limit.")
        .minimum(2);
    t.field("min_impurity_decrease", &P::min_impurity_decrease,
            "Split a node only if the split lowers the weighted impurity by at least this much.")
        .minimum(0);
    t.field("bootstrap", &P::bootstrap,
            "Grow each tree on a bootstrap sample (rows drawn with replacement, with probability proportional to "
            "sample_weight, as scikit-learn 1.9); False: every tree sees every row.");
    t.field("oob_score", &P::oob_score,
            "Estimate the generalisation score on the rows each tree did not draw (accuracy or R^2); needs "
            "bootstrap=True. A callable (Python) runs scikit-learn's forest.");
    t.field("n_jobs", &P::n_jobs,
            "CPU threads for fit and predict: None follows the context's threads, -1 all cores, a positive "
            "number at most that many.");
    t.field("random_state", &P::random_state,
            "Seed of the bootstrap draws and feature orders; None uses the context's seed, so fits are "
            "reproducible either way. The same seed gives the same forest on every device and thread count.");
    t.field("verbose", &P::verbose, "> 0 logs the trees built (info level) as the fit progresses.").minimum(0);
    t.field("warm_start", &P::warm_start,
            "Keep the fitted trees and add trees up to n_estimators (the same trees as a fit of all of them at "
            "once).");
    if constexpr (kClassifier) {
      t.field("class_weight", &P::class_weight,
              "Weights of the classes: None, 'balanced' (n_samples / (n_classes * count of the class)), "
              "'balanced_subsample' (the same over each tree's bootstrap draws), an object mapping a class label "
              "(written as a number) to its weight, or with several outputs a list of such objects, one per output "
              "(the outputs' weights multiply). Multiplies sample_weight.");
    }
    t.field("ccp_alpha", &P::ccp_alpha,
            "Complexity parameter of minimal cost-complexity pruning: each tree's subtrees whose effective alpha "
            "is at most ccp_alpha are pruned. 0: no pruning.")
        .minimum(0);
    t.field("max_samples", &P::max_samples,
            "With bootstrap: the draws per tree, None (n_samples), an int, or a float > 0 (that fraction of "
            "n_samples, or of the sum of sample_weight; above 1 as scikit-learn >= 1.7 allows).")
        .check([](const std::optional<CountOrFraction>& c) {
          FRANCA_EXPECTS(!c || (c->fraction ? c->value > 0 : c->value >= 1),
                         "parameter 'max_samples': must be None, an int in [1, inf) or a float in (0.0, inf), got {}",
                         c ? c->value : 0.0);
        });
    t.field("monotonic_cst", &P::monotonic_cst,
            "Per feature, 1 (increasing), -1 (decreasing) or 0 (no constraint) on the prediction (a classifier's "
            "probability of the positive class; binary classification and single-output regression only).");
    t.field("n_bins", &P::n_bins,
            "Not in scikit-learn. The value bins of each feature (quantiles of the values; each distinct value has "
            "its own bin when there are no more, which gives scikit-learn's exact splits), plus one for missing "
            "values.")
        .minimum(2)
        .maximum(forest::kMaxBins);
    t.rule([](const P& p) {
      FRANCA_EXPECTS(p.bootstrap || !p.oob_score, "oob_score: Out of bag estimation only available if bootstrap=True");
      FRANCA_EXPECTS(p.bootstrap || !p.max_samples,
                     "max_samples: `max_sample` cannot be set if `bootstrap=False`. Either switch to `bootstrap=True` "
                     "or set `max_sample=None`.");
    });
  }
};

// Bounds on what a fit takes: float64 totals the fixed-point sums are scaled from, and the
// bootstrap draws of a tree (counts are int32).
constexpr double kSmallestWeightSum = 1e-250, kLargestSum = 1e300;
constexpr double kMostDraws = 2147483647.0;
// The trees a forest fitted on blocks grows together (they share every question).
constexpr std::int64_t kTreesPerBlockBatch = 64;

// The names of the fitted tree arrays, in the order flatten writes them.
constexpr const char* kTreeArrays[] = {"tree_offsets_",        "tree_children_left_",
                                       "tree_children_right_", "tree_feature_",
                                       "tree_threshold_",      "tree_missing_go_to_left_",
                                       "tree_n_node_samples_", "tree_weighted_n_node_samples_",
                                       "tree_impurity_",       "tree_value_"};

template <bool kClassifier>
class RandomForest final : public TypedEstimator<ForestParams<kClassifier>> {
  using Base = TypedEstimator<ForestParams<kClassifier>>;

 public:
  using Base::Base;

 protected:
  void fit_impl(const Context& base_ctx, const Matrix& X_in, const Array* y, const Array* sample_weight) override {
    const auto& p = this->params();
    const char* name = this->spec().name.c_str();
    const Context ctx = base_ctx.with_jobs(p.n_jobs.value_or(0));
    FRANCA_EXPECTS_STATUS(is_floating(value_dtype(X_in)), Status::type, "X: expected float32 or float64, got {}",
                          dtype_name(value_dtype(X_in)));
    const Matrix X = contiguous_checked(ctx, X_in);
    const std::int64_t n = X.rows(), d = X.cols();
    // absolute_error's medians are found from the rows, which only the CPU grower does
    const bool on_host = p.tree_criterion() == forest::Criterion::absolute_error;
    const Device device = on_host ? Device::cpu() : X.device();

    // Targets, on the host.
    const Array y_host = to(ctx, *y, Device::cpu(), DType::float64);
    const double* targets = y_host.ptr<const double>();
    const std::int64_t n_outputs = y->ndim() == 1 ? 1 : y->dim(1);
    std::vector<double> weights(static_cast<std::size_t>(n), 1.0);
    if (sample_weight) {
      const Array w = to(ctx, *sample_weight, Device::cpu(), DType::float64);
      weights.assign(w.ptr<const double>(), w.ptr<const double>() + n);
    }
    forest::TreeTargets tree_targets;
    std::vector<std::vector<double>> classes;  // per output
    forest::StatLayout layout;
    if constexpr (kClassifier) {
      // Each output (column of y) has its own classes, as scikit-learn's classes_ list; the trees
      // count every output's classes in K columns, K the most classes of an output. Class weights
      // multiply across outputs, as compute_sample_weight's.
      std::vector<std::int32_t> codes(static_cast<std::size_t>(n * n_outputs));
      std::vector<double> column(static_cast<std::size_t>(n));
      std::vector<std::vector<std::int64_t>> counts;
      for (std::int64_t o = 0; o < n_outputs; ++o) {
        for (std::int64_t i = 0; i < n; ++i) column[static_cast<std::size_t>(i)] = targets[i * n_outputs + o];
        const ClassLabels encoded = encode_class_labels(column.data(), n);
        for (std::int64_t i = 0; i < n; ++i)
          codes[static_cast<std::size_t>(i * n_outputs + o)] = encoded.codes[static_cast<std::size_t>(i)];
        classes.push_back(encoded.classes);
        counts.push_back(encoded.counts);
      }
      const std::vector<std::vector<double>> multipliers = output_class_weights(classes, counts, n);
      for (std::size_t o = 0; o < multipliers.size(); ++o)
        for (std::int64_t i = 0; i < n; ++i)
          weights[static_cast<std::size_t>(i)] *=
              multipliers[o][static_cast<std::size_t>(codes[static_cast<std::size_t>(i * n_outputs) + o])];
      if (p.oob_score && n_outputs > 1) check_oob_targets(targets, n * n_outputs);
      tree_targets.labels = Array::from_host(codes, {n, n_outputs});
      layout = classifier_layout(classes);
    } else {
      if (p.tree_criterion() == forest::Criterion::poisson) {
        double sum = 0, least = std::numeric_limits<double>::infinity();
        for (std::int64_t i = 0; i < n * n_outputs; ++i) {
          least = std::min(least, targets[i]);
          sum += targets[i];
        }
        check_poisson_targets(least, sum);
      }
      tree_targets.values = y_host;
      layout = {p.tree_criterion(), static_cast<int>(n_outputs), 0};
    }
    const double total_weight = std::accumulate(weights.begin(), weights.end(), 0.0);
    double squares = 0;
    if constexpr (!kClassifier)
      for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t o = 0; o < n_outputs; ++o)
          squares += weights[static_cast<std::size_t>(i)] * targets[i * n_outputs + o] * targets[i * n_outputs + o];
    check_weight_sums(total_weight, squares);
    tree_targets.weights = Array::from_host(weights, {n});
    const forest::TreeSettings s = tree_settings(ctx, layout, n, d, total_weight, sample_weight != nullptr);
    std::vector<forest::TreeNodes> trees = kept_trees(d, classes, n_outputs);

    // Bin once, grow in batches.
    const Matrix X_host = forest::host_matrix(ctx, X);
    const forest::BinCuts cuts = forest::find_bin_cuts(ctx, X_host, static_cast<int>(p.n_bins), s.seed);
    const forest::BinnedFeatures binned = forest::bin_features(ctx, on_host ? X_host : X, cuts);
    tree_targets.weights = to_device(ctx, tree_targets.weights, device);
    if (kClassifier)
      tree_targets.labels = to_device(ctx, tree_targets.labels, device);
    else
      tree_targets.values = to_device(ctx, tree_targets.values, device);
    FRANCA_LOG_INFO("{}: growing {} trees on {} ({} X of {} x {}, {} bins per feature at most)", name,
                    p.n_estimators - static_cast<std::int64_t>(trees.size()), device.str(), X.kind_name(), n, d,
                    p.n_bins);
    // Batches only to report progress: every batch ends waiting for its largest tree.
    const std::int64_t batch =
        p.verbose > 0 || ctx.reports_progress() ? std::max<std::int64_t>(16, 4 * ctx.threads()) : p.n_estimators;
    grow_in_batches(ctx, trees, batch, [&](std::int64_t first, std::int64_t count) {
      return FRANCA_DISPATCH(device, forest::grow_trees, ctx, binned, tree_targets, s, first, count);
    });
    const forest::FlatForest flat = record_forest(ctx, trees, s, d, n_outputs, classes);
    if (p.oob_score) out_of_bag(ctx, X_host, flat.view(d), s, weights, targets, n_outputs, classes);
  }

  // The same forest from rows held in blocks elsewhere (forest_blocks.hpp): the client's side.
  void fit_blocks_impl(const Context& base_ctx, const BlockRows& rows) override {
    const auto& p = this->params();
    const char* name = this->spec().name.c_str();
    const Context ctx = base_ctx.with_jobs(p.n_jobs.value_or(0));
    const forest::BlockFacts facts = forest::describe_blocks(rows, kClassifier);
    const std::int64_t n = facts.n, d = facts.d, n_outputs = facts.n_outputs;
    forest::StatLayout layout;
    std::vector<std::vector<double>> multipliers;
    if constexpr (kClassifier) {
      multipliers = output_class_weights(facts.classes, facts.counts, n);
      layout = classifier_layout(facts.classes);
      if (p.oob_score && n_outputs > 1) {
        std::vector<double> labels;  // every output's: at most two, integral, as check_oob_targets asks
        for (const auto& c : facts.classes) labels.insert(labels.end(), c.begin(), c.end());
        check_oob_targets(labels.data(), static_cast<std::int64_t>(labels.size()));
      }
    } else {
      FRANCA_EXPECTS_STATUS(p.tree_criterion() != forest::Criterion::absolute_error, Status::not_implemented,
                            "criterion: 'absolute_error' is not implemented on blocks (its medians need each node's "
                            "rows in one place); use 'squared_error', 'friedman_mse' or 'poisson'");
      if (p.tree_criterion() == forest::Criterion::poisson) check_poisson_targets(facts.y_min, facts.y_sum);
      layout = {p.tree_criterion(), static_cast<int>(n_outputs), 0};
    }
    const std::uint64_t seed = seed_for(ctx, p.random_state);
    forest::BinnedFeatures binned;
    binned.rows = n;
    binned.cuts = forest::block_bin_cuts(ctx, rows, facts, static_cast<int>(p.n_bins), seed);
    forest::keep_binned_blocks(rows, facts, binned.cuts, layout, multipliers);
    const forest::BlockSummary summary = forest::summarize_blocks(rows, facts);
    binned.bin_low = summary.bin_low;
    binned.bin_high = summary.bin_high;
    check_weight_sums(summary.weight_sum, summary.weighted_squares);
    const forest::TreeSettings s = tree_settings(ctx, layout, n, d, summary.weight_sum, facts.weighted);
    std::vector<forest::TreeNodes> trees = kept_trees(d, facts.classes, n_outputs);
    FRANCA_LOG_INFO("{}: growing {} trees on {} blocks of {} x {} rows held elsewhere", name,
                    p.n_estimators - static_cast<std::int64_t>(trees.size()), rows.n_blocks, n, d);
    forest::BlockForestGrower grower(ctx, rows, facts, summary, binned, s);
    // A batch's trees share every question: larger batches ask fewer.
    grow_in_batches(ctx, trees, kTreesPerBlockBatch,
                    [&](std::int64_t first, std::int64_t count) { return grower.grow(first, count); });
    const forest::FlatForest flat = record_forest(ctx, trees, s, d, n_outputs, facts.classes);
    if (p.oob_score) {
      const forest::BlockOutOfBag oob = grower.out_of_bag(flat.view(d), multipliers);
      record_out_of_bag(ctx, flat.view(d), oob.sums, oob.counted, oob.targets.data(), n_outputs, facts.classes);
    }
    this->set_attribute(ctx, "n_features_in_", Array::from_host(std::vector<std::int64_t>{d}, {}));
  }

  std::vector<std::uint8_t> block_answer_impl(const Context& base_ctx, ByteSpan question, std::int64_t block_index,
                                              const Matrix* X, const Array* y, const Array* sample_weight,
                                              ByteSpan kept) const override {
    const Context ctx = base_ctx.with_jobs(this->params().n_jobs.value_or(0));
    return forest::forest_block_answer(ctx, question, block_index, X, y, sample_weight, kept);
  }

  Matrix apply_impl(const Context& base_ctx, const std::string& method, const Matrix& X_in) const override {
    const Context ctx = base_ctx.with_jobs(this->params().n_jobs.value_or(0));
    FRANCA_EXPECTS_STATUS(is_floating(value_dtype(X_in)), Status::type, "X: expected float32 or float64, got {}",
                          dtype_name(value_dtype(X_in)));
    const Matrix X = contiguous_checked(ctx, X_in);
    const Device device = X.device();
    const forest::ForestView view = forest_view();
    const std::int64_t n = X.rows();
    if (method == "apply" || method == "decision_path") {
      Array leaves;
      FRANCA_DISPATCH(device, forest::forest_leaves, ctx, X, view, leaves);
      if (method == "apply") return Matrix::from_dense(leaves);
      return Matrix::from_csr(decision_path(ctx, to(ctx, leaves, Device::cpu(), DType::int64), view, n, device));
    }
    Array mean;
    FRANCA_DISPATCH(device, forest::forest_mean_values, ctx, X, view, mean);
    if constexpr (kClassifier) {
      // Output o's probabilities are columns o K to o K + n_classes_[o] - 1 (K: the most classes).
      const std::int64_t K = view.value_width, O = view.n_outputs, width = O * K;
      Array proba = mean;
      proba.shape = {n, width};
      proba.strides = {width, 1};
      if (method == "predict_proba") return Matrix::from_dense(proba);
      const Array host = to(ctx, proba, Device::cpu(), DType::float64);
      const bool labels = method == "predict";
      std::vector<double> out(static_cast<std::size_t>(n * (labels ? O : width)));
      const double* pr = host.ptr<const double>();
      const std::vector<std::vector<double>> classes = fitted_classes();
      for (std::int64_t i = 0; i < n; ++i) {
        for (std::int64_t o = 0; o < O; ++o) {
          const double* p = pr + i * width + o * K;
          if (labels) {
            out[static_cast<std::size_t>(i * O + o)] = most_probable(p, classes[static_cast<std::size_t>(o)]);
          } else {
            for (std::int64_t k = 0; k < K; ++k) out[static_cast<std::size_t>(i * width + o * K + k)] = std::log(p[k]);
          }
        }
      }
      const Array result =
          labels ? Array::from_host(out, O == 1 ? std::vector<std::int64_t>{n} : std::vector<std::int64_t>{n, O})
                 : Array::from_host(out, {n, width});
      return Matrix::from_dense(to_device(ctx, result, device));
    } else {
      const std::int64_t O = view.n_outputs;
      mean.shape = O == 1 ? std::vector<std::int64_t>{n} : std::vector<std::int64_t>{n, O};
      mean.strides = c_strides(mean.shape);
      return Matrix::from_dense(mean);
    }
  }

  void check_state() const override {
    const std::int64_t d = this->n_features_in();
    const Array& offsets = this->expect_attribute("tree_offsets_", DType::int64, {-1});
    const std::int64_t T = offsets.dim(0) - 1;
    FRANCA_EXPECTS_STATUS(T >= 1, Status::corrupt_model, "model: a forest needs at least one tree");
    const std::int64_t* off = offsets.ptr<const std::int64_t>();
    FRANCA_EXPECTS_STATUS(off[0] == 0 && std::is_sorted(off, off + T + 1), Status::corrupt_model,
                          "model: tree_offsets_ must increase from 0");
    const std::int64_t N = off[T];
    const std::int64_t O = *this->expect_attribute("n_outputs_", DType::int64, {}).template ptr<const std::int64_t>();
    FRANCA_EXPECTS_STATUS(O >= 1, Status::corrupt_model, "model: bad n_outputs_ {}", O);
    std::int64_t width = 1;
    if constexpr (kClassifier) {
      // One output: classes_ (K) and n_classes_ a scalar; several: O x K, padded, and one count each.
      const Array& classes = this->expect_attribute(
          "classes_", DType::float64, O == 1 ? std::vector<std::int64_t>{-1} : std::vector<std::int64_t>{O, -1});
      width = classes.dim(classes.ndim() - 1);
      const Array& counts = this->expect_attribute("n_classes_", DType::int64,
                                                   O == 1 ? std::vector<std::int64_t>{} : std::vector<std::int64_t>{O});
      const std::int64_t* count = counts.template ptr<const std::int64_t>();
      FRANCA_EXPECTS_STATUS(
          width >= 1 && *std::max_element(count, count + O) == width && *std::min_element(count, count + O) >= 1,
          Status::corrupt_model, "model: n_classes_ must be in [1, {}], the width of classes_", width);
    }
    const auto* left =
        this->expect_attribute("tree_children_left_", DType::int64, {N}).template ptr<const std::int64_t>();
    const auto* right =
        this->expect_attribute("tree_children_right_", DType::int64, {N}).template ptr<const std::int64_t>();
    const auto* feature = this->expect_attribute("tree_feature_", DType::int64, {N}).template ptr<const std::int64_t>();
    this->expect_attribute("tree_threshold_", DType::float64, {N});
    this->expect_attribute("tree_missing_go_to_left_", DType::uint8, {N});
    this->expect_attribute("tree_n_node_samples_", DType::int64, {N});
    this->expect_attribute("tree_weighted_n_node_samples_", DType::float64, {N});
    this->expect_attribute("tree_impurity_", DType::float64, {N});
    this->expect_attribute("tree_value_", DType::float64, {N, O, width});
    this->expect_attribute("feature_importances_", DType::float64, {d});
    forest::ForestView v;
    v.n_trees = T;
    v.n_features = d;
    v.offsets = off;
    v.left = left;
    v.right = right;
    v.feature = feature;
    forest::check_tree_arrays(v, Status::corrupt_model, "model");
  }

 private:
  // classes_ and n_classes_ as scikit-learn shapes them: one output, K labels and a count; several,
  // O x K labels (an output with fewer classes padded with NaN) and O counts.
  void set_classes(const Context& ctx, const std::vector<std::vector<double>>& classes) {
    const auto O = static_cast<std::int64_t>(classes.size());
    std::int64_t K = 0;
    for (const auto& c : classes) K = std::max(K, static_cast<std::int64_t>(c.size()));
    std::vector<double> padded(static_cast<std::size_t>(O * K), std::numeric_limits<double>::quiet_NaN());
    std::vector<std::int64_t> counts;
    for (std::int64_t o = 0; o < O; ++o) {
      const auto& c = classes[static_cast<std::size_t>(o)];
      std::copy(c.begin(), c.end(), padded.begin() + o * K);
      counts.push_back(static_cast<std::int64_t>(c.size()));
    }
    this->set_attribute(
        ctx, "classes_",
        Array::from_host(padded, O == 1 ? std::vector<std::int64_t>{K} : std::vector<std::int64_t>{O, K}));
    this->set_attribute(ctx, "n_classes_",
                        Array::from_host(counts, O == 1 ? std::vector<std::int64_t>{} : std::vector<std::int64_t>{O}));
  }

  std::vector<std::vector<double>> fitted_classes() const {
    const Array& classes = this->attribute("classes_");
    const std::int64_t K = classes.dim(classes.ndim() - 1);
    const auto* count = this->attribute("n_classes_").template ptr<const std::int64_t>();
    std::vector<std::vector<double>> out(static_cast<std::size_t>(fitted_outputs()));
    for (std::size_t o = 0; o < out.size(); ++o) {
      const double* first = classes.ptr<const double>() + static_cast<std::int64_t>(o) * K;
      out[o].assign(first, first + count[o]);
    }
    return out;
  }

  // The class of an output with the largest probability (its first, on a tie), from its
  // probabilities (one per class of the output; the padding columns after them are not read).
  static double most_probable(const double* proba, const std::vector<double>& output_classes) {
    const auto n_classes = static_cast<std::ptrdiff_t>(output_classes.size());
    return output_classes[static_cast<std::size_t>(std::max_element(proba, proba + n_classes) - proba)];
  }

  std::int64_t fitted_outputs() const { return *this->attribute("n_outputs_").template ptr<const std::int64_t>(); }

  // scikit-learn computes a multi-output classifier's OOB score for multilabel-indicator targets
  // only (type_of_target: fewer than three distinct integral labels over all outputs).
  static void check_oob_targets(const double* y, std::int64_t size) {
    std::vector<double> distinct;
    bool integral = true;
    for (std::int64_t i = 0; i < size && integral && distinct.size() < 3; ++i) {
      integral = y[i] == std::floor(y[i]);
      if (std::find(distinct.begin(), distinct.end(), y[i]) == distinct.end()) distinct.push_back(y[i]);
    }
    FRANCA_EXPECTS(integral && distinct.size() < 3,
                   "y: The type of target cannot be used to compute OOB estimates. Got multiclass-multioutput while "
                   "only the following are supported: continuous, continuous-multioutput, binary, multiclass, "
                   "multilabel-indicator.");
  }

  // Per output, each class's weight (class_weight), or none.
  std::vector<std::vector<double>> output_class_weights(const std::vector<std::vector<double>>& classes,
                                                        const std::vector<std::vector<std::int64_t>>& counts,
                                                        std::int64_t n) const {
    const ClassWeight& spec = this->params().class_weight;
    std::vector<std::vector<double>> out;
    // balanced_subsample weighs each tree's draws instead (TreeRows); without bootstrap, as balanced.
    if (spec.kind == ClassWeight::Kind::none ||
        (spec.kind == ClassWeight::Kind::balanced_subsample && this->params().bootstrap))
      return out;
    const auto n_outputs = static_cast<std::int64_t>(classes.size());
    for (std::int64_t o = 0; o < n_outputs; ++o)
      out.push_back(class_weights(spec.for_output(o, n_outputs), classes[static_cast<std::size_t>(o)],
                                  counts[static_cast<std::size_t>(o)], n));
    return out;
  }

  forest::StatLayout classifier_layout(const std::vector<std::vector<double>>& classes) const {
    std::size_t K = 0;
    for (const auto& c : classes) K = std::max(K, c.size());
    return {this->params().tree_criterion(), static_cast<int>(classes.size()), static_cast<int>(K)};
  }

  static void check_poisson_targets(double least, double sum) {
    FRANCA_EXPECTS(least >= 0, "y: Some value(s) of y are negative which is not allowed for Poisson regression.");
    FRANCA_EXPECTS(sum > 0, "y: Sum of y is not strictly positive which is necessary for Poisson regression.");
  }

  // The trees sum weights, w y and w y^2 in fixed point scaled from float64 totals: those must be
  // finite, and the weights' not so small that a row's weight rounds to nothing.
  static void check_weight_sums(double total_weight, double squares) {
    FRANCA_EXPECTS(total_weight > 0,
                   "sample_weight: the weights (times the class weights) sum to {}; at least one "
                   "must be positive",
                   total_weight);
    FRANCA_EXPECTS(total_weight >= kSmallestWeightSum && total_weight <= kLargestSum,
                   "sample_weight: the weights (times the class weights) sum to {}, outside [{}, {}]: rescale them "
                   "(a forest depends on their ratios only)",
                   total_weight, kSmallestWeightSum, kLargestSum);
    FRANCA_EXPECTS(squares <= kLargestSum, "y: the weighted sum of the squared targets is {}, beyond {}: rescale y",
                   squares, kLargestSum);
  }

  // The trees' settings for n x d rows of this layout and total weight.
  forest::TreeSettings tree_settings(const Context& ctx, const forest::StatLayout& layout, std::int64_t n,
                                     std::int64_t d, double total_weight, bool weighted) const {
    const auto& p = this->params();
    forest::TreeSettings s;
    s.layout = layout;
    s.balanced_subsample = p.class_weight.kind == ClassWeight::Kind::balanced_subsample && p.bootstrap;
    s.max_depth = p.max_depth.value_or(-1);
    s.min_samples_split = count_of(p.min_samples_split, n);
    s.min_samples_leaf = count_of(p.min_samples_leaf, n);
    s.min_samples_split = std::max(s.min_samples_split, 2 * s.min_samples_leaf);
    s.min_weight_fraction_leaf = p.min_weight_fraction_leaf;
    s.max_features = resolve_max_features(p.max_features, d);
    s.max_leaf_nodes = p.max_leaf_nodes.value_or(-1);
    s.min_impurity_decrease = p.min_impurity_decrease;
    s.ccp_alpha = p.ccp_alpha;
    s.bootstrap = p.bootstrap;
    s.seed = seed_for(ctx, p.random_state);
    if (p.bootstrap) {
      const double draws = !p.max_samples ? static_cast<double>(n)
                           : p.max_samples->fraction
                               ? std::max(1.0, std::floor(p.max_samples->value * (weighted ? total_weight : n)))
                               : p.max_samples->value;
      FRANCA_EXPECTS(draws <= kMostDraws, "max_samples: asks for {} bootstrap draws a tree, more than {}", draws,
                     kMostDraws);
      s.n_draws = static_cast<std::int64_t>(draws);
    }
    if (p.monotonic_cst.given) {
      const auto& cst = p.monotonic_cst.values;
      FRANCA_EXPECTS(static_cast<std::int64_t>(cst.size()) == d,
                     "monotonic_cst: has shape ({},) but the input data X has {} features.", cst.size(), d);
      FRANCA_EXPECTS(layout.n_outputs == 1,
                     "monotonic_cst: Monotonicity constraints are not supported with multiple outputs.");
      FRANCA_EXPECTS(layout.n_classes <= 2,
                     "monotonic_cst: Monotonicity constraints are not supported with multiclass classification");
      FRANCA_EXPECTS_STATUS(layout.criterion != forest::Criterion::absolute_error, Status::not_implemented,
                            "monotonic_cst: not implemented with criterion='absolute_error'");
      s.monotonic = cst;
      // As scikit-learn: a classifier's constraint is on the positive class's probability, the
      // trees bound the negative class's fraction.
      if (kClassifier)
        for (int& c : s.monotonic) c = -c;
    }
    return s;
  }

  // Warm start keeps the fitted trees (checked against the new rows' features and targets).
  std::vector<forest::TreeNodes> kept_trees(std::int64_t d, const std::vector<std::vector<double>>& classes,
                                            std::int64_t n_outputs) const {
    const auto& p = this->params();
    const char* name = this->spec().name.c_str();
    if (!p.warm_start || !this->fitted()) return {};
    FRANCA_EXPECTS(this->n_features_in() == d, "X: has {} features, but {} is expecting {} features as input", d, name,
                   this->n_features_in());
    std::vector<forest::TreeNodes> trees = unflatten();
    const auto kept = static_cast<std::int64_t>(trees.size());
    FRANCA_EXPECTS(p.n_estimators >= kept,
                   "n_estimators: n_estimators={} must be larger or equal to len(estimators_)={} when "
                   "warm_start==True",
                   p.n_estimators, kept);
    // The kept trees' values are fractions of the fitted classes (or means of the fitted outputs):
    // scikit-learn would keep them beside the new y's classes_ and predict wrong labels.
    const bool same_targets = kClassifier ? fitted_classes() == classes : fitted_outputs() == n_outputs;
    FRANCA_EXPECTS(same_targets,
                   "y: warm_start keeps the trees of a forest fitted on other {}; fit with warm_start=False to "
                   "start again",
                   kClassifier ? "classes or outputs" : "outputs");
    if (p.n_estimators == kept)
      FRANCA_LOG_WARN("{}: Warm-start fitting without increasing n_estimators does not fit new trees.", name);
    return trees;
  }

  // Grows the trees up to n_estimators, `batch` at a time (grow(first, count)), reporting progress
  // between batches.
  template <class Grow>
  void grow_in_batches(const Context& ctx, std::vector<forest::TreeNodes>& trees, std::int64_t batch,
                       const Grow& grow) const {
    const auto& p = this->params();
    while (static_cast<std::int64_t>(trees.size()) < p.n_estimators) {
      ctx.check_cancelled();
      const auto first = static_cast<std::int64_t>(trees.size());
      const std::int64_t count = std::min(batch, p.n_estimators - first);
      for (auto& t : grow(first, count)) trees.push_back(std::move(t));
      if (p.verbose > 0) FRANCA_LOG_INFO("{}: built tree {} of {}", this->spec().name, trees.size(), p.n_estimators);
      ctx.report_progress("trees", static_cast<std::int64_t>(trees.size()), p.n_estimators);
    }
  }

  static std::int64_t count_of(const CountOrFraction& c, std::int64_t n) {
    return c.fraction ? static_cast<std::int64_t>(std::ceil(c.value * static_cast<double>(n)))
                      : static_cast<std::int64_t>(c.value);
  }

  static std::int64_t resolve_max_features(const MaxFeatures& m, std::int64_t d) {
    switch (m.kind) {
      case MaxFeatures::Kind::sqrt:
        return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::sqrt(static_cast<double>(d))));
      case MaxFeatures::Kind::log2:
        return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::log2(static_cast<double>(d))));
      case MaxFeatures::Kind::count:
        FRANCA_EXPECTS(m.value <= d, "max_features: must be in (0, n_features], got {} with {} features", m.value, d);
        return static_cast<std::int64_t>(m.value);
      case MaxFeatures::Kind::fraction:
        return std::max<std::int64_t>(1, static_cast<std::int64_t>(m.value * static_cast<double>(d)));
      case MaxFeatures::Kind::all:
        break;
    }
    return d;
  }

  // The fitted attributes of these trees.
  forest::FlatForest record_forest(const Context& ctx, const std::vector<forest::TreeNodes>& trees,
                                   const forest::TreeSettings& s, std::int64_t d, std::int64_t n_outputs,
                                   const std::vector<std::vector<double>>& classes) {
    forest::FlatForest flat = flatten(trees, s);
    set_tree_attributes(ctx, flat);
    this->set_attribute(ctx, "n_outputs_", Array::from_host(std::vector<std::int64_t>{n_outputs}, {}));
    if constexpr (kClassifier) set_classes(ctx, classes);
    this->set_attribute(ctx, "feature_importances_", Array::from_host(feature_importances(trees, d), {d}));
    return flat;
  }

  static forest::FlatForest flatten(const std::vector<forest::TreeNodes>& trees, const forest::TreeSettings& s) {
    forest::FlatForest f;
    for (const auto& t : trees) {
      f.offsets.push_back(f.offsets.back() + t.size());
      f.left.insert(f.left.end(), t.left.begin(), t.left.end());
      f.right.insert(f.right.end(), t.right.begin(), t.right.end());
      f.feature.insert(f.feature.end(), t.feature.begin(), t.feature.end());
      f.n_samples.insert(f.n_samples.end(), t.n_samples.begin(), t.n_samples.end());
      f.threshold.insert(f.threshold.end(), t.threshold.begin(), t.threshold.end());
      f.weighted_n.insert(f.weighted_n.end(), t.weighted_n.begin(), t.weighted_n.end());
      f.impurity.insert(f.impurity.end(), t.impurity.begin(), t.impurity.end());
      f.value.insert(f.value.end(), t.value.begin(), t.value.end());
      f.missing_left.insert(f.missing_left.end(), t.missing_left.begin(), t.missing_left.end());
    }
    f.n_outputs = s.layout.n_outputs;
    f.width = s.layout.classification() ? s.layout.n_classes : 1;
    return f;
  }

  void set_tree_attributes(const Context& ctx, const forest::FlatForest& f) {
    const std::int64_t N = f.offsets.back();
    this->set_attribute(ctx, "tree_offsets_",
                        Array::from_host(f.offsets, {static_cast<std::int64_t>(f.offsets.size())}));
    this->set_attribute(ctx, "tree_children_left_", Array::from_host(f.left, {N}));
    this->set_attribute(ctx, "tree_children_right_", Array::from_host(f.right, {N}));
    this->set_attribute(ctx, "tree_feature_", Array::from_host(f.feature, {N}));
    this->set_attribute(ctx, "tree_threshold_", Array::from_host(f.threshold, {N}));
    this->set_attribute(ctx, "tree_missing_go_to_left_", Array::from_host(f.missing_left, {N}));
    this->set_attribute(ctx, "tree_n_node_samples_", Array::from_host(f.n_samples, {N}));
    this->set_attribute(ctx, "tree_weighted_n_node_samples_", Array::from_host(f.weighted_n, {N}));
    this->set_attribute(ctx, "tree_impurity_", Array::from_host(f.impurity, {N}));
    this->set_attribute(ctx, "tree_value_", Array::from_host(f.value, {N, f.n_outputs, f.width}));
  }

  // The fitted trees back as TreeNodes (warm start).
  std::vector<forest::TreeNodes> unflatten() const {
    const auto* off = this->attribute("tree_offsets_").template ptr<const std::int64_t>();
    const std::int64_t T = this->attribute("tree_offsets_").dim(0) - 1;
    const Array& value = this->attribute("tree_value_");
    const std::int64_t width = value.dim(1) * value.dim(2);
    auto slice = [&](const char* name, auto* out, std::int64_t t, std::int64_t per) {
      using T_ = typename std::remove_pointer_t<decltype(out)>::value_type;
      const T_* a = this->attribute(name).template ptr<const T_>();
      out->assign(a + off[t] * per, a + off[t + 1] * per);
    };
    std::vector<forest::TreeNodes> trees(static_cast<std::size_t>(T));
    for (std::int64_t t = 0; t < T; ++t) {
      auto& tree = trees[static_cast<std::size_t>(t)];
      slice("tree_children_left_", &tree.left, t, 1);
      slice("tree_children_right_", &tree.right, t, 1);
      slice("tree_feature_", &tree.feature, t, 1);
      slice("tree_threshold_", &tree.threshold, t, 1);
      slice("tree_missing_go_to_left_", &tree.missing_left, t, 1);
      slice("tree_n_node_samples_", &tree.n_samples, t, 1);
      slice("tree_weighted_n_node_samples_", &tree.weighted_n, t, 1);
      slice("tree_impurity_", &tree.impurity, t, 1);
      slice("tree_value_", &tree.value, t, width);
    }
    return trees;
  }

  forest::ForestView forest_view() const {
    forest::ForestView v;
    const Array& offsets = this->attribute("tree_offsets_");
    const Array& value = this->attribute("tree_value_");
    v.n_trees = offsets.dim(0) - 1;
    v.n_outputs = value.dim(1);
    v.value_width = value.dim(2);
    v.n_features = this->n_features_in();
    v.offsets = offsets.ptr<const std::int64_t>();
    v.left = this->attribute("tree_children_left_").template ptr<const std::int64_t>();
    v.right = this->attribute("tree_children_right_").template ptr<const std::int64_t>();
    v.feature = this->attribute("tree_feature_").template ptr<const std::int64_t>();
    v.threshold = this->attribute("tree_threshold_").template ptr<const double>();
    v.missing_left = this->attribute("tree_missing_go_to_left_").template ptr<const std::uint8_t>();
    v.value = value.ptr<const double>();
    return v;
  }

  // scikit-learn's decision_path indicator: row i has a 1 in column offsets[t] + k for every node k
  // on its path in tree t (the leaf's ancestors: in breadth-first order a parent precedes its
  // children). A CSR matrix; the binding adds n_nodes_ptr (tree_offsets_).
  static CsrMatrix decision_path(const Context& ctx, const Array& leaves, const forest::ForestView& v, std::int64_t n,
                                 Device device) {
    std::vector<std::int64_t> parent(static_cast<std::size_t>(v.offsets[v.n_trees]), -1);
    for (std::int64_t t = 0; t < v.n_trees; ++t)
      for (std::int64_t k = v.offsets[t]; k < v.offsets[t + 1]; ++k)
        if (v.left[k] != forest::kLeaf) {
          parent[static_cast<std::size_t>(v.offsets[t] + v.left[k])] = k - v.offsets[t];
          parent[static_cast<std::size_t>(v.offsets[t] + v.right[k])] = k - v.offsets[t];
        }
    std::vector<std::int64_t> indptr{0}, indices, path;
    const auto* leaf = leaves.ptr<const std::int64_t>();
    for (std::int64_t i = 0; i < n; ++i) {
      for (std::int64_t t = 0; t < v.n_trees; ++t) {
        path.clear();
        for (std::int64_t k = leaf[i * v.n_trees + t]; k >= 0; k = parent[static_cast<std::size_t>(v.offsets[t] + k)])
          path.push_back(v.offsets[t] + k);
        indices.insert(indices.end(), path.rbegin(), path.rend());
      }
      indptr.push_back(static_cast<std::int64_t>(indices.size()));
    }
    CsrMatrix m;
    m.rows = n;
    m.cols = v.offsets[v.n_trees];
    const auto nnz = static_cast<std::int64_t>(indices.size());
    m.indptr = to_device(ctx, Array::from_host(indptr, {n + 1}), device);
    m.indices = to_device(ctx, Array::from_host(indices, {nnz}), device);
    m.data = to_device(ctx, Array::from_host(std::vector<double>(indices.size(), 1.0), {nnz}), device);
    return m;
  }

  // scikit-learn's impurity-based importances: per tree, the weighted impurity decrease of the
  // splits on each feature over the root's weight, normalised to sum to 1; averaged over the trees
  // that split, and normalised again.
  static std::vector<double> feature_importances(const std::vector<forest::TreeNodes>& trees, std::int64_t d) {
    std::vector<double> total(static_cast<std::size_t>(d), 0.0);
    std::int64_t used = 0;
    for (const auto& t : trees) {
      if (t.size() <= 1) continue;
      ++used;
      std::vector<double> imp(static_cast<std::size_t>(d), 0.0);
      for (std::int64_t k = 0; k < t.size(); ++k) {
        const auto i = static_cast<std::size_t>(k);
        if (t.left[i] == forest::kLeaf) continue;
        const auto l = static_cast<std::size_t>(t.left[i]), r = static_cast<std::size_t>(t.right[i]);
        imp[static_cast<std::size_t>(t.feature[i])] +=
            t.weighted_n[i] * t.impurity[i] - t.weighted_n[l] * t.impurity[l] - t.weighted_n[r] * t.impurity[r];
      }
      double sum = 0;
      for (double& x : imp) sum += x /= t.weighted_n[0];
      if (sum > 0)
        for (double& x : imp) x /= sum;
      for (std::size_t f = 0; f < imp.size(); ++f) total[f] += imp[f];
    }
    if (used == 0) return total;
    double sum = 0;
    for (double& x : total) sum += x /= static_cast<double>(used);
    if (sum > 0)
      for (double& x : total) x /= sum;
    return total;
  }

  // The out-of-bag predictions (each row averaged over the trees that did not draw it) and their
  // score: accuracy for a classifier, R^2 (averaged over outputs) for a regressor.
  void out_of_bag(const Context& ctx, const Matrix& X_host, const forest::ForestView& v, const forest::TreeSettings& s,
                  const std::vector<double>& weights, const double* targets, std::int64_t n_outputs,
                  const std::vector<std::vector<double>>& classes) {
    std::vector<double> sums;
    std::vector<std::int64_t> counted;
    forest::out_of_bag_sums(ctx, X_host, v, s, forest::whole_rows_frame(weights.data(), X_host.rows()), weights.data(),
                            sums, counted);
    record_out_of_bag(ctx, v, std::move(sums), counted, targets, n_outputs, classes);
  }

  // The out-of-bag attributes and score from every row's out-of-bag sums and counts.
  void record_out_of_bag(const Context& ctx, const forest::ForestView& v, std::vector<double> sums,
                         const std::vector<std::int64_t>& counted, const double* targets, std::int64_t n_outputs,
                         const std::vector<std::vector<double>>& classes) {
    const auto n = static_cast<std::int64_t>(counted.size());
    const std::int64_t width = v.n_outputs * v.value_width;
    if (std::find(counted.begin(), counted.end(), 0) != counted.end())
      FRANCA_LOG_WARN(
          "{}: Some inputs do not have OOB scores. This probably means too few trees were used to "
          "compute any reliable OOB estimates.",
          this->spec().name);
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t k = 0; k < width; ++k)
        sums[static_cast<std::size_t>(i * width + k)] /=
            static_cast<double>(std::max<std::int64_t>(1, counted[static_cast<std::size_t>(i)]));
    double score = 0;
    if constexpr (kClassifier) {
      // A row is right when every output is (scikit-learn's accuracy_score on several outputs).
      const std::int64_t K = v.value_width;
      std::int64_t right = 0;
      for (std::int64_t i = 0; i < n; ++i) {
        bool all = true;
        for (std::int64_t o = 0; o < n_outputs; ++o) {
          all &= most_probable(sums.data() + i * width + o * K, classes[static_cast<std::size_t>(o)]) ==
                 targets[i * n_outputs + o];
        }
        right += all;
      }
      score = static_cast<double>(right) / static_cast<double>(n);
      if (n_outputs == 1) {
        this->set_attribute(ctx, "oob_decision_function_", Array::from_host(sums, {n, K}));
      } else {
        // scikit-learn's layout for several outputs: n_samples x n_classes x n_outputs.
        std::vector<double> by_class(sums.size());
        for (std::int64_t i = 0; i < n; ++i)
          for (std::int64_t o = 0; o < n_outputs; ++o)
            for (std::int64_t k = 0; k < K; ++k)
              by_class[static_cast<std::size_t>((i * K + k) * n_outputs + o)] =
                  sums[static_cast<std::size_t>(i * width + o * K + k)];
        this->set_attribute(ctx, "oob_decision_function_", Array::from_host(by_class, {n, K, n_outputs}));
      }
    } else {
      for (std::int64_t o = 0; o < n_outputs; ++o) {
        double mean = 0, ss_res = 0, ss_tot = 0;
        for (std::int64_t i = 0; i < n; ++i) mean += targets[i * n_outputs + o];
        mean /= static_cast<double>(n);
        for (std::int64_t i = 0; i < n; ++i) {
          const double yi = targets[i * n_outputs + o], e = yi - sums[static_cast<std::size_t>(i * n_outputs + o)];
          ss_res += e * e;
          ss_tot += (yi - mean) * (yi - mean);
        }
        score += (ss_tot > 0 ? 1 - ss_res / ss_tot : (ss_res == 0 ? 1.0 : 0.0)) / static_cast<double>(n_outputs);
      }
      this->set_attribute(ctx, "oob_prediction_",
                          n_outputs == 1 ? Array::from_host(sums, {n}) : Array::from_host(sums, {n, n_outputs}));
    }
    this->set_attribute(ctx, "oob_score_", Array::from_host(std::vector<double>{score}, {}));
  }
};

template <bool kClassifier>
EstimatorSpec forest_spec(const char* name, const char* doc) {
  EstimatorSpec spec = EstimatorSpec::of<RandomForest<kClassifier>>(
                           name, kClassifier ? EstimatorKind::classifier : EstimatorKind::regressor, "ensemble")
                           .doc(doc)
                           .accepts({Matrix::Kind::dense, Matrix::Kind::csr})
                           .handles_nan();
  if (kClassifier) {
    spec.method("predict",
                "Class labels (float64; 1-D for one output, else n_samples x n_outputs): per output, the class of "
                "classes_ of the largest mean probability.")
        .method("predict_proba",
                "Mean over the trees of the class fractions of the leaf each row reaches (float64, n_samples x "
                "n_classes; with several outputs n_samples x (n_outputs * K), K the width of classes_, output o's "
                "classes in columns o * K to o * K + n_classes_[o] - 1).")
        .method("predict_log_proba", "The log of predict_proba.")
        .multi_output_labels();
  } else {
    spec.method("predict", "Mean over the trees of the leaf values (float64; 1-D for one output).");
  }
  spec.method("apply", "The leaf each row reaches in each tree (int64, n_samples x n_estimators, tree-local ids).")
      .method("decision_path",
              "Indicator (CSR, n_samples x total nodes) of the nodes each row passes through; "
              "tree t's nodes are columns tree_offsets_[t] to tree_offsets_[t + 1].");
  std::vector<std::string> fitted(std::begin(kTreeArrays), std::end(kTreeArrays));
  fitted.insert(fitted.end(), {"feature_importances_", "n_outputs_", "oob_score_",
                               kClassifier ? "oob_decision_function_" : "oob_prediction_"});
  if (kClassifier) fitted.insert(fitted.end(), {"classes_", "n_classes_"});
  return spec.fitted(fitted);
}

const EstimatorSpec& classifier_spec() {
  static const EstimatorSpec spec = forest_spec<true>(
      "RandomForestClassifier",
      "A random forest classifier: bootstrap-sampled decision trees, each split the best over a random subset "
      "of features, the class probabilities averaged. Histogram-based (features binned once into n_bins "
      "quantiles, thresholds between observed values); missing values (NaN) go to the side each split learned.");
  return spec;
}

const EstimatorSpec& regressor_spec() {
  static const EstimatorSpec spec = forest_spec<false>(
      "RandomForestRegressor",
      "A random forest regressor: bootstrap-sampled decision trees, each split the best over a random subset of "
      "features, the predictions averaged. Histogram-based (features binned once into n_bins quantiles, "
      "thresholds between observed values); missing values (NaN) go to the side each split learned.");
  return spec;
}

}  // namespace

FRANCA_REGISTER_ESTIMATOR(classifier_spec);
FRANCA_REGISTER_ESTIMATOR(regressor_spec);

}  // namespace franca
