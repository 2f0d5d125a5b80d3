/*
 * franca: machine-learning estimators on the GPU and the CPU behind one flat C ABI.
 *
 * Conventions, for every function below:
 *  - The return value is a franca_status: FRANCA_OK (0) on success, otherwise a code that
 *    says the kind of error; franca_last_error() then gives a message, local to the
 *    calling thread, that names the argument and the problem.
 *  - Input tensors are borrowed DLTensors: the library reads them during the call (and,
 *    for a franca_matrix, for as long as the matrix lives) and never frees them.
 *    A DLTensor's strides may be NULL (C-contiguous); byte_offset is honoured.
 *  - Output tensors are DLManagedTensors owned by the caller, who releases each one by
 *    calling its deleter. They live on the device of the input that produced them.
 *  - Strings and byte buffers returned through char** / uint8_t** are owned by the caller
 *    and released with franca_free().
 *  - Every *_free function accepts NULL.
 *  - Work runs where the data lives: the library never copies data between the host and a
 *    device unless the call says so.
 *
 * Thread safety: distinct handles may be used from different threads at once. An estimator
 * guards itself with a readers-writer lock: apply, get_attribute, get_params, save and
 * is_fitted share it and run in parallel; fit and set_params hold it alone, so a call made
 * while another thread fits waits for that fit, and sees the model before or after it, never
 * half-written. Freeing an estimator needs exclusive access (no call on it may be running).
 * A franca_context may be shared by threads that only read it; changing it needs exclusive
 * access.
 *
 * This header compiles as C99 and as C++ and includes no CUDA header.
 */
#ifndef FRANCA_FRANCA_H_
#define FRANCA_FRANCA_H_

#include <stddef.h>
#include <stdint.h>

#include <dlpack/dlpack.h>

#include "franca/version.h"

#if defined(_WIN32)
#define FRANCA_API __declspec(dllexport)
#else
#define FRANCA_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ status codes */

/* Each code names a kind of error, so that a binding can raise the matching class. */
typedef enum franca_status {
  FRANCA_OK = 0,
  FRANCA_ERROR_INVALID_ARGUMENT = 1, /* a value is wrong (ValueError) */
  FRANCA_ERROR_TYPE = 2,             /* a dtype, kind or device is wrong (TypeError) */
  FRANCA_ERROR_OUT_OF_MEMORY = 3,    /* host or device allocation failed (MemoryError) */
  FRANCA_ERROR_NOT_FITTED = 4,       /* the estimator must be fitted first */
  FRANCA_ERROR_NOT_FOUND = 5,        /* unknown estimator, method or attribute name */
  FRANCA_ERROR_NOT_IMPLEMENTED = 6,  /* valid, but this build or device cannot do it */
  FRANCA_ERROR_DEVICE = 7,           /* a CUDA, cuBLAS or cuSPARSE call failed */
  FRANCA_ERROR_CORRUPT_MODEL = 8,    /* a saved model's bytes are invalid */
  FRANCA_ERROR_CANCELLED = 9,        /* interrupted through franca_cancel() */
  FRANCA_ERROR_INTERNAL = 10         /* a bug in franca: please report it */
} franca_status;

/* The message of the last failed call on this thread ("" if none). The pointer stays
 * valid until the next franca call on this thread. */
FRANCA_API const char* franca_last_error(void);

/* A short, stable name for a status code ("invalid_argument", ...). */
FRANCA_API const char* franca_status_name(int status);

/* Releases a string or byte buffer that franca returned. */
FRANCA_API void franca_free(void* ptr);

/* ------------------------------------------------------------------ version, build */

/* The run-time version; compare with FRANCA_VERSION_* from franca/version.h. */
FRANCA_API int franca_version(int* major, int* minor, int* patch);

/* JSON: {"version", "cuda": {"compiled", "runtime_version", "driver_version",
 * "devices": [{"id", "name", "compute_capability", "total_memory"}]}, "dlpack_version",
 * "openmp_threads"}. Released with franca_free(). */
FRANCA_API int franca_build_info(char** json);

/* ------------------------------------------------------------------ logging */

typedef enum franca_log_level {
  FRANCA_LOG_TRACE = 0,
  FRANCA_LOG_DEBUG = 1,
  FRANCA_LOG_INFO = 2,
  FRANCA_LOG_WARN = 3,
  FRANCA_LOG_ERROR = 4,
  FRANCA_LOG_OFF = 6
} franca_log_level;

/* The initial level is FRANCA_LOG_WARN, or the environment variable FRANCA_LOG_LEVEL
 * (trace, debug, info, warn, error, off). */
FRANCA_API int franca_set_log_level(int level);
FRANCA_API int franca_get_log_level(int* level);

/* Sends every message to `callback` (from any thread; the callback must be thread-safe)
 * instead of stderr. NULL restores stderr. */
typedef void (*franca_log_callback)(int level, const char* message, void* user_data);
FRANCA_API int franca_set_log_callback(franca_log_callback callback, void* user_data);

/* ------------------------------------------------------------------ context */

/* Where and how work runs. A NULL context everywhere means the default: device "auto",
 * the default CUDA stream, seed 0, all CPU cores. */
typedef struct franca_context_s* franca_context;

/* device: "auto" (run where the data lives), "cpu", "cuda" (the current device) or
 * "cuda:N". Asking for "cuda" in a build or on a machine without one is an error. */
FRANCA_API int franca_context_create(const char* device, franca_context* out);
FRANCA_API int franca_context_free(franca_context ctx);
/* Runs CUDA work on the caller's cudaStream_t (e.g. PyTorch's current stream); NULL is the
 * default stream. Outputs are allocated and later freed in order on that stream, so the stream
 * must outlive the context's calls and the outputs they return. */
FRANCA_API int franca_context_set_stream(franca_context ctx, void* cuda_stream);
FRANCA_API int franca_context_set_seed(franca_context ctx, uint64_t seed);
/* Number of CPU threads; 0 means all cores. */
FRANCA_API int franca_context_set_threads(franca_context ctx, int n_threads);
/* Progress of long work run with this context: `task` ("trees", "iterations", "sweeps",
 * "folds"), the steps done and the most there can be (a solver may stop before). Called on
 * the thread running the fit, between steps, at most ten times a second besides the last step;
 * it must return quickly and call no franca function on this context. NULL (the default) turns
 * it off, and then costs nothing. Since 0.2. */
typedef void (*franca_progress_callback)(const char* task, int64_t done, int64_t total, void* user_data);
FRANCA_API int franca_context_set_progress(franca_context ctx, franca_progress_callback callback, void* user_data);
/* Waits for the context's CUDA stream (a no-op on the CPU). */
FRANCA_API int franca_context_synchronize(franca_context ctx);

/* Cancels running and future fits on this context at their next iteration boundary, with
 * FRANCA_ERROR_CANCELLED; franca_context_reset_cancel() clears the flag. Safe to call from
 * another thread or a signal handler. */
FRANCA_API int franca_cancel(franca_context ctx);
FRANCA_API int franca_context_reset_cancel(franca_context ctx);

/* ------------------------------------------------------------------ matrices */

/* A 2-D input or output: dense, CSR, or a column of UTF-8 strings. A matrix made from
 * borrowed DLTensors reads them in place (no copy); they must outlive the matrix.
 * A matrix returned by franca owns its memory. */
typedef struct franca_matrix_s* franca_matrix;

typedef enum franca_matrix_kind {
  FRANCA_MATRIX_DENSE = 0,
  FRANCA_MATRIX_CSR = 1,
  FRANCA_MATRIX_STRINGS = 2
} franca_matrix_kind;

/* The parts of a matrix that franca_matrix_export() can hand out. */
typedef enum franca_matrix_part {
  FRANCA_PART_VALUES = 0,  /* dense: the array; CSR: data; strings: the UTF-8 bytes */
  FRANCA_PART_INDICES = 1, /* CSR: column indices */
  FRANCA_PART_INDPTR = 2   /* CSR: row pointers; strings: offsets */
} franca_matrix_part;

/* values: 1-D (one column) or 2-D, float32/float64/int32/int64, on the host or a CUDA
 * device. Row-major, column-major and other positive strides are accepted. */
FRANCA_API int franca_matrix_dense(const DLTensor* values, franca_matrix* out);
/* indptr: int32/int64 of n_rows+1; indices: int32/int64 of nnz; data: float32/float64 of
 * nnz, all on the same device. Indices need not be sorted. */
FRANCA_API int franca_matrix_csr(const DLTensor* indptr, const DLTensor* indices, const DLTensor* data, int64_t n_rows,
                                 int64_t n_cols, franca_matrix* out);
/* Arrow-style string column: offsets int32/int64 of n+1 (non-decreasing, offsets[0] may be
 * non-zero), bytes uint8/int8, on the same device. */
FRANCA_API int franca_matrix_strings(const DLTensor* offsets, const DLTensor* bytes, franca_matrix* out);
/* A host string column that owns a copy of the n texts of a caller's sequence, read through two
 * callbacks, for a language whose strings are objects of its own (a Python list of str, an R
 * character vector): the library calls item(sequence, i), then text(that item, &length), for i
 * from 0 to n-1 in order, on the calling thread, then copies the n texts end to end (on ctx's
 * threads) into offsets (int64, from 0) and bytes it owns, as franca_matrix_strings holds them.
 * text returns the item's bytes (UTF-8) and sets *length, or returns NULL for an item that is not
 * text; an item of NULL, or a text of NULL, fails the call with FRANCA_ERROR_TYPE naming the
 * item's index, without calling the callbacks further, and makes no matrix.
 * Every pointer text returns must stay valid, and its bytes unchanged, until the call returns. As
 * with franca_matrix_strings, the bytes' UTF-8 is checked by the estimator that reads them
 * (HashingVectorizer's decode_error), not here. ctx: NULL for the default. Since 0.4. */
typedef void* (*franca_item_fn)(void* sequence, int64_t index);
typedef const char* (*franca_text_fn)(void* item, int64_t* length);
FRANCA_API int franca_matrix_strings_gather(franca_context ctx, void* sequence, int64_t n, franca_item_fn item,
                                            franca_text_fn text, franca_matrix* out);
FRANCA_API int franca_matrix_free(franca_matrix m);
FRANCA_API int franca_matrix_get_kind(franca_matrix m, int* kind);
FRANCA_API int franca_matrix_shape(franca_matrix m, int64_t* n_rows, int64_t* n_cols);
/* Hands out one part as a DLManagedTensor that shares the matrix's memory (no copy) and
 * keeps it alive after franca_matrix_free(). */
FRANCA_API int franca_matrix_export(franca_matrix m, int part, DLManagedTensor** out);

/* ------------------------------------------------------------------ estimators */

typedef struct franca_estimator_s* franca_estimator;

/* JSON list of every estimator, sorted by name: [{"name", "kind" ("regressor",
 * "classifier", "transformer"), "module" (scikit-learn's module of the class of that name,
 * e.g. "linear_model"), "doc", "params": [{"name", "type" ("float", "int or None", ...),
 * "default", "doc", "binding_applies" (true: only the default is computed here; a binding
 * applies other values itself), "choices"?, "minimum"? or "exclusive_minimum"?, "maximum"? or
 * "exclusive_maximum"?}], "methods": [{"name", "doc"}], "attributes": [names of fitted
 * attributes], "optional_attributes": [those a fit leaves out when its parameters say so (a
 * binding gives None, as scikit-learn)], "inputs": (some of "dense", "CSR", "strings"),
 * "allow_nan", "multioutput" (a regressor that takes 2-D y), "multi_task" (a regressor that
 * takes 2-D y only, its targets fitted together; since 0.4), "one_to_one_features" (a
 * transformer whose output column j is input column j), "partial_fit"
 * (franca_estimator_partial_fit applies), "tweedie_power"? (a GLM scored by D^2 of the Tweedie
 * deviance: the power, or the name of the parameter holding it), "function"? (the scikit-learn
 * function that fitting computes, e.g. "enet_path")}]. */
FRANCA_API int franca_estimator_list(char** json);

/* name: e.g. "Ridge". Parameters start at their defaults. */
FRANCA_API int franca_estimator_create(const char* name, franca_estimator* out);
FRANCA_API int franca_estimator_free(franca_estimator est);
/* The estimator's name as given to franca_estimator_create; valid while `est` lives. */
FRANCA_API const char* franca_estimator_name(franca_estimator est);

/* json: an object of parameter names to values; unknown names and wrong types or values
 * are errors that name the parameter, and leave every parameter unchanged. Besides JSON, the
 * tokens NaN, Infinity and -Infinity (Python's json.dumps) are read, so that such a value is
 * refused by its parameter's check; nesting deeper than 64 levels is refused. */
FRANCA_API int franca_estimator_set_params(franca_estimator est, const char* json);
FRANCA_API int franca_estimator_get_params(franca_estimator est, char** json);

/* Fits on X. y: 1-D (or 2-D for multi-output regressors) of X's rows, or NULL for
 * transformers; sample_weight: 1-D float of X's rows, or NULL. All on X's device. */
FRANCA_API int franca_estimator_fit(franca_context ctx, franca_estimator est, franca_matrix X, const DLTensor* y,
                                    const DLTensor* sample_weight);

/* scikit-learn's partial_fit: folds one more batch of rows (X, y, sample_weight as for fit)
 * into the fitted state, which then equals a fit on all the batches' rows (for StandardScaler,
 * up to rounding); on an unfitted estimator the same as fit. FRANCA_ERROR_NOT_IMPLEMENTED for an
 * estimator whose listing entry lacks "partial_fit": true. Since 0.2. */
FRANCA_API int franca_estimator_partial_fit(franca_context ctx, franca_estimator est, franca_matrix X,
                                            const DLTensor* y, const DLTensor* sample_weight);

/* Runs a method ("predict", "predict_proba", "decision_function", "transform", ...) on X;
 * the result is a new matrix on X's device. */
FRANCA_API int franca_estimator_apply(franca_context ctx, franca_estimator est, const char* method, franca_matrix X,
                                      franca_matrix* out);

/* The data term of the objective that fitting `est` minimises, on the rows (X, y, sample_weight)
 * at the coefficients `coef`, for fits that the caller runs over rows split into blocks (the
 * partitions of a Dask cluster, MPI ranks): the data terms of the blocks, their gradients and their
 * Hessians sum to those of all the rows, to which the caller's optimizer adds the estimator's
 * penalty (its documented objective). The estimator need not be fitted; its parameters choose the
 * loss. X, y and sample_weight are checked as franca_estimator_fit checks them.
 *   loss: receives sum_i w_i loss_i, w_i = sample_weight[i] (1 without it), loss_i the estimator's
 *         per-row loss of the scores z_i = W x_i + b, in float64.
 *   coef: 1-D float32/float64, host or device: t rows of n_features coefficients (row-major), then
 *         t intercepts when the estimator's fit_intercept is true.
 *   gradient: receives a host float64 tensor of coef's length (the caller releases it).
 *   hessian: NULL, or receives the host float64 (len(coef), len(coef)) Hessian in the same order
 *         (scikit-learn's: |h_i| in place of a negative pointwise second derivative h_i of one score).
 * LogisticRegression: t = 1 is the binomial log-loss, y in {0, 1}; t > 1 the multinomial one, y the
 * class codes 0 .. t-1; class weights are not applied (fold them into sample_weight). GLM
 * regressors (PoissonRegressor, GammaRegressor, TweedieRegressor): t = 1, scikit-learn's half
 * deviance of the estimator's power and link. Other estimators: FRANCA_ERROR_NOT_IMPLEMENTED.
 * Shares the estimator's lock with franca_estimator_apply. Since 0.2. */
FRANCA_API int franca_estimator_data_loss(franca_context ctx, franca_estimator est, franca_matrix X, const DLTensor* y,
                                          const DLTensor* sample_weight, const DLTensor* coef, double* loss,
                                          DLManagedTensor** gradient, DLManagedTensor** hessian);

/* The caller's data term for franca_estimator_fit_external: writes sum_i w_i loss_i at the n_coef
 * coefficients `coef` (franca_estimator_data_loss's order) into *loss, its gradient into
 * gradient[0 .. n_coef) and, when `hessian` is not NULL, its Hessian, row-major, into
 * hessian[0 .. n_coef * n_coef); typically the sums of franca_estimator_data_loss over the blocks
 * of the rows. Returns 0, or any other value to stop the fit. Called on the thread that called
 * franca_estimator_fit_external, which holds the fitted estimator exclusively: the callback must
 * not use that handle (a handle of the same estimator and parameters evaluates the data term). */
typedef int (*franca_data_loss_callback)(const double* coef, int64_t n_coef, double* loss, double* gradient,
                                         double* hessian, void* user_data);

/* Fits `est` on rows it does not hold, as franca_estimator_fit fits it on rows it holds: the same
 * objective (the estimator's penalty and weighting), solver, start (warm_start included) and
 * stopping rule, with the data term of the rows given by `data_loss`. The fitted model is an
 * ordinary one (apply, save, ...).
 * rows_json: a JSON object describing the rows: "n_samples", "n_features" (counts, required),
 *   "sample_weight_sum" (the sum of the weights the data term applies, class weights included;
 *   required), "dtype" ("float32" or "float64", default "float64": the dtype fit would have seen,
 *   which coef_ keeps), "n_classes" (classifiers: the data term's y are the class codes
 *   0 .. n_classes - 1, and classes_ holds them), "target_mean" (GLM regressors: the weighted mean
 *   of y, their starting intercept).
 * Estimators with a data term only (those of franca_estimator_data_loss); LogisticRegression with
 * multi_class='ovr' and more than 2 classes is FRANCA_ERROR_NOT_IMPLEMENTED (each class's problem
 * has weights of its own). A data term's Hessian is its sum only: Newton-Cholesky cannot see how
 * many pointwise second derivatives are negative, so it never falls back to L-BFGS for that reason.
 * A non-zero return of `data_loss` fails the fit with FRANCA_ERROR_CANCELLED; the model is left as
 * it was. Since 0.2. */
FRANCA_API int franca_estimator_fit_external(franca_context ctx, franca_estimator est, const char* rows_json,
                                             franca_data_loss_callback data_loss, void* user_data);

/* Fits by questions to blocks of rows (random forests): the estimator fitting the model asks every
 * block of the rows questions of three kinds, which the caller carries to the blocks (the partitions
 * of a Dask cluster, MPI ranks) and answers there with franca_estimator_block_answer:
 *   FRANCA_BLOCKS_ROWS: answered from the block's rows (X, y, sample_weight);
 *   FRANCA_BLOCKS_KEEP: the block makes its own form of its rows (franca_estimator_block_answer from
 *     the rows) and keeps it where it lives, in place of any it kept before; nothing comes back;
 *   FRANCA_BLOCKS_KEPT: answered from that kept form.
 * Questions and answers are opaque bytes (1-D uint8 host tensors) that the caller only moves; a block
 * recomputed elsewhere answers the same, so the caller may hold its blocks where it likes. Since 0.3. */
#define FRANCA_BLOCKS_ROWS 0
#define FRANCA_BLOCKS_KEEP 1
#define FRANCA_BLOCKS_KEPT 2

/* The caller's side of franca_estimator_fit_blocks: carries `question` (kind: FRANCA_BLOCKS_*) to
 * every block and, except for FRANCA_BLOCKS_KEEP, sets answers[b] (n_blocks slots) to block b's
 * answer: a 1-D uint8 host tensor that the caller keeps valid until it is called again or
 * franca_estimator_fit_blocks returns. Returns 0, or any other value to stop the fit. Called on the
 * thread that called franca_estimator_fit_blocks, which holds the fitted estimator exclusively: the
 * answers come from other handles (of the same estimator and parameters). */
typedef int (*franca_blocks_callback)(int kind, const DLTensor* question, const DLTensor** answers, void* user_data);

/* Fits `est` on n_blocks blocks of rows it does not hold (in order: block 0's rows first), by the
 * questions its fit needs, and gives the model franca_estimator_fit gives on all the rows at once,
 * whatever the blocks: RandomForestClassifier and RandomForestRegressor, every parameter included
 * (histograms of integer sums: identical trees and out-of-bag results; docs/dask.md says how and
 * what each question costs). Other estimators:
 * FRANCA_ERROR_NOT_IMPLEMENTED. A non-zero return of `ask` fails the fit with FRANCA_ERROR_CANCELLED;
 * on any failure the model is left as it was. Since 0.3. */
FRANCA_API int franca_estimator_fit_blocks(franca_context ctx, franca_estimator est, int64_t n_blocks,
                                           franca_blocks_callback ask, void* user_data);

/* Block `block_index`'s answer to a question of franca_estimator_fit_blocks, where the block lives:
 * from its rows (X, y and sample_weight, checked as franca_estimator_fit checks them; kept NULL) for
 * FRANCA_BLOCKS_ROWS and FRANCA_BLOCKS_KEEP, from its kept form (X and y NULL) for
 * FRANCA_BLOCKS_KEPT. `est`: a handle of the fitting estimator's class and parameters (fitted or
 * not). *answer receives a 1-D uint8 host tensor (the caller releases it). Shares the estimator's
 * lock with franca_estimator_apply. Since 0.3. */
FRANCA_API int franca_estimator_block_answer(franca_context ctx, franca_estimator est, const DLTensor* question,
                                             int64_t block_index, franca_matrix X, const DLTensor* y,
                                             const DLTensor* sample_weight, const DLTensor* kept,
                                             DLManagedTensor** answer);

/* 1 if fitted, else 0. */
FRANCA_API int franca_estimator_is_fitted(franca_estimator est, int* fitted);

/* A fitted attribute ("coef_", "n_features_in_", ...) as a host tensor owned by the
 * caller. */
FRANCA_API int franca_estimator_get_attribute(franca_estimator est, const char* name, DLManagedTensor** out);

/* Replaces a fitted attribute with a copy of `value` (host or CUDA; converted to the
 * attribute's dtype; the same shape), as scikit-learn lets a user write coef_; the model is
 * then checked as franca_estimator_load checks one, and on failure (FRANCA_ERROR_INVALID_ARGUMENT
 * naming the attribute) the previous value remains. n_features_in_ and attributes a fit left
 * out cannot be set. Since 0.2. */
FRANCA_API int franca_estimator_set_attribute(franca_estimator est, const char* name, const DLTensor* value);

/* A versioned, device-neutral byte image of the estimator (parameters and fitted state);
 * franca_estimator_load() accepts it on any machine with the same major version. The bytes
 * are untrusted input to load: every size and bound is checked. */
FRANCA_API int franca_estimator_save(franca_estimator est, uint8_t** bytes, size_t* size);
FRANCA_API int franca_estimator_load(const uint8_t* bytes, size_t size, franca_estimator* out);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FRANCA_FRANCA_H_ */
