#include "core/estimator.hpp"

#include <algorithm>
#include <cmath>

#include "core/expects.hpp"
#include "core/logging.hpp"
#include "core/value_scan.hpp"

namespace franca {

namespace {

void check_finite(const Context& ctx, const Array& values, const char* argument, bool allow_nan) {
  if (!is_floating(values.dtype)) return;
  const ValueScan scan = FRANCA_DISPATCH(values.device, scan_values, ctx, values);
  // scikit-learn's words (check_array), which its tests and users' code match
  FRANCA_EXPECTS(allow_nan || !scan.has_nan, "Input {} contains NaN.", argument);
  FRANCA_EXPECTS(!scan.has_inf, "Input {} contains infinity or a value too large for dtype('{}').", argument,
                 dtype_name(values.dtype));
}

// Throws, naming the attribute, unless every value of `value` is one the integer dtype `dtype`
// holds exactly: converting anything else (1.5, inf, 2^40 into int32) is undefined or wrong.
void expect_integers_of(const Context& ctx, const std::string& name, const Array& value, DType dtype) {
  const double bits = static_cast<double>(8 * dtype_size(dtype));
  const double lowest = dtype == DType::uint8 ? 0.0 : -std::ldexp(1.0, static_cast<int>(bits) - 1);
  const double end = dtype == DType::uint8 ? 256.0 : std::ldexp(1.0, static_cast<int>(bits) - 1);
  for (const double v : host_values_f64(ctx, to(ctx, value, Device::cpu(), value.dtype))) {
    FRANCA_EXPECTS(std::isfinite(v) && v == std::floor(v) && v >= lowest && v < end,
                   "{}: holds {} values; {} is not one", name, dtype_name(dtype), v);
  }
}

}  // namespace

void Estimator::check_fit_input(const Context& ctx, const Matrix& X, const Array* y, const Array* sample_weight) const {
  const auto& s = spec();
  check_params();
  FRANCA_EXPECTS_STATUS(std::find(s.inputs.begin(), s.inputs.end(), X.kind) != s.inputs.end(), Status::type,
                        "X: {} does not accept {} input", s.name, X.kind_name());
  ctx.resolve(X.device(), "X");
  FRANCA_EXPECTS(X.rows() > 0, "X: found array with 0 sample(s) (shape=({}, {})) while a minimum of 1 is required",
                 X.rows(), X.cols());
  FRANCA_EXPECTS(X.cols() > 0, "X: found array with 0 feature(s) (shape=({}, {})) while a minimum of 1 is required",
                 X.rows(), X.cols());
  if (X.kind == Matrix::Kind::dense) check_finite(ctx, X.dense, "X", s.allow_nan);
  if (X.kind == Matrix::Kind::csr) check_finite(ctx, X.csr.data, "X", s.allow_nan);
  if (s.kind != EstimatorKind::transformer) {
    FRANCA_EXPECTS(y != nullptr, "y: {} requires y to be passed, but y is NULL", s.name);
  }
  if (y) {
    FRANCA_EXPECTS(y->ndim() == 1 || y->ndim() == 2, "y: expected a 1-D or 2-D array, got {} dimensions", y->ndim());
    FRANCA_EXPECTS(y->dim(0) == X.rows(),
                   "y: Found input variables with inconsistent numbers of samples: [{}, {}] (X has {} rows, y has {})",
                   X.rows(), y->dim(0), X.rows(), y->dim(0));
    FRANCA_EXPECTS(y->ndim() == 1 || y->dim(1) > 0,
                   "y: found array with 0 target(s) (shape=({}, 0)) while a minimum of 1 is required", y->dim(0));
    FRANCA_EXPECTS_STATUS(y->device == X.device(), Status::type, "y: lives on {} but X lives on {}", y->device.str(),
                          X.device().str());
    check_finite(ctx, *y, "y", false);
  }
  if (sample_weight) {
    FRANCA_EXPECTS(sample_weight->ndim() == 1, "sample_weight: expected a 1-D array, got {} dimensions",
                   sample_weight->ndim());
    FRANCA_EXPECTS(sample_weight->dim(0) == X.rows(), "sample_weight: has {} elements but X has {} rows",
                   sample_weight->dim(0), X.rows());
    FRANCA_EXPECTS_STATUS(sample_weight->device == X.device(), Status::type,
                          "sample_weight: lives on {} but X lives on {}", sample_weight->device.str(),
                          X.device().str());
    FRANCA_EXPECTS_STATUS(is_floating(sample_weight->dtype) || is_index(sample_weight->dtype), Status::type,
                          "sample_weight: expected a numeric array, got {}", dtype_name(sample_weight->dtype));
    const ValueScan scan = FRANCA_DISPATCH(sample_weight->device, scan_values, ctx, *sample_weight);
    FRANCA_EXPECTS(!scan.has_nan && !scan.has_inf, "sample_weight: contains NaN or infinity");
    FRANCA_EXPECTS(!scan.has_negative, "sample_weight: negative values are not allowed");
    // scikit-learn's wording (_check_sample_weight, 1.6+), which its check_all_zero_sample_weights_error matches.
    FRANCA_EXPECTS(scan.has_nonzero,
                   "sample_weight: all {} weights are zero; sample weights must contain at least one non-zero number",
                   sample_weight->dim(0));
  }
}

template <class Update>
void Estimator::commit_fit(const Matrix& X, Update&& update) {
  FRANCA_LOG_DEBUG("{}: fit on {} ({} X of {} x {})", spec().name, X.device().str(), X.kind_name(), X.rows(), X.cols());
  commit_fit(X.kind == Matrix::Kind::strings ? -1 : X.cols(), std::forward<Update>(update));
}

template <class Update>
void Estimator::commit_fit(std::int64_t n_features_in, Update&& update) {
  pending_.clear();
  fitting_ = true;
  try {
    update();
  } catch (...) {
    fitting_ = false;
    pending_.clear();
    throw;
  }
  fitting_ = false;
  if (n_features_in >= 0) {
    pending_["n_features_in_"] = Array::from_host(std::vector<std::int64_t>{n_features_in}, {});
  }
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    cache_.clear();
  }
  attributes_.swap(pending_);
  pending_.clear();
  fitted_ = true;
}

void Estimator::fit(const Context& ctx, const Matrix& X, const Array* y, const Array* sample_weight) {
  check_fit_input(ctx, X, y, sample_weight);
  commit_fit(X, [&] { fit_impl(ctx, X, y, sample_weight); });
}

void Estimator::partial_fit(const Context& ctx, const Matrix& X, const Array* y, const Array* sample_weight) {
  FRANCA_EXPECTS_STATUS(spec().incremental, Status::not_implemented, "{} has no partial_fit; call fit", spec().name);
  check_fit_input(ctx, X, y, sample_weight);
  if (!fitted_) {
    commit_fit(X, [&] { fit_impl(ctx, X, y, sample_weight); });
    return;
  }
  const std::int64_t expected = n_features_in();
  FRANCA_EXPECTS(X.cols() == expected, "X has {} features, but {} is expecting {} features as input", X.cols(),
                 spec().name, expected);
  commit_fit(X, [&] { partial_fit_impl(ctx, X, y, sample_weight); });
}

void Estimator::partial_fit_impl(const Context&, const Matrix&, const Array*, const Array*) {
  FRANCA_FAIL(Status::not_implemented, "{} has no partial_fit; call fit", spec().name);
}

void Estimator::fit_external(const Context& ctx, const ExternalRows& rows) {
  check_params();
  FRANCA_EXPECTS(rows.n_samples > 0, "rows: n_samples must be positive, got {}", rows.n_samples);
  FRANCA_EXPECTS(rows.n_features > 0, "rows: n_features must be positive, got {}", rows.n_features);
  FRANCA_EXPECTS(rows.weight_sum > 0 && std::isfinite(rows.weight_sum),
                 "rows: sample_weight_sum must be positive and finite, got {}", rows.weight_sum);
  FRANCA_EXPECTS(std::isfinite(rows.target_mean), "rows: target_mean must be finite, got {}", rows.target_mean);
  FRANCA_EXPECTS(static_cast<bool>(rows.data_loss), "data_loss: must not be empty");
  FRANCA_LOG_DEBUG("{}: fit on {} x {} rows held elsewhere", spec().name, rows.n_samples, rows.n_features);
  commit_fit(rows.n_features, [&] { fit_external_impl(ctx, rows); });
}

void Estimator::fit_external_impl(const Context&, const ExternalRows&) {
  FRANCA_FAIL(Status::not_implemented,
              "{} cannot fit on rows held elsewhere: only the estimators with a data term can "
              "(LogisticRegression, PoissonRegressor, GammaRegressor, TweedieRegressor)",
              spec().name);
}

void Estimator::fit_blocks(const Context& ctx, const BlockRows& rows) {
  check_params();
  FRANCA_EXPECTS(rows.n_blocks > 0, "n_blocks: must be positive, got {}", rows.n_blocks);
  FRANCA_EXPECTS(static_cast<bool>(rows.ask), "ask: must not be empty");
  FRANCA_LOG_DEBUG("{}: fit on {} blocks of rows held elsewhere", spec().name, rows.n_blocks);
  commit_fit(-1, [&] { fit_blocks_impl(ctx, rows); });
}

void Estimator::fit_blocks_impl(const Context&, const BlockRows&) {
  FRANCA_FAIL(Status::not_implemented,
              "{} cannot fit on blocks of rows held elsewhere by asking them: only the random forests can "
              "(the estimators with a data term fit through franca_estimator_fit_external)",
              spec().name);
}

std::vector<std::uint8_t> Estimator::block_answer(const Context& ctx, ByteSpan question, std::int64_t block_index,
                                                  const Matrix* X, const Array* y, const Array* sample_weight,
                                                  ByteSpan kept) const {
  FRANCA_EXPECTS(block_index >= 0, "block_index: must be >= 0, got {}", block_index);
  if (X) check_fit_input(ctx, *X, y, sample_weight);
  return block_answer_impl(ctx, question, block_index, X, y, sample_weight, kept);
}

std::vector<std::uint8_t> Estimator::block_answer_impl(const Context&, ByteSpan, std::int64_t, const Matrix*,
                                                       const Array*, const Array*, ByteSpan) const {
  FRANCA_FAIL(Status::not_implemented, "{} asks no questions of blocks of rows: only the random forests fit that way",
              spec().name);
}

double Estimator::data_loss(const Context& ctx, const Matrix& X, const Array& y, const Array* sample_weight,
                            const std::vector<double>& coef, std::vector<double>& gradient,
                            std::vector<double>* hessian) const {
  check_fit_input(ctx, X, &y, sample_weight);
  return data_loss_impl(ctx, X, y, sample_weight, coef, gradient, hessian);
}

double Estimator::data_loss_impl(const Context&, const Matrix&, const Array&, const Array*, const std::vector<double>&,
                                 std::vector<double>&, std::vector<double>*) const {
  FRANCA_FAIL(Status::not_implemented,
              "{} has no data term: only the estimators fitted by minimising a sum of per-row losses have one "
              "(LogisticRegression, PoissonRegressor, GammaRegressor, TweedieRegressor)",
              spec().name);
}

Matrix Estimator::apply(const Context& ctx, const std::string& method, const Matrix& X) const {
  const auto& s = spec();
  const bool known =
      std::any_of(s.methods.begin(), s.methods.end(), [&](const MethodSpec& m) { return m.name == method; });
  if (!known) {
    std::string valid;
    for (const auto& m : s.methods) valid += (valid.empty() ? "" : ", ") + m.name;
    FRANCA_FAIL(Status::not_found, "method: {} has no method '{}'; it has: {}", s.name, method, valid);
  }
  FRANCA_EXPECTS_STATUS(fitted_, Status::not_fitted,
                        "This {} instance is not fitted yet. Call 'fit' with appropriate arguments before using this "
                        "estimator.",
                        s.name);
  FRANCA_EXPECTS_STATUS(std::find(s.inputs.begin(), s.inputs.end(), X.kind) != s.inputs.end(), Status::type,
                        "X: {} does not accept {} input", s.name, X.kind_name());
  ctx.resolve(X.device(), "X");
  if (X.kind != Matrix::Kind::strings) {
    const std::int64_t expected = n_features_in();
    FRANCA_EXPECTS(X.cols() == expected, "X has {} features, but {} is expecting {} features as input", X.cols(),
                   s.name, expected);
  }
  if (X.kind == Matrix::Kind::dense) check_finite(ctx, X.dense, "X", s.allow_nan);
  if (X.kind == Matrix::Kind::csr) check_finite(ctx, X.csr.data, "X", s.allow_nan);
  return apply_impl(ctx, method, X);
}

const Array& Estimator::attribute(const std::string& name) const {
  if (fitting_) {
    auto pending = pending_.find(name);
    if (pending != pending_.end()) return pending->second;
  }
  auto it = attributes_.find(name);
  if (it != attributes_.end()) return it->second;
  FRANCA_EXPECTS_STATUS(fitted_ || fitting_, Status::not_fitted,
                        "This {} instance is not fitted yet. Call 'fit' with appropriate arguments before using this "
                        "estimator.",
                        spec().name);
  FRANCA_FAIL(Status::not_found, "attribute: {} has no fitted attribute '{}'", spec().name, name);
}

void Estimator::replace_attribute(const Context& ctx, const std::string& name, const Array& value) {
  const auto& declared = spec().attributes;
  FRANCA_EXPECTS_STATUS(std::find(declared.begin(), declared.end(), name) != declared.end(), Status::not_found,
                        "attribute: {} has no settable fitted attribute '{}'", spec().name, name);
  (void)attribute(name);  // not_fitted, or not_found where this fit left it out
  Array& current = attributes_.at(name);
  FRANCA_EXPECTS(value.shape == current.shape, "{}: expected shape {}, got {}", name, shape_text(current.shape),
                 shape_text(value.shape));
  if (!is_floating(current.dtype)) expect_integers_of(ctx, name, value, current.dtype);
  Array copy = Array::empty(ctx, Device::cpu(), current.dtype, current.shape);
  copy_bytes(ctx, copy, to(ctx, value, Device::cpu(), current.dtype));
  std::swap(current, copy);
  try {
    check_state();
  } catch (const Error& e) {
    std::swap(current, copy);
    FRANCA_FAIL(Status::invalid_argument, "{}: the value does not fit the model: {}", name, e.what());
  }
  std::lock_guard<std::mutex> lock(cache_mutex_);
  cache_.clear();
}

Array Estimator::attribute_on(const Context& ctx, const std::string& name, Device device, DType dtype) const {
  const Array& host = attribute(name);
  if (device.is_cpu() && host.dtype == dtype) return host;
  const auto key = std::make_tuple(name, device, dtype);
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
  }
  // The cache outlives the caller's stream, so its memory belongs to the default stream.
  Context cache_context(ctx);
  cache_context.set_stream(nullptr);
  Array converted = to(cache_context, host, device, dtype);
  std::lock_guard<std::mutex> lock(cache_mutex_);
  return cache_.emplace(key, converted).first->second;
}

void Estimator::set_attribute(const Context& ctx, const std::string& name, const Array& value) {
  FRANCA_EXPECTS_STATUS(fitting_, Status::internal, "internal: set_attribute('{}') outside fit", name);
  pending_[name] = to(ctx, value, Device::cpu(), value.dtype);
}

const Array& Estimator::expect_attribute(const std::string& name, DType dtype,
                                         const std::vector<std::int64_t>& shape) const {
  auto it = attributes_.find(name);
  FRANCA_EXPECTS_STATUS(it != attributes_.end(), Status::corrupt_model, "model: {} lacks the attribute '{}'",
                        spec().name, name);
  const Array& a = it->second;
  bool ok = a.dtype == dtype && a.ndim() == static_cast<int>(shape.size());
  for (std::size_t i = 0; ok && i < shape.size(); ++i) ok = shape[i] < 0 || shape[i] == a.shape[i];
  FRANCA_EXPECTS_STATUS(ok, Status::corrupt_model, "model: {}'s attribute '{}' has the wrong dtype or shape",
                        spec().name, name);
  return a;
}

std::int64_t Estimator::n_features_in() const {
  const Array& n = attribute("n_features_in_");
  return *n.ptr<std::int64_t>();
}

}  // namespace franca
