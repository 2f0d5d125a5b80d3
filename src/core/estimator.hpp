// Estimator: the one interface every algorithm implements, and the registry that creates
// estimators by name. Parameters are declared once in the EstimatorSpec; the fitted state is a
// set of named host arrays, which makes save/load generic and device-neutral.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "core/array.hpp"
#include "core/context.hpp"
#include "core/matrix.hpp"
#include "core/params.hpp"

namespace franca {

class Estimator;

enum class EstimatorKind { regressor, classifier, transformer };

struct MethodSpec {
  std::string name;
  std::string doc;
};

struct EstimatorSpec {
  std::string name;
  EstimatorKind kind;
  std::string doc;
  std::vector<ParamSpec> params;
  std::vector<MethodSpec> methods;
  std::vector<std::string> attributes;  // fitted attributes, besides n_features_in_
  std::vector<Matrix::Kind> inputs;     // the kinds of X that fit and the methods accept
  // NaN in X is rejected unless the estimator says it handles missing values.
  bool allow_nan = false;
  std::function<std::unique_ptr<Estimator>(const EstimatorSpec&)> create;
};

class Estimator {
 public:
  explicit Estimator(const EstimatorSpec& spec) : spec_(&spec), params_(&spec.params) {}
  virtual ~Estimator() = default;
  Estimator(const Estimator&) = delete;
  Estimator& operator=(const Estimator&) = delete;

  const EstimatorSpec& spec() const { return *spec_; }
  Params& params() { return params_; }
  const Params& params() const { return params_; }

  // Checks X, y and sample_weight, then fits. On failure the previous fitted state remains.
  void fit(const Context& ctx, const Matrix& X, const Array* y, const Array* sample_weight);
  // Checks that the estimator is fitted, the method exists and X fits, then runs the method.
  // Safe to call from several threads at once.
  Matrix apply(const Context& ctx, const std::string& method, const Matrix& X) const;

  bool fitted() const { return fitted_; }
  bool has_attribute(const std::string& name) const { return attributes_.count(name) != 0; }
  // A fitted attribute (a host array); throws Status::not_found or Status::not_fitted.
  const Array& attribute(const std::string& name) const;
  const std::map<std::string, Array>& attributes() const { return attributes_; }
  // A fitted attribute converted to `dtype` on `device`, made once and cached.
  Array attribute_on(const Context& ctx, const std::string& name, Device device, DType dtype) const;

  std::vector<std::uint8_t> save() const;
  // Throws Status::corrupt_model for anything but a well-formed image.
  static std::unique_ptr<Estimator> load(const std::uint8_t* bytes, std::size_t size);

 protected:
  virtual void fit_impl(const Context& ctx, const Matrix& X, const Array* y, const Array* sample_weight) = 0;
  virtual Matrix apply_impl(const Context& ctx, const std::string& method, const Matrix& X) const = 0;
  // Throws unless the fitted state is consistent (shapes, dtypes): a loaded model is untrusted.
  virtual void check_state() const = 0;

  // During fit_impl: records a fitted attribute (copied to the host if it is not there).
  void set_attribute(const Context& ctx, const std::string& name, const Array& value);
  // In check_state: throws Status::corrupt_model unless `name` exists with this dtype and shape
  // (-1 matches any extent).
  const Array& expect_attribute(const std::string& name, DType dtype, const std::vector<std::int64_t>& shape) const;
  std::int64_t n_features_in() const;

 private:
  const EstimatorSpec* spec_;
  Params params_;
  bool fitted_ = false;
  std::map<std::string, Array> attributes_;
  std::map<std::string, Array> pending_;
  bool fitting_ = false;
  mutable std::mutex cache_mutex_;
  mutable std::map<std::tuple<std::string, Device, DType>, Array> cache_;
};

// Registers a spec at load time; used through FRANCA_REGISTER_ESTIMATOR.
bool register_estimator(const EstimatorSpec& spec);
const std::map<std::string, const EstimatorSpec*>& estimator_registry();
std::unique_ptr<Estimator> create_estimator(const std::string& name);
// The JSON listing of every estimator (franca_estimator_list).
json estimator_listing();

// The usual factory: `create = make_estimator<Ridge>`.
template <class T>
std::unique_ptr<Estimator> make_estimator(const EstimatorSpec& spec) {
  return std::make_unique<T>(spec);
}

}  // namespace franca

#define FRANCA_CONCAT_INNER(a, b) a##b
#define FRANCA_CONCAT(a, b) FRANCA_CONCAT_INNER(a, b)
// Registers the spec returned by `spec_function` when libfranca is loaded.
#define FRANCA_REGISTER_ESTIMATOR(spec_function) \
  static const bool FRANCA_CONCAT(franca_registered_, __LINE__) = ::franca::register_estimator(spec_function())
