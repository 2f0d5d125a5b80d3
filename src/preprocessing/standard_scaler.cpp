// StandardScaler (scikit-learn's): z = (x - mean_) / scale_, dense float32/float64, weighted.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/estimator.hpp"
#include "core/expects.hpp"
#include "core/registry.hpp"
#include "primitives/dense.hpp"

namespace franca {

namespace {

struct StandardScalerParams {
  bool copy = true;
  bool with_mean = true;
  bool with_std = true;

  static void declare(ParamTable<StandardScalerParams>& t) {
    using P = StandardScalerParams;
    t.field("copy", &P::copy, "Accepted for scikit-learn compatibility: franca never modifies X.");
    t.field("with_mean", &P::with_mean, "Centre the data before scaling.");
    t.field("with_std", &P::with_std, "Scale the data to unit variance.");
  }
};

class StandardScaler final : public TypedEstimator<StandardScalerParams> {
 public:
  using TypedEstimator::TypedEstimator;

 protected:
  void fit_impl(const Context& ctx, const Matrix& X, const Array*, const Array* sample_weight) override {
    const Array& x = X.dense;
    FRANCA_EXPECTS_STATUS(is_floating(x.dtype), Status::type, "X: expected float32 or float64, got {}",
                          dtype_name(x.dtype));
    const bool with_mean = params().with_mean, with_std = params().with_std;
    const std::int64_t n = x.dim(0), d = X.cols();
    Array w64;
    if (sample_weight) w64 = to(ctx, *sample_weight, x.device, DType::float64);
    if (sample_weight) {
      set_attribute(ctx, "n_samples_seen_", Array::from_host(std::vector<double>{0.0}, {}));
    } else {
      set_attribute(ctx, "n_samples_seen_", Array::from_host(std::vector<std::int64_t>{n}, {}));
    }
    if (!with_mean && !with_std) return;
    const ColumnMoments moments =
        FRANCA_DISPATCH(x.device, column_moments, ctx, x, sample_weight ? &w64 : nullptr, with_std);
    // Sums of w x (or of their squares) beyond float64 would leave a NaN scale_.
    auto finite = [](const std::vector<double>& v) {
      return std::all_of(v.begin(), v.end(), [](double value) { return std::isfinite(value); });
    };
    FRANCA_EXPECTS(finite(moments.mean) && finite(moments.var),
                   "X: its weighted mean or variance overflows float64; scale X or sample_weight");
    if (sample_weight) {
      set_attribute(ctx, "n_samples_seen_",
                    to(ctx, Array::from_host(std::vector<double>{moments.weight_sum}, {}), Device::cpu(), x.dtype));
    }
    set_attribute(ctx, "mean_", Array::from_host(moments.mean, {d}));
    if (!with_std) return;
    set_attribute(ctx, "var_", Array::from_host(moments.var, {d}));
    // As scikit-learn: a feature whose variance is within the rounding error of the two-pass
    // algorithm is constant, and keeps scale 1.
    const double eps = std::numeric_limits<double>::epsilon();
    const double count = moments.weight_sum;
    std::vector<double> scale(static_cast<std::size_t>(d));
    for (std::size_t j = 0; j < scale.size(); ++j) {
      const double var = moments.var[j], mean = moments.mean[j];
      const double bound = count * eps * var + (count * mean * eps) * (count * mean * eps);
      scale[j] = var <= bound ? 1.0 : std::sqrt(var);
    }
    set_attribute(ctx, "scale_", Array::from_host(scale, {d}));
  }

  Matrix apply_impl(const Context& ctx, const std::string& method, const Matrix& X) const override {
    const Array& x = X.dense;
    FRANCA_EXPECTS_STATUS(is_floating(x.dtype), Status::type, "X: expected float32 or float64, got {}",
                          dtype_name(x.dtype));
    const std::int64_t d = X.cols();
    const bool with_mean = params().with_mean && has_attribute("mean_");
    const bool with_std = params().with_std && has_attribute("scale_");
    Array offset =
        with_mean
            ? attribute_on(ctx, "mean_", x.device, DType::float64)
            : to_device(ctx, Array::from_host(std::vector<double>(static_cast<std::size_t>(d), 0.0), {d}), x.device);
    Array scale =
        with_std
            ? attribute_on(ctx, "scale_", x.device, DType::float64)
            : to_device(ctx, Array::from_host(std::vector<double>(static_cast<std::size_t>(d), 1.0), {d}), x.device);
    Array out = Array::empty(ctx, x.device, x.dtype, x.ndim() == 1 ? std::vector<std::int64_t>{x.dim(0), 1} : x.shape);
    FRANCA_DISPATCH(x.device, scale_columns, ctx, x, offset, scale, method == "inverse_transform", out);
    return Matrix::from_dense(out);
  }

  void check_state() const override {
    const std::int64_t d = n_features_in();
    if (has_attribute("mean_")) expect_attribute("mean_", DType::float64, {d});
    if (has_attribute("var_")) expect_attribute("var_", DType::float64, {d});
    if (has_attribute("scale_")) {
      const Array& scale = expect_attribute("scale_", DType::float64, {d});
      for (std::int64_t j = 0; j < d; ++j) {
        FRANCA_EXPECTS_STATUS(scale.ptr<double>()[j] > 0, Status::corrupt_model, "model: scale_ must be positive");
      }
    }
  }
};

const EstimatorSpec& standard_scaler_spec() {
  static const EstimatorSpec spec =
      EstimatorSpec::of<StandardScaler>("StandardScaler", EstimatorKind::transformer, "preprocessing")
          .doc("Standardize features by removing the (weighted) mean and scaling to unit variance.")
          .method("transform", "Standardize X: (X - mean_) / scale_.")
          .method("inverse_transform", "Undo transform: X * scale_ + mean_.")
          .fitted({"mean_", "var_", "scale_", "n_samples_seen_"})
          .accepts({Matrix::Kind::dense})
          .one_to_one_features();
  return spec;
}

}  // namespace

FRANCA_REGISTER_ESTIMATOR(standard_scaler_spec);

}  // namespace franca
