// TestParamKinds: a test-only estimator that declares one parameter of every kind the parameter
// machinery knows (after mlpack's test binding). Nothing outside this unit names it: that it
// shows in the listing, docs/estimators.md and Python (franca.testing), and that each bad value
// gives an error naming its parameter, proves that adding an estimator means adding its unit.
// It scales the columns of X by `factor` (so that it is a working transformer for
// scikit-learn's estimator checks).
#include <string>
#include <vector>

#include "core/dispatch.hpp"
#include "core/estimator.hpp"
#include "core/expects.hpp"
#include "core/registry.hpp"
#include "primitives/dense.hpp"

namespace franca {

namespace {

enum class Flavour { sweet, sour, bitter };

// A custom parameter type: an ordered pair of integers.
struct IntPair {
  std::int64_t first = 1;
  std::int64_t second = 2;
};

}  // namespace

template <>
struct ParamCodec<IntPair> {
  static std::string type_name() { return "list"; }
  static IntPair read(const json& v, const ParamInfo& info) {
    const bool pair = v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer();
    FRANCA_EXPECTS_STATUS(pair, Status::type, "parameter '{}': expected [first, second] of two integers, got {}",
                          info.name, params_detail::describe(v));
    return {v[0].get<std::int64_t>(), v[1].get<std::int64_t>()};
  }
  static json write(const IntPair& p) { return json::array({p.first, p.second}); }
};

namespace {

struct TestParamKindsParams {
  double factor = 1.0;
  bool flag = false;
  std::int64_t count = 3;
  std::int32_t small_count = 7;
  std::optional<double> fraction;
  std::optional<std::int64_t> seed;
  std::string label = "any text";
  Flavour flavour = Flavour::sweet;
  std::optional<Flavour> maybe_flavour;
  IntPair pair;
  std::optional<std::string> callback;
  double low = 0.0;
  double high = 1.0;

  static void declare(ParamTable<TestParamKindsParams>& t) {
    using P = TestParamKindsParams;
    t.field("factor", &P::factor, "float > 0, < 1e6: transform multiplies X by it.").greater_than(0).less_than(1e6);
    t.field("flag", &P::flag, "bool.");
    t.field("count", &P::count, "int in [0, 100].").minimum(0).maximum(100);
    t.field("small_count", &P::small_count, "32-bit int >= 1.").minimum(1);
    t.field("fraction", &P::fraction, "float in [0, 1] or None.").minimum(0).maximum(1);
    t.field("seed", &P::seed, "int or None.");
    t.field("label", &P::label, "Any str; must not be empty.").check([](const std::string& label) {
      FRANCA_EXPECTS(!label.empty(), "parameter 'label': must not be empty");
    });
    t.field("flavour", &P::flavour, "An enum.")
        .names({{"sweet", Flavour::sweet}, {"sour", Flavour::sour}, {"bitter", Flavour::bitter}});
    t.field("maybe_flavour", &P::maybe_flavour, "An enum or None.")
        .names({{"sweet", Flavour::sweet}, {"sour", Flavour::sour}});
    t.field("pair", &P::pair, "A custom type: [first, second], two integers.");
    t.field("callback", &P::callback, "None; another value is applied by the binding.").binding_applies();
    t.field("low", &P::low, "float; with high, a rule over two parameters: low < high, checked in fit.");
    t.field("high", &P::high, "float; see low.");
    t.rule([](const P& p) {
      FRANCA_EXPECTS(p.low < p.high, "parameters 'low' and 'high': low must be < high, got low={}, high={}", p.low,
                     p.high);
    });
  }
};

class TestParamKinds final : public TypedEstimator<TestParamKindsParams> {
 public:
  using TypedEstimator::TypedEstimator;

 protected:
  void fit_impl(const Context& ctx, const Matrix& X, const Array*, const Array*) override {
    FRANCA_EXPECTS_STATUS(is_floating(X.dense.dtype), Status::type, "X: expected float32 or float64, got {}",
                          dtype_name(X.dense.dtype));
    set_attribute(ctx, "factor_", Array::from_host(std::vector<double>{params().factor}, {}));
  }

  Matrix apply_impl(const Context& ctx, const std::string&, const Matrix& X) const override {
    const Array& x = X.dense;
    FRANCA_EXPECTS_STATUS(is_floating(x.dtype), Status::type, "X: expected float32 or float64, got {}",
                          dtype_name(x.dtype));
    const std::int64_t d = X.cols();
    const double factor = *attribute("factor_").ptr<const double>();
    const auto column = [&](double value) {
      return to_device(ctx, Array::from_host(std::vector<double>(static_cast<std::size_t>(d), value), {d}), x.device);
    };
    Array out = Array::empty(ctx, x.device, x.dtype, x.ndim() == 1 ? std::vector<std::int64_t>{x.dim(0), 1} : x.shape);
    FRANCA_DISPATCH(x.device, scale_columns, ctx, x, column(0.0), column(factor), true, out);
    return Matrix::from_dense(out);
  }

  void check_state() const override { expect_attribute("factor_", DType::float64, {}); }
};

const EstimatorSpec& test_param_kinds_spec() {
  static const EstimatorSpec spec =
      EstimatorSpec::of<TestParamKinds>("TestParamKinds", EstimatorKind::transformer, "testing")
          .doc(
              "Test-only: one parameter of every kind the parameter declarations support; transform multiplies X "
              "by factor.")
          .method("transform", "X times factor.")
          .fitted({"factor_"})
          .accepts({Matrix::Kind::dense});
  return spec;
}

}  // namespace

FRANCA_REGISTER_ESTIMATOR(test_param_kinds_spec);

}  // namespace franca
