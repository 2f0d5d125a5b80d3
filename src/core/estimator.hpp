// Estimator: the one interface every algorithm implements. An estimator class derives from
// TypedEstimator<Params>, whose Params struct declares its parameters (core/params.hpp), and
// registers an EstimatorSpec (core/registry.hpp). The fitted state is a set of named host
// arrays, which makes save/load (core/model_format.cpp) generic and device-neutral.
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

// A data term evaluated by the caller (Estimator::data_loss's, summed over rows held elsewhere):
// sum_i w_i loss_i at coef, its gradient into `gradient` and, when `hessian` is not null, its
// Hessian, in data_loss's coefficient order.
using DataLossFunction =
    std::function<double(const std::vector<double>& coef, std::vector<double>& gradient, std::vector<double>* hessian)>;

// What a fit over rows it does not hold knows of them (Estimator::fit_external).
struct ExternalRows {
  std::int64_t n_samples = 0, n_features = 0;
  DType dtype = DType::float64;  // of X: the dtype of the fitted coefficients, as fit keeps it
  double weight_sum = 0;         // of the weights the data term applies (class weights included)
  std::int64_t n_classes = 0;    // classifiers: the data term's y are the codes 0 .. n_classes - 1
  double target_mean = 0;        // regressors: the weighted mean of y
  DataLossFunction data_loss;
};

// A fit over rows held in blocks elsewhere (Estimator::fit_blocks) asks every block questions: of
// its rows (rows), to make and keep its own form of them (keep: no answer comes back), or of that
// kept form (kept). The numbers are the C ABI's FRANCA_BLOCKS_*.
enum class BlockQuestion { rows = 0, keep = 1, kept = 2 };

struct ByteSpan {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
};

// The blocks of rows a fit asks: ask(kind, question) returns every block's answer, in block order
// (none for keep), valid until the next ask.
struct BlockRows {
  std::int64_t n_blocks = 0;
  std::function<std::vector<ByteSpan>(BlockQuestion, const std::vector<std::uint8_t>& question)> ask;
};

enum class EstimatorKind { regressor, classifier, transformer };

struct MethodSpec {
  std::string name;
  std::string doc;
};

// What the registry, the listing and the bindings know of an estimator. Built with the chained
// setters: EstimatorSpec::of<Ridge>("Ridge", EstimatorKind::regressor, "linear_model").doc(...)...
struct EstimatorSpec {
  std::string name;
  EstimatorKind kind = EstimatorKind::transformer;
  // scikit-learn's module of the class of the same name ("linear_model",
  // "feature_extraction.text"): bindings place the class there and fall back to it.
  std::string module;
  std::string description;
  std::vector<ParamInfo> params;
  std::vector<MethodSpec> methods;
  std::vector<std::string> attributes;  // fitted attributes, besides n_features_in_
  // Those of `attributes` that a fit leaves out when its parameters say so (StandardScaler's
  // var_ without with_std): scikit-learn sets them to None, as bindings do.
  std::vector<std::string> optional_attributes;
  std::vector<Matrix::Kind> inputs;  // the kinds of X that fit and the methods accept
  // NaN in X is rejected unless the estimator says it handles missing values.
  bool allow_nan = false;
  // A regressor fitting one target only (scikit-learn's multioutput tag is false).
  bool single_output = false;
  // A classifier taking several columns of labels (one per output); classifiers take one.
  bool label_columns = false;
  // A regressor of several targets fitted together, which takes a 2-D y only (scikit-learn's
  // MultiTask estimators: single_output tag false, multioutput_only before 1.6).
  bool multi_task_only = false;
  // A transformer whose output column j is input column j (scikit-learn's OneToOneFeatureMixin:
  // the output feature names are the input's).
  bool one_to_one = false;
  // A GLM regressor scored, as scikit-learn's, by D^2 of the Tweedie deviance of this power (a
  // number, or the name of the parameter holding it); its y must be >= 0 for a power > 0.
  // Null: the kind's usual score.
  json tweedie_power;
  // A transformer or estimator with scikit-learn's partial_fit: fitting it again on more rows
  // updates its fitted state (franca_estimator_partial_fit) instead of starting afresh.
  bool incremental = false;
  // The scikit-learn function (in `module`) that fitting this estimator computes, e.g. "enet_path":
  // bindings expose it as that function (its results the fitted attributes) instead of a class.
  // Empty: an estimator class.
  std::string function;
  std::function<std::unique_ptr<Estimator>(const EstimatorSpec&)> create;

  // E derives from TypedEstimator<P>: the parameters come from P's table.
  template <class E>
  static EstimatorSpec of(std::string name, EstimatorKind kind, std::string module) {
    EstimatorSpec s;
    s.name = std::move(name);
    s.kind = kind;
    s.module = std::move(module);
    s.params = ParamTable<typename E::Params>::get().infos();
    s.create = [](const EstimatorSpec& spec) -> std::unique_ptr<Estimator> { return std::make_unique<E>(spec); };
    return s;
  }
  EstimatorSpec& doc(std::string text) {
    description = std::move(text);
    return *this;
  }
  EstimatorSpec& method(std::string method_name, std::string method_doc) {
    methods.push_back({std::move(method_name), std::move(method_doc)});
    return *this;
  }
  EstimatorSpec& fitted(std::vector<std::string> names) {
    attributes = std::move(names);
    return *this;
  }
  EstimatorSpec& optional(std::vector<std::string> names) {
    optional_attributes = std::move(names);
    return *this;
  }
  EstimatorSpec& accepts(std::vector<Matrix::Kind> kinds) {
    inputs = std::move(kinds);
    return *this;
  }
  EstimatorSpec& handles_nan() {
    allow_nan = true;
    return *this;
  }
  EstimatorSpec& single_target() {
    single_output = true;
    return *this;
  }
  EstimatorSpec& multi_task() {
    multi_task_only = true;
    return *this;
  }
  EstimatorSpec& multi_output_labels() {
    label_columns = true;
    return *this;
  }
  EstimatorSpec& one_to_one_features() {
    one_to_one = true;
    return *this;
  }
  EstimatorSpec& partial_fit() {
    incremental = true;
    return *this;
  }
  EstimatorSpec& computes(std::string function_name) {
    function = std::move(function_name);
    return *this;
  }
  EstimatorSpec& scored_by_tweedie_deviance(json power) {
    tweedie_power = std::move(power);
    return *this;
  }
};

class Estimator {
 public:
  explicit Estimator(const EstimatorSpec& spec) : spec_(&spec) {}
  virtual ~Estimator() = default;
  Estimator(const Estimator&) = delete;
  Estimator& operator=(const Estimator&) = delete;

  const EstimatorSpec& spec() const { return *spec_; }

  // Sets every entry of the JSON object or none of them; errors name the parameter.
  virtual void set_params(const json& object) = 0;
  virtual json get_params() const = 0;

  // Checks the parameters together, then X, y and sample_weight, then fits. On failure the
  // previous fitted state remains.
  void fit(const Context& ctx, const Matrix& X, const Array* y, const Array* sample_weight);
  // fit's checks, then one more batch of rows folded into the fitted state (a fit when there is
  // none yet); X must have the fitted number of features. Status::not_implemented unless the
  // spec says partial_fit().
  void partial_fit(const Context& ctx, const Matrix& X, const Array* y, const Array* sample_weight);
  // Checks that the estimator is fitted, the method exists and X fits, then runs the method.
  // Safe to call from several threads at once.
  Matrix apply(const Context& ctx, const std::string& method, const Matrix& X) const;
  // The data term of the objective fit minimises, on the rows (X, y, sample_weight), at the float64
  // coefficients `coef` (in the order data_loss_impl documents), with its gradient and, when
  // `hessian` is not null, its Hessian: what a fit over rows split into blocks (the partitions of
  // a cluster) sums over the blocks, its optimizer adding the penalty. Checks the parameters, X, y
  // and sample_weight as fit does; the estimator need not be fitted. Safe to call from several
  // threads at once.
  double data_loss(const Context& ctx, const Matrix& X, const Array& y, const Array* sample_weight,
                   const std::vector<double>& coef, std::vector<double>& gradient, std::vector<double>* hessian) const;
  // Fits as fit does, on rows held elsewhere: their data term is rows.data_loss (the sum of
  // data_loss over their blocks), with the estimator's penalty, solver and stopping rule. On
  // failure the previous fitted state remains.
  void fit_external(const Context& ctx, const ExternalRows& rows);
  // Fits as fit does, on rows held in blocks elsewhere, by asking them the questions its fit needs
  // (rows.ask), each block answering through block_answer. On failure the previous fitted state
  // remains.
  void fit_blocks(const Context& ctx, const BlockRows& rows);
  // Block `block_index`'s answer to a question of fit_blocks: from its rows (X, y, sample_weight,
  // checked as fit checks them) for BlockQuestion::rows and keep, or from `kept`, its answer to the
  // keep question, for BlockQuestion::kept. The question says which. Safe to call from several
  // threads at once; the estimator need not be fitted.
  std::vector<std::uint8_t> block_answer(const Context& ctx, ByteSpan question, std::int64_t block_index,
                                         const Matrix* X, const Array* y, const Array* sample_weight,
                                         ByteSpan kept) const;

  bool fitted() const { return fitted_; }
  bool has_attribute(const std::string& name) const { return attributes_.count(name) != 0; }
  // A fitted attribute (a host array); throws Status::not_found or Status::not_fitted.
  const Array& attribute(const std::string& name) const;
  const std::map<std::string, Array>& attributes() const { return attributes_; }
  // Replaces the fitted attribute `name` (declared by the spec, present in this fit) with a host
  // copy of `value` in the attribute's dtype and shape; the whole state is then checked as a
  // loaded model's, and on failure the previous value remains (invalid_argument naming `name`).
  void replace_attribute(const Context& ctx, const std::string& name, const Array& value);
  // A fitted attribute converted to `dtype` on `device`, made once and cached.
  Array attribute_on(const Context& ctx, const std::string& name, Device device, DType dtype) const;

  // The model format: core/model_format.cpp.
  std::vector<std::uint8_t> save() const;
  // Throws Status::corrupt_model for anything but a well-formed image.
  static std::unique_ptr<Estimator> load(const std::uint8_t* bytes, std::size_t size);

 protected:
  // The rules over several parameters, run when a fit starts.
  virtual void check_params() const = 0;
  virtual void fit_impl(const Context& ctx, const Matrix& X, const Array* y, const Array* sample_weight) = 0;
  // Called by partial_fit on a fitted estimator: the previous state is still readable through
  // attribute() while the new one is recorded with set_attribute.
  virtual void partial_fit_impl(const Context& ctx, const Matrix& X, const Array* y, const Array* sample_weight);
  virtual Matrix apply_impl(const Context& ctx, const std::string& method, const Matrix& X) const = 0;
  // Estimators fitted by minimising a sum of per-row losses override this; the others have no
  // data term (Status::not_implemented).
  virtual double data_loss_impl(const Context& ctx, const Matrix& X, const Array& y, const Array* sample_weight,
                                const std::vector<double>& coef, std::vector<double>& gradient,
                                std::vector<double>* hessian) const;
  // The estimators with a data term override this; the others cannot fit on one
  // (Status::not_implemented).
  virtual void fit_external_impl(const Context& ctx, const ExternalRows& rows);
  // The estimators fitted from blocks' answers (random forests) override both; the others cannot
  // (Status::not_implemented). fit_blocks_impl records n_features_in_ itself.
  virtual void fit_blocks_impl(const Context& ctx, const BlockRows& rows);
  virtual std::vector<std::uint8_t> block_answer_impl(const Context& ctx, ByteSpan question, std::int64_t block_index,
                                                      const Matrix* X, const Array* y, const Array* sample_weight,
                                                      ByteSpan kept) const;
  // Throws unless the fitted state is consistent (shapes, dtypes): a loaded model is untrusted.
  virtual void check_state() const = 0;

  // During fit_impl: records a fitted attribute (copied to the host if it is not there).
  void set_attribute(const Context& ctx, const std::string& name, const Array& value);
  // In check_state: throws Status::corrupt_model unless `name` exists with this dtype and shape
  // (-1 matches any extent).
  const Array& expect_attribute(const std::string& name, DType dtype, const std::vector<std::int64_t>& shape) const;
  std::int64_t n_features_in() const;

 private:
  void check_fit_input(const Context& ctx, const Matrix& X, const Array* y, const Array* sample_weight) const;
  // Runs update() as a fit: the attributes it sets are pending until it returns, then replace the
  // model's, with n_features_in_ (X's columns; none for a column of strings, or when negative); an
  // exception leaves the model as it was.
  template <class Update>
  void commit_fit(const Matrix& X, Update&& update);
  template <class Update>
  void commit_fit(std::int64_t n_features_in, Update&& update);

  const EstimatorSpec* spec_;
  bool fitted_ = false;
  std::map<std::string, Array> attributes_;
  std::map<std::string, Array> pending_;
  bool fitting_ = false;
  mutable std::mutex cache_mutex_;
  mutable std::map<std::tuple<std::string, Device, DType>, Array> cache_;
};

// The base of every estimator class: holds the typed parameters P (a struct with a static
// declare(ParamTable<P>&)), which fit_impl and apply_impl read through params().
template <class P>
class TypedEstimator : public Estimator {
 public:
  using Params = P;
  using Estimator::Estimator;

  void set_params(const json& object) override { ParamTable<P>::get().update(params_, object); }
  json get_params() const override { return ParamTable<P>::get().values(params_); }
  const P& params() const { return params_; }

 protected:
  void check_params() const override { ParamTable<P>::get().check_rules(params_); }

 private:
  P params_;
};

}  // namespace franca
