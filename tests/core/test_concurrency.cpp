// A careless caller shares one estimator handle between threads that fit, predict, set
// parameters, read attributes and save at once. The handle's readers-writer lock must serialise
// them: every call succeeds, and every output is one that some serial order of the same calls
// gives (run under ThreadSanitizer too: -DFRANCA_SANITIZE=thread).
#include <algorithm>
#include <atomic>
#include <thread>

#include "common/franca_test.hpp"

namespace franca::test {
namespace {

// An estimator, the two parameter settings and the two training sets the threads switch between,
// the method they run and the attribute they read.
struct SharedHandleCase {
  std::string name;
  std::string method;
  std::string attribute;
  std::string params[2];
};

constexpr std::int64_t kRows = 60;
constexpr std::int64_t kCols = 4;
constexpr int kThreads = 16;
constexpr int kCallsPerThread = 12;

// Training set `which` (0 or 1): X and labels 0..2 (regressors fit them as numbers).
struct TrainingSet {
  explicit TrainingSet(const std::string& device, int which)
      : X(device, normal(static_cast<std::size_t>(kRows * kCols), 100 + which), {kRows, kCols}),
        y(device, labels(which), {kRows}),
        matrix(dense(X.get())) {}
  static std::vector<double> labels(int which) {
    std::vector<double> y(static_cast<std::size_t>(kRows));
    for (std::int64_t i = 0; i < kRows; ++i) y[i] = static_cast<double>((i * (which + 1)) % 3);
    return y;
  }
  Tensor X;
  Tensor y;
  MatrixPtr matrix;
};

// The outputs of every serial combination of parameters and training set, with `probe` as input.
struct Expected {
  std::vector<std::vector<double>> outputs;
  std::vector<std::vector<double>> attributes;
};

bool is_one_of(const std::vector<double>& value, const std::vector<std::vector<double>>& allowed) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

Expected serial_results(const SharedHandleCase& c, TrainingSet* sets[2], franca_matrix probe) {
  Expected e;
  for (const auto& params : c.params) {
    for (int s = 0; s < 2; ++s) {
      auto est = estimator(c.name, params);
      EXPECT_EQ(franca_estimator_fit(nullptr, est.get(), sets[s]->matrix.get(), sets[s]->y.get(), nullptr), FRANCA_OK)
          << c.name << ": " << franca_last_error();
      franca_matrix out = nullptr;
      EXPECT_EQ(franca_estimator_apply(nullptr, est.get(), c.method.c_str(), probe, &out), FRANCA_OK)
          << c.name << ": " << franca_last_error();
      e.outputs.push_back(values_of(out));
      franca_matrix_free(out);
      e.attributes.push_back(attribute_of(est.get(), c.attribute.c_str()));
    }
  }
  return e;
}

class SharedHandle : public DeviceTest {};

TEST_P(SharedHandle, ConcurrentFitApplySetParamsAndReadsSerialise) {
  const std::vector<SharedHandleCase> cases = {
      {"RandomForestClassifier",
       "predict_proba",
       "feature_importances_",
       {R"({"n_estimators": 3, "max_depth": 2, "random_state": 0})",
        R"({"n_estimators": 3, "max_depth": 4, "random_state": 0})"}},
      {"LogisticRegression", "predict_proba", "coef_", {R"({"C": 1.0})", R"({"C": 0.1})"}},
      {"Ridge", "predict", "coef_", {R"({"alpha": 1.0})", R"({"alpha": 10.0})"}},
      {"StandardScaler", "transform", "mean_", {R"({"with_mean": true})", R"({"with_mean": false})"}},
  };
  TrainingSet first(device(), 0), second(device(), 1);
  TrainingSet* sets[2] = {&first, &second};
  franca_matrix probe = first.matrix.get();

  for (const auto& c : cases) {
    const Expected expected = serial_results(c, sets, probe);
    auto shared = estimator(c.name, c.params[0]);
    FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, shared.get(), first.matrix.get(), first.y.get(), nullptr));

    std::atomic<int> failed_calls{0}, unexpected_outputs{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int call = 0; call < kCallsPerThread; ++call) {
          const int which = (t + call) % 2;
          int status = FRANCA_OK;
          switch ((t * 7 + call) % 6) {
            case 0: {
              TrainingSet* set = sets[which];
              status = franca_estimator_fit(nullptr, shared.get(), set->matrix.get(), set->y.get(), nullptr);
              break;
            }
            case 1:
              status = franca_estimator_set_params(shared.get(), c.params[which].c_str());
              break;
            case 2: {
              DLManagedTensor* attribute = nullptr;
              status = franca_estimator_get_attribute(shared.get(), c.attribute.c_str(), &attribute);
              if (status != FRANCA_OK) break;
              const DLTensor& a = attribute->dl_tensor;
              std::int64_t n = 1;
              for (int i = 0; i < a.ndim; ++i) n *= a.shape[i];
              std::vector<double> value(static_cast<std::size_t>(n));
              for (std::size_t i = 0; i < value.size(); ++i) value[i] = element_as_double(a.data, a.dtype, i);
              attribute->deleter(attribute);
              if (!is_one_of(value, expected.attributes)) ++unexpected_outputs;
              break;
            }
            case 3: {
              std::uint8_t* bytes = nullptr;
              std::size_t size = 0;
              status = franca_estimator_save(shared.get(), &bytes, &size);
              franca_free(bytes);
              int fitted = 0;
              if (status == FRANCA_OK) status = franca_estimator_is_fitted(shared.get(), &fitted);
              if (status == FRANCA_OK && fitted != 1) ++unexpected_outputs;
              break;
            }
            case 4: {
              char* params = nullptr;
              status = franca_estimator_get_params(shared.get(), &params);
              franca_free(params);
              break;
            }
            default: {
              franca_matrix out = nullptr;
              status = franca_estimator_apply(nullptr, shared.get(), c.method.c_str(), probe, &out);
              if (status != FRANCA_OK) break;
              if (!is_one_of(values_of(out), expected.outputs)) ++unexpected_outputs;
              franca_matrix_free(out);
            }
          }
          if (status != FRANCA_OK) {
            ADD_FAILURE() << c.name << " thread " << t << " call " << call << ": " << franca_last_error();
            ++failed_calls;
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failed_calls.load(), 0) << c.name;
    EXPECT_EQ(unexpected_outputs.load(), 0) << c.name << ": an output no serial order of the calls gives";
  }
}

FRANCA_INSTANTIATE_DEVICE_TESTS(SharedHandle);

}  // namespace
}  // namespace franca::test
