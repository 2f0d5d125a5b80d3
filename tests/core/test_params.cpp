// Parameters declared once (core/params.hpp), driven through the C ABI: the test-only estimator
// TestParamKinds declares one parameter of every kind; it must appear in the listing with what
// its unit declares, and every bad value must fail with the right status and a message naming
// the parameter, leaving every parameter unchanged.
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/franca_test.hpp"

namespace franca::test {
namespace {

using json = nlohmann::json;

json listing_entry(const std::string& name) {
  char* s = nullptr;
  EXPECT_EQ(franca_estimator_list(&s), FRANCA_OK) << franca_last_error();
  const auto list = json::parse(std::string(s));
  franca_free(s);
  for (const auto& e : list)
    if (e["name"] == name) return e;
  ADD_FAILURE() << name << " is not in the listing";
  return json::object();
}

json get_params(franca_estimator est) {
  char* s = nullptr;
  EXPECT_EQ(franca_estimator_get_params(est, &s), FRANCA_OK) << franca_last_error();
  auto out = json::parse(std::string(s));
  franca_free(s);
  return out;
}

struct Estimator {
  franca_estimator handle = nullptr;
  explicit Estimator(const char* name) { EXPECT_EQ(franca_estimator_create(name, &handle), FRANCA_OK); }
  ~Estimator() { franca_estimator_free(handle); }
};

TEST(Params, TestEstimatorIsListedWithEveryKind) {
  const json e = listing_entry("TestParamKinds");
  ASSERT_FALSE(e.empty());
  EXPECT_EQ(e["module"], "testing");
  std::map<std::string, json> by_name;
  for (const auto& p : e["params"]) by_name[p["name"]] = p;
  EXPECT_EQ(by_name["factor"]["type"], "float");
  EXPECT_EQ(by_name["factor"]["exclusive_minimum"], 0.0);
  EXPECT_EQ(by_name["factor"]["exclusive_maximum"], 1e6);
  EXPECT_EQ(by_name["flag"]["type"], "bool");
  EXPECT_EQ(by_name["count"]["type"], "int");
  EXPECT_EQ(by_name["count"]["default"], 3);
  EXPECT_EQ(by_name["count"]["maximum"], 100.0);
  EXPECT_EQ(by_name["fraction"]["type"], "float or None");
  EXPECT_TRUE(by_name["fraction"]["default"].is_null());
  EXPECT_EQ(by_name["flavour"]["choices"], json::array({"sweet", "sour", "bitter"}));
  EXPECT_EQ(by_name["flavour"]["default"], "sweet");
  EXPECT_EQ(by_name["maybe_flavour"]["type"], "str or None");
  EXPECT_EQ(by_name["pair"]["default"], json::array({1, 2}));
  EXPECT_TRUE(by_name["callback"]["binding_applies"].get<bool>());
  EXPECT_FALSE(by_name["factor"]["binding_applies"].get<bool>());
}

TEST(Params, EveryBadValueNamesItsParameter) {
  // {json of the params, status, text the message must contain}
  const std::vector<std::tuple<std::string, int, std::string>> cases = {
      {R"({"factor": 0})", FRANCA_ERROR_INVALID_ARGUMENT, "parameter 'factor': must be > 0"},
      {R"({"factor": 1e6})", FRANCA_ERROR_INVALID_ARGUMENT, "parameter 'factor': must be < 1000000"},
      {R"({"factor": NaN})", FRANCA_ERROR_INVALID_ARGUMENT, "parameter 'factor': must be a number, got NaN"},
      {R"({"factor": -Infinity})", FRANCA_ERROR_INVALID_ARGUMENT, "parameter 'factor': must be finite, got -Infinity"},
      {R"({"factor": "2"})", FRANCA_ERROR_TYPE, "parameter 'factor': expected float, got \"2\""},
      {R"({"flag": 1})", FRANCA_ERROR_TYPE, "parameter 'flag': expected bool, got 1"},
      {R"({"count": 2.5})", FRANCA_ERROR_TYPE, "parameter 'count': expected int, got 2.5"},
      {R"({"count": 101})", FRANCA_ERROR_INVALID_ARGUMENT, "parameter 'count': must be <= 100, got 101"},
      {R"({"count": NaN})", FRANCA_ERROR_TYPE, "parameter 'count': expected int, got NaN"},
      {R"({"seed": 18446744073709551615})", FRANCA_ERROR_INVALID_ARGUMENT,
       "parameter 'seed': 18446744073709551615 does not fit a 64-bit integer"},
      {R"({"seed": 1e300})", FRANCA_ERROR_INVALID_ARGUMENT, "parameter 'seed': 1e+300 does not fit a 64-bit integer"},
      {R"({"small_count": 2147483648})", FRANCA_ERROR_INVALID_ARGUMENT,
       "parameter 'small_count': 2147483648 does not fit a 32-bit integer"},
      {R"({"small_count": 0})", FRANCA_ERROR_INVALID_ARGUMENT, "parameter 'small_count': must be >= 1, got 0"},
      {R"({"fraction": 1.5})", FRANCA_ERROR_INVALID_ARGUMENT, "parameter 'fraction': must be <= 1, got 1.5"},
      {R"({"fraction": "half"})", FRANCA_ERROR_TYPE, "parameter 'fraction': expected float or None"},
      {R"({"label": ""})", FRANCA_ERROR_INVALID_ARGUMENT, "parameter 'label': must not be empty"},
      {R"({"label": null})", FRANCA_ERROR_TYPE, "parameter 'label': expected str, got null"},
      {R"({"flavour": "salty"})", FRANCA_ERROR_INVALID_ARGUMENT,
       "parameter 'flavour': must be one of 'sweet', 'sour', 'bitter', got 'salty'"},
      {R"({"flavour": null})", FRANCA_ERROR_TYPE, "parameter 'flavour': expected str, got null"},
      {R"({"maybe_flavour": "bitter"})", FRANCA_ERROR_INVALID_ARGUMENT,
       "parameter 'maybe_flavour': must be one of 'sweet', 'sour', got 'bitter'"},
      {R"({"pair": [1]})", FRANCA_ERROR_TYPE, "parameter 'pair': expected [first, second] of two integers"},
      {R"({"callback": "f"})", FRANCA_ERROR_NOT_IMPLEMENTED, "parameter 'callback': only null is implemented"},
      {R"({"colour": 1})", FRANCA_ERROR_INVALID_ARGUMENT, "parameter 'colour': unknown; valid parameters are: factor"},
      {R"([1])", FRANCA_ERROR_TYPE, "params: expected a JSON object"},
      {R"({"factor": )", FRANCA_ERROR_INVALID_ARGUMENT, "json: not valid JSON"},
      {std::string(100000, '[') + std::string(100000, ']'), FRANCA_ERROR_INVALID_ARGUMENT,
       "json: JSON nested deeper than 64 levels"},
      {R"({"pair": )" + std::string(100000, '[') + std::string(100000, ']') + "}", FRANCA_ERROR_INVALID_ARGUMENT,
       "json: JSON nested deeper than 64 levels"},
  };
  Estimator est("TestParamKinds");
  const json before = get_params(est.handle);
  for (const auto& [params, status, text] : cases) {
    // One good value first: a failed call must not apply it either.
    const std::string with_good = params.front() == '{' && params.size() > 2 && params[1] == '"'
                                      ? R"({"flag": true, )" + params.substr(1)
                                      : params;
    EXPECT_EQ(franca_estimator_set_params(est.handle, with_good.c_str()), status)
        << with_good.substr(0, 80) << ": " << franca_last_error();
    const std::string message = franca_last_error();
    EXPECT_NE(message.find(text), std::string::npos)
        << "params " << with_good.substr(0, 80) << "\nmessage: " << message << "\nexpected to contain: " << text;
    EXPECT_EQ(get_params(est.handle), before) << with_good.substr(0, 80);
  }
}

TEST(Params, InfinityRoundTripsWhereAParameterTakesIt) {
  // LogisticRegression's C takes inf (no penalty); get_params writes it as Python's json does.
  Estimator est("LogisticRegression");
  ASSERT_EQ(franca_estimator_set_params(est.handle, R"({"C": Infinity})"), FRANCA_OK) << franca_last_error();
  char* s = nullptr;
  ASSERT_EQ(franca_estimator_get_params(est.handle, &s), FRANCA_OK) << franca_last_error();
  const std::string text(s);
  franca_free(s);
  EXPECT_NE(text.find(R"("C":Infinity)"), std::string::npos) << text;
  EXPECT_EQ(franca_estimator_set_params(est.handle, text.c_str()), FRANCA_OK) << franca_last_error();
  EXPECT_EQ(franca_estimator_set_params(est.handle, R"({"C": -Infinity})"), FRANCA_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(franca_last_error()).find("parameter 'C': must be a finite number or inf, got -Infinity"),
            std::string::npos)
      << franca_last_error();
}

TEST(Params, GoodValuesRoundTripAndRulesRunInFit) {
  Estimator est("TestParamKinds");
  const json good = {
      {"factor", 2.5},       {"flag", true}, {"count", 100},        {"small_count", 2.0}, {"fraction", 0.5},
      {"seed", -7},          {"label", "x"}, {"flavour", "bitter"}, {"pair", {4, 3}},     {"maybe_flavour", "sour"},
      {"callback", nullptr}, {"low", -1.0}};
  FRANCA_ASSERT_OK(franca_estimator_set_params(est.handle, good.dump().c_str()));
  json expected = good;
  expected["small_count"] = 2;  // a whole float is read as the integer it is
  expected["high"] = 1.0;
  EXPECT_EQ(get_params(est.handle), expected);

  // low < high is a rule over two parameters: accepted one call at a time, refused when fit starts.
  FRANCA_ASSERT_OK(franca_estimator_set_params(est.handle, R"({"low": 5})"));
  std::vector<double> x = {1, 2, 3, 4};
  std::vector<std::int64_t> shape = {2, 2};
  DLTensor t{x.data(), {kDLCPU, 0}, 2, dl_dtype<double>(), shape.data(), nullptr, 0};
  franca_matrix X = nullptr;
  FRANCA_ASSERT_OK(franca_matrix_dense(&t, &X));
  EXPECT_EQ(franca_estimator_fit(nullptr, est.handle, X, nullptr, nullptr), FRANCA_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(franca_last_error()).find("parameters 'low' and 'high': low must be < high"), std::string::npos)
      << franca_last_error();
  FRANCA_ASSERT_OK(franca_estimator_set_params(est.handle, R"({"high": 6})"));
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, est.handle, X, nullptr, nullptr));
  franca_matrix out = nullptr;
  FRANCA_ASSERT_OK(franca_estimator_apply(nullptr, est.handle, "transform", X, &out));
  franca_matrix_free(out);
  franca_matrix_free(X);
}

TEST(Params, MaxIterAtTheTopOfInt64Runs) {
  // 2**63 - 1 iterations is a valid limit (the fit stops on convergence), not zero iterations.
  Estimator est("LogisticRegression");
  FRANCA_ASSERT_OK(franca_estimator_set_params(est.handle, R"({"max_iter": 9223372036854775807})"));
  EXPECT_EQ(get_params(est.handle)["max_iter"], 9223372036854775807LL);
  std::vector<double> x = {0, 1, 2, 3, 4, 5, 1, 0};
  std::vector<double> y = {0, 0, 1, 1, 1, 1, 0, 0};
  std::vector<std::int64_t> x_shape = {8, 1}, y_shape = {8};
  DLTensor tx{x.data(), {kDLCPU, 0}, 2, dl_dtype<double>(), x_shape.data(), nullptr, 0};
  DLTensor ty{y.data(), {kDLCPU, 0}, 1, dl_dtype<double>(), y_shape.data(), nullptr, 0};
  franca_matrix X = nullptr;
  FRANCA_ASSERT_OK(franca_matrix_dense(&tx, &X));
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, est.handle, X, &ty, nullptr));
  DLManagedTensor* coef = nullptr;
  FRANCA_ASSERT_OK(franca_estimator_get_attribute(est.handle, "coef_", &coef));
  EXPECT_NE(static_cast<const double*>(coef->dl_tensor.data)[0], 0.0);
  coef->deleter(coef);
  franca_matrix_free(X);
}

}  // namespace
}  // namespace franca::test
