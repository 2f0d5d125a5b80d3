// The extern "C" layer: every body runs inside translate_exceptions, which turns a
// franca::Error (or any other exception) into a status code and a thread-local message.
#include "franca/franca.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <string>
#include <vector>

#include "capi/dlpack_interop.hpp"
#include "core/cuda_backend.hpp"
#include "core/estimator.hpp"
#include "core/expects.hpp"
#include "core/logging.hpp"
#include "core/registry.hpp"

struct franca_context_s {
  franca::Context context;
};

struct franca_matrix_s {
  franca::Matrix matrix;
};

// A handle guards itself, as LightGBM's booster does: calls that read the model share the lock,
// fit and set_params take it alone, so a caller that shares a handle between threads carelessly
// gets serialised calls, never a half-written model.
struct franca_estimator_s {
  std::unique_ptr<franca::Estimator> estimator;
  std::shared_mutex mutex;
};

namespace {

using franca::Status;

thread_local std::string last_error;

template <class Body>
int translate_exceptions(Body&& body) noexcept {
  try {
    body();
    return FRANCA_OK;
  } catch (const franca::Error& e) {
    last_error = e.what();
    return static_cast<int>(e.status());
  } catch (const std::bad_alloc&) {
    last_error = "out of host memory";
    return FRANCA_ERROR_OUT_OF_MEMORY;
  } catch (const nlohmann::json::exception& e) {
    last_error = std::string("invalid JSON: ") + e.what();
    return FRANCA_ERROR_INVALID_ARGUMENT;
  } catch (const std::exception& e) {
    last_error = std::string("internal error: ") + e.what();
    return FRANCA_ERROR_INTERNAL;
  } catch (...) {
    last_error = "internal error: unknown exception";
    return FRANCA_ERROR_INTERNAL;
  }
}

#define FRANCA_NOT_NULL(arg) FRANCA_EXPECTS((arg) != nullptr, "{}: must not be NULL", #arg)

char* copy_string(const std::string& s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (!out) throw std::bad_alloc();
  std::memcpy(out, s.c_str(), s.size() + 1);
  return out;
}

const franca::Context& context_of(franca_context ctx) { return ctx ? ctx->context : franca::default_context(); }

// The estimator behind `est`, for a call that only reads it, under the handle's shared lock.
template <class Body>
auto read_estimator(franca_estimator est, Body&& body) {
  std::shared_lock<std::shared_mutex> lock(est->mutex);
  return body(static_cast<const franca::Estimator&>(*est->estimator));
}

// The estimator behind `est`, for a call that changes it, under the handle's exclusive lock.
template <class Body>
auto write_estimator(franca_estimator est, Body&& body) {
  std::unique_lock<std::shared_mutex> lock(est->mutex);
  return body(*est->estimator);
}

}  // namespace

extern "C" {

const char* franca_last_error(void) { return last_error.c_str(); }

const char* franca_status_name(int status) {
  switch (status) {
    case FRANCA_OK:
      return "ok";
    case FRANCA_ERROR_INVALID_ARGUMENT:
      return "invalid_argument";
    case FRANCA_ERROR_TYPE:
      return "type";
    case FRANCA_ERROR_OUT_OF_MEMORY:
      return "out_of_memory";
    case FRANCA_ERROR_NOT_FITTED:
      return "not_fitted";
    case FRANCA_ERROR_NOT_FOUND:
      return "not_found";
    case FRANCA_ERROR_NOT_IMPLEMENTED:
      return "not_implemented";
    case FRANCA_ERROR_DEVICE:
      return "device";
    case FRANCA_ERROR_CORRUPT_MODEL:
      return "corrupt_model";
    case FRANCA_ERROR_CANCELLED:
      return "cancelled";
    case FRANCA_ERROR_INTERNAL:
      return "internal";
    default:
      return "unknown";
  }
}

void franca_free(void* ptr) { std::free(ptr); }

int franca_version(int* major, int* minor, int* patch) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(major);
    FRANCA_NOT_NULL(minor);
    FRANCA_NOT_NULL(patch);
    *major = FRANCA_VERSION_MAJOR;
    *minor = FRANCA_VERSION_MINOR;
    *patch = FRANCA_VERSION_PATCH;
  });
}

int franca_build_info(char** json_out) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(json_out);
    const auto cuda = franca::cuda::runtime_info();
    franca::json devices = franca::json::array();
    for (const auto& d : cuda.devices) {
      devices.push_back({{"id", d.id},
                         {"name", d.name},
                         {"compute_capability", std::to_string(d.major) + "." + std::to_string(d.minor)},
                         {"total_memory", d.total_memory}});
    }
    const franca::json info = {{"version", FRANCA_VERSION_STRING},
                               {"cuda",
                                {{"compiled", cuda.compiled},
                                 {"runtime_version", cuda.runtime_version},
                                 {"driver_version", cuda.driver_version},
                                 {"devices", devices}}},
                               {"dlpack_version", DLPACK_VERSION},
                               {"openmp_threads", omp_get_num_procs()}};
    *json_out = copy_string(info.dump());
  });
}

int franca_set_log_level(int level) {
  return translate_exceptions([&] { franca::set_log_level(level); });
}

int franca_get_log_level(int* level) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(level);
    *level = franca::log_level();
  });
}

int franca_set_log_callback(franca_log_callback callback, void* user_data) {
  return translate_exceptions([&] { franca::set_log_callback(callback, user_data); });
}

int franca_context_create(const char* device, franca_context* out) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(device);
    FRANCA_NOT_NULL(out);
    *out = nullptr;
    *out = new franca_context_s{franca::Context(device)};
  });
}

int franca_context_free(franca_context ctx) {
  delete ctx;
  return FRANCA_OK;
}

int franca_context_set_stream(franca_context ctx, void* cuda_stream) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(ctx);
    ctx->context.set_stream(cuda_stream);
  });
}

int franca_context_set_seed(franca_context ctx, uint64_t seed) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(ctx);
    ctx->context.set_seed(seed);
  });
}

int franca_context_set_threads(franca_context ctx, int n_threads) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(ctx);
    ctx->context.set_threads(n_threads);
  });
}

int franca_context_set_progress(franca_context ctx, franca_progress_callback callback, void* user_data) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(ctx);
    ctx->context.set_progress(callback, user_data);
  });
}

int franca_context_synchronize(franca_context ctx) {
  return translate_exceptions([&] {
    const auto& context = context_of(ctx);
    if (franca::cuda::device_count() > 0) franca::cuda::synchronize(franca::cuda::current_device(), context.stream());
  });
}

int franca_cancel(franca_context ctx) {
  if (!ctx) return FRANCA_ERROR_INVALID_ARGUMENT;  // async-signal-safe: no message formatting
  ctx->context.cancel();
  return FRANCA_OK;
}

int franca_context_reset_cancel(franca_context ctx) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(ctx);
    ctx->context.reset_cancel();
  });
}

int franca_matrix_dense(const DLTensor* values, franca_matrix* out) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(out);
    *out = nullptr;
    franca::Array a = franca::capi::from_dlpack(values, "values");
    FRANCA_EXPECTS(a.ndim() == 1 || a.ndim() == 2, "values: expected a 1-D or 2-D array, got {} dimensions", a.ndim());
    FRANCA_EXPECTS_STATUS(franca::is_floating(a.dtype) || franca::is_index(a.dtype), Status::type,
                          "values: expected float32, float64, int32 or int64, got {}", franca::dtype_name(a.dtype));
    *out = new franca_matrix_s{franca::Matrix::from_dense(std::move(a))};
  });
}

int franca_matrix_csr(const DLTensor* indptr, const DLTensor* indices, const DLTensor* data, int64_t n_rows,
                      int64_t n_cols, franca_matrix* out) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(out);
    *out = nullptr;
    franca::CsrMatrix csr;
    csr.indptr = franca::capi::from_dlpack(indptr, "indptr");
    csr.indices = franca::capi::from_dlpack(indices, "indices");
    csr.data = franca::capi::from_dlpack(data, "data");
    csr.rows = n_rows;
    csr.cols = n_cols;
    FRANCA_EXPECTS(n_rows >= 0 && n_cols >= 0, "shape: ({}, {}) has a negative extent", n_rows, n_cols);
    for (const auto* part : {&csr.indptr, &csr.indices, &csr.data}) {
      const char* name = part == &csr.indptr ? "indptr" : part == &csr.indices ? "indices" : "data";
      FRANCA_EXPECTS(part->ndim() == 1, "{}: expected a 1-D array, got {} dimensions", name, part->ndim());
      FRANCA_EXPECTS(part->is_c_contiguous(), "{}: must be contiguous", name);
      FRANCA_EXPECTS_STATUS(part->device == csr.data.device, Status::type, "{}: lives on {} but data lives on {}", name,
                            part->device.str(), csr.data.device.str());
    }
    FRANCA_EXPECTS_STATUS(franca::is_index(csr.indptr.dtype), Status::type, "indptr: expected int32 or int64, got {}",
                          franca::dtype_name(csr.indptr.dtype));
    FRANCA_EXPECTS_STATUS(franca::is_index(csr.indices.dtype), Status::type, "indices: expected int32 or int64, got {}",
                          franca::dtype_name(csr.indices.dtype));
    FRANCA_EXPECTS_STATUS(franca::is_floating(csr.data.dtype), Status::type,
                          "data: expected float32 or float64, got {}", franca::dtype_name(csr.data.dtype));
    FRANCA_EXPECTS(csr.indptr.dim(0) == n_rows + 1, "indptr: has {} elements but n_rows + 1 = {}", csr.indptr.dim(0),
                   n_rows + 1);
    FRANCA_EXPECTS(csr.indices.dim(0) == csr.data.dim(0), "indices: has {} elements but data has {}",
                   csr.indices.dim(0), csr.data.dim(0));
    *out = new franca_matrix_s{franca::Matrix::from_csr(std::move(csr))};
  });
}

int franca_matrix_strings(const DLTensor* offsets, const DLTensor* bytes, franca_matrix* out) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(out);
    *out = nullptr;
    franca::StringColumn s;
    s.offsets = franca::capi::from_dlpack(offsets, "offsets");
    s.bytes = franca::capi::from_dlpack(bytes, "bytes");
    FRANCA_EXPECTS(s.offsets.ndim() == 1 && s.offsets.dim(0) >= 1,
                   "offsets: expected a 1-D array of at least one element");
    FRANCA_EXPECTS(s.bytes.ndim() == 1, "bytes: expected a 1-D array, got {} dimensions", s.bytes.ndim());
    FRANCA_EXPECTS(s.offsets.is_c_contiguous() && s.bytes.is_c_contiguous(), "offsets, bytes: must be contiguous");
    FRANCA_EXPECTS_STATUS(franca::is_index(s.offsets.dtype), Status::type, "offsets: expected int32 or int64, got {}",
                          franca::dtype_name(s.offsets.dtype));
    FRANCA_EXPECTS_STATUS(s.bytes.dtype == franca::DType::uint8 || s.bytes.dtype == franca::DType::int8, Status::type,
                          "bytes: expected uint8 or int8, got {}", franca::dtype_name(s.bytes.dtype));
    FRANCA_EXPECTS_STATUS(s.offsets.device == s.bytes.device, Status::type, "offsets: lives on {} but bytes on {}",
                          s.offsets.device.str(), s.bytes.device.str());
    s.bytes.dtype = franca::DType::uint8;
    *out = new franca_matrix_s{franca::Matrix::from_strings(std::move(s))};
  });
}

int franca_matrix_strings_gather(franca_context ctx, void* sequence, int64_t n, franca_item_fn item,
                                 franca_text_fn text, franca_matrix* out) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(out);
    *out = nullptr;
    FRANCA_NOT_NULL(item);
    FRANCA_NOT_NULL(text);
    FRANCA_EXPECTS(n >= 0, "n: {} is negative", n);
    // The callbacks run here, in order, on the caller's thread (a binding's may need its
    // interpreter's lock); only the copy after them is parallel.
    std::vector<const char*> starts(static_cast<std::size_t>(n));
    std::vector<std::int64_t> lengths(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
      void* it = item(sequence, i);
      const char* bytes = it ? text(it, &lengths[static_cast<std::size_t>(i)]) : nullptr;
      FRANCA_EXPECTS_STATUS(bytes != nullptr, Status::type, "sequence: item {} is not text ({} returned NULL)", i,
                            it ? "text" : "item");
      FRANCA_EXPECTS(lengths[static_cast<std::size_t>(i)] >= 0, "sequence: text of item {} has a negative length ({})",
                     i, lengths[static_cast<std::size_t>(i)]);
      starts[static_cast<std::size_t>(i)] = bytes;
    }
    *out = new franca_matrix_s{
        franca::Matrix::from_strings(franca::copy_strings(context_of(ctx), starts.data(), lengths.data(), n))};
  });
}

int franca_matrix_free(franca_matrix m) {
  delete m;
  return FRANCA_OK;
}

int franca_matrix_get_kind(franca_matrix m, int* kind) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(m);
    FRANCA_NOT_NULL(kind);
    *kind = static_cast<int>(m->matrix.kind);
  });
}

int franca_matrix_shape(franca_matrix m, int64_t* n_rows, int64_t* n_cols) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(m);
    FRANCA_NOT_NULL(n_rows);
    FRANCA_NOT_NULL(n_cols);
    *n_rows = m->matrix.rows();
    *n_cols = m->matrix.cols();
  });
}

int franca_matrix_export(franca_matrix m, int part, DLManagedTensor** out) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(m);
    FRANCA_NOT_NULL(out);
    *out = nullptr;
    const franca::Matrix& mat = m->matrix;
    const franca::Array* array = nullptr;
    switch (mat.kind) {
      case franca::Matrix::Kind::dense:
        if (part == FRANCA_PART_VALUES) array = &mat.dense;
        break;
      case franca::Matrix::Kind::csr:
        array = part == FRANCA_PART_VALUES    ? &mat.csr.data
                : part == FRANCA_PART_INDICES ? &mat.csr.indices
                : part == FRANCA_PART_INDPTR  ? &mat.csr.indptr
                                              : nullptr;
        break;
      case franca::Matrix::Kind::strings:
        array = part == FRANCA_PART_VALUES   ? &mat.strings.bytes
                : part == FRANCA_PART_INDPTR ? &mat.strings.offsets
                                             : nullptr;
        break;
    }
    FRANCA_EXPECTS(array != nullptr, "part: a {} matrix has no part {}", mat.kind_name(), part);
    FRANCA_EXPECTS(array->owner != nullptr,
                   "m: borrows the caller's memory; only matrices returned by franca can be exported");
    *out = franca::capi::to_dlpack(*array);
  });
}

int franca_estimator_list(char** json_out) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(json_out);
    *json_out = copy_string(franca::estimator_listing().dump());
  });
}

int franca_estimator_create(const char* name, franca_estimator* out) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(name);
    FRANCA_NOT_NULL(out);
    *out = nullptr;
    *out = new franca_estimator_s{franca::create_estimator(name)};
  });
}

int franca_estimator_free(franca_estimator est) {
  delete est;
  return FRANCA_OK;
}

const char* franca_estimator_name(franca_estimator est) { return est ? est->estimator->spec().name.c_str() : ""; }

int franca_estimator_set_params(franca_estimator est, const char* json) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(est);
    FRANCA_NOT_NULL(json);
    const franca::json params = franca::parse_params_json(json, "json");
    write_estimator(est, [&](franca::Estimator& e) { e.set_params(params); });
  });
}

int franca_estimator_get_params(franca_estimator est, char** json) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(est);
    FRANCA_NOT_NULL(json);
    *json = copy_string(
        franca::dump_params_json(read_estimator(est, [](const franca::Estimator& e) { return e.get_params(); })));
  });
}

namespace {

// franca_estimator_fit and franca_estimator_partial_fit: the arguments checked and borrowed, then
// (e.*fit)(...) under the estimator's write lock.
using FitMember = void (franca::Estimator::*)(const franca::Context&, const franca::Matrix&, const franca::Array*,
                                              const franca::Array*);
int fit_with(FitMember fit, franca_context ctx, franca_estimator est, franca_matrix X, const DLTensor* y,
             const DLTensor* sample_weight) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(est);
    FRANCA_NOT_NULL(X);
    franca::Array y_array, w_array;
    if (y) y_array = franca::capi::from_dlpack(y, "y");
    if (sample_weight) w_array = franca::capi::from_dlpack(sample_weight, "sample_weight");
    write_estimator(est, [&](franca::Estimator& e) {
      (e.*fit)(context_of(ctx), X->matrix, y ? &y_array : nullptr, sample_weight ? &w_array : nullptr);
    });
  });
}

}  // namespace

int franca_estimator_fit(franca_context ctx, franca_estimator est, franca_matrix X, const DLTensor* y,
                         const DLTensor* sample_weight) {
  return fit_with(&franca::Estimator::fit, ctx, est, X, y, sample_weight);
}

int franca_estimator_partial_fit(franca_context ctx, franca_estimator est, franca_matrix X, const DLTensor* y,
                                 const DLTensor* sample_weight) {
  return fit_with(&franca::Estimator::partial_fit, ctx, est, X, y, sample_weight);
}

int franca_estimator_apply(franca_context ctx, franca_estimator est, const char* method, franca_matrix X,
                           franca_matrix* out) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(est);
    FRANCA_NOT_NULL(method);
    FRANCA_NOT_NULL(X);
    FRANCA_NOT_NULL(out);
    *out = nullptr;
    *out = new franca_matrix_s{
        read_estimator(est, [&](const franca::Estimator& e) { return e.apply(context_of(ctx), method, X->matrix); })};
  });
}

int franca_estimator_data_loss(franca_context ctx, franca_estimator est, franca_matrix X, const DLTensor* y,
                               const DLTensor* sample_weight, const DLTensor* coef, double* loss,
                               DLManagedTensor** gradient, DLManagedTensor** hessian) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(est);
    FRANCA_NOT_NULL(X);
    FRANCA_NOT_NULL(y);
    FRANCA_NOT_NULL(coef);
    FRANCA_NOT_NULL(loss);
    FRANCA_NOT_NULL(gradient);
    *gradient = nullptr;
    if (hessian) *hessian = nullptr;
    const franca::Array y_array = franca::capi::from_dlpack(y, "y");
    franca::Array w_array;
    if (sample_weight) w_array = franca::capi::from_dlpack(sample_weight, "sample_weight");
    const franca::Array coef_array = franca::capi::from_dlpack(coef, "coef");
    FRANCA_EXPECTS(coef_array.ndim() == 1, "coef: expected a 1-D array, got {} dimensions", coef_array.ndim());
    FRANCA_EXPECTS_STATUS(franca::is_floating(coef_array.dtype), franca::Status::type,
                          "coef: expected float32 or float64, got {}", franca::dtype_name(coef_array.dtype));
    const franca::Context& host = franca::default_context();
    const std::vector<double> c =
        franca::host_values_f64(host, franca::to(host, coef_array, franca::Device::cpu(), coef_array.dtype));
    std::vector<double> g, h;
    const double value = read_estimator(est, [&](const franca::Estimator& e) {
      return e.data_loss(context_of(ctx), X->matrix, y_array, sample_weight ? &w_array : nullptr, c, g,
                         hessian ? &h : nullptr);
    });
    const auto size = static_cast<std::int64_t>(c.size());
    // Both outputs are made before either is handed out: a failure leaves the caller nothing to free.
    const franca::Array g_array = franca::Array::from_host(g, {size});
    franca::Array h_array;
    if (hessian) h_array = franca::Array::from_host(h, {size, size});
    *gradient = franca::capi::to_dlpack(g_array);
    if (hessian) *hessian = franca::capi::to_dlpack(h_array);
    *loss = value;
  });
}

namespace {

// The rows_json of franca_estimator_fit_external, every member checked by name.
franca::ExternalRows external_rows(const char* rows_json) {
  const franca::json rows = franca::parse_params_json(rows_json, "rows");
  FRANCA_EXPECTS(rows.is_object(), "rows: expected a JSON object, got {}", rows.dump());
  const auto number = [&](const char* name, bool required) {
    const auto it = rows.find(name);
    if (it == rows.end()) {
      FRANCA_EXPECTS(!required, "rows: '{}' is missing", name);
      return 0.0;
    }
    FRANCA_EXPECTS(it->is_number(), "rows: '{}' must be a number, got {}", name, it->dump());
    return it->get<double>();
  };
  const auto count = [&](const char* name, bool required) {
    const double value = number(name, required);
    FRANCA_EXPECTS(value == std::floor(value) && value >= 0 && value < 9.2e18, "rows: '{}' must be a count, got {}",
                   name, value);
    return static_cast<std::int64_t>(value);
  };
  for (const auto& item : rows.items()) {
    static const char* const kKnown[] = {"n_samples",         "n_features", "dtype",
                                         "sample_weight_sum", "n_classes",  "target_mean"};
    FRANCA_EXPECTS(std::find_if(std::begin(kKnown), std::end(kKnown), [&](const char* k) { return item.key() == k; }) !=
                       std::end(kKnown),
                   "rows: unknown member '{}'", item.key());
  }
  franca::ExternalRows out;
  out.n_samples = count("n_samples", true);
  out.n_features = count("n_features", true);
  out.weight_sum = number("sample_weight_sum", true);
  out.n_classes = count("n_classes", false);
  out.target_mean = number("target_mean", false);
  const auto dtype = rows.find("dtype");
  if (dtype != rows.end()) {
    FRANCA_EXPECTS(*dtype == "float32" || *dtype == "float64",
                   "rows: 'dtype' must be \"float32\" or \"float64\", got {}", dtype->dump());
    out.dtype = *dtype == "float32" ? franca::DType::float32 : franca::DType::float64;
  }
  return out;
}

}  // namespace

int franca_estimator_fit_external(franca_context ctx, franca_estimator est, const char* rows_json,
                                  franca_data_loss_callback data_loss, void* user_data) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(est);
    FRANCA_NOT_NULL(rows_json);
    FRANCA_NOT_NULL(data_loss);
    franca::ExternalRows rows = external_rows(rows_json);
    rows.data_loss = [&](const std::vector<double>& coef, std::vector<double>& gradient, std::vector<double>* hessian) {
      const auto size = static_cast<std::int64_t>(coef.size());
      // NaN where the callback writes nothing: an unwritten value cannot pass for a computed one.
      const double nan = std::numeric_limits<double>::quiet_NaN();
      gradient.assign(coef.size(), nan);
      if (hessian) hessian->assign(coef.size() * coef.size(), nan);
      double loss = nan;
      const int status =
          data_loss(coef.data(), size, &loss, gradient.data(), hessian ? hessian->data() : nullptr, user_data);
      FRANCA_EXPECTS_STATUS(status == 0, franca::Status::cancelled,
                            "data_loss: the caller's data term returned {}; the fit stopped", status);
      return loss;
    };
    write_estimator(est, [&](franca::Estimator& e) { e.fit_external(context_of(ctx), rows); });
  });
}

namespace {

// A question or answer: a 1-D uint8 host tensor's bytes.
franca::ByteSpan bytes_of(const DLTensor* tensor, const char* name) {
  const franca::Array array = franca::capi::from_dlpack(tensor, name);
  FRANCA_EXPECTS(array.ndim() == 1 && array.dtype == franca::DType::uint8 && array.device.is_cpu(),
                 "{}: expected a 1-D uint8 host tensor, got {}-D {} on {}", name, array.ndim(),
                 franca::dtype_name(array.dtype), array.device.str());
  return {static_cast<const std::uint8_t*>(array.data), static_cast<std::size_t>(array.dim(0))};
}

}  // namespace

int franca_estimator_fit_blocks(franca_context ctx, franca_estimator est, int64_t n_blocks, franca_blocks_callback ask,
                                void* user_data) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(est);
    FRANCA_NOT_NULL(ask);
    franca::BlockRows rows;
    rows.n_blocks = n_blocks;
    rows.ask = [&](franca::BlockQuestion kind, const std::vector<std::uint8_t>& question) {
      DLTensor tensor{};
      std::int64_t size = static_cast<std::int64_t>(question.size());
      tensor.data = const_cast<std::uint8_t*>(question.data());
      tensor.device = {kDLCPU, 0};
      tensor.ndim = 1;
      tensor.dtype = {kDLUInt, 8, 1};
      tensor.shape = &size;
      std::vector<const DLTensor*> answers(static_cast<std::size_t>(n_blocks), nullptr);
      const int status = ask(static_cast<int>(kind), &tensor, answers.data(), user_data);
      FRANCA_EXPECTS_STATUS(status == 0, franca::Status::cancelled,
                            "ask: the caller's blocks returned {}; the fit stopped", status);
      std::vector<franca::ByteSpan> spans;
      if (kind == franca::BlockQuestion::keep) return spans;
      for (std::size_t b = 0; b < answers.size(); ++b) {
        FRANCA_EXPECTS(answers[b] != nullptr, "ask: set no answer for block {}", b);
        spans.push_back(bytes_of(answers[b], "answer"));
      }
      return spans;
    };
    write_estimator(est, [&](franca::Estimator& e) { e.fit_blocks(context_of(ctx), rows); });
  });
}

int franca_estimator_block_answer(franca_context ctx, franca_estimator est, const DLTensor* question,
                                  int64_t block_index, franca_matrix X, const DLTensor* y,
                                  const DLTensor* sample_weight, const DLTensor* kept, DLManagedTensor** answer) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(est);
    FRANCA_NOT_NULL(question);
    FRANCA_NOT_NULL(answer);
    *answer = nullptr;
    FRANCA_EXPECTS((X == nullptr) == (y == nullptr), "X, y: pass both (a question of the rows) or neither");
    FRANCA_EXPECTS(X != nullptr || sample_weight == nullptr, "sample_weight: given without X and y");
    franca::Array y_array, w_array;
    if (y) y_array = franca::capi::from_dlpack(y, "y");
    if (sample_weight) w_array = franca::capi::from_dlpack(sample_weight, "sample_weight");
    const franca::ByteSpan kept_bytes = kept ? bytes_of(kept, "kept") : franca::ByteSpan{};
    std::vector<std::uint8_t> bytes = read_estimator(est, [&](const franca::Estimator& e) {
      return e.block_answer(context_of(ctx), bytes_of(question, "question"), block_index, X ? &X->matrix : nullptr,
                            y ? &y_array : nullptr, sample_weight ? &w_array : nullptr, kept_bytes);
    });
    const auto size = static_cast<std::int64_t>(bytes.size());
    *answer = franca::capi::to_dlpack(franca::Array::from_host(bytes, {size}));
  });
}

int franca_estimator_is_fitted(franca_estimator est, int* fitted) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(est);
    FRANCA_NOT_NULL(fitted);
    *fitted = read_estimator(est, [](const franca::Estimator& e) { return e.fitted(); }) ? 1 : 0;
  });
}

int franca_estimator_get_attribute(franca_estimator est, const char* name, DLManagedTensor** out) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(est);
    FRANCA_NOT_NULL(name);
    FRANCA_NOT_NULL(out);
    *out = nullptr;
    // A copy, made under the lock: the caller may write to it, and a later fit may replace the model's.
    *out = franca::capi::to_dlpack(read_estimator(est, [&](const franca::Estimator& e) {
      const franca::Array& attribute = e.attribute(name);
      franca::Array copy =
          franca::Array::empty(franca::default_context(), franca::Device::cpu(), attribute.dtype, attribute.shape);
      franca::copy_bytes(franca::default_context(), copy, attribute);
      return copy;
    }));
  });
}

int franca_estimator_set_attribute(franca_estimator est, const char* name, const DLTensor* value) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(est);
    FRANCA_NOT_NULL(name);
    FRANCA_NOT_NULL(value);
    const franca::Array array = franca::capi::from_dlpack(value, name);
    write_estimator(est, [&](franca::Estimator& e) { e.replace_attribute(franca::default_context(), name, array); });
  });
}

int franca_estimator_save(franca_estimator est, uint8_t** bytes, size_t* size) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(est);
    FRANCA_NOT_NULL(bytes);
    FRANCA_NOT_NULL(size);
    *bytes = nullptr;
    *size = 0;
    const auto image = read_estimator(est, [](const franca::Estimator& e) { return e.save(); });
    auto* out = static_cast<uint8_t*>(std::malloc(std::max<std::size_t>(image.size(), 1)));
    if (!out) throw std::bad_alloc();
    std::memcpy(out, image.data(), image.size());
    *bytes = out;
    *size = image.size();
  });
}

int franca_estimator_load(const uint8_t* bytes, size_t size, franca_estimator* out) {
  return translate_exceptions([&] {
    FRANCA_NOT_NULL(out);
    *out = nullptr;
    FRANCA_EXPECTS(bytes != nullptr || size == 0, "bytes: must not be NULL");
    *out = new franca_estimator_s{franca::Estimator::load(bytes, size)};
  });
}

}  // extern "C"
