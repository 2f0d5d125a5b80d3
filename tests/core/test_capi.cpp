// The C ABI's contract: status codes, messages that name the argument, ownership, save/load,
// and every kind of bad input.
#include <atomic>
#include <cmath>
#include <limits>
#include <set>
#include <thread>
#include <tuple>

#include <nlohmann/json.hpp>

#include "common/franca_test.hpp"

namespace franca::test {
namespace {

using json = nlohmann::json;

std::string take_string(char* s) {
  std::string out = s ? s : "";
  franca_free(s);
  return out;
}

TEST(CApi, VersionMatchesHeaderAndBuildInfoIsJson) {
  int major = -1, minor = -1, patch = -1;
  FRANCA_ASSERT_OK(franca_version(&major, &minor, &patch));
  EXPECT_EQ(major, FRANCA_VERSION_MAJOR);
  EXPECT_EQ(minor, FRANCA_VERSION_MINOR);
  EXPECT_EQ(patch, FRANCA_VERSION_PATCH);
  char* info = nullptr;
  FRANCA_ASSERT_OK(franca_build_info(&info));
  const auto j = json::parse(take_string(info));
  EXPECT_EQ(j["version"], FRANCA_VERSION_STRING);
  EXPECT_TRUE(j["cuda"]["compiled"].is_boolean());
  EXPECT_EQ(j["cuda"]["devices"].size(), static_cast<std::size_t>(cuda_device_count()));
}

TEST(CApi, ListingDescribesEveryEstimator) {
  char* s = nullptr;
  FRANCA_ASSERT_OK(franca_estimator_list(&s));
  const auto list = json::parse(take_string(s));
  std::set<std::string> names;
  for (const auto& e : list) {
    names.insert(e["name"]);
    EXPECT_FALSE(e["doc"].get<std::string>().empty()) << e["name"];
    EXPECT_FALSE(e["methods"].empty()) << e["name"];
    for (const auto& p : e["params"]) {
      EXPECT_TRUE(p.contains("default") && p.contains("type") && p.contains("doc")) << p.dump();
      // Every default must pass the estimator's own checks.
      franca_estimator est = nullptr;
      FRANCA_ASSERT_OK(franca_estimator_create(e["name"].get<std::string>().c_str(), &est));
      const json one = {{p["name"].get<std::string>(), p["default"]}};
      EXPECT_EQ(franca_estimator_set_params(est, one.dump().c_str()), FRANCA_OK) << franca_last_error();
      franca_estimator_free(est);
    }
  }
  for (const char* n : {"LinearRegression", "Ridge", "StandardScaler"}) EXPECT_TRUE(names.count(n)) << n;
}

TEST(CApi, NullArgumentsAreNamed) {
  franca_estimator est = nullptr;
  FRANCA_ASSERT_ERROR(franca_estimator_create(nullptr, &est), FRANCA_ERROR_INVALID_ARGUMENT, "name");
  FRANCA_ASSERT_ERROR(franca_estimator_create("Ridge", nullptr), FRANCA_ERROR_INVALID_ARGUMENT, "out");
  franca_matrix m = nullptr;
  FRANCA_ASSERT_ERROR(franca_matrix_dense(nullptr, &m), FRANCA_ERROR_INVALID_ARGUMENT, "values");
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, nullptr, nullptr, nullptr, nullptr), FRANCA_ERROR_INVALID_ARGUMENT,
                      "est");
  EXPECT_EQ(franca_estimator_free(nullptr), FRANCA_OK);
  EXPECT_EQ(franca_matrix_free(nullptr), FRANCA_OK);
  EXPECT_EQ(franca_context_free(nullptr), FRANCA_OK);
  franca_free(nullptr);
}

TEST(CApi, UnknownNamesAndBadParameters) {
  franca_estimator est = nullptr;
  FRANCA_ASSERT_ERROR(franca_estimator_create("NoSuchModel", &est), FRANCA_ERROR_NOT_FOUND, "NoSuchModel");
  EXPECT_EQ(est, nullptr);
  auto ridge = estimator("Ridge");
  FRANCA_ASSERT_ERROR(franca_estimator_set_params(ridge.get(), R"({"alpah": 1})"), FRANCA_ERROR_INVALID_ARGUMENT,
                      "alpah");
  FRANCA_ASSERT_ERROR(franca_estimator_set_params(ridge.get(), R"({"alpha": "big"})"), FRANCA_ERROR_TYPE, "alpha");
  FRANCA_ASSERT_ERROR(franca_estimator_set_params(ridge.get(), R"({"alpha": -1})"), FRANCA_ERROR_INVALID_ARGUMENT,
                      "alpha");
  FRANCA_ASSERT_ERROR(franca_estimator_set_params(ridge.get(), R"({"solver": "newton-cg"})"),
                      FRANCA_ERROR_INVALID_ARGUMENT, "solver");
  FRANCA_ASSERT_ERROR(franca_estimator_set_params(ridge.get(), "{not json"), FRANCA_ERROR_INVALID_ARGUMENT, "JSON");
  FRANCA_ASSERT_ERROR(franca_estimator_set_params(ridge.get(), "[1, 2]"), FRANCA_ERROR_TYPE, "object");
  // A NUL in a name would end the C string of the message: it is escaped.
  FRANCA_ASSERT_ERROR(franca_estimator_set_params(ridge.get(), R"({"al\u0000pha": 1})"), FRANCA_ERROR_INVALID_ARGUMENT,
                      R"(parameter 'al\u0000pha': unknown; valid parameters are: alpha)");
  FRANCA_ASSERT_ERROR(franca_estimator_set_params(ridge.get(), R"({"solver": "sv\u0000d"})"),
                      FRANCA_ERROR_INVALID_ARGUMENT, R"(got 'sv\u0000d')");
  // A failed update changes nothing, even the valid entries given with it.
  FRANCA_ASSERT_ERROR(franca_estimator_set_params(ridge.get(), R"({"alpha": 3, "tol": "x"})"), FRANCA_ERROR_TYPE,
                      "tol");
  char* params = nullptr;
  FRANCA_ASSERT_OK(franca_estimator_get_params(ridge.get(), &params));
  EXPECT_EQ(json::parse(take_string(params))["alpha"], 1.0);
  FRANCA_ASSERT_OK(franca_estimator_set_params(ridge.get(), R"({"alpha": 2})"));
  FRANCA_ASSERT_OK(franca_estimator_get_params(ridge.get(), &params));
  EXPECT_EQ(json::parse(take_string(params))["alpha"], 2);
}

class BadInput : public DeviceTest {};

TEST_P(BadInput, EachKindOfBadInputHasItsOwnError) {
  const std::int64_t n = 20, d = 3;
  auto Xv = normal(static_cast<std::size_t>(n * d), 1);
  Tensor X(device(), Xv, {n, d}), y(device(), normal(static_cast<std::size_t>(n), 2), {n});
  Tensor y_short(device(), normal(static_cast<std::size_t>(n - 1), 2), {n - 1});
  auto m = dense(X.get());
  auto est = estimator("Ridge");
  franca_matrix out = nullptr;

  // Predict before fit.
  FRANCA_ASSERT_ERROR(franca_estimator_apply(nullptr, est.get(), "predict", m.get(), &out), FRANCA_ERROR_NOT_FITTED,
                      "not fitted");
  // Missing y, mismatched rows.
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, est.get(), m.get(), nullptr, nullptr),
                      FRANCA_ERROR_INVALID_ARGUMENT, "y");
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, est.get(), m.get(), y_short.get(), nullptr),
                      FRANCA_ERROR_INVALID_ARGUMENT,
                      "y: Found input variables with inconsistent numbers of samples: [20, 19]");
  // y of no targets: a fitted model of no outputs would not even load.
  Tensor y_none(device(), std::vector<double>{}, {n, 0});
  for (const char* name : {"Ridge", "RandomForestRegressor", "LinearRegression"}) {
    auto multi_output = estimator(name);
    FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, multi_output.get(), m.get(), y_none.get(), nullptr),
                        FRANCA_ERROR_INVALID_ARGUMENT, "y: found array with 0 target(s) (shape=(20, 0))");
  }
  // NaN and infinity in X and y.
  for (double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    auto Xb = Xv;
    Xb[7] = bad;
    Tensor tb(device(), Xb, {n, d});
    auto mb = dense(tb.get());
    FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, est.get(), mb.get(), y.get(), nullptr),
                        FRANCA_ERROR_INVALID_ARGUMENT,
                        std::isnan(bad) ? "Input X contains NaN" : "Input X contains infinity");
    Tensor yb(device(), std::vector<double>(static_cast<std::size_t>(n), bad), {n});
    FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, est.get(), m.get(), yb.get(), nullptr),
                        FRANCA_ERROR_INVALID_ARGUMENT, "Input y contains");
  }
  // Negative, all-zero and mismatched sample weights.
  std::vector<double> wv(static_cast<std::size_t>(n), 1.0);
  wv[3] = -1;
  Tensor w(device(), wv, {n}), w_short(device(), std::vector<double>(5, 1.0), {5});
  Tensor w_zero(device(), std::vector<double>(static_cast<std::size_t>(n), 0.0), {n});
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, est.get(), m.get(), y.get(), w.get()),
                      FRANCA_ERROR_INVALID_ARGUMENT, "sample_weight: negative");
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, est.get(), m.get(), y.get(), w_zero.get()),
                      FRANCA_ERROR_INVALID_ARGUMENT,
                      "sample_weight: all 20 weights are zero; sample weights must contain at least one non-zero");
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, est.get(), m.get(), y.get(), w_short.get()),
                      FRANCA_ERROR_INVALID_ARGUMENT, "sample_weight: has 5 elements");
  // Empty X.
  Tensor empty(device(), std::vector<double>{}, {0, d}), y_empty(device(), std::vector<double>{}, {0});
  auto me = dense(empty.get());
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, est.get(), me.get(), y_empty.get(), nullptr),
                      FRANCA_ERROR_INVALID_ARGUMENT, "0 sample");
  // Wrong dtype and ndim.
  Tensor bytes(device(), std::vector<std::uint8_t>(12, 1), {4, 3});
  franca_matrix mm = nullptr;
  FRANCA_ASSERT_ERROR(franca_matrix_dense(bytes.get(), &mm), FRANCA_ERROR_TYPE, "values: expected float32");
  // Integer X makes a matrix (some estimators may take it) but not a least-squares fit.
  Tensor integers(device(), std::vector<std::int32_t>(static_cast<std::size_t>(n * d), 1), {n, d});
  auto mi = dense(integers.get());
  for (const char* name : {"Ridge", "LinearRegression"}) {
    auto linear = estimator(name);
    FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, linear.get(), mi.get(), y.get(), nullptr), FRANCA_ERROR_TYPE,
                        "X: expected float32 or float64, got int32");
  }
  Tensor cube(device(), std::vector<double>(8, 1.0), {2, 2, 2});
  FRANCA_ASSERT_ERROR(franca_matrix_dense(cube.get(), &mm), FRANCA_ERROR_INVALID_ARGUMENT, "3 dimensions");
  DLTensor lanes = X.dl();
  lanes.dtype.lanes = 4;
  FRANCA_ASSERT_ERROR(franca_matrix_dense(&lanes, &mm), FRANCA_ERROR_TYPE, "lanes");
  DLTensor negative = X.dl();
  std::int64_t neg_strides[2] = {-3, 1};
  negative.strides = neg_strides;
  FRANCA_ASSERT_ERROR(franca_matrix_dense(&negative, &mm), FRANCA_ERROR_INVALID_ARGUMENT, "negative strides");
  DLTensor unaligned = X.dl();
  unaligned.byte_offset = 3;
  FRANCA_ASSERT_ERROR(franca_matrix_dense(&unaligned, &mm), FRANCA_ERROR_INVALID_ARGUMENT, "byte_offset");
  DLTensor opencl = X.dl();
  opencl.device = {kDLOpenCL, 0};
  FRANCA_ASSERT_ERROR(franca_matrix_dense(&opencl, &mm), FRANCA_ERROR_TYPE, "device type");

  // After a good fit: unknown method, unknown attribute, wrong feature count.
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, est.get(), m.get(), y.get(), nullptr));
  FRANCA_ASSERT_ERROR(franca_estimator_apply(nullptr, est.get(), "transform", m.get(), &out), FRANCA_ERROR_NOT_FOUND,
                      "transform");
  DLManagedTensor* attr = nullptr;
  FRANCA_ASSERT_ERROR(franca_estimator_get_attribute(est.get(), "coef", &attr), FRANCA_ERROR_NOT_FOUND, "coef");
  Tensor narrow(device(), normal(static_cast<std::size_t>(n * 2), 3), {n, 2});
  auto mn = dense(narrow.get());
  FRANCA_ASSERT_ERROR(franca_estimator_apply(nullptr, est.get(), "predict", mn.get(), &out),
                      FRANCA_ERROR_INVALID_ARGUMENT, "X has 2 features, but Ridge is expecting 3");
}

TEST(CApi, StridesReachingBeyondInt64AreRefused) {
  std::vector<double> values(16, 1.0);
  auto tensor = [&](std::vector<std::int64_t>& shape, std::vector<std::int64_t>& strides) {
    DLTensor t{};
    t.data = values.data();
    t.device = {kDLCPU, 0};
    t.ndim = static_cast<std::int32_t>(shape.size());
    t.dtype = {kDLFloat, 64, 1};
    t.shape = shape.data();
    t.strides = strides.data();
    return t;
  };
  franca_matrix m = nullptr;
  std::vector<std::int64_t> shape{4, 2}, strides{std::int64_t{1} << 62, 1};
  DLTensor huge_stride = tensor(shape, strides);
  FRANCA_ASSERT_ERROR(franca_matrix_dense(&huge_stride, &m), FRANCA_ERROR_INVALID_ARGUMENT,
                      "values: strides[0] = 4611686018427387904 over shape[0] = 4 reach element offsets beyond int64");
  EXPECT_EQ(m, nullptr);
  // Within int64 in elements, beyond it in bytes.
  std::vector<std::int64_t> tall{8, 1}, bytes_overflow{std::numeric_limits<std::int64_t>::max() / 4 + 1, 1};
  DLTensor wraps_in_bytes = tensor(tall, bytes_overflow);
  FRANCA_ASSERT_ERROR(franca_matrix_dense(&wraps_in_bytes, &m), FRANCA_ERROR_INVALID_ARGUMENT, "strides[0]");
  // Each stride alone fits, their sum does not.
  std::vector<std::int64_t> square{3, 3}, summed{std::int64_t{1} << 58, std::int64_t{1} << 58};
  DLTensor wraps_summed = tensor(square, summed);
  FRANCA_ASSERT_ERROR(franca_matrix_dense(&wraps_summed, &m), FRANCA_ERROR_INVALID_ARGUMENT, "strides[1]");
  // The byte offset on top of the strides.
  std::vector<std::int64_t> small{2, 2}, row_major{2, 1};
  DLTensor far_offset = tensor(small, row_major);
  far_offset.byte_offset = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) - 8;
  FRANCA_ASSERT_ERROR(franca_matrix_dense(&far_offset, &m), FRANCA_ERROR_INVALID_ARGUMENT, "values: byte_offset");
  // y and sample_weight pass the same check.
  Tensor X("cpu", normal(8, 1), {4, 2});
  auto est = estimator("Ridge");
  auto mx = dense(X.get());
  std::vector<std::int64_t> rows{4}, wrapping{std::numeric_limits<std::int64_t>::max() / 2};
  DLTensor y = tensor(rows, wrapping);
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, est.get(), mx.get(), &y, nullptr), FRANCA_ERROR_INVALID_ARGUMENT,
                      "y: strides[0]");
  // A dimension of one element never moves along its stride, whatever it is.
  std::vector<std::int64_t> one_row{1, 2}, any_row_stride{std::numeric_limits<std::int64_t>::max(), 1};
  DLTensor single_row = tensor(one_row, any_row_stride);
  FRANCA_ASSERT_OK(franca_matrix_dense(&single_row, &m));
  franca_matrix_free(m);
}

TEST_P(BadInput, ByteOffsetIsHonoured) {
  const std::int64_t n = 30, d = 2;
  auto Xv = normal(static_cast<std::size_t>(n * d + 4), 21);
  Tensor X(device(), Xv, {n, d}), y(device(), normal(static_cast<std::size_t>(n), 22), {n});
  X.dl().byte_offset = 4 * sizeof(double);
  std::vector<double> shifted(Xv.begin() + 4, Xv.end());
  Tensor X2(device(), shifted, {n, d});
  std::vector<std::vector<double>> coefs;
  for (DLTensor* t : {X.get(), X2.get()}) {
    auto est = estimator("LinearRegression");
    auto m = dense(t);
    FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, est.get(), m.get(), y.get(), nullptr));
    coefs.push_back(attribute_of(est.get(), "coef_"));
  }
  EXPECT_EQ(coefs[0], coefs[1]);
}

TEST_P(BadInput, ContextDeviceMustMatchTheData) {
  franca_context ctx = nullptr;
  const char* other = device() == "cpu" ? "cuda" : "cpu";
  const int status = franca_context_create(other, &ctx);
  if (device() == "cpu" && status != FRANCA_OK) {
    // No CUDA here: asking for it must say so, not crash.
    EXPECT_TRUE(status == FRANCA_ERROR_NOT_IMPLEMENTED || status == FRANCA_ERROR_DEVICE) << franca_last_error();
    EXPECT_NE(std::string(franca_last_error()).find("cuda"), std::string::npos) << franca_last_error();
    return;
  }
  FRANCA_ASSERT_OK(status);
  Tensor X(device(), normal(20, 1), {10, 2}), y(device(), normal(10, 2), {10});
  auto m = dense(X.get());
  auto est = estimator("Ridge");
  FRANCA_ASSERT_ERROR(franca_estimator_fit(ctx, est.get(), m.get(), y.get(), nullptr), FRANCA_ERROR_TYPE,
                      "does not copy between devices");
  franca_context_free(ctx);
}

TEST_P(BadInput, SaveLoadRoundTripAndModelsMoveBetweenDevices) {
  const std::int64_t n = 60, d = 4;
  const auto Xv = normal(static_cast<std::size_t>(n * d), 31);
  Tensor X(device(), Xv, {n, d}), y(device(), normal(static_cast<std::size_t>(n * 2), 32), {n, 2});
  Tensor X_host("cpu", Xv, {n, d});
  for (const char* name : {"Ridge", "LinearRegression", "StandardScaler"}) {
    const std::string method = std::string(name) == "StandardScaler" ? "transform" : "predict";
    auto est = estimator(name);
    auto m = dense(X.get());
    FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, est.get(), m.get(), y.get(), nullptr));
    uint8_t* bytes = nullptr;
    size_t size = 0;
    FRANCA_ASSERT_OK(franca_estimator_save(est.get(), &bytes, &size));
    franca_estimator loaded = nullptr;
    FRANCA_ASSERT_OK(franca_estimator_load(bytes, size, &loaded));
    EXPECT_STREQ(franca_estimator_name(loaded), name);
    // Fitted on this test's device, predicting on the host after the round trip.
    auto mh = dense(X_host.get());
    franca_matrix a = nullptr, b = nullptr;
    FRANCA_ASSERT_OK(franca_estimator_apply(nullptr, est.get(), method.c_str(), m.get(), &a));
    FRANCA_ASSERT_OK(franca_estimator_apply(nullptr, loaded, method.c_str(), mh.get(), &b));
    const auto va = values_of(a), vb = values_of(b);
    ASSERT_EQ(va.size(), vb.size());
    for (std::size_t i = 0; i < va.size(); ++i)
      EXPECT_NEAR(va[i], vb[i], 1e-9 * (1 + std::fabs(va[i]))) << name << " " << i;
    franca_matrix_free(a);
    franca_matrix_free(b);

    // Every truncation and every single-byte corruption is rejected, never trusted.
    for (size_t cut = 0; cut < size; cut += 1 + size / 64) {
      franca_estimator bad = nullptr;
      FRANCA_ASSERT_ERROR(franca_estimator_load(bytes, cut, &bad), FRANCA_ERROR_CORRUPT_MODEL, "model bytes");
      EXPECT_EQ(bad, nullptr);
    }
    std::vector<uint8_t> flipped(bytes, bytes + size);
    for (size_t k = 0; k < size; k += 1 + size / 64) {
      flipped[k] ^= 0x5a;
      franca_estimator bad = nullptr;
      FRANCA_ASSERT_ERROR(franca_estimator_load(flipped.data(), size, &bad), FRANCA_ERROR_CORRUPT_MODEL, "model");
      franca_estimator_free(bad);
      flipped[k] ^= 0x5a;
    }
    franca_free(bytes);
    franca_estimator_free(loaded);
  }
}

// A written coef_ is what predict uses (cached device copies included); a value the model cannot
// hold is refused by name and leaves the model as it was.
TEST_P(BadInput, SetAttributeReplacesACheckedCopyOrNothing) {
  const std::int64_t n = 40, d = 3;
  const auto Xv = normal(static_cast<std::size_t>(n * d), 51);
  Tensor X(device(), Xv, {n, d}), y(device(), normal(static_cast<std::size_t>(n), 52), {n});
  auto m = dense(X.get());
  auto ridge = estimator("Ridge");
  franca_matrix before = nullptr, after = nullptr;
  FRANCA_ASSERT_ERROR(franca_estimator_set_attribute(ridge.get(), "coef_", X.get()), FRANCA_ERROR_NOT_FITTED,
                      "not fitted");
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, ridge.get(), m.get(), y.get(), nullptr));
  FRANCA_ASSERT_OK(franca_estimator_apply(nullptr, ridge.get(), "predict", m.get(), &before));  // caches coef_
  const std::vector<float> coef{0.5F, -2.0F, 0.0F};  // float32: converted to the model's float64
  Tensor new_coef(device(), coef, {d}), intercept(device(), std::vector<double>{0.25}, {});
  FRANCA_ASSERT_OK(franca_estimator_set_attribute(ridge.get(), "coef_", new_coef.get()));
  FRANCA_ASSERT_OK(franca_estimator_set_attribute(ridge.get(), "intercept_", intercept.get()));
  EXPECT_EQ(attribute_of(ridge.get(), "coef_"), std::vector<double>({0.5, -2.0, 0.0}));
  FRANCA_ASSERT_OK(franca_estimator_apply(nullptr, ridge.get(), "predict", m.get(), &after));
  const auto predicted = values_of(after);
  for (std::int64_t i = 0; i < n; ++i)
    EXPECT_DOUBLE_EQ(predicted[i], 0.25 + 0.5 * Xv[i * d] - 2.0 * Xv[i * d + 1]) << i;
  Tensor wrong_shape(device(), std::vector<double>(4, 1.0), {4});
  FRANCA_ASSERT_ERROR(franca_estimator_set_attribute(ridge.get(), "coef_", wrong_shape.get()),
                      FRANCA_ERROR_INVALID_ARGUMENT, "coef_: expected shape (3,), got (4,)");
  FRANCA_ASSERT_ERROR(franca_estimator_set_attribute(ridge.get(), "n_features_in_", intercept.get()),
                      FRANCA_ERROR_NOT_FOUND, "no settable fitted attribute 'n_features_in_'");
  auto scaler = estimator("StandardScaler");
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, scaler.get(), m.get(), nullptr, nullptr));
  // n_samples_seen_ is int64 here: a float must be an integer it holds (found by fuzz_abi: inf).
  for (const double bad : {std::numeric_limits<double>::infinity(), 1.5, 1e19}) {
    Tensor count(device(), std::vector<double>{bad}, {});
    FRANCA_ASSERT_ERROR(franca_estimator_set_attribute(scaler.get(), "n_samples_seen_", count.get()),
                        FRANCA_ERROR_INVALID_ARGUMENT, "n_samples_seen_: holds int64 values");
  }
  Tensor count(device(), std::vector<double>{12.0}, {});
  FRANCA_ASSERT_OK(franca_estimator_set_attribute(scaler.get(), "n_samples_seen_", count.get()));
  Tensor negative(device(), std::vector<double>{1.0, -1.0, 1.0}, {d});
  FRANCA_ASSERT_ERROR(franca_estimator_set_attribute(scaler.get(), "scale_", negative.get()),
                      FRANCA_ERROR_INVALID_ARGUMENT, "scale_: the value does not fit the model");
  const auto scale = attribute_of(scaler.get(), "scale_");
  EXPECT_TRUE(scale[1] > 0) << "the refused value left the previous one in place";
  franca_matrix_free(before);
  franca_matrix_free(after);
}

TEST_P(BadInput, ConcurrentPredictFromManyThreads) {
  const std::int64_t n = 2000, d = 8;
  Tensor X(device(), normal(static_cast<std::size_t>(n * d), 41), {n, d});
  Tensor y(device(), normal(static_cast<std::size_t>(n), 42), {n});
  auto m = dense(X.get());
  auto est = estimator("Ridge");
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, est.get(), m.get(), y.get(), nullptr));
  franca_matrix ref = nullptr;
  FRANCA_ASSERT_OK(franca_estimator_apply(nullptr, est.get(), "predict", m.get(), &ref));
  const auto expected = values_of(ref);
  franca_matrix_free(ref);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int rep = 0; rep < 10; ++rep) {
        franca_matrix out = nullptr;
        if (franca_estimator_apply(nullptr, est.get(), "predict", m.get(), &out) != FRANCA_OK) {
          ++mismatches;
          continue;
        }
        if (values_of(out) != expected) ++mismatches;
        franca_matrix_free(out);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

FRANCA_INSTANTIATE_DEVICE_TESTS(BadInput);

// A forest reports its trees and a solver its iterations, on the fitting thread, ending with the
// last step; a context without a callback reports nothing (it has nowhere to).
TEST(CApi, ProgressReachesTheCallbackOfTheContext) {
  struct Reports {
    std::vector<std::tuple<std::string, std::int64_t, std::int64_t>> seen;
    std::thread::id thread;
    bool same_thread = true;
  } reports;
  reports.thread = std::this_thread::get_id();
  auto record = [](const char* task, std::int64_t done, std::int64_t total, void* user_data) {
    auto* r = static_cast<Reports*>(user_data);
    r->seen.emplace_back(task, done, total);
    r->same_thread = r->same_thread && std::this_thread::get_id() == r->thread;
  };
  franca_context ctx = nullptr;
  FRANCA_ASSERT_OK(franca_context_create("cpu", &ctx));
  FRANCA_ASSERT_OK(franca_context_set_progress(ctx, record, &reports));
  const std::int64_t n = 300, d = 4;
  auto Xv = normal(static_cast<std::size_t>(n * d), 61);
  std::vector<double> labels(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) labels[i] = Xv[i * d] > 0 ? 1 : 0;
  Tensor X("cpu", Xv, {n, d}), y("cpu", labels, {n});
  auto m = dense(X.get());
  auto forest = estimator("RandomForestClassifier", R"({"n_estimators": 40})");
  FRANCA_ASSERT_OK(franca_estimator_fit(ctx, forest.get(), m.get(), y.get(), nullptr));
  ASSERT_FALSE(reports.seen.empty());
  EXPECT_EQ(reports.seen.back(), std::make_tuple(std::string("trees"), std::int64_t{40}, std::int64_t{40}));
  reports.seen.clear();
  auto logistic = estimator("LogisticRegression");
  FRANCA_ASSERT_OK(franca_estimator_fit(ctx, logistic.get(), m.get(), y.get(), nullptr));
  ASSERT_FALSE(reports.seen.empty());
  EXPECT_EQ(std::get<0>(reports.seen.front()), "iterations");
  EXPECT_EQ(std::get<2>(reports.seen.front()), 100) << "max_iter is the total";
  EXPECT_TRUE(reports.same_thread);
  FRANCA_ASSERT_OK(franca_context_set_progress(ctx, nullptr, nullptr));
  reports.seen.clear();
  FRANCA_ASSERT_OK(franca_estimator_fit(ctx, forest.get(), m.get(), y.get(), nullptr));
  EXPECT_TRUE(reports.seen.empty());
  franca_context_free(ctx);
}

TEST(CApi, ExportedOutputsOutliveTheirMatrix) {
  Tensor X("cpu", normal(40, 1), {20, 2}), y("cpu", normal(20, 2), {20});
  auto m = dense(X.get());
  auto est = estimator("LinearRegression");
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, est.get(), m.get(), y.get(), nullptr));
  franca_matrix out = nullptr;
  FRANCA_ASSERT_OK(franca_estimator_apply(nullptr, est.get(), "predict", m.get(), &out));
  DLManagedTensor* t = nullptr;
  FRANCA_ASSERT_OK(franca_matrix_export(out, FRANCA_PART_VALUES, &t));
  franca_matrix_free(out);
  est.reset();
  ASSERT_EQ(t->dl_tensor.ndim, 1);
  EXPECT_EQ(t->dl_tensor.shape[0], 20);
  EXPECT_TRUE(std::isfinite(static_cast<double*>(t->dl_tensor.data)[19]));
  t->deleter(t);
  // Borrowed inputs cannot be exported: the library does not own them.
  FRANCA_ASSERT_ERROR(franca_matrix_export(m.get(), FRANCA_PART_VALUES, &t), FRANCA_ERROR_INVALID_ARGUMENT, "borrows");
  FRANCA_ASSERT_ERROR(franca_matrix_export(m.get(), FRANCA_PART_INDICES, &t), FRANCA_ERROR_INVALID_ARGUMENT, "part");
}

struct LogCapture {
  std::vector<std::string> messages;
};

TEST(CApi, LogCallbackReceivesMessages) {
  LogCapture capture;
  FRANCA_ASSERT_OK(franca_set_log_callback(
      [](int, const char* message, void* user) { static_cast<LogCapture*>(user)->messages.push_back(message); },
      &capture));
  int previous = 0;
  FRANCA_ASSERT_OK(franca_get_log_level(&previous));
  FRANCA_ASSERT_OK(franca_set_log_level(FRANCA_LOG_DEBUG));
  Tensor X("cpu", normal(40, 1), {20, 2}), y("cpu", normal(20, 2), {20});
  auto m = dense(X.get());
  auto est = estimator("Ridge");
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, est.get(), m.get(), y.get(), nullptr));
  FRANCA_ASSERT_OK(franca_set_log_level(previous));
  FRANCA_ASSERT_OK(franca_set_log_callback(nullptr, nullptr));
  ASSERT_FALSE(capture.messages.empty());
  EXPECT_NE(capture.messages.front().find("Ridge"), std::string::npos) << capture.messages.front();
  FRANCA_ASSERT_ERROR(franca_set_log_level(42), FRANCA_ERROR_INVALID_ARGUMENT, "level");
  // spdlog's critical, which is no franca_log_level.
  FRANCA_ASSERT_ERROR(franca_set_log_level(5), FRANCA_ERROR_INVALID_ARGUMENT, "level: must be a franca_log_level");
}

TEST(CApi, ContextValidation) {
  franca_context ctx = nullptr;
  FRANCA_ASSERT_ERROR(franca_context_create("gpu", &ctx), FRANCA_ERROR_INVALID_ARGUMENT, "device");
  for (const char* bad : {"cuda:x", "cuda:-1", "cuda: 1", "cuda:+1", "cuda:"})
    FRANCA_ASSERT_ERROR(franca_context_create(bad, &ctx), FRANCA_ERROR_INVALID_ARGUMENT, bad);
  FRANCA_ASSERT_OK(franca_context_create("cpu", &ctx));
  FRANCA_ASSERT_OK(franca_context_set_threads(ctx, 1));
  FRANCA_ASSERT_ERROR(franca_context_set_threads(ctx, -2), FRANCA_ERROR_INVALID_ARGUMENT, "n_threads");
  FRANCA_ASSERT_OK(franca_context_set_seed(ctx, 7));
  FRANCA_ASSERT_OK(franca_context_synchronize(ctx));
  FRANCA_ASSERT_OK(franca_cancel(ctx));
  FRANCA_ASSERT_OK(franca_context_reset_cancel(ctx));
  franca_context_free(ctx);
}

}  // namespace
}  // namespace franca::test
