// RandomForestClassifier and RandomForestRegressor on every device, through the C API. Oracles: a
// tree walk written here over the fitted tree arrays (predict, predict_proba, apply), pure leaves
// where the data allow them, the CPU forest for every other layout, dtype, thread count and
// device (the trees must be identical: the growth is deterministic by construction), and a saved
// and reloaded model. (Parity with scikit-learn is tests/python/test_random_forest_*.py.)
#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <random>

#include "common/franca_test.hpp"

namespace franca::test {
namespace {

constexpr const char* kTreeArrays[] = {"tree_offsets_",        "tree_children_left_",
                                       "tree_children_right_", "tree_feature_",
                                       "tree_threshold_",      "tree_missing_go_to_left_",
                                       "tree_n_node_samples_", "tree_weighted_n_node_samples_",
                                       "tree_impurity_",       "tree_value_"};

struct Data {
  std::int64_t n, d;
  std::vector<double> X, y;  // y: n x outputs
  std::int64_t outputs = 1;
};

// Classes from two informative features and noise ones; a few values repeated (ties in the
// bins), a share of zeros (sparse rows) and, with `missing`, NaNs.
Data make_data(std::int64_t n, std::int64_t d, int classes, std::uint64_t seed, bool missing = false) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform;
  Data data{n, d, std::vector<double>(static_cast<std::size_t>(n * d)),
            std::vector<double>(static_cast<std::size_t>(n))};
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < d; ++j) {
      double v = normal(rng);
      if (uniform(rng) < 0.2) v = 0;
      if (j == d - 1) v = std::round(v * 2);
      if (missing && j % 3 == 1 && uniform(rng) < 0.15) v = NAN;
      data.X[static_cast<std::size_t>(i * d + j)] = v;
    }
    const double a = data.X[static_cast<std::size_t>(i * d)], b = data.X[static_cast<std::size_t>(i * d + 1)];
    const double score = (std::isnan(b) ? 0.5 : b) + a * a - 0.5 + 0.3 * normal(rng);
    data.y[static_cast<std::size_t>(i)] =
        classes == 0 ? 3 * a + std::sin(3 * (std::isnan(b) ? 1 : b)) + 0.1 * normal(rng)
                     : static_cast<double>(
                           std::min(classes - 1, std::max(0, static_cast<int>(std::floor(score + classes / 2.0)))));
  }
  return data;
}

// A second output of labels (-1 or 5, from the sign of feature 2) beside the data's classes.
Data with_second_output(Data data) {
  std::vector<double> y;
  for (std::int64_t i = 0; i < data.n; ++i) {
    y.push_back(data.y[static_cast<std::size_t>(i)]);
    y.push_back(data.X[static_cast<std::size_t>(i * data.d + 2)] > 0 ? 5 : -1);
  }
  data.y = y;
  data.outputs = 2;
  return data;
}

struct Fitted {
  EstimatorPtr model;
  std::map<std::string, std::vector<double>> arrays;
};

// The fitted tree arrays, feature_importances_ and, with oob_score, the out-of-bag attributes.
void read_arrays(Fitted& f, const std::string& name, const std::string& params) {
  for (const char* a : kTreeArrays) f.arrays[a] = attribute_of(f.model.get(), a);
  f.arrays["feature_importances_"] = attribute_of(f.model.get(), "feature_importances_");
  if (params.find("\"oob_score\": true") == std::string::npos) return;
  f.arrays["oob_score_"] = attribute_of(f.model.get(), "oob_score_");
  const char* oob = name == "RandomForestClassifier" ? "oob_decision_function_" : "oob_prediction_";
  f.arrays[oob] = attribute_of(f.model.get(), oob);
}

template <class T, class I>
Fitted fit(const std::string& device, const std::string& name, const Data& data, const std::string& layout,
           const std::string& params, int threads = 0, const std::vector<double>* weights = nullptr) {
  LaidOutMatrix<T, I> X(device, data.X, data.n, data.d, layout);
  Tensor y(device, data.y,
           data.outputs == 1 ? std::vector<std::int64_t>{data.n} : std::vector<std::int64_t>{data.n, data.outputs});
  std::unique_ptr<Tensor> w;
  if (weights) w = std::make_unique<Tensor>(device, *weights, std::vector<std::int64_t>{data.n});
  franca_context ctx = nullptr;
  EXPECT_EQ(franca_context_create("auto", &ctx), FRANCA_OK);
  EXPECT_EQ(franca_context_set_threads(ctx, threads), FRANCA_OK);
  Fitted f{estimator(name, params), {}};
  EXPECT_EQ(franca_estimator_fit(ctx, f.model.get(), X.get(), y.get(), w ? w->get() : nullptr), FRANCA_OK)
      << franca_last_error() << " (" << name << " " << params << ", layout " << layout << ")";
  franca_context_free(ctx);
  read_arrays(f, name, params);
  return f;
}

std::vector<double> run(const std::string& device, franca_estimator model, const char* method, const Data& data,
                        const std::string& layout = "row-major") {
  LaidOutMatrix<double, std::int64_t> X(device, data.X, data.n, data.d, layout);
  franca_matrix out = nullptr;
  EXPECT_EQ(franca_estimator_apply(nullptr, model, method, X.get(), &out), FRANCA_OK) << franca_last_error();
  MatrixPtr owned(out);
  return values_of(out);
}

void expect_same_trees(const Fitted& a, const Fitted& b, double rtol, const std::string& what) {
  for (const auto& [name, values] : a.arrays) {
    const auto& other = b.arrays.at(name);
    ASSERT_EQ(values.size(), other.size()) << what << ": " << name;
    for (std::size_t k = 0; k < values.size(); ++k) {
      const double x = values[k], y = other[k];
      if (x == y || (std::isnan(x) && std::isnan(y))) continue;  // infinite thresholds included
      ASSERT_NEAR(x, y, rtol * std::max(1.0, std::fabs(x))) << what << ": " << name << "[" << k << "]";
    }
  }
}

// The leaf of row i in tree t, walking the fitted arrays: float32(x) <= threshold goes left, NaN
// where missing_go_to_left says.
std::int64_t walk(const Fitted& f, const Data& data, std::int64_t i, std::int64_t t) {
  const auto& a = f.arrays;
  const auto base = static_cast<std::int64_t>(a.at("tree_offsets_")[static_cast<std::size_t>(t)]);
  std::int64_t node = 0;
  while (a.at("tree_children_left_")[static_cast<std::size_t>(base + node)] >= 0) {
    const auto k = static_cast<std::size_t>(base + node);
    const float x = static_cast<float>(
        data.X[static_cast<std::size_t>(i * data.d + static_cast<std::int64_t>(a.at("tree_feature_")[k]))]);
    const bool left = std::isnan(x) ? a.at("tree_missing_go_to_left_")[k] != 0 : x <= a.at("tree_threshold_")[k];
    node = static_cast<std::int64_t>(left ? a.at("tree_children_left_")[k] : a.at("tree_children_right_")[k]);
  }
  return node;
}

class RandomForest : public DeviceTest {};

TEST_P(RandomForest, ClassifierTreesAreTheSameOnEveryLayoutDtypeThreadCountAndDevice) {
  for (const bool missing : {false, true}) {
    const Data data = make_data(600, 6, 3, 11, missing);
    const std::string params = R"({"n_estimators": 8, "random_state": 3, "max_features": 2})";
    const Fitted reference = fit<double, std::int32_t>("cpu", "RandomForestClassifier", data, "row-major", params, 1);
    for (const std::string layout : {"row-major", "column-major", "csr"}) {
      expect_same_trees(reference,
                        fit<float, std::int64_t>(device(), "RandomForestClassifier", data, layout, params, 2), 0,
                        layout + " float32, 2 threads, missing=" + std::to_string(missing));
      expect_same_trees(reference,
                        fit<double, std::int32_t>(device(), "RandomForestClassifier", data, layout, params, 0), 0,
                        layout + " float64, all threads, missing=" + std::to_string(missing));
    }
  }
}

TEST_P(RandomForest, RegressorTreesAreTheSameOnEveryLayoutAndDevice) {
  const Data data = make_data(500, 5, 0, 12, true);
  for (const std::string criterion : {"squared_error", "friedman_mse", "absolute_error"}) {
    const std::string params = R"({"n_estimators": 6, "random_state": 1, "criterion": ")" + criterion + "\"}";
    const Fitted reference = fit<double, std::int32_t>("cpu", "RandomForestRegressor", data, "row-major", params, 1);
    for (const std::string layout : {"row-major", "csr"})
      expect_same_trees(reference,
                        fit<double, std::int64_t>(device(), "RandomForestRegressor", data, layout, params, 2), 1e-12,
                        criterion + " " + layout);
  }
}

TEST_P(RandomForest, PredictionsFollowTheTreeArrays) {
  const Data data = make_data(300, 5, 3, 13, true);
  const Fitted f = fit<double, std::int32_t>(device(), "RandomForestClassifier", data, "row-major",
                                             R"({"n_estimators": 5, "random_state": 0})");
  const std::int64_t T = 5, K = 3;
  const auto leaves = run(device(), f.model.get(), "apply", data);
  const auto proba = run(device(), f.model.get(), "predict_proba", data, "csr");
  const auto labels = run(device(), f.model.get(), "predict", data);
  const auto& value = f.arrays.at("tree_value_");
  for (std::int64_t i = 0; i < data.n; ++i) {
    std::vector<double> mean(static_cast<std::size_t>(K), 0.0);
    for (std::int64_t t = 0; t < T; ++t) {
      const std::int64_t leaf = walk(f, data, i, t);
      ASSERT_EQ(leaves[static_cast<std::size_t>(i * T + t)], leaf) << "row " << i << " tree " << t;
      const auto node = static_cast<std::int64_t>(f.arrays.at("tree_offsets_")[static_cast<std::size_t>(t)]) + leaf;
      for (std::int64_t k = 0; k < K; ++k)
        mean[static_cast<std::size_t>(k)] += value[static_cast<std::size_t>(node * K + k)] / T;
    }
    for (std::int64_t k = 0; k < K; ++k)
      EXPECT_NEAR(proba[static_cast<std::size_t>(i * K + k)], mean[static_cast<std::size_t>(k)], 1e-12) << "row " << i;
    EXPECT_EQ(labels[static_cast<std::size_t>(i)],
              static_cast<double>(std::max_element(mean.begin(), mean.end()) - mean.begin()))
        << "row " << i;
  }
}

TEST_P(RandomForest, MultiOutputClassifiersGrowTheSameTreesEverywhereAndPredictEachOutputsClasses) {
  // Outputs of 3 classes (0, 1, 2) and 2 (-1, 5): the trees count K = 3 columns per output.
  const Data data = with_second_output(make_data(400, 6, 3, 19, true));
  const std::string params =
      R"({"n_estimators": 6, "random_state": 2, "max_features": 3, "class_weight": "balanced_subsample"})";
  const Fitted reference = fit<double, std::int32_t>("cpu", "RandomForestClassifier", data, "row-major", params, 1);
  for (const std::string layout : {"row-major", "csr"})
    expect_same_trees(reference, fit<float, std::int64_t>(device(), "RandomForestClassifier", data, layout, params, 2),
                      0, "two outputs, " + layout);
  const std::int64_t T = 6, K = 3, O = 2;
  const std::vector<double> classes = attribute_of(reference.model.get(), "classes_");
  ASSERT_EQ(classes.size(), 6u);
  EXPECT_EQ(classes[3], -1);
  EXPECT_EQ(classes[4], 5);
  EXPECT_TRUE(std::isnan(classes[5]));
  EXPECT_EQ(attribute_of(reference.model.get(), "n_classes_"), (std::vector<double>{3, 2}));
  const auto proba = run(device(), reference.model.get(), "predict_proba", data);
  const auto labels = run(device(), reference.model.get(), "predict", data);
  ASSERT_EQ(proba.size(), static_cast<std::size_t>(data.n * O * K));
  ASSERT_EQ(labels.size(), static_cast<std::size_t>(data.n * O));
  const auto& value = reference.arrays.at("tree_value_");
  for (std::int64_t i = 0; i < data.n; ++i) {
    std::vector<double> mean(static_cast<std::size_t>(O * K), 0.0);
    for (std::int64_t t = 0; t < T; ++t) {
      const auto node = static_cast<std::int64_t>(reference.arrays.at("tree_offsets_")[static_cast<std::size_t>(t)]) +
                        walk(reference, data, i, t);
      for (std::int64_t k = 0; k < O * K; ++k)
        mean[static_cast<std::size_t>(k)] += value[static_cast<std::size_t>(node * O * K + k)] / T;
    }
    for (std::int64_t k = 0; k < O * K; ++k)
      ASSERT_NEAR(proba[static_cast<std::size_t>(i * O * K + k)], mean[static_cast<std::size_t>(k)], 1e-12)
          << "row " << i;
    EXPECT_EQ(mean[5], 0.0) << "the second output has no third class";
    const auto first = std::max_element(mean.begin(), mean.begin() + 3) - mean.begin();
    EXPECT_EQ(labels[static_cast<std::size_t>(i * O)], static_cast<double>(first)) << "row " << i;
    EXPECT_EQ(labels[static_cast<std::size_t>(i * O + 1)], mean[3] >= mean[4] ? -1.0 : 5.0) << "row " << i;
  }
}

TEST_P(RandomForest, FullTreesWithoutBootstrapFitTheTrainingData) {
  // Distinct rows, every feature examined, no bootstrap, no more rows than bins (each value its own
  // bin): every leaf is pure.
  const Data data = make_data(250, 4, 4, 14);
  const Fitted f = fit<double, std::int32_t>(device(), "RandomForestClassifier", data, "row-major",
                                             R"({"n_estimators": 3, "bootstrap": false, "max_features": null})");
  const auto labels = run(device(), f.model.get(), "predict", data);
  for (std::int64_t i = 0; i < data.n; ++i)
    EXPECT_EQ(labels[static_cast<std::size_t>(i)], data.y[static_cast<std::size_t>(i)]) << "row " << i;
  const auto& impurity = f.arrays.at("tree_impurity_");
  const auto& left = f.arrays.at("tree_children_left_");
  for (std::size_t k = 0; k < left.size(); ++k)
    if (left[k] < 0) EXPECT_LE(impurity[k], 1e-12) << "leaf " << k;
  double total = 0;
  for (const double v : f.arrays.at("feature_importances_")) total += v;
  EXPECT_NEAR(total, 1.0, 1e-12);
}

TEST_P(RandomForest, ASavedForestPredictsTheSameOnTheCpu) {
  const Data data = make_data(300, 5, 0, 15, true);
  const Fitted f = fit<double, std::int32_t>(device(), "RandomForestRegressor", data, "row-major",
                                             R"({"n_estimators": 4, "random_state": 2, "max_depth": 6})");
  std::uint8_t* bytes = nullptr;
  std::size_t size = 0;
  FRANCA_ASSERT_OK(franca_estimator_save(f.model.get(), &bytes, &size));
  franca_estimator loaded = nullptr;
  FRANCA_ASSERT_OK(franca_estimator_load(bytes, size, &loaded));
  franca_free(bytes);
  EstimatorPtr owned(loaded);
  const auto on_device = run(device(), f.model.get(), "predict", data);
  const auto on_cpu = run("cpu", loaded, "predict", data);
  ASSERT_EQ(on_device.size(), on_cpu.size());
  for (std::size_t i = 0; i < on_cpu.size(); ++i) EXPECT_EQ(on_device[i], on_cpu[i]) << "row " << i;
}

TEST_P(RandomForest, WarmStartAddsTheTreesAFullFitGrows) {
  const Data data = make_data(300, 5, 2, 16);
  const Fitted all = fit<double, std::int32_t>(device(), "RandomForestClassifier", data, "row-major",
                                               R"({"n_estimators": 6, "random_state": 4})");
  Fitted warm = fit<double, std::int32_t>(device(), "RandomForestClassifier", data, "row-major",
                                          R"({"n_estimators": 2, "random_state": 4, "warm_start": true})");
  FRANCA_ASSERT_OK(franca_estimator_set_params(warm.model.get(), R"({"n_estimators": 6})"));
  LaidOutMatrix<double, std::int32_t> X(device(), data.X, data.n, data.d, "row-major");
  Tensor y(device(), data.y, {data.n});
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, warm.model.get(), X.get(), y.get(), nullptr));
  for (const char* a : kTreeArrays) warm.arrays[a] = attribute_of(warm.model.get(), a);
  warm.arrays["feature_importances_"] = attribute_of(warm.model.get(), "feature_importances_");
  expect_same_trees(all, warm, 1e-15, "warm start");
}

TEST_P(RandomForest, BadInputIsANamedError) {
  const Data data = make_data(40, 3, 2, 17);
  LaidOutMatrix<double, std::int32_t> X(device(), data.X, data.n, data.d, "row-major");
  Tensor y(device(), data.y, {data.n});
  Tensor short_y(device(), std::vector<double>(10, 1.0), {10});
  std::vector<double> negative(static_cast<std::size_t>(data.n), 1.0);
  negative[3] = -1;
  Tensor w(device(), negative, {data.n});
  auto fails = [&](const char* name, const char* params, const DLTensor* target, const DLTensor* weights, int status,
                   const char* fragment) {
    auto model = estimator(name);
    const int set = franca_estimator_set_params(model.get(), params);
    if (set != FRANCA_OK) {
      EXPECT_EQ(set, status) << params;
      EXPECT_NE(std::string(franca_last_error()).find(fragment), std::string::npos) << franca_last_error();
      return;
    }
    FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, model.get(), X.get(), target, weights), status, fragment);
  };
  fails("RandomForestClassifier", R"({"n_estimators": 0})", y.get(), nullptr, FRANCA_ERROR_INVALID_ARGUMENT,
        "n_estimators");
  fails("RandomForestClassifier", R"({"max_features": 4})", y.get(), nullptr, FRANCA_ERROR_INVALID_ARGUMENT,
        "max_features");
  fails("RandomForestClassifier", R"({"max_features": 1.5})", y.get(), nullptr, FRANCA_ERROR_INVALID_ARGUMENT,
        "max_features");
  fails("RandomForestClassifier", "{}", short_y.get(), nullptr, FRANCA_ERROR_INVALID_ARGUMENT, "y");
  fails("RandomForestClassifier", "{}", y.get(), w.get(), FRANCA_ERROR_INVALID_ARGUMENT, "sample_weight");
  fails("RandomForestClassifier", R"({"bootstrap": false, "oob_score": true})", y.get(), nullptr,
        FRANCA_ERROR_INVALID_ARGUMENT, "oob_score");
  fails("RandomForestClassifier", R"({"monotonic_cst": [1, 0]})", y.get(), nullptr, FRANCA_ERROR_INVALID_ARGUMENT,
        "monotonic_cst");
  fails("RandomForestRegressor", R"({"criterion": "absolute_error", "monotonic_cst": [1, 0, 0]})", y.get(), nullptr,
        FRANCA_ERROR_NOT_IMPLEMENTED, "monotonic_cst");
  fails("RandomForestClassifier", R"({"n_bins": 256})", y.get(), nullptr, FRANCA_ERROR_INVALID_ARGUMENT, "n_bins");
  // Totals the fixed-point sums cannot hold, and more draws than a tree counts.
  std::vector<double> huge_y = data.y, tiny(static_cast<std::size_t>(data.n), 1e-300),
                      heavy(static_cast<std::size_t>(data.n), 1e12);
  for (double& v : huge_y) v = 1e155 * (v + 1);
  Tensor huge_targets(device(), huge_y, {data.n}), tiny_w(device(), tiny, {data.n}), heavy_w(device(), heavy, {data.n});
  fails("RandomForestRegressor", "{}", huge_targets.get(), nullptr, FRANCA_ERROR_INVALID_ARGUMENT, "rescale y");
  fails("RandomForestClassifier", "{}", y.get(), tiny_w.get(), FRANCA_ERROR_INVALID_ARGUMENT, "sample_weight");
  fails("RandomForestClassifier", R"({"max_samples": 3.0})", y.get(), heavy_w.get(), FRANCA_ERROR_INVALID_ARGUMENT,
        "max_samples");
  // Several outputs: class_weight as a list of one dict per output, OOB on multilabel targets only;
  // warm start keeps trees only for the classes they were grown on.
  const Data two = with_second_output(data);
  Tensor two_y(device(), two.y, {data.n, 2});
  fails("RandomForestClassifier", R"({"class_weight": {"0": 2}})", two_y.get(), nullptr, FRANCA_ERROR_INVALID_ARGUMENT,
        "class_weight: For multi-output, class_weight should be a list of dicts");
  fails("RandomForestClassifier", R"({"class_weight": [{"0": 2}]})", two_y.get(), nullptr,
        FRANCA_ERROR_INVALID_ARGUMENT, "number of elements in class_weight should match number of outputs");
  fails("RandomForestClassifier", R"({"class_weight": [{"0": 2}]})", y.get(), nullptr, FRANCA_ERROR_INVALID_ARGUMENT,
        "a list of dicts is for several outputs");
  fails("RandomForestClassifier", R"({"oob_score": true})", two_y.get(), nullptr, FRANCA_ERROR_INVALID_ARGUMENT,
        "Got multiclass-multioutput");
  fails("LogisticRegression", R"({"class_weight": [{"0": 2}]})", y.get(), nullptr, FRANCA_ERROR_INVALID_ARGUMENT,
        "multi-output forests");
  {
    auto warm = estimator("RandomForestClassifier", R"({"n_estimators": 2, "warm_start": true})");
    FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, warm.get(), X.get(), y.get(), nullptr));
    FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, warm.get(), X.get(), two_y.get(), nullptr),
                        FRANCA_ERROR_INVALID_ARGUMENT,
                        "warm_start keeps the trees of a forest fitted on other classes");
    std::vector<double> shifted = data.y;
    for (double& v : shifted) v += 1;
    Tensor other_classes(device(), shifted, {data.n});
    FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, warm.get(), X.get(), other_classes.get(), nullptr),
                        FRANCA_ERROR_INVALID_ARGUMENT, "warm_start keeps the trees");
    EXPECT_EQ(attribute_of(warm.get(), "classes_"), (std::vector<double>{0, 1})) << "a failed fit changes nothing";
  }
  std::vector<double> negative_y = data.y;
  negative_y[0] = -1;
  Tensor bad_counts(device(), negative_y, {data.n});
  fails("RandomForestRegressor", R"({"criterion": "poisson"})", bad_counts.get(), nullptr,
        FRANCA_ERROR_INVALID_ARGUMENT, "Poisson");
}

TEST_P(RandomForest, AnAllMissingColumnIsNeverSplitOn) {
  Data data = make_data(200, 4, 2, 18);
  for (std::int64_t i = 0; i < data.n; ++i) data.X[static_cast<std::size_t>(i * data.d + 2)] = NAN;
  const Fitted f = fit<double, std::int32_t>(device(), "RandomForestClassifier", data, "row-major",
                                             R"({"n_estimators": 5, "max_features": null})");
  const auto& feature = f.arrays.at("tree_feature_");
  EXPECT_EQ(std::count(feature.begin(), feature.end(), 2.0), 0);
  EXPECT_EQ(f.arrays.at("feature_importances_")[2], 0.0);
}

FRANCA_INSTANTIATE_DEVICE_TESTS(RandomForest);

// ---- Fits on blocks of rows held elsewhere (franca_estimator_fit_blocks), blocks answered in process. ----

// The rows [first, end) of the data.
Data rows_of(const Data& data, std::int64_t first, std::int64_t end) {
  Data part = data;
  part.n = end - first;
  part.X.assign(data.X.begin() + first * data.d, data.X.begin() + end * data.d);
  part.y.assign(data.y.begin() + first * data.outputs, data.y.begin() + end * data.outputs);
  return part;
}

// Blocks of a data set at the given first rows, each answering through its own estimator handle,
// keeping its kept form as a caller would.
struct Blocks {
  struct Block {
    Data data;
    std::vector<double> weights;
    std::unique_ptr<LaidOutMatrix<double, std::int64_t>> X;
    std::unique_ptr<Tensor> y, w;
    DLManagedTensor* kept = nullptr;
  };
  std::vector<Block> blocks;
  EstimatorPtr answering;
  std::vector<DLManagedTensor*> answers;  // held until the next question, as the ABI asks
  int questions = 0;
  // A broken network or caller: changes an answer's bytes (question kind first byte) before the
  // fit reads them; and the last error of a block's answer.
  std::function<void(std::uint8_t kind, std::vector<std::uint8_t>& answer)> corrupt;
  std::string block_error;
  std::deque<std::vector<std::uint8_t>> corrupted;
  std::deque<std::int64_t> corrupted_sizes;
  std::deque<DLTensor> corrupted_tensors;

  Blocks(const std::string& name, const std::string& params, const Data& data, const std::vector<std::int64_t>& firsts,
         const std::vector<double>* weights)
      : answering(estimator(name, params)) {
    for (std::size_t b = 0; b < firsts.size(); ++b) {
      const std::int64_t end = b + 1 < firsts.size() ? firsts[b + 1] : data.n;
      Block block;
      block.data = rows_of(data, firsts[b], end);
      block.X = std::make_unique<LaidOutMatrix<double, std::int64_t>>("cpu", block.data.X, block.data.n, data.d,
                                                                      b % 2 ? "csr" : "row-major");
      block.y = std::make_unique<Tensor>("cpu", block.data.y,
                                         data.outputs == 1 ? std::vector<std::int64_t>{block.data.n}
                                                           : std::vector<std::int64_t>{block.data.n, data.outputs});
      if (weights) {
        block.weights.assign(weights->begin() + firsts[b], weights->begin() + end);
        block.w = std::make_unique<Tensor>("cpu", block.weights, std::vector<std::int64_t>{block.data.n});
      }
      blocks.push_back(std::move(block));
    }
  }
  ~Blocks() {
    release_answers();
    for (Block& b : blocks)
      if (b.kept) b.kept->deleter(b.kept);
  }
  void release_answers() {
    for (DLManagedTensor* a : answers) a->deleter(a);
    answers.clear();
  }

  static int ask(int kind, const DLTensor* question, const DLTensor** out, void* user_data) {
    auto& self = *static_cast<Blocks*>(user_data);
    self.release_answers();
    ++self.questions;
    for (std::size_t b = 0; b < self.blocks.size(); ++b) {
      Block& block = self.blocks[b];
      const bool of_rows = kind != FRANCA_BLOCKS_KEPT;
      DLManagedTensor* answer = nullptr;
      const int status = franca_estimator_block_answer(
          nullptr, self.answering.get(), question, static_cast<std::int64_t>(b), of_rows ? block.X->get() : nullptr,
          of_rows ? block.y->get() : nullptr, of_rows && block.w ? block.w->get() : nullptr,
          of_rows ? nullptr : &block.kept->dl_tensor, &answer);
      if (status != FRANCA_OK) {
        self.block_error = franca_last_error();
        EXPECT_TRUE(self.corrupt) << self.block_error;
        return 1;
      }
      if (kind == FRANCA_BLOCKS_KEEP) {
        if (block.kept) block.kept->deleter(block.kept);
        block.kept = answer;
        continue;
      }
      self.answers.push_back(answer);
      out[b] = &answer->dl_tensor;
      if (self.corrupt) {
        const auto* bytes = static_cast<const std::uint8_t*>(answer->dl_tensor.data);
        self.corrupted.emplace_back(bytes, bytes + answer->dl_tensor.shape[0]);
        self.corrupt(static_cast<const std::uint8_t*>(question->data)[0], self.corrupted.back());
        self.corrupted_sizes.push_back(static_cast<std::int64_t>(self.corrupted.back().size()));
        self.corrupted_tensors.push_back(DLTensor{
            self.corrupted.back().data(), {kDLCPU, 0}, 1, {kDLUInt, 8, 1}, &self.corrupted_sizes.back(), nullptr, 0});
        out[b] = &self.corrupted_tensors.back();
      }
    }
    return 0;
  }
};

Fitted fit_on_blocks(const std::string& name, const std::string& params, const Data& data,
                     const std::vector<std::int64_t>& firsts, const std::vector<double>* weights = nullptr,
                     int* questions = nullptr) {
  Blocks blocks(name, params, data, firsts, weights);
  Fitted f{estimator(name, params), {}};
  EXPECT_EQ(franca_estimator_fit_blocks(nullptr, f.model.get(), static_cast<std::int64_t>(firsts.size()), Blocks::ask,
                                        &blocks),
            FRANCA_OK)
      << franca_last_error() << " (" << name << " " << params << ")";
  read_arrays(f, name, params);
  if (questions) *questions = blocks.questions;
  return f;
}

TEST(RandomForestOnBlocks, GrowsTheForestOfAllTheRowsWhateverTheBlocks) {
  struct Case {
    std::string name, params;
    Data data;
    bool weighted;
  };
  const std::vector<Case> cases = {
      {"RandomForestClassifier", R"({"n_estimators": 6, "random_state": 3, "max_features": 2})",
       make_data(700, 6, 3, 21, true), false},
      {"RandomForestClassifier",
       R"({"n_estimators": 5, "random_state": 4, "class_weight": "balanced", "max_samples": 0.6,
           "min_samples_leaf": 3, "max_depth": 7})",
       make_data(600, 5, 4, 22, true), true},
      {"RandomForestClassifier", R"({"n_estimators": 4, "random_state": 5, "max_leaf_nodes": 12, "bootstrap": false})",
       with_second_output(make_data(500, 5, 3, 23)), true},
      {"RandomForestClassifier", R"({"n_estimators": 4, "random_state": 10, "class_weight": "balanced_subsample"})",
       with_second_output(make_data(500, 5, 4, 29)), true},
      {"RandomForestRegressor", R"({"n_estimators": 5, "random_state": 6, "oob_score": true})",
       make_data(500, 5, 0, 24, true), true},
      {"RandomForestClassifier", R"({"n_estimators": 6, "random_state": 11, "oob_score": true})",
       make_data(500, 5, 3, 30, true), true},
      {"RandomForestRegressor", R"({"n_estimators": 4, "random_state": 7, "criterion": "poisson", "max_depth": 6})",
       [] {
         Data d = make_data(400, 4, 0, 25);
         for (double& v : d.y) v = std::exp(v / 3);
         return d;
       }(),
       false},
      {"RandomForestRegressor",
       R"({"n_estimators": 3, "random_state": 8, "monotonic_cst": [1, 0, 0, 0, -1], "max_leaf_nodes": 20})",
       make_data(500, 5, 0, 26), false},
  };
  for (const Case& c : cases) {
    std::vector<double> weights;
    std::mt19937_64 rng(9);
    std::uniform_real_distribution<double> uniform(0.2, 3.0);
    for (std::int64_t i = 0; i < c.data.n; ++i) weights.push_back(uniform(rng));
    const std::vector<double>* w = c.weighted ? &weights : nullptr;
    const Fitted whole = fit<double, std::int32_t>("cpu", c.name, c.data, "row-major", c.params, 2, w);
    for (const std::vector<std::int64_t>& firsts :
         {std::vector<std::int64_t>{0}, std::vector<std::int64_t>{0, 1, 250, 251},
          std::vector<std::int64_t>{0, 70, 140, 300, 390}})
      expect_same_trees(whole, fit_on_blocks(c.name, c.params, c.data, firsts, w), 0,
                        c.name + " " + c.params + " on " + std::to_string(firsts.size()) + " blocks");
    // Again, on new copies of the same blocks (a block's memo is found by its bytes, and must read
    // the copy at hand: the sanitizer build catches a read of the freed one).
    expect_same_trees(whole, fit_on_blocks(c.name, c.params, c.data, {0, 70, 140, 300, 390}, w), 0,
                      c.name + " " + c.params + " refitted on copies of the blocks");
  }
}

TEST(RandomForestOnBlocks, BinsFromTheSameSampleBeyondTwoHundredThousandRows) {
  const Data data = make_data(230000, 3, 2, 27);
  const std::string params = R"({"n_estimators": 2, "random_state": 1, "max_depth": 4, "n_bins": 31})";
  const Fitted whole = fit<double, std::int32_t>("cpu", "RandomForestClassifier", data, "row-major", params, 2);
  int questions = 0;
  expect_same_trees(
      whole, fit_on_blocks("RandomForestClassifier", params, data, {0, 100000, 100001, 180000}, nullptr, &questions), 0,
      "230,000 rows on 4 blocks");
  EXPECT_LT(questions, 40);  // a level's nodes share a question
}

TEST(RandomForestOnBlocks, CorruptedAnswersAreNamedErrorsNotOverflows) {
  const Data data = make_data(300, 4, 2, 31);
  const std::string params = R"({"n_estimators": 2, "random_state": 1})";
  // A describe answer (question kind 1) claiming 2^60 outputs: refused before anything is sized by it.
  Blocks huge("RandomForestClassifier", params, data, {0, 150}, nullptr);
  huge.corrupt = [](std::uint8_t kind, std::vector<std::uint8_t>& answer) {
    const std::int64_t outputs = std::int64_t{1} << 60;
    if (kind == 1) std::memcpy(answer.data() + 16, &outputs, sizeof outputs);  // rows, features, outputs
  };
  const EstimatorPtr first = estimator("RandomForestClassifier", params);
  EXPECT_EQ(franca_estimator_fit_blocks(nullptr, first.get(), 2, Blocks::ask, &huge), FRANCA_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(franca_last_error()).find("answer"), std::string::npos) << franca_last_error();
  // Tree sums (kind 6) a million times too small: the scales they give would overflow the blocks'
  // fixed-point sums, which the blocks refuse.
  Blocks tiny("RandomForestClassifier", params, data, {0, 150}, nullptr);
  tiny.corrupt = [](std::uint8_t kind, std::vector<std::uint8_t>& answer) {
    if (kind != 6) return;
    for (std::size_t at = 8; at + sizeof(double) <= answer.size(); at += sizeof(double)) {
      double sum;
      std::memcpy(&sum, answer.data() + at, sizeof sum);
      sum *= 1e-6;
      std::memcpy(answer.data() + at, &sum, sizeof sum);
    }
  };
  const EstimatorPtr second = estimator("RandomForestClassifier", params);
  EXPECT_EQ(franca_estimator_fit_blocks(nullptr, second.get(), 2, Blocks::ask, &tiny), FRANCA_ERROR_CANCELLED);
  EXPECT_NE(tiny.block_error.find("2^62"), std::string::npos) << tiny.block_error;
}

TEST(RandomForestOnBlocks, OtherEstimatorsAndBadQuestionsAreNamedErrors) {
  const Data data = make_data(200, 4, 2, 28);
  Blocks blocks("RandomForestClassifier", "{}", data, {0, 100}, nullptr);
  const EstimatorPtr ridge = estimator("Ridge");
  EXPECT_EQ(franca_estimator_fit_blocks(nullptr, ridge.get(), 2, Blocks::ask, &blocks), FRANCA_ERROR_NOT_IMPLEMENTED);

  // Bytes that are no question, and a kept form that is not one, are errors naming them.
  const std::vector<std::uint8_t> junk = {7, 1, 2, 3};
  Tensor question("cpu", junk, {4});
  DLManagedTensor* answer = nullptr;
  EXPECT_EQ(franca_estimator_block_answer(nullptr, blocks.answering.get(), question.get(), 0, nullptr, nullptr, nullptr,
                                          question.get(), &answer),
            FRANCA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(answer, nullptr);
  const std::vector<std::uint8_t> summary = {4};
  Tensor summary_question("cpu", summary, {1});
  EXPECT_NE(franca_estimator_block_answer(nullptr, blocks.answering.get(), summary_question.get(), 0, nullptr, nullptr,
                                          nullptr, question.get(), &answer),
            FRANCA_OK);
  EXPECT_NE(std::string(franca_last_error()).find("kept"), std::string::npos) << franca_last_error();
}

}  // namespace
}  // namespace franca::test
