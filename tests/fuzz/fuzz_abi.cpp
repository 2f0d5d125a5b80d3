// The whole C ABI driven by the fuzz input, as a hostile or careless caller would drive it: an
// estimator from franca_estimator_list() with parameters built from its listing, a context, X as a
// dense tensor (any dtype, rank, strides, byte_offset), CSR parts or a string column, y and
// sample_weight, then fit, every method, every fitted attribute, the data loss at fuzzed
// coefficients, save and load, all of it again on the loaded model, and fits on the same rows as
// rows held elsewhere (franca_estimator_fit_external, its data term the data loss;
// franca_estimator_fit_blocks, its blocks copies of the rows). Every call must succeed or fail
// with a status; every output must be readable over the shape it claims. A newly registered estimator is fuzzed with no
// edit here.
//
// The input decides sizes within small bounds (16 rows, 6 columns) and kCaps bounds what a fit
// may cost whatever the parameters say, so that an execution takes milliseconds. Memory the caller
// hands over is always as large as its shape and strides say, except for strides whose extent
// overflows int64, which franca must refuse before reading.
#include <franca/franca.h>
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using json = nlohmann::json;

constexpr std::int64_t kMaxRows = 16;
constexpr std::int64_t kMaxCols = 6;
constexpr std::int64_t kMaxClaimedCols = 256;

// Parameters that set how long a fit runs, and the largest value a fuzzed model keeps.
const std::pair<const char*, std::int64_t> kCaps[] = {{"n_estimators", 4}, {"max_iter", 30},        {"n_alphas", 5},
                                                      {"max_depth", 6},    {"n_features", 1 << 12}, {"max_samples", 4}};

struct EstimatorInfo {
  std::string name;
  std::string kind;
  std::vector<std::string> inputs, methods, attributes;
  json params;
  bool multioutput = false;
  bool partial_fit = false;
};

std::vector<EstimatorInfo> read_listing() {
  char* text = nullptr;
  if (franca_estimator_list(&text) != FRANCA_OK) std::abort();
  std::vector<EstimatorInfo> out;
  for (const auto& spec : json::parse(text)) {
    EstimatorInfo e;
    e.name = spec.at("name");
    e.kind = spec.at("kind");
    e.inputs = spec.at("inputs").get<std::vector<std::string>>();
    for (const auto& m : spec.at("methods")) e.methods.push_back(m.at("name"));
    e.attributes = spec.at("attributes").get<std::vector<std::string>>();
    e.attributes.push_back("n_features_in_");
    e.params = spec.at("params");
    e.multioutput = spec.value("multioutput", false);
    e.partial_fit = spec.value("partial_fit", false);
    out.push_back(std::move(e));
  }
  franca_free(text);
  if (out.empty()) std::abort();
  return out;
}

// Values that break numerical code, and ordinary ones.
double pick_number(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 11)) {
    case 0:
      return std::numeric_limits<double>::quiet_NaN();
    case 1:
      return std::numeric_limits<double>::infinity();
    case 2:
      return 1e300;
    case 3:
      return -1e-300;
    case 4:
      return std::numeric_limits<double>::denorm_min();
    case 5:
      return 0.0;
    case 6:
      return static_cast<double>(in.ConsumeIntegralInRange(-3, 3));
    default:
      return in.ConsumeFloatingPointInRange(-4.0, 4.0);
  }
}

// A JSON value for parameter `p`: its default, a choice, a number at or beyond its bounds, or a
// value of another type; parameters in kCaps within their cap.
json pick_param_value(FuzzedDataProvider& in, const json& p) {
  for (const auto& [name, cap] : kCaps)
    if (p.at("name") == name && in.ConsumeBool()) return in.ConsumeIntegralInRange<std::int64_t>(1, cap);
  switch (in.ConsumeIntegralInRange(0, 12)) {
    case 0:
      return p.at("default");
    case 1:
      if (p.contains("choices") && !p["choices"].empty())
        return p["choices"][in.ConsumeIntegralInRange<std::size_t>(0, p["choices"].size() - 1)];
      return p.at("default");
    case 2:
      for (const char* bound : {"minimum", "exclusive_minimum", "maximum", "exclusive_maximum"})
        if (p.contains(bound)) return p[bound].get<double>() + in.ConsumeIntegralInRange(-1, 1);
      return -1;
    case 3:
      return in.ConsumeBool();
    case 4:
      return nullptr;
    case 5:
      return in.ConsumeRandomLengthString(8);
    case 6:
      return json::array({in.ConsumeIntegralInRange(-1, 3), in.ConsumeIntegralInRange(-1, 3)});
    case 7:
      return json::object({{std::to_string(in.ConsumeIntegralInRange(-1, 2)), pick_number(in)}});
    case 8:
      return in.ConsumeIntegralInRange<std::int64_t>(-2, 40);
    default: {
      const double x = pick_number(in);
      return std::isfinite(x) ? json(x) : json(in.ConsumeIntegralInRange(0, 2));
    }
  }
}

// Brings the parameters that set the cost of a fit within kCaps, whatever the input set.
void enforce_caps(franca_estimator est) {
  char* text = nullptr;
  if (franca_estimator_get_params(est, &text) != FRANCA_OK) std::abort();  // reads never fail
  const json params = json::parse(text);
  franca_free(text);
  json capped = json::object();
  for (const auto& [name, cap] : kCaps) {
    if (!params.contains(name)) continue;
    const json& value = params[name];
    if (value.is_number() && value.get<double>() > static_cast<double>(cap)) capped[name] = cap;
  }
  if (!capped.empty() && franca_estimator_set_params(est, capped.dump().c_str()) != FRANCA_OK) std::abort();
}

// What a tensor holds: any numbers (extremes, NaN, infinity among them) or class labels 0..2.
enum class Values { numbers, labels };

// A caller's tensor: its memory, shape and strides live as long as the execution.
struct OwnedTensor {
  std::vector<std::uint8_t> storage;
  std::vector<std::int64_t> shape, strides;
  DLTensor tensor{};
};

class Inputs {
 public:
  explicit Inputs(FuzzedDataProvider& in) : in_(in) {}

  // A tensor of `shape` with a fuzzed dtype (one of `dtypes`, mostly), layout and byte_offset, its
  // memory as large as they need.
  DLTensor* tensor(std::vector<std::int64_t> shape, const std::vector<DLDataType>& dtypes,
                   Values values = Values::numbers) {
    static const DLDataType kAnyDtype[] = {{kDLFloat, 64, 1}, {kDLFloat, 32, 1}, {kDLInt, 32, 1},   {kDLInt, 64, 1},
                                           {kDLUInt, 8, 1},   {kDLInt, 8, 1},    {kDLFloat, 16, 1}, {kDLFloat, 64, 2}};
    OwnedTensor& t = tensors_.emplace_back();
    t.tensor.dtype = in_.ConsumeProbability<float>() < 0.1f
                         ? in_.PickValueInArray(kAnyDtype)
                         : dtypes[in_.ConsumeIntegralInRange<std::size_t>(0, dtypes.size() - 1)];
    if (in_.ConsumeProbability<float>() < 0.05f) shape.push_back(in_.ConsumeIntegralInRange(0, 2));
    t.shape = std::move(shape);
    const auto ndim = static_cast<int>(t.shape.size());
    const std::int64_t element = std::max(1, t.tensor.dtype.bits / 8 * t.tensor.dtype.lanes);
    // Strides: none (C order), C or Fortran order, padded, broadcast, negative, or overflowing int64.
    const int layout = in_.ConsumeIntegralInRange(0, 6);
    t.strides.assign(static_cast<std::size_t>(ndim), 1);
    std::int64_t step = 1;
    for (int k = 0; k < ndim; ++k) {
      const int i = layout == 2 ? k : ndim - 1 - k;  // Fortran order walks the first dimension first
      t.strides[static_cast<std::size_t>(i)] = step;
      step *= std::max<std::int64_t>(t.shape[static_cast<std::size_t>(i)], 1) + (layout == 3 ? 2 : 0);
    }
    if (ndim > 0 && layout == 4) t.strides[0] = 0;
    if (ndim > 0 && layout == 5) t.strides[0] = -t.strides[0];
    // A first stride whose extent, (shape[0] - 1) stride element bytes, passes int64: franca must
    // refuse it before reading, so the memory it reaches need not be there. (A stride within int64
    // that reaches past the caller's memory is the caller's error, which no library can see.) A
    // dimension of one element never moves along its stride, whatever it is.
    const std::int64_t first_extent = ndim > 0 ? std::max<std::int64_t>(t.shape[0] - 1, 0) * element : 0;
    const bool overflowing = layout == 6 && first_extent >= 2;
    if (overflowing) {
      t.strides[0] = std::numeric_limits<std::int64_t>::max() / first_extent + 1 +
                     in_.ConsumeIntegralInRange<std::int64_t>(0, 1 << 20);
    } else if (ndim > 0 && layout == 6 && t.shape[0] <= 1) {
      t.strides[0] = std::numeric_limits<std::int64_t>::max();
    }
    // The largest element offset, which the memory must reach.
    std::int64_t last = 0;
    for (int i = 0; i < ndim && !overflowing; ++i) {
      const std::int64_t d = t.shape[static_cast<std::size_t>(i)], s = t.strides[static_cast<std::size_t>(i)];
      if (d > 1 && s > 0) last += (d - 1) * s;
    }
    const std::uint64_t offset =
        in_.ConsumeBool() ? 0
                          : static_cast<std::uint64_t>(in_.ConsumeIntegralInRange(0, 3) * element + in_.ConsumeBool());
    t.storage.resize(offset + static_cast<std::size_t>((last + 1) * element));
    fill(t.storage, t.tensor.dtype, values);
    t.tensor.data = t.storage.data();
    t.tensor.device = in_.ConsumeProbability<float>() < 0.02f ? DLDevice{kDLCUDA, 0} : DLDevice{kDLCPU, 0};
    t.tensor.ndim = ndim;
    t.tensor.shape = t.shape.data();
    t.tensor.strides = layout > 0 ? t.strides.data() : nullptr;
    t.tensor.byte_offset = offset;
    return &t.tensor;
  }

  // X as the estimator accepts it (mostly), or some other kind.
  franca_matrix matrix(const EstimatorInfo& e, std::int64_t rows, std::int64_t cols) {
    std::string kind = e.inputs[in_.ConsumeIntegralInRange<std::size_t>(0, e.inputs.size() - 1)];
    if (in_.ConsumeProbability<float>() < 0.1f) kind = in_.PickValueInArray({"dense", "CSR", "strings"});
    franca_matrix m = nullptr;
    if (kind == "dense") {
      const bool one_column = in_.ConsumeProbability<float>() < 0.1f;
      DLTensor* values = tensor(one_column ? std::vector<std::int64_t>{rows} : std::vector<std::int64_t>{rows, cols},
                                {{kDLFloat, 64, 1}, {kDLFloat, 32, 1}});
      franca_matrix_dense(values, &m);
    } else if (kind == "CSR") {
      m = csr(rows, cols);
    } else {
      m = strings(rows);
    }
    return m;
  }

  // y for `e` (labels for a classifier), 2-D for a multi-output regressor sometimes.
  DLTensor* target(const EstimatorInfo& e, std::int64_t rows) {
    if (e.kind == "transformer" && in_.ConsumeBool()) return nullptr;
    if (in_.ConsumeProbability<float>() < 0.05f) rows += in_.ConsumeIntegralInRange(-1, 1);
    std::vector<std::int64_t> shape{std::max<std::int64_t>(rows, 0)};
    if (e.multioutput && in_.ConsumeBool()) shape.push_back(in_.ConsumeIntegralInRange(1, 3));
    const bool labels = e.kind == "classifier" && in_.ConsumeProbability<float>() < 0.9f;
    return tensor(shape, {{kDLFloat, 64, 1}, {kDLInt, 64, 1}, {kDLInt, 32, 1}, {kDLFloat, 32, 1}},
                  labels ? Values::labels : Values::numbers);
  }

  DLTensor* sample_weight(std::int64_t rows) {
    if (in_.ConsumeProbability<float>() < 0.7f) return nullptr;
    return tensor({rows}, {{kDLFloat, 64, 1}, {kDLFloat, 32, 1}});
  }

 private:
  // Writes every element of `storage`: class labels, or sensible numbers and sometimes NaN,
  // infinity or extremes; raw bytes for a dtype franca refuses.
  void fill(std::vector<std::uint8_t>& storage, DLDataType dtype, Values values) {
    const std::size_t element = std::max<std::size_t>(1, dtype.bits / 8u);
    for (std::size_t at = 0; at + element <= storage.size(); at += element) {
      const double x =
          values == Values::labels ? static_cast<double>(in_.ConsumeIntegralInRange(0, 2)) : pick_number(in_);
      std::uint8_t* p = storage.data() + at;
      if (dtype.code == kDLFloat && dtype.bits == 64) {
        std::memcpy(p, &x, 8);
      } else if (dtype.code == kDLFloat && dtype.bits == 32) {
        const auto f = static_cast<float>(x);
        std::memcpy(p, &f, 4);
      } else if (dtype.code == kDLInt && dtype.bits == 32) {
        const auto i = static_cast<std::int32_t>(std::isfinite(x) ? std::fmod(x, 1e9) : 0);
        std::memcpy(p, &i, 4);
      } else if (dtype.code == kDLInt && dtype.bits == 64) {
        const auto i = static_cast<std::int64_t>(std::isfinite(x) ? std::fmod(x, 1e18) : 0);
        std::memcpy(p, &i, 8);
      } else {
        for (std::size_t b = 0; b < element; ++b) p[b] = in_.ConsumeIntegral<std::uint8_t>();
      }
    }
  }

  // Index values: a valid CSR structure, mostly.
  DLTensor* index_tensor(const std::vector<std::int64_t>& values) {
    OwnedTensor& t = tensors_.emplace_back();
    const bool wide = in_.ConsumeBool();
    t.tensor.dtype = wide ? DLDataType{kDLInt, 64, 1} : DLDataType{kDLInt, 32, 1};
    t.storage.resize(values.size() * (wide ? 8 : 4));
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (wide) {
        std::memcpy(t.storage.data() + 8 * i, &values[i], 8);
      } else {
        const auto v = static_cast<std::int32_t>(values[i]);
        std::memcpy(t.storage.data() + 4 * i, &v, 4);
      }
    }
    t.shape = {static_cast<std::int64_t>(values.size())};
    t.tensor.data = t.storage.data();
    t.tensor.device = {kDLCPU, 0};
    t.tensor.ndim = 1;
    t.tensor.shape = t.shape.data();
    return &t.tensor;
  }

  franca_matrix csr(std::int64_t rows, std::int64_t cols) {
    const bool wellformed = in_.ConsumeProbability<float>() < 0.85f;
    std::vector<std::int64_t> indptr{0}, indices;
    for (std::int64_t i = 0; i < rows; ++i) {
      for (std::int64_t j = 0; j < cols; ++j)
        if (in_.ConsumeBool())
          indices.push_back(wellformed ? j : in_.ConsumeIntegralInRange<std::int64_t>(-2, cols + 2));
      indptr.push_back(static_cast<std::int64_t>(indices.size()));
    }
    if (!wellformed) {
      for (auto& p : indptr)
        if (in_.ConsumeProbability<float>() < 0.2f) p = in_.ConsumeIntegralInRange<std::int64_t>(-1, 2 * rows * cols);
      if (in_.ConsumeBool()) indptr.pop_back();
    }
    DLTensor* indptr_t = index_tensor(indptr);
    DLTensor* indices_t = index_tensor(indices);
    DLTensor* data_t = tensor({static_cast<std::int64_t>(indices.size())}, {{kDLFloat, 64, 1}, {kDLFloat, 32, 1}});
    franca_matrix m = nullptr;
    // A malformed matrix may claim fewer columns than its indices reach, or more: up to kMaxClaimedCols,
    // as more (65,536 columns) made ElasticNetCV's 125 sparse fits take 16 s under the sanitizers.
    franca_matrix_csr(indptr_t, indices_t, data_t, rows,
                      wellformed ? cols : in_.ConsumeIntegralInRange<std::int64_t>(-1, kMaxClaimedCols), &m);
    return m;
  }

  franca_matrix strings(std::int64_t rows) {
    const std::string text = in_.ConsumeRandomLengthString(64);
    std::vector<std::int64_t> offsets{in_.ConsumeBool() ? 0 : in_.ConsumeIntegralInRange<std::int64_t>(0, 3)};
    for (std::int64_t i = 0; i < rows; ++i)
      offsets.push_back(offsets.back() + in_.ConsumeIntegralInRange<std::int64_t>(0, 12));
    if (in_.ConsumeProbability<float>() < 0.1f)
      offsets[in_.ConsumeIntegralInRange<std::size_t>(0, offsets.size() - 1)] = -1;
    OwnedTensor& bytes = tensors_.emplace_back();
    bytes.storage.assign(text.begin(), text.end());
    bytes.storage.resize(static_cast<std::size_t>(std::max<std::int64_t>(offsets.back(), 0)) +
                         in_.ConsumeIntegralInRange(0, 2));
    bytes.shape = {static_cast<std::int64_t>(bytes.storage.size())};
    bytes.tensor.data = bytes.storage.data();
    bytes.tensor.device = {kDLCPU, 0};
    bytes.tensor.ndim = 1;
    bytes.tensor.dtype = {kDLUInt, 8, 1};
    bytes.tensor.shape = bytes.shape.data();
    franca_matrix m = nullptr;
    if (in_.ConsumeProbability<float>() < 0.25f) {
      // The same texts read through callbacks, as a binding hands its language's strings over
      // (franca_matrix_strings_gather); an item may be missing (NULL), or the count wrong.
      gathered_.clear();
      const std::int64_t end = std::max<std::int64_t>(offsets.back(), 0);
      for (std::int64_t i = 0; i < rows; ++i) {
        const auto from = static_cast<std::size_t>(std::clamp<std::int64_t>(offsets[i], 0, end));
        const auto to = static_cast<std::size_t>(std::clamp<std::int64_t>(offsets[i + 1], 0, end));
        gathered_.emplace_back(reinterpret_cast<const char*>(bytes.storage.data()) + from, to > from ? to - from : 0);
      }
      const std::int64_t missing = in_.ConsumeBool() ? in_.ConsumeIntegralInRange<std::int64_t>(0, rows) : -1;
      if (missing >= 0 && missing < rows) gathered_[static_cast<std::size_t>(missing)] = std::string_view();
      auto item = [](void* sequence, std::int64_t i) -> void* {
        auto& items = *static_cast<std::vector<std::string_view>*>(sequence);
        return items[static_cast<std::size_t>(i)].data() ? &items[static_cast<std::size_t>(i)] : nullptr;
      };
      auto text = [](void* it, std::int64_t* length) -> const char* {
        const auto* view = static_cast<const std::string_view*>(it);
        *length = static_cast<std::int64_t>(view->size());
        return view->data();
      };
      const std::int64_t n = in_.ConsumeBool() ? rows : in_.ConsumeIntegralInRange<std::int64_t>(-1, rows);
      franca_matrix_strings_gather(nullptr, &gathered_, n, item, text, &m);
      return m;
    }
    franca_matrix_strings(index_tensor(offsets), &bytes.tensor, &m);
    return m;
  }

  FuzzedDataProvider& in_;
  std::deque<OwnedTensor> tensors_;         // a deque: the DLTensors handed out keep their addresses
  std::vector<std::string_view> gathered_;  // the texts franca_matrix_strings_gather reads
};

// The bytes of every element of `t`, read over the shape and strides it claims: AddressSanitizer
// catches a shape larger than the memory behind it.
std::string contents(const DLTensor& t) {
  std::int64_t count = 1;
  for (int i = 0; i < t.ndim; ++i) count *= t.shape[i];
  const std::int64_t element = t.dtype.bits / 8 * t.dtype.lanes;
  const auto* base = static_cast<const char*>(t.data) + t.byte_offset;
  std::string out;
  for (std::int64_t k = 0; k < count; ++k) {
    std::int64_t rest = k, offset = 0;
    for (int i = t.ndim - 1; i >= 0; --i) {
      offset += rest % t.shape[i] * (t.strides ? t.strides[i] : 0);
      rest /= t.shape[i];
    }
    if (!t.strides) offset = k;
    out.append(base + offset * element, static_cast<std::size_t>(element));
  }
  return out;
}

// The shape and the bytes of every part of a matrix franca returned, which is then freed.
std::string consume(franca_matrix m) {
  int kind = -1;
  std::int64_t rows = -1, cols = -1;
  if (franca_matrix_get_kind(m, &kind) != FRANCA_OK || franca_matrix_shape(m, &rows, &cols) != FRANCA_OK) std::abort();
  std::string out = std::to_string(kind) + " " + std::to_string(rows) + " x " + std::to_string(cols) + ":";
  for (int part : {FRANCA_PART_VALUES, FRANCA_PART_INDICES, FRANCA_PART_INDPTR}) {
    DLManagedTensor* t = nullptr;
    if (franca_matrix_export(m, part, &t) != FRANCA_OK) continue;
    out += contents(t->dl_tensor);
    t->deleter(t);
  }
  franca_matrix_free(m);
  return out;
}

// The data loss (an estimator without one answers with a status) at `coef` on (X, y, w): its status,
// or its loss's bits, gradient and Hessian read over the shapes they claim.
struct DataLossCall {
  DLTensor *y, *w, *coef;
  bool hessian;
};

std::string data_loss(franca_context ctx, franca_estimator est, franca_matrix X, const DataLossCall& call) {
  double loss = 0;
  DLManagedTensor *g = nullptr, *h = nullptr;
  const int status =
      franca_estimator_data_loss(ctx, est, X, call.y, call.w, call.coef, &loss, &g, call.hessian ? &h : nullptr);
  if (status != FRANCA_OK) {
    if (g || h) std::abort();  // a failed call hands out nothing
    return franca_status_name(status);
  }
  std::uint64_t bits = 0;
  std::memcpy(&bits, &loss, sizeof bits);
  std::string out = std::to_string(bits) + contents(g->dl_tensor) + (h ? contents(h->dl_tensor) : "");
  g->deleter(g);
  if (h) h->deleter(h);
  return out;
}

// Every method (and one that does not exist) on X, every fitted attribute, the data loss, the
// parameters: what each call returned, its status or its output, so that a loaded model can be
// compared.
std::vector<std::string> exercise(franca_context ctx, franca_estimator est, const EstimatorInfo& e, franca_matrix X,
                                  const DataLossCall& call) {
  std::vector<std::string> results{data_loss(ctx, est, X, call)};
  for (const auto& method : e.methods) {
    franca_matrix out = nullptr;
    const int status = franca_estimator_apply(ctx, est, method.c_str(), X, &out);
    results.push_back(status == FRANCA_OK ? consume(out) : franca_status_name(status));
  }
  franca_matrix out = nullptr;
  if (franca_estimator_apply(ctx, est, "no_such_method", X, &out) != FRANCA_ERROR_NOT_FOUND) std::abort();
  for (const auto& attribute : e.attributes) {
    DLManagedTensor* t = nullptr;
    const int status = franca_estimator_get_attribute(est, attribute.c_str(), &t);
    results.push_back(status == FRANCA_OK ? contents(t->dl_tensor) : franca_status_name(status));
    if (t) t->deleter(t);
  }
  int fitted = 0;
  if (franca_estimator_is_fitted(est, &fitted) != FRANCA_OK) std::abort();
  char* params = nullptr;
  if (franca_estimator_get_params(est, &params) != FRANCA_OK) std::abort();
  results.push_back(std::to_string(fitted) + params);
  franca_free(params);
  return results;
}

// Two new handles of est's estimator with its parameters: one to fit on rows held elsewhere, one
// beside it for what those rows answer (the fitted handle is held by its fit).
std::pair<franca_estimator, franca_estimator> two_copies(franca_estimator est, const EstimatorInfo& e) {
  char* params = nullptr;
  if (franca_estimator_get_params(est, &params) != FRANCA_OK) std::abort();
  franca_estimator copies[2] = {nullptr, nullptr};
  for (franca_estimator& copy : copies) {
    if (franca_estimator_create(e.name.c_str(), &copy) != FRANCA_OK) std::abort();
    franca_estimator_set_params(copy, params);
  }
  franca_free(params);
  return {copies[0], copies[1]};
}

// The data term of franca_estimator_fit_external's fuzzed fits: franca_estimator_data_loss on the
// fuzzed rows through another handle of the same estimator (the fitted one is held by the fit).
struct ExternalTerm {
  franca_context ctx;
  franca_estimator evaluator;
  franca_matrix X;
  DLTensor *y, *w;
};

int external_term(const double* coef, std::int64_t n_coef, double* loss, double* gradient, double* hessian,
                  void* user_data) {
  const auto& term = *static_cast<const ExternalTerm*>(user_data);
  std::int64_t shape[] = {n_coef};
  DLTensor c{const_cast<double*>(coef), {kDLCPU, 0}, 1, {kDLFloat, 64, 1}, shape, nullptr, 0};
  DLManagedTensor *g = nullptr, *h = nullptr;
  const int status = franca_estimator_data_loss(term.ctx, term.evaluator, term.X, term.y, term.w, &c, loss, &g,
                                                hessian ? &h : nullptr);
  if (status != FRANCA_OK) return status;
  std::memcpy(gradient, g->dl_tensor.data, static_cast<std::size_t>(n_coef) * sizeof(double));
  g->deleter(g);
  if (h) {
    std::memcpy(hessian, h->dl_tensor.data, static_cast<std::size_t>(n_coef * n_coef) * sizeof(double));
    h->deleter(h);
  }
  return 0;
}

// franca_estimator_fit_external of a copy of `est` (its parameters, capped) over the data term of
// (X, y, w), the rows described by fuzzed values, sometimes wrong; a model it fits is exercised.
void fit_external(FuzzedDataProvider& in, franca_context ctx, franca_estimator est, const EstimatorInfo& e,
                  franca_matrix X, const DataLossCall& call, std::int64_t rows, std::int64_t cols) {
  const auto [fitted, evaluator] = two_copies(est, e);
  json description = {{"n_samples", in.ConsumeBool() ? rows : in.ConsumeIntegralInRange<std::int64_t>(-1, 32)},
                      {"n_features", in.ConsumeBool() ? cols : in.ConsumeIntegralInRange<std::int64_t>(-1, 8)},
                      {"sample_weight_sum", in.ConsumeFloatingPointInRange<double>(-1, 64)}};
  if (in.ConsumeBool()) description["n_classes"] = in.ConsumeIntegralInRange(0, 4);
  if (in.ConsumeBool()) description["target_mean"] = in.ConsumeFloatingPointInRange<double>(-4, 4);
  if (in.ConsumeBool()) description["dtype"] = in.ConsumeBool() ? "float32" : "float16";
  if (in.ConsumeProbability<float>() < 0.05f) description["n_rows"] = 1;
  ExternalTerm term{ctx, evaluator, X, call.y, call.w};
  if (franca_estimator_fit_external(ctx, fitted, description.dump().c_str(), external_term, &term) == FRANCA_OK)
    exercise(ctx, fitted, e, X, call);
  franca_estimator_free(fitted);
  franca_estimator_free(evaluator);
}

// franca_estimator_fit_blocks over blocks that are all the fuzzed rows (1 to 3 copies: valid rows),
// answered through another handle, with answers and kept forms corrupted now and then as a broken
// caller or network would; then a real question, mutated, asked directly. Every call must succeed
// or fail with a status; a forest it fits is exercised.
struct BlockCaller {
  FuzzedDataProvider& in;
  franca_context ctx;
  franca_estimator answering;
  franca_matrix X;
  DLTensor *y, *w;
  std::vector<DLManagedTensor*> kept, answers;
  std::deque<std::vector<std::uint8_t>> copies;  // corrupted bytes, and their DLTensors' shapes
  std::deque<std::int64_t> shapes;
  std::deque<DLTensor> tensors;
  std::vector<std::uint8_t> last_question;

  ~BlockCaller() {
    release();
    for (DLManagedTensor* k : kept)
      if (k) k->deleter(k);
  }
  void release() {
    for (DLManagedTensor* a : answers) a->deleter(a);
    answers.clear();
    copies.clear();
    shapes.clear();
    tensors.clear();
  }
  // bytes, with one byte changed or the tail cut off.
  const DLTensor* corrupted(const DLTensor& bytes) {
    const auto* data = static_cast<const std::uint8_t*>(bytes.data);
    copies.emplace_back(data, data + bytes.shape[0]);
    std::vector<std::uint8_t>& copy = copies.back();
    if (!copy.empty() && in.ConsumeBool()) {
      copy[in.ConsumeIntegralInRange<std::size_t>(0, copy.size() - 1)] ^=
          in.ConsumeIntegralInRange<std::uint8_t>(1, 255);
    } else {
      copy.resize(in.ConsumeIntegralInRange<std::size_t>(0, copy.size()));
    }
    shapes.push_back(static_cast<std::int64_t>(copy.size()));
    tensors.push_back(DLTensor{copy.data(), {kDLCPU, 0}, 1, {kDLUInt, 8, 1}, &shapes.back(), nullptr, 0});
    return &tensors.back();
  }
};

int ask_blocks(int kind, const DLTensor* question, const DLTensor** out, void* user_data) {
  auto& caller = *static_cast<BlockCaller*>(user_data);
  caller.release();
  const auto* q = static_cast<const std::uint8_t*>(question->data);
  caller.last_question.assign(q, q + question->shape[0]);
  for (std::size_t b = 0; b < caller.kept.size(); ++b) {
    const bool of_rows = kind != FRANCA_BLOCKS_KEPT;
    const DLTensor* kept = nullptr;
    if (!of_rows && caller.kept[b])
      kept = caller.in.ConsumeProbability<float>() < 0.03f ? caller.corrupted(caller.kept[b]->dl_tensor)
                                                           : &caller.kept[b]->dl_tensor;
    DLManagedTensor* answer = nullptr;
    const int status = franca_estimator_block_answer(
        caller.ctx, caller.answering, question, static_cast<std::int64_t>(b), of_rows ? caller.X : nullptr,
        of_rows ? caller.y : nullptr, of_rows ? caller.w : nullptr, kept, &answer);
    if (status != FRANCA_OK) return status;
    if (kind == FRANCA_BLOCKS_KEEP) {
      if (caller.kept[b]) caller.kept[b]->deleter(caller.kept[b]);
      caller.kept[b] = answer;
      continue;
    }
    caller.answers.push_back(answer);
    out[b] = caller.in.ConsumeProbability<float>() < 0.03f ? caller.corrupted(answer->dl_tensor) : &answer->dl_tensor;
  }
  return 0;
}

void fit_blocks(FuzzedDataProvider& in, franca_context ctx, franca_estimator est, const EstimatorInfo& e,
                franca_matrix X, const DataLossCall& call) {
  const auto [fitted, answering] = two_copies(est, e);
  BlockCaller caller{in, ctx, answering, X, call.y, call.w, {}, {}, {}, {}, {}, {}};
  caller.kept.assign(in.ConsumeIntegralInRange<std::size_t>(1, 3), nullptr);
  if (franca_estimator_fit_blocks(ctx, fitted, static_cast<std::int64_t>(caller.kept.size()), ask_blocks, &caller) ==
      FRANCA_OK)
    exercise(ctx, fitted, e, X, call);
  if (!caller.last_question.empty() && caller.kept[0]) {
    std::vector<std::uint8_t> question = caller.last_question;
    question[in.ConsumeIntegralInRange<std::size_t>(0, question.size() - 1)] ^= in.ConsumeIntegral<std::uint8_t>();
    std::int64_t size = static_cast<std::int64_t>(question.size());
    DLTensor q{question.data(), {kDLCPU, 0}, 1, {kDLUInt, 8, 1}, &size, nullptr, 0};
    DLManagedTensor* answer = nullptr;
    if (franca_estimator_block_answer(ctx, answering, &q, in.ConsumeIntegralInRange<std::int64_t>(-1, 3), nullptr,
                                      nullptr, nullptr, &caller.kept[0]->dl_tensor, &answer) == FRANCA_OK)
      answer->deleter(answer);
  }
  franca_estimator_free(fitted);
  franca_estimator_free(answering);
}

// Warnings (unconverged fits on fuzzed data) go through the log callback, formatted, and nowhere.
void discard_log(int, const char*, void*) {}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (franca_set_log_callback(discard_log, nullptr) != FRANCA_OK) std::abort();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<EstimatorInfo> listing = read_listing();
  FuzzedDataProvider in(data, size);
  const EstimatorInfo& e = listing[in.ConsumeIntegralInRange<std::size_t>(0, listing.size() - 1)];

  franca_estimator est = nullptr;
  if (franca_estimator_create(e.name.c_str(), &est) != FRANCA_OK) std::abort();
  json params = json::object();
  for (int k = in.ConsumeIntegralInRange(0, 3); k > 0 && !e.params.empty(); --k) {
    const json& p = e.params[in.ConsumeIntegralInRange<std::size_t>(0, e.params.size() - 1)];
    params[p.at("name").get<std::string>()] = pick_param_value(in, p);
  }
  // Invalid UTF-8 in a fuzzed string is replaced: fuzz_params feeds the parser raw bytes.
  franca_estimator_set_params(est, params.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
  enforce_caps(est);

  franca_context ctx = nullptr;
  if (in.ConsumeProbability<float>() < 0.8f) {
    if (franca_context_create(in.ConsumeBool() ? "cpu" : "auto", &ctx) != FRANCA_OK) std::abort();
    franca_context_set_threads(ctx, in.ConsumeIntegralInRange(1, 2));
    franca_context_set_seed(ctx, in.ConsumeIntegral<std::uint64_t>());
  }

  Inputs inputs(in);
  const std::int64_t rows = in.ConsumeIntegralInRange<std::int64_t>(0, kMaxRows);
  const std::int64_t cols = in.ConsumeIntegralInRange<std::int64_t>(0, kMaxCols);
  franca_matrix X = inputs.matrix(e, rows, cols);
  DLTensor* y = inputs.target(e, rows);
  DLTensor* w = inputs.sample_weight(rows);
  if (X) {
    franca_estimator_fit(ctx, est, X, y, w);
    if (e.partial_fit && in.ConsumeBool()) franca_estimator_partial_fit(ctx, est, X, y, w);
    if (in.ConsumeProbability<float>() < 0.3f) {
      // A fuzzed value for a fitted attribute, mostly of its own shape: refused, or a model that
      // still answers, saves and loads as below (set_attribute checks what load checks).
      const std::string& name = e.attributes[in.ConsumeIntegralInRange<std::size_t>(0, e.attributes.size() - 1)];
      DLManagedTensor* current = nullptr;
      std::vector<std::int64_t> shape;
      if (franca_estimator_get_attribute(est, name.c_str(), &current) == FRANCA_OK) {
        shape.assign(current->dl_tensor.shape, current->dl_tensor.shape + current->dl_tensor.ndim);
        current->deleter(current);
      }
      if (in.ConsumeProbability<float>() < 0.2f) shape = {in.ConsumeIntegralInRange<std::int64_t>(0, 4)};
      franca_estimator_set_attribute(est, name.c_str(),
                                     inputs.tensor(shape, {{kDLFloat, 64, 1}, {kDLInt, 64, 1}, {kDLFloat, 32, 1}}));
    }
    // A second X, of another shape sometimes, for the methods.
    franca_matrix X_new =
        in.ConsumeBool() ? inputs.matrix(e, in.ConsumeIntegralInRange<std::int64_t>(0, kMaxRows),
                                         in.ConsumeBool() ? cols : in.ConsumeIntegralInRange<std::int64_t>(0, kMaxCols))
                         : nullptr;
    franca_matrix X_apply = X_new ? X_new : X;
    // Coefficients of any length: a linear model's t x (n_features + intercept), or not.
    const DataLossCall call{
        y, w, inputs.tensor({in.ConsumeIntegralInRange<std::int64_t>(0, 3 * (kMaxCols + 1))}, {{kDLFloat, 64, 1}}),
        in.ConsumeBool()};
    const std::vector<std::string> results = exercise(ctx, est, e, X_apply, call);

    std::uint8_t* bytes = nullptr;
    std::size_t n = 0;
    if (franca_estimator_save(est, &bytes, &n) != FRANCA_OK) std::abort();  // any estimator saves
    franca_estimator loaded = nullptr;
    if (franca_estimator_load(bytes, n, &loaded) != FRANCA_OK) std::abort();  // what franca saves, it loads
    franca_free(bytes);
    // The loaded model answers every call as the saved one did, to the bit.
    if (exercise(ctx, loaded, e, X_apply, call) != results) std::abort();
    franca_estimator_free(loaded);
    fit_external(in, ctx, est, e, X, call, rows, cols);
    fit_blocks(in, ctx, est, e, X, call);
    franca_matrix_free(X_new);
  }
  franca_matrix_free(X);
  franca_context_free(ctx);
  franca_estimator_free(est);
  return 0;
}
