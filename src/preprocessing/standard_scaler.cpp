// StandardScaler (scikit-learn's): z = (x - mean_) / scale_, weighted, NaN left out of fit and
// kept by transform; sparse X scaled without centring; partial_fit over batches.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/estimator.hpp"
#include "core/expects.hpp"
#include "core/registry.hpp"
#include "primitives/column_statistics.hpp"
#include "primitives/csr_ops.hpp"
#include "primitives/dense.hpp"
#include "primitives/matrix_input.hpp"

namespace franca {

namespace {

struct StandardScalerParams {
  bool copy = true;
  bool with_mean = true;
  bool with_std = true;

  static void declare(ParamTable<StandardScalerParams>& t) {
    using P = StandardScalerParams;
    t.field("copy", &P::copy,
            "The library never modifies X; bindings give False scikit-learn's meaning (transform writes its "
            "result into X where X can hold it).");
    t.field("with_mean", &P::with_mean, "Centre the data before scaling.");
    t.field("with_std", &P::with_std, "Scale the data to unit variance.");
  }
};

// What scikit-learn's message for centring sparse X says, in fit and transform alike.
constexpr const char* kSparseCentring =
    "X: Cannot center sparse matrices: pass `with_mean=False` instead. See docstring for motivation and "
    "alternatives.";

class StandardScaler final : public TypedEstimator<StandardScalerParams> {
 public:
  using TypedEstimator::TypedEstimator;

 protected:
  void fit_impl(const Context& ctx, const Matrix& X, const Array*, const Array* sample_weight) override {
    record(ctx, batch_statistics(ctx, X, sample_weight), X, sample_weight != nullptr);
  }

  // The fitted summary and this batch's, merged exactly (scikit-learn's incremental mean and
  // variance): the same state as one fit on every batch's rows, up to rounding.
  void partial_fit_impl(const Context& ctx, const Matrix& X, const Array*, const Array* sample_weight) override {
    const ColumnStatistics batch = batch_statistics(ctx, X, sample_weight);
    const bool weighted = sample_weight != nullptr || attribute("n_samples_seen_").dtype != DType::int64;
    record(ctx, merge_column_statistics(fitted_statistics(ctx, batch), batch), X, weighted);
  }

  Matrix apply_impl(const Context& ctx, const std::string& method, const Matrix& X) const override {
    const bool inverse = method == "inverse_transform";
    const bool with_std = params().with_std && has_attribute("scale_");
    if (X.kind == Matrix::Kind::csr) {
      FRANCA_EXPECTS(!params().with_mean, "{}", kSparseCentring);
      const Matrix m = contiguous_checked(ctx, X);
      const Device device = m.csr.data.device;
      // scikit-learn multiplies the stored values by 1 / scale_ (inplace_column_scale), and keeps
      // every stored entry.
      Array factor;
      if (with_std) {
        std::vector<double> scale = host_values_f64(ctx, attribute("scale_"));
        if (!inverse) std::transform(scale.begin(), scale.end(), scale.begin(), [](double s) { return 1.0 / s; });
        factor = vector_on(ctx, scale, device);
      }
      return Matrix::from_csr(
          FRANCA_DISPATCH(device, csr_scale_columns, ctx, m.csr, with_std ? &factor : nullptr, false, false));
    }
    const Array& x = X.dense;
    const std::int64_t d = X.cols();
    const bool with_mean = params().with_mean && has_attribute("mean_");
    const auto size = static_cast<std::size_t>(d);
    Array offset = with_mean ? attribute_on(ctx, "mean_", x.device, DType::float64)
                             : vector_on(ctx, std::vector<double>(size, 0.0), x.device);
    Array scale = with_std ? attribute_on(ctx, "scale_", x.device, DType::float64)
                           : vector_on(ctx, std::vector<double>(size, 1.0), x.device);
    Array out = Array::empty(ctx, x.device, x.dtype, x.ndim() == 1 ? std::vector<std::int64_t>{x.dim(0), 1} : x.shape);
    FRANCA_DISPATCH(x.device, scale_columns, ctx, x, offset, scale, inverse, out);
    return Matrix::from_dense(out);
  }

  void check_state() const override {
    const std::int64_t d = n_features_in();
    const Array& seen = attribute("n_samples_seen_");
    FRANCA_EXPECTS_STATUS(seen.ndim() == 0 || (seen.ndim() == 1 && seen.dim(0) == d), Status::corrupt_model,
                          "model: n_samples_seen_ must be a number or one per feature");
    if (has_attribute("mean_")) expect_attribute("mean_", DType::float64, {d});
    if (has_attribute("var_")) expect_attribute("var_", DType::float64, {d});
    if (has_attribute("scale_")) {
      const Array& scale = expect_attribute("scale_", DType::float64, {d});
      // NaN: a feature with no value but NaN in fit, as scikit-learn's
      for (std::int64_t j = 0; j < d; ++j) {
        const double s = scale.ptr<double>()[j];
        FRANCA_EXPECTS_STATUS(s > 0 || std::isnan(s), Status::corrupt_model, "model: scale_ must be positive");
      }
    }
  }

 private:
  bool needs_mean(const Matrix& X) const {
    return params().with_std || (params().with_mean && X.kind == Matrix::Kind::dense);
  }

  ColumnStatistics batch_statistics(const Context& ctx, const Matrix& X, const Array* sample_weight) const {
    if (X.kind == Matrix::Kind::csr) FRANCA_EXPECTS(!params().with_mean, "{}", kSparseCentring);
    FRANCA_EXPECTS_STATUS(X.kind == Matrix::Kind::csr || is_floating(X.dense.dtype), Status::type,
                          "X: expected float32 or float64, got {}", dtype_name(X.dense.dtype));
    const Device device = X.device();
    Array w64;
    if (sample_weight) w64 = to(ctx, *sample_weight, device, DType::float64);
    const Array* w = sample_weight ? &w64 : nullptr;
    if (X.kind == Matrix::Kind::dense) {
      return FRANCA_DISPATCH(device, column_statistics, ctx, X.dense, w, params().with_std);
    }
    const Matrix m = contiguous_checked(ctx, X);
    return FRANCA_DISPATCH(device, csr_column_statistics, ctx, m.csr, w, params().with_std);
  }

  // The summary the fitted attributes hold, in the form of `batch` (m2 where it has one).
  ColumnStatistics fitted_statistics(const Context& ctx, const ColumnStatistics& batch) const {
    const std::size_t d = batch.weight.size();
    ColumnStatistics fitted;
    const Array& seen = attribute("n_samples_seen_");
    fitted.weight = host_values_f64(ctx, seen);
    if (seen.ndim() == 0) fitted.weight.assign(d, fitted.weight.front());
    fitted.mean.assign(d, 0.0);
    if (has_attribute("mean_")) {
      fitted.mean = host_values_f64(ctx, attribute("mean_"));
    } else {
      FRANCA_EXPECTS(!params().with_std && !params().with_mean,
                     "with_mean, with_std: changed since the first partial_fit (fit afresh with fit)");
    }
    if (batch.m2.empty()) return fitted;
    FRANCA_EXPECTS(has_attribute("var_"), "with_std: changed since the first partial_fit (fit afresh with fit)");
    const std::vector<double> var = host_values_f64(ctx, attribute("var_"));
    for (std::size_t j = 0; j < d; ++j) fitted.m2.push_back(var[j] * fitted.weight[j]);
    return fitted;
  }

  // Records the fitted attributes of the summary `stats` as scikit-learn's StandardScaler holds
  // them. n_samples_seen_: one number while every feature has the same count (no NaN), else one
  // per feature; integers unless weights were ever given (then in X's dtype).
  void record(const Context& ctx, const ColumnStatistics& stats, const Matrix& X, bool weighted) {
    const auto d = static_cast<std::int64_t>(stats.weight.size());
    const bool same_count =
        std::all_of(stats.weight.begin(), stats.weight.end(), [&](double w) { return w == stats.weight.front(); });
    const Array counts = same_count ? Array::from_host(std::vector<double>{stats.weight.front()}, {})
                                    : Array::from_host(stats.weight, {d});
    const DType count_dtype = !weighted ? DType::int64 : X.kind == Matrix::Kind::csr ? X.csr.data.dtype : X.dense.dtype;
    set_attribute(ctx, "n_samples_seen_", to(ctx, counts, Device::cpu(), count_dtype));
    if (!needs_mean(X)) return;
    // NaN only where a feature had no value but NaN (weight 0): anything else left the range.
    auto overflowed = [&](const std::vector<double>& values) {
      for (std::size_t j = 0; j < values.size(); ++j)
        if (std::isinf(values[j]) || (std::isnan(values[j]) && stats.weight[j] > 0)) return true;
      return false;
    };
    FRANCA_EXPECTS(!overflowed(stats.mean) && (stats.m2.empty() || !overflowed(stats.m2)),
                   "X: its weighted mean or variance overflows float64; scale X or sample_weight");
    set_attribute(ctx, "mean_", Array::from_host(stats.mean, {d}));
    if (!params().with_std) return;
    // As scikit-learn: a feature whose variance is within the rounding error of the two-pass
    // algorithm is constant, and keeps scale 1.
    const double eps = std::numeric_limits<double>::epsilon();
    std::vector<double> var(stats.m2.size()), scale(stats.m2.size());
    for (std::size_t j = 0; j < var.size(); ++j) {
      var[j] = stats.m2[j] / stats.weight[j];
      const double count = stats.weight[j], mean = stats.mean[j];
      const double bound = count * eps * var[j] + (count * mean * eps) * (count * mean * eps);
      scale[j] = var[j] <= bound ? 1.0 : std::sqrt(var[j]);
    }
    set_attribute(ctx, "var_", Array::from_host(var, {d}));
    set_attribute(ctx, "scale_", Array::from_host(scale, {d}));
  }
};

const EstimatorSpec& standard_scaler_spec() {
  static const EstimatorSpec spec =
      EstimatorSpec::of<StandardScaler>("StandardScaler", EstimatorKind::transformer, "preprocessing")
          .doc("Standardize features by removing the (weighted) mean and scaling to unit variance.")
          .method("transform", "Standardize X: (X - mean_) / scale_.")
          .method("inverse_transform", "Undo transform: X * scale_ + mean_.")
          .fitted({"mean_", "var_", "scale_", "n_samples_seen_"})
          .optional({"mean_", "var_", "scale_"})
          .accepts({Matrix::Kind::dense, Matrix::Kind::csr})
          .handles_nan()
          .partial_fit()
          .one_to_one_features();
  return spec;
}

}  // namespace

FRANCA_REGISTER_ESTIMATOR(standard_scaler_spec);

}  // namespace franca
