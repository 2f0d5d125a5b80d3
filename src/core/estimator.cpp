#include "core/estimator.hpp"

#include <algorithm>
#include <limits>

#include "core/expects.hpp"
#include "core/logging.hpp"
#include "core/serialize.hpp"
#include "primitives/checks.hpp"

namespace franca {

namespace {

constexpr char kMagic[8] = {'F', 'R', 'A', 'N', 'C', 'A', 'M', '\x01'};
constexpr std::uint32_t kFormatVersion = 1;
constexpr std::uint32_t kMaxDims = 8;

const char* kind_name(EstimatorKind kind) {
  switch (kind) {
    case EstimatorKind::regressor:
      return "regressor";
    case EstimatorKind::classifier:
      return "classifier";
    case EstimatorKind::transformer:
      return "transformer";
  }
  return "unknown";
}

std::map<std::string, const EstimatorSpec*>& mutable_registry() {
  static std::map<std::string, const EstimatorSpec*> registry;
  return registry;
}

void check_finite(const Context& ctx, const Array& values, const char* argument, bool allow_nan) {
  if (!is_floating(values.dtype)) return;
  const ValueScan scan = scan_values(ctx, values);
  FRANCA_EXPECTS(allow_nan || !scan.has_nan, "{}: contains NaN", argument);
  FRANCA_EXPECTS(!scan.has_inf, "{}: contains infinity or a value too large for {}", argument,
                 dtype_name(values.dtype));
}

}  // namespace

void Estimator::fit(const Context& ctx, const Matrix& X, const Array* y, const Array* sample_weight) {
  const auto& s = spec();
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
    FRANCA_EXPECTS(y->dim(0) == X.rows(), "y: has {} rows but X has {}", y->dim(0), X.rows());
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
    const ValueScan scan = scan_values(ctx, *sample_weight);
    FRANCA_EXPECTS(!scan.has_nan && !scan.has_inf, "sample_weight: contains NaN or infinity");
    FRANCA_EXPECTS(!scan.has_negative, "sample_weight: negative values are not allowed");
  }

  FRANCA_LOG_DEBUG("{}: fit on {} ({} X of {} x {})", s.name, X.device().str(), X.kind_name(), X.rows(), X.cols());
  pending_.clear();
  fitting_ = true;
  try {
    fit_impl(ctx, X, y, sample_weight);
  } catch (...) {
    fitting_ = false;
    pending_.clear();
    throw;
  }
  fitting_ = false;
  if (X.kind != Matrix::Kind::strings) {
    pending_["n_features_in_"] = Array::from_host(std::vector<std::int64_t>{X.cols()}, {});
  }
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    cache_.clear();
  }
  attributes_.swap(pending_);
  pending_.clear();
  fitted_ = true;
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

std::vector<std::uint8_t> Estimator::save() const {
  ByteWriter payload;
  payload.put_string(spec().name);
  payload.put_string(params().values().dump());
  payload.put<std::uint8_t>(fitted_ ? 1 : 0);
  payload.put<std::uint32_t>(static_cast<std::uint32_t>(attributes_.size()));
  for (const auto& [name, a] : attributes_) {
    payload.put_string(name);
    payload.put<std::uint8_t>(static_cast<std::uint8_t>(a.dtype));
    payload.put<std::uint32_t>(static_cast<std::uint32_t>(a.ndim()));
    for (auto d : a.shape) payload.put<std::int64_t>(d);
    payload.put_bytes(a.data, a.nbytes());
  }
  ByteWriter out;
  out.put_bytes(kMagic, sizeof(kMagic));
  out.put<std::uint32_t>(kFormatVersion);
  out.put<std::uint64_t>(payload.bytes().size());
  out.put<std::uint64_t>(fnv1a64(payload.bytes().data(), payload.bytes().size()));
  out.put_bytes(payload.bytes().data(), payload.bytes().size());
  return std::move(out.bytes());
}

std::unique_ptr<Estimator> Estimator::load(const std::uint8_t* bytes, std::size_t size) {
  ByteReader header(bytes, size);
  FRANCA_EXPECTS_STATUS(std::memcmp(header.take(sizeof(kMagic), "the magic number"), kMagic, sizeof(kMagic)) == 0,
                        Status::corrupt_model, "model bytes: not a franca model (bad magic number)");
  const auto version = header.get<std::uint32_t>("the format version");
  FRANCA_EXPECTS_STATUS(version == kFormatVersion, Status::corrupt_model,
                        "model bytes: format version {} is not supported (this franca reads version {})", version,
                        kFormatVersion);
  const auto payload_size = header.get<std::uint64_t>("the payload size");
  const auto checksum = header.get<std::uint64_t>("the checksum");
  FRANCA_EXPECTS_STATUS(payload_size == header.remaining(), Status::corrupt_model,
                        "model bytes: the payload should be {} bytes but {} follow the header (truncated?)",
                        payload_size, header.remaining());
  const std::uint8_t* payload = header.take(static_cast<std::size_t>(payload_size), "the payload");
  FRANCA_EXPECTS_STATUS(fnv1a64(payload, static_cast<std::size_t>(payload_size)) == checksum, Status::corrupt_model,
                        "model bytes: checksum mismatch (the bytes were corrupted)");

  ByteReader in(payload, static_cast<std::size_t>(payload_size));
  const std::string name = in.get_string("the estimator name");
  const auto& registry = estimator_registry();
  auto spec = registry.find(name);
  FRANCA_EXPECTS_STATUS(spec != registry.end(), Status::corrupt_model, "model bytes: unknown estimator '{}'", name);
  auto estimator = spec->second->create(*spec->second);
  json params;
  try {
    params = json::parse(in.get_string("the parameters"));
    estimator->params().update(params);
  } catch (const json::exception& e) {
    FRANCA_FAIL(Status::corrupt_model, "model bytes: invalid parameters: {}", e.what());
  } catch (const Error& e) {
    if (e.status() == Status::corrupt_model) throw;
    FRANCA_FAIL(Status::corrupt_model, "model bytes: invalid parameters: {}", e.what());
  }
  const bool fitted = in.get<std::uint8_t>("the fitted flag") == 1;
  const auto n_attributes = in.get<std::uint32_t>("the attribute count");
  for (std::uint32_t k = 0; k < n_attributes; ++k) {
    std::string attr = in.get_string("an attribute name");
    const auto dtype_code = in.get<std::uint8_t>("an attribute dtype");
    FRANCA_EXPECTS_STATUS(dtype_code <= static_cast<std::uint8_t>(DType::int8), Status::corrupt_model,
                          "model bytes: attribute '{}' has an unknown dtype {}", attr, dtype_code);
    const auto dtype = static_cast<DType>(dtype_code);
    const auto ndim = in.get<std::uint32_t>("an attribute rank");
    FRANCA_EXPECTS_STATUS(ndim <= kMaxDims, Status::corrupt_model, "model bytes: attribute '{}' has {} dimensions",
                          attr, ndim);
    std::vector<std::int64_t> shape(ndim);
    std::uint64_t count = 1;
    for (auto& d : shape) {
      d = in.get<std::int64_t>("an attribute shape");
      FRANCA_EXPECTS_STATUS(d >= 0 && (d == 0 || count <= in.remaining() / static_cast<std::uint64_t>(d)),
                            Status::corrupt_model, "model bytes: attribute '{}' has an impossible shape", attr);
      count *= static_cast<std::uint64_t>(d);
    }
    const std::size_t nbytes = static_cast<std::size_t>(count) * dtype_size(dtype);
    const std::uint8_t* data = in.take(nbytes, "attribute data");
    Array a = Array::empty(default_context(), Device::cpu(), dtype, shape);
    std::memcpy(a.data, data, nbytes);
    estimator->attributes_[attr] = std::move(a);
  }
  FRANCA_EXPECTS_STATUS(in.remaining() == 0, Status::corrupt_model, "model bytes: {} unexpected trailing bytes",
                        in.remaining());
  estimator->fitted_ = fitted;
  if (fitted) {
    // Fitting on numeric input records n_features_in_; an estimator of documents has none.
    const auto& inputs = spec->second->inputs;
    if (std::any_of(inputs.begin(), inputs.end(), [](Matrix::Kind k) { return k != Matrix::Kind::strings; })) {
      estimator->expect_attribute("n_features_in_", DType::int64, {});
      FRANCA_EXPECTS_STATUS(estimator->n_features_in() >= 0, Status::corrupt_model,
                            "model bytes: negative n_features_in_");
    }
    estimator->check_state();
  } else {
    FRANCA_EXPECTS_STATUS(n_attributes == 0, Status::corrupt_model, "model bytes: an unfitted model has attributes");
  }
  return estimator;
}

bool register_estimator(const EstimatorSpec& spec) {
  auto& registry = mutable_registry();
  // Specs are static objects that live as long as the library.
  registry[spec.name] = &spec;
  return true;
}

const std::map<std::string, const EstimatorSpec*>& estimator_registry() { return mutable_registry(); }

std::unique_ptr<Estimator> create_estimator(const std::string& name) {
  const auto& registry = estimator_registry();
  auto it = registry.find(name);
  if (it == registry.end()) {
    std::string valid;
    for (const auto& [n, s] : registry) valid += (valid.empty() ? "" : ", ") + n;
    FRANCA_FAIL(Status::not_found, "name: unknown estimator '{}'; known estimators: {}", name, valid);
  }
  return it->second->create(*it->second);
}

json estimator_listing() {
  json list = json::array();
  for (const auto& [name, spec] : estimator_registry()) {
    json params = json::array();
    for (const auto& p : spec->params) {
      json entry = {{"name", p.name}, {"type", kinds_name(p.kinds)}, {"default", p.default_value}, {"doc", p.doc}};
      if (!p.choices.empty()) entry["choices"] = p.choices;
      if (p.minimum) entry[p.exclusive_minimum ? "exclusive_minimum" : "minimum"] = *p.minimum;
      if (p.maximum) entry["maximum"] = *p.maximum;
      params.push_back(entry);
    }
    json methods = json::array();
    for (const auto& m : spec->methods) methods.push_back({{"name", m.name}, {"doc", m.doc}});
    json inputs = json::array();
    bool numeric_input = false;
    for (auto k : spec->inputs) {
      Matrix m;
      m.kind = k;
      inputs.push_back(m.kind_name());
      numeric_input |= k != Matrix::Kind::strings;
    }
    json attributes = spec->attributes;
    if (numeric_input) attributes.push_back("n_features_in_");
    list.push_back({{"name", name},
                    {"kind", kind_name(spec->kind)},
                    {"doc", spec->doc},
                    {"params", params},
                    {"methods", methods},
                    {"attributes", attributes},
                    {"inputs", inputs},
                    {"allow_nan", spec->allow_nan}});
  }
  return list;
}

}  // namespace franca
