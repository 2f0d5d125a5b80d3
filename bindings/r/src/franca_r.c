/*
 * The R package's shim over franca's C ABI (include/franca/franca.h): nothing else of the library is used.
 *
 * Every franca object the shim creates is owned by an R external pointer with a finalizer from the moment it
 * exists, so that an R error (a failed allocation, a condition raised for a franca status) can leave any routine
 * without leaking, and the garbage collector frees what R no longer reaches. Statuses become R conditions through
 * the package's R function raise_franca_condition(); no R error is raised while a franca call is running, and no
 * C++ exception reaches this file (the ABI turns them into statuses).
 *
 * Log messages arrive through a callback, from any thread, while a library call runs: calling R there could
 * longjmp through the library's C++ frames, so they are queued and handed to R (message(), warning()) by
 * take_log_messages once the call has returned.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define R_NO_REMAP
#include <R.h>
#include <Rinternals.h>
/* After Rinternals.h, which it needs. */
#include <R_ext/Altrep.h>
#include <R_ext/Rdynload.h>

#include <franca/franca.h>

static SEXP package_namespace = NULL;
/* One context for every call: R data live on the host, and Ctrl-C cancels through it. */
static franca_context r_context = NULL;

/* ------------------------------------------------------------------ conditions */

/* A character vector of one UTF-8 string; the CHARSXP is protected while the vector is allocated. */
static SEXP utf8_string(const char* text) {
  SEXP element = PROTECT(Rf_mkCharCE(text, CE_UTF8));
  SEXP out = Rf_ScalarString(element);
  UNPROTECT(1);
  return out;
}

/* Raises the R condition of the status named `status_name` with `message`; does not return. */
static void raise_condition(const char* status_name, const char* message) {
  SEXP text = PROTECT(utf8_string(message));
  SEXP name = PROTECT(Rf_mkString(status_name));
  SEXP call = PROTECT(Rf_lang3(Rf_install("raise_franca_condition"), name, text));
  Rf_eval(call, package_namespace);
  UNPROTECT(3);
  Rf_error("franca: %s", message); /* not reached: raise_franca_condition stops */
}

/* The condition of a failed library call on this thread, with franca_last_error()'s message. */
static void check(int status) {
  if (status != FRANCA_OK) raise_condition(franca_status_name(status), franca_last_error());
}

/* ------------------------------------------------------------------ log queue */

typedef struct log_entry {
  int level;
  struct log_entry* next;
  char text[];
} log_entry;

static pthread_mutex_t log_mutex = PTHREAD_MUTEX_INITIALIZER;
static log_entry* log_head = NULL;
static log_entry* log_tail = NULL;

/* Called by the library from any thread; it must not call R. A message that cannot be allocated is dropped. */
static void queue_log_message(int level, const char* message, void* user_data) {
  (void)user_data;
  size_t length = strlen(message);
  log_entry* entry = malloc(sizeof(log_entry) + length + 1);
  if (entry == NULL) return;
  entry->level = level;
  entry->next = NULL;
  memcpy(entry->text, message, length + 1);
  pthread_mutex_lock(&log_mutex);
  if (log_tail) {
    log_tail->next = entry;
  } else {
    log_head = entry;
  }
  log_tail = entry;
  pthread_mutex_unlock(&log_mutex);
}

static log_entry* detach_log_queue(void) {
  pthread_mutex_lock(&log_mutex);
  log_entry* entries = log_head;
  log_head = log_tail = NULL;
  pthread_mutex_unlock(&log_mutex);
  return entries;
}

static void free_log_entries(log_entry* entry) {
  while (entry) {
    log_entry* next = entry->next;
    free(entry);
    entry = next;
  }
}

/* list(level = integer, text = character) of the queued messages, oldest first; the queue is emptied. */
static SEXP take_log_messages(void) {
  log_entry* entries = detach_log_queue();
  R_xlen_t count = 0;
  for (log_entry* e = entries; e; e = e->next) count++;
  /* The entries are freed by hand: an allocation that fails here loses them, as a full queue would. */
  SEXP levels = PROTECT(Rf_allocVector(INTSXP, count));
  SEXP texts = PROTECT(Rf_allocVector(STRSXP, count));
  R_xlen_t i = 0;
  for (log_entry* e = entries; e; e = e->next, i++) {
    INTEGER(levels)[i] = e->level;
    SET_STRING_ELT(texts, i, Rf_mkCharCE(e->text, CE_UTF8));
  }
  free_log_entries(entries);
  SEXP out = PROTECT(Rf_allocVector(VECSXP, 2));
  SET_VECTOR_ELT(out, 0, levels);
  SET_VECTOR_ELT(out, 1, texts);
  SEXP names = PROTECT(Rf_allocVector(STRSXP, 2));
  SET_STRING_ELT(names, 0, Rf_mkChar("level"));
  SET_STRING_ELT(names, 1, Rf_mkChar("text"));
  Rf_setAttrib(out, R_NamesSymbol, names);
  UNPROTECT(4);
  return out;
}

static SEXP set_log_level(SEXP level) {
  check(franca_set_log_level(Rf_asInteger(level)));
  return R_NilValue;
}

/* ------------------------------------------------------------------ owned handles */

static SEXP estimator_tag, matrix_tag, tensor_tag, buffer_tag;

static void free_estimator(SEXP ptr) {
  franca_estimator_free(R_ExternalPtrAddr(ptr));
  R_ClearExternalPtr(ptr);
}

static void free_matrix(SEXP ptr) {
  franca_matrix_free(R_ExternalPtrAddr(ptr));
  R_ClearExternalPtr(ptr);
}

static void free_tensor(SEXP ptr) {
  DLManagedTensor* tensor = R_ExternalPtrAddr(ptr);
  if (tensor && tensor->deleter) tensor->deleter(tensor);
  R_ClearExternalPtr(ptr);
}

static void free_buffer(SEXP ptr) {
  franca_free(R_ExternalPtrAddr(ptr));
  R_ClearExternalPtr(ptr);
}

/* An empty external pointer that will own what the library writes to its address; `keep` stays alive with it
 * (the R memory a borrowed matrix reads). Returned unprotected. */
static SEXP new_owner(SEXP tag, SEXP keep, R_CFinalizer_t finalizer) {
  SEXP ptr = PROTECT(R_MakeExternalPtr(NULL, tag, keep));
  R_RegisterCFinalizerEx(ptr, finalizer, TRUE);
  UNPROTECT(1);
  return ptr;
}

static void* owned_address(SEXP ptr, SEXP tag, const char* what) {
  if (TYPEOF(ptr) != EXTPTRSXP || R_ExternalPtrTag(ptr) != tag) {
    raise_condition("type", what);
  }
  void* address = R_ExternalPtrAddr(ptr);
  if (address == NULL) raise_condition("invalid_argument", what);
  return address;
}

/* ------------------------------------------------------------------ R vectors as DLTensors */

typedef struct {
  DLTensor tensor;
  int64_t shape[2];
  int64_t strides[2];
} r_tensor;

/* A borrowed view of an R double, integer or raw vector: 1-D, or column-major rows x cols (strides 1, rows). */
static void view_vector(SEXP x, int64_t rows, int64_t cols, int ndim, r_tensor* out, const char* argument) {
  memset(out, 0, sizeof(*out));
  out->tensor.device.device_type = kDLCPU;
  out->tensor.dtype.lanes = 1;
  switch (TYPEOF(x)) {
    case REALSXP:
      out->tensor.dtype.code = kDLFloat;
      out->tensor.dtype.bits = 64;
      out->tensor.data = REAL(x);
      break;
    case INTSXP:
      out->tensor.dtype.code = kDLInt;
      out->tensor.dtype.bits = 32;
      out->tensor.data = INTEGER(x);
      break;
    case RAWSXP:
      out->tensor.dtype.code = kDLUInt;
      out->tensor.dtype.bits = 8;
      out->tensor.data = RAW(x);
      break;
    default: {
      char message[200];
      snprintf(message, sizeof message, "%s: expected a double, integer or raw vector, got %s", argument,
               Rf_type2char(TYPEOF(x)));
      raise_condition("type", message);
    }
  }
  out->tensor.ndim = ndim;
  out->tensor.shape = out->shape;
  out->tensor.strides = out->strides;
  out->shape[0] = rows;
  out->strides[0] = 1;
  if (ndim == 2) {
    out->shape[1] = cols;
    out->strides[1] = rows;
  }
}

/* 1-D for a vector, 2-D (column-major) for a matrix. */
static void view_array(SEXP x, r_tensor* out, const char* argument) {
  SEXP dim = Rf_getAttrib(x, R_DimSymbol);
  if (Rf_isNull(dim)) {
    view_vector(x, (int64_t)XLENGTH(x), 1, 1, out, argument);
  } else if (XLENGTH(dim) == 2) {
    view_vector(x, INTEGER(dim)[0], INTEGER(dim)[1], 2, out, argument);
  } else {
    char message[200];
    snprintf(message, sizeof message, "%s: expected a vector or a matrix, got an array of %d dimensions", argument,
             (int)XLENGTH(dim));
    raise_condition("invalid_argument", message);
  }
}

/* ------------------------------------------------------------------ input matrices */

/* A franca matrix over x (a double or integer vector or matrix), reading it in place. */
static SEXP matrix_dense(SEXP x) {
  SEXP owner = PROTECT(new_owner(matrix_tag, x, free_matrix));
  r_tensor view;
  view_array(x, &view, "x");
  franca_matrix m = NULL;
  check(franca_matrix_dense(&view.tensor, &m));
  R_SetExternalPtrAddr(owner, m);
  UNPROTECT(1);
  return owner;
}

/* A franca CSR matrix over Matrix's dgRMatrix slots (p, j, x), read in place. */
static SEXP matrix_csr(SEXP indptr, SEXP indices, SEXP data, SEXP n_rows, SEXP n_cols) {
  SEXP keep = PROTECT(Rf_list3(indptr, indices, data));
  SEXP owner = PROTECT(new_owner(matrix_tag, keep, free_matrix));
  r_tensor p, j, x;
  view_vector(indptr, XLENGTH(indptr), 1, 1, &p, "indptr");
  view_vector(indices, XLENGTH(indices), 1, 1, &j, "indices");
  view_vector(data, XLENGTH(data), 1, 1, &x, "data");
  franca_matrix m = NULL;
  check(franca_matrix_csr(&p.tensor, &j.tensor, &x.tensor, (int64_t)Rf_asReal(n_rows), (int64_t)Rf_asReal(n_cols), &m));
  R_SetExternalPtrAddr(owner, m);
  UNPROTECT(2);
  return owner;
}

/* A franca string column of a character vector: R keeps each string apart, so the UTF-8 bytes are copied once
 * into one buffer, with int64 offsets (a corpus may pass 2 GiB). */
static SEXP matrix_strings(SEXP documents) {
  if (TYPEOF(documents) != STRSXP) raise_condition("type", "x: expected a character vector of documents");
  R_xlen_t n = XLENGTH(documents);
  SEXP offsets = PROTECT(Rf_allocVector(RAWSXP, (n + 1) * (R_xlen_t)sizeof(int64_t)));
  int64_t* offset = (int64_t*)RAW(offsets);
  offset[0] = 0;
  for (R_xlen_t i = 0; i < n; i++) {
    SEXP document = STRING_ELT(documents, i);
    if (document == NA_STRING) {
      char message[200];
      snprintf(message, sizeof message, "x: document %lld is NA", (long long)i + 1);
      raise_condition("invalid_argument", message);
    }
    offset[i + 1] = offset[i] + (int64_t)strlen(Rf_translateCharUTF8(document));
  }
  SEXP bytes = PROTECT(Rf_allocVector(RAWSXP, (R_xlen_t)offset[n]));
  for (R_xlen_t i = 0; i < n; i++) {
    memcpy(RAW(bytes) + offset[i], Rf_translateCharUTF8(STRING_ELT(documents, i)), (size_t)(offset[i + 1] - offset[i]));
  }
  SEXP keep = PROTECT(Rf_list2(offsets, bytes));
  SEXP owner = PROTECT(new_owner(matrix_tag, keep, free_matrix));
  r_tensor offsets_view, bytes_view;
  view_vector(offsets, n + 1, 1, 1, &offsets_view, "offsets");
  offsets_view.tensor.dtype.code = kDLInt;
  offsets_view.tensor.dtype.bits = 64;
  view_vector(bytes, XLENGTH(bytes), 1, 1, &bytes_view, "bytes");
  franca_matrix m = NULL;
  check(franca_matrix_strings(&offsets_view.tensor, &bytes_view.tensor, &m));
  R_SetExternalPtrAddr(owner, m);
  UNPROTECT(4);
  return owner;
}

/* ------------------------------------------------------------------ library tensors as R values */

static double element_as_double(const DLTensor* t, const char* address) {
  switch (t->dtype.code) {
    case kDLFloat:
      return t->dtype.bits == 32 ? *(const float*)address : *(const double*)address;
    case kDLInt:
      switch (t->dtype.bits) {
        case 8:
          return *(const int8_t*)address;
        case 16:
          return *(const int16_t*)address;
        case 32:
          return *(const int32_t*)address;
        default:
          return (double)*(const int64_t*)address;
      }
    case kDLUInt:
      return t->dtype.bits == 8 ? *(const uint8_t*)address : (double)*(const uint64_t*)address;
  }
  return NA_REAL;
}

/* A host tensor as an R vector (0-D and 1-D), matrix or array, column-major whatever its strides: integer for
 * int32, double otherwise (R has no 64-bit integer; counts and codes stay below 2^53). */
static SEXP tensor_to_r(const DLTensor* t) {
  int supported = (t->dtype.code == kDLFloat && (t->dtype.bits == 32 || t->dtype.bits == 64)) ||
                  (t->dtype.code == kDLInt && t->dtype.bits <= 64) || (t->dtype.code == kDLUInt && t->dtype.bits == 8);
  if (!supported || t->device.device_type != kDLCPU || t->dtype.lanes != 1) {
    raise_condition("type", "franca returned an array of a dtype or device that R cannot hold");
  }
  R_xlen_t count = 1;
  for (int d = 0; d < t->ndim; d++) count *= (R_xlen_t)t->shape[d];
  SEXPTYPE type = (t->dtype.code == kDLInt && t->dtype.bits == 32) ? INTSXP : REALSXP;
  SEXP out = PROTECT(Rf_allocVector(type, count));
  int64_t c_strides[8];
  const int64_t* strides = t->strides;
  if (t->ndim > 8) raise_condition("invalid_argument", "franca returned an array of more than 8 dimensions");
  if (strides == NULL) { /* C-contiguous */
    int64_t step = 1;
    for (int d = t->ndim - 1; d >= 0; d--) {
      c_strides[d] = step;
      step *= t->shape[d];
    }
    strides = c_strides;
  }
  const char* base = (const char*)t->data + t->byte_offset;
  size_t item = t->dtype.bits / 8;
  int64_t index[8] = {0};
  for (R_xlen_t i = 0; i < count; i++) {
    int64_t offset = 0;
    for (int d = 0; d < t->ndim; d++) offset += index[d] * strides[d];
    double value = element_as_double(t, base + offset * (int64_t)item);
    if (type == REALSXP) {
      REAL(out)[i] = value;
    } else {
      INTEGER(out)[i] = (int)value;
    }
    /* R's order: the first index runs fastest. */
    for (int d = 0; d < t->ndim; d++) {
      if (++index[d] < t->shape[d]) break;
      index[d] = 0;
    }
  }
  if (t->ndim >= 2) {
    SEXP dim = PROTECT(Rf_allocVector(INTSXP, t->ndim));
    for (int d = 0; d < t->ndim; d++) INTEGER(dim)[d] = (int)t->shape[d];
    Rf_setAttrib(out, R_DimSymbol, dim);
    UNPROTECT(1);
  }
  UNPROTECT(1);
  return out;
}

/* One part of a matrix franca returned, as an R value (copied: the matrix owns its memory). */
static SEXP matrix_part(franca_matrix m, int part) {
  SEXP owner = PROTECT(new_owner(tensor_tag, R_NilValue, free_tensor));
  DLManagedTensor* tensor = NULL;
  check(franca_matrix_export(m, part, &tensor));
  R_SetExternalPtrAddr(owner, tensor);
  SEXP value = tensor_to_r(&tensor->dl_tensor);
  UNPROTECT(1);
  return value;
}

/* A matrix franca returned: a dense one as an R matrix (a 1-D one as a vector); a CSR one as list(indptr,
 * indices, data, dim), which the R side makes a Matrix dgRMatrix. */
static SEXP matrix_to_r(franca_matrix m) {
  int kind = 0;
  int64_t rows = 0, cols = 0;
  check(franca_matrix_get_kind(m, &kind));
  check(franca_matrix_shape(m, &rows, &cols));
  if (kind == FRANCA_MATRIX_DENSE) return matrix_part(m, FRANCA_PART_VALUES);
  if (kind != FRANCA_MATRIX_CSR) raise_condition("not_implemented", "franca returned strings, which R cannot take");
  SEXP out = PROTECT(Rf_allocVector(VECSXP, 4));
  SET_VECTOR_ELT(out, 0, matrix_part(m, FRANCA_PART_INDPTR));
  SET_VECTOR_ELT(out, 1, matrix_part(m, FRANCA_PART_INDICES));
  SET_VECTOR_ELT(out, 2, matrix_part(m, FRANCA_PART_VALUES));
  SEXP dim = Rf_allocVector(REALSXP, 2);
  SET_VECTOR_ELT(out, 3, dim);
  REAL(dim)[0] = (double)rows;
  REAL(dim)[1] = (double)cols;
  UNPROTECT(1);
  return out;
}

/* ------------------------------------------------------------------ models: an ALTREP state that serialises */

/* A fitted model lives in R as a zero-length raw vector of this ALTREP class. data1 holds the estimator's external
 * pointer, data2 the model's bytes (franca_estimator_save) while the handle is not made yet. saveRDS() asks the
 * class for its state, the bytes; readRDS() gives back an object holding only the bytes, and the handle is loaded
 * from them at its first use. So saving needs no step of its own, and a model read back never holds a dangling
 * pointer. */
static R_altrep_class_t model_state_class;

static R_xlen_t model_state_length(SEXP x) {
  (void)x;
  return 0;
}

static void* model_state_dataptr(SEXP x, Rboolean writeable) {
  (void)x;
  (void)writeable;
  static Rbyte nothing;
  return &nothing;
}

static Rboolean model_state_inspect(SEXP x, int pre, int deep, int pvec, void (*inspect_subtree)(SEXP, int, int, int)) {
  (void)pre;
  (void)deep;
  (void)pvec;
  (void)inspect_subtree;
  Rprintf(" franca model state (%s)\n", Rf_isNull(R_altrep_data1(x)) ? "bytes, handle not loaded" : "handle");
  return TRUE;
}

static SEXP save_estimator(franca_estimator est) {
  SEXP owner = PROTECT(new_owner(buffer_tag, R_NilValue, free_buffer));
  uint8_t* bytes = NULL;
  size_t size = 0;
  check(franca_estimator_save(est, &bytes, &size));
  R_SetExternalPtrAddr(owner, bytes);
  SEXP image = Rf_allocVector(RAWSXP, (R_xlen_t)size);
  memcpy(RAW(image), bytes, size);
  UNPROTECT(1);
  return image;
}

static SEXP model_state_serialized(SEXP x) {
  SEXP handle = R_altrep_data1(x);
  if (Rf_isNull(handle)) return R_altrep_data2(x);
  return save_estimator(owned_address(handle, estimator_tag, "model: the estimator handle is freed"));
}

static SEXP model_state_unserialize(SEXP class, SEXP image) {
  (void)class;
  return R_new_altrep(model_state_class, R_NilValue, image);
}

/* Copies share the handle: a fitted model is never changed in place (fit makes a new one). */
static SEXP model_state_duplicate(SEXP x, Rboolean deep) {
  (void)deep;
  return R_new_altrep(model_state_class, R_altrep_data1(x), R_altrep_data2(x));
}

static SEXP new_model_state(SEXP estimator) { return R_new_altrep(model_state_class, estimator, R_NilValue); }

/* The estimator of a model's state, loaded from its bytes on first use. */
static franca_estimator estimator_of(SEXP state) {
  if (!ALTREP(state) || !R_altrep_inherits(state, model_state_class)) {
    raise_condition("not_fitted",
                    "model: holds no fitted franca model (fit it, or read it with readRDS from a file that "
                    "saveRDS wrote with serialization version 3)");
  }
  SEXP handle = R_altrep_data1(state);
  if (Rf_isNull(handle)) {
    SEXP image = R_altrep_data2(state);
    handle = PROTECT(new_owner(estimator_tag, R_NilValue, free_estimator));
    franca_estimator est = NULL;
    check(franca_estimator_load(RAW(image), (size_t)XLENGTH(image), &est));
    R_SetExternalPtrAddr(handle, est);
    R_set_altrep_data1(state, handle);
    R_set_altrep_data2(state, R_NilValue);
    UNPROTECT(1);
  }
  return owned_address(handle, estimator_tag, "model: the estimator handle is freed");
}

/* ------------------------------------------------------------------ estimators */

/* The JSON text a franca call hands out (franca_estimator_list, franca_build_info) as an R string; the
 * buffer is owned by an external pointer from the start, so an R error cannot leak it. */
static SEXP json_text(int (*call)(char**)) {
  SEXP owner = PROTECT(new_owner(buffer_tag, R_NilValue, free_buffer));
  char* json = NULL;
  check(call(&json));
  R_SetExternalPtrAddr(owner, json);
  SEXP out = utf8_string(json);
  UNPROTECT(1);
  return out;
}

static SEXP estimator_list(void) { return json_text(franca_estimator_list); }

static SEXP build_info(void) { return json_text(franca_build_info); }

/* A new estimator `name` with the parameters `params_json`, owned by the returned external pointer. */
static SEXP create_estimator(SEXP name, SEXP params_json) {
  SEXP handle = PROTECT(new_owner(estimator_tag, R_NilValue, free_estimator));
  franca_estimator est = NULL;
  check(franca_estimator_create(Rf_translateCharUTF8(STRING_ELT(name, 0)), &est));
  R_SetExternalPtrAddr(handle, est);
  check(franca_estimator_set_params(est, Rf_translateCharUTF8(STRING_ELT(params_json, 0))));
  UNPROTECT(1);
  return handle;
}

/* Checks the parameters by setting them on a scratch estimator; the conditions name the parameter. */
static SEXP check_params(SEXP name, SEXP params_json) {
  create_estimator(name, params_json);
  return R_NilValue;
}

/* The parameters of `est` as JSON text (an R string), its buffer owned from the start as json_text's. */
static SEXP params_text(franca_estimator est) {
  SEXP owner = PROTECT(new_owner(buffer_tag, R_NilValue, free_buffer));
  char* json = NULL;
  check(franca_estimator_get_params(est, &json));
  R_SetExternalPtrAddr(owner, json);
  SEXP out = utf8_string(json);
  UNPROTECT(1);
  return out;
}

static SEXP get_params(SEXP name, SEXP params_json) {
  SEXP handle = PROTECT(create_estimator(name, params_json));
  SEXP out = params_text(R_ExternalPtrAddr(handle));
  UNPROTECT(1);
  return out;
}

/* ------------------------------------------------------------------ fit, interruptible */

/* franca_estimator_fit or franca_estimator_partial_fit. */
typedef int (*fit_verb)(franca_context, franca_estimator, franca_matrix, const DLTensor*, const DLTensor*);

typedef struct {
  fit_verb verb;
  franca_estimator est;
  franca_matrix x;
  const DLTensor* y;
  const DLTensor* weight;
  int status;
  char* message; /* franca_last_error() of a failed fit, which is local to the worker thread; malloc'd */
  int done;
  pthread_mutex_t mutex;
  pthread_cond_t finished;
} fit_job;

static void* run_fit(void* argument) {
  fit_job* job = argument;
  /* SIGINT is R's to handle, on its own thread. */
  sigset_t interrupt;
  sigemptyset(&interrupt);
  sigaddset(&interrupt, SIGINT);
  pthread_sigmask(SIG_BLOCK, &interrupt, NULL);
  int status = job->verb(r_context, job->est, job->x, job->y, job->weight);
  if (status != FRANCA_OK) job->message = strdup(franca_last_error());
  pthread_mutex_lock(&job->mutex);
  job->status = status;
  job->done = 1;
  pthread_cond_signal(&job->finished);
  pthread_mutex_unlock(&job->mutex);
  return NULL;
}

static void check_interrupt(void* unused) {
  (void)unused;
  R_CheckUserInterrupt();
}

/* TRUE when the user pressed Ctrl-C: R_CheckUserInterrupt jumps, and R_ToplevelExec stops the jump here. */
static int interrupt_pending(void) { return !R_ToplevelExec(check_interrupt, NULL); }

/* Waits up to 100 ms for the job; returns whether it is done. */
static int wait_for_fit(fit_job* job) {
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_nsec += 100 * 1000 * 1000;
  if (deadline.tv_nsec >= 1000 * 1000 * 1000) {
    deadline.tv_sec += 1;
    deadline.tv_nsec -= 1000 * 1000 * 1000;
  }
  pthread_mutex_lock(&job->mutex);
  if (!job->done) pthread_cond_timedwait(&job->finished, &job->mutex, &deadline);
  int done = job->done;
  pthread_mutex_unlock(&job->mutex);
  return done;
}

/* Runs the fit on a worker thread while this one, R's, checks for Ctrl-C: R notices an interrupt only where C code
 * asks (R_CheckUserInterrupt), which the library cannot do. On Ctrl-C the context is cancelled, the fit stops at
 * its next iteration, and an R interrupt is signalled once the worker has finished reading R's memory. Returns the
 * fit's status. */
static int fit_interruptibly(fit_job* job) {
  pthread_t worker;
  job->done = 0;
  pthread_mutex_init(&job->mutex, NULL);
  pthread_cond_init(&job->finished, NULL);
  if (pthread_create(&worker, NULL, run_fit, job) != 0) {
    /* No thread to be had: fit here, without Ctrl-C. */
    job->status = job->verb(r_context, job->est, job->x, job->y, job->weight);
    if (job->status != FRANCA_OK) job->message = strdup(franca_last_error());
    job->done = 1;
  } else {
    int interrupted = 0;
    while (!wait_for_fit(job)) {
      if (!interrupted && interrupt_pending()) {
        interrupted = 1;
        franca_cancel(r_context);
      }
    }
    pthread_join(worker, NULL);
    if (interrupted) {
      franca_context_reset_cancel(r_context);
      if (job->status == FRANCA_ERROR_CANCELLED || job->status == FRANCA_OK) job->status = FRANCA_ERROR_CANCELLED;
    }
  }
  pthread_mutex_destroy(&job->mutex);
  pthread_cond_destroy(&job->finished);
  return job->status;
}

/* A new estimator holding what `state` holds, with the parameters `params_json`: partial_fit changes its
 * estimator, and a fitted model is never changed in place, so the model is copied through its bytes. */
static SEXP copy_estimator(SEXP state, SEXP params_json) {
  SEXP image = PROTECT(save_estimator(estimator_of(state)));
  SEXP handle = PROTECT(new_owner(estimator_tag, R_NilValue, free_estimator));
  franca_estimator est = NULL;
  check(franca_estimator_load(RAW(image), (size_t)XLENGTH(image), &est));
  R_SetExternalPtrAddr(handle, est);
  check(franca_estimator_set_params(est, Rf_translateCharUTF8(STRING_ELT(params_json, 0))));
  UNPROTECT(2);
  return handle;
}

/* Fits a new estimator `name` with `params_json` on x (a franca matrix), y (a double vector or matrix, or NULL)
 * and sample_weight (a double vector, or NULL); with a fitted model's `previous` state, folds the rows into a
 * copy of it (partial_fit) instead. Returns the fitted model's state. */
static SEXP fit(SEXP name, SEXP params_json, SEXP x, SEXP y, SEXP sample_weight, SEXP previous) {
  franca_matrix m = owned_address(x, matrix_tag, "x: not a franca matrix");
  int incremental = !Rf_isNull(previous);
  SEXP handle = PROTECT(incremental ? copy_estimator(previous, params_json) : create_estimator(name, params_json));
  r_tensor y_view, w_view;
  if (!Rf_isNull(y)) view_array(y, &y_view, "y");
  if (!Rf_isNull(sample_weight)) view_array(sample_weight, &w_view, "sample_weight");
  fit_job job = {.verb = incremental ? franca_estimator_partial_fit : franca_estimator_fit,
                 .message = NULL,
                 .est = R_ExternalPtrAddr(handle),
                 .x = m,
                 .y = Rf_isNull(y) ? NULL : &y_view.tensor,
                 .weight = Rf_isNull(sample_weight) ? NULL : &w_view.tensor};
  int status = fit_interruptibly(&job);
  if (status == FRANCA_ERROR_CANCELLED) {
    free(job.message);
    SEXP call = PROTECT(Rf_lang1(Rf_install("signal_fit_interrupted")));
    Rf_eval(call, package_namespace);
    UNPROTECT(1);
  } else if (status != FRANCA_OK) {
    /* Into R's memory before raise_condition, which does not return. */
    SEXP message = PROTECT(Rf_mkCharCE(job.message ? job.message : "the fit failed", CE_UTF8));
    free(job.message);
    raise_condition(franca_status_name(status), CHAR(message));
  }
  SEXP state = new_model_state(handle);
  UNPROTECT(1);
  return state;
}

static SEXP apply_method(SEXP state, SEXP method, SEXP x) {
  franca_estimator est = estimator_of(state);
  franca_matrix m = owned_address(x, matrix_tag, "x: not a franca matrix");
  SEXP result = PROTECT(new_owner(matrix_tag, R_NilValue, free_matrix));
  franca_matrix out = NULL;
  check(franca_estimator_apply(r_context, est, Rf_translateCharUTF8(STRING_ELT(method, 0)), m, &out));
  R_SetExternalPtrAddr(result, out);
  SEXP value = matrix_to_r(out);
  UNPROTECT(1);
  return value;
}

static SEXP get_attribute(SEXP state, SEXP name) {
  franca_estimator est = estimator_of(state);
  SEXP owner = PROTECT(new_owner(tensor_tag, R_NilValue, free_tensor));
  DLManagedTensor* tensor = NULL;
  check(franca_estimator_get_attribute(est, Rf_translateCharUTF8(STRING_ELT(name, 0)), &tensor));
  R_SetExternalPtrAddr(owner, tensor);
  SEXP value = tensor_to_r(&tensor->dl_tensor);
  UNPROTECT(1);
  return value;
}

static SEXP model_params(SEXP state) { return params_text(estimator_of(state)); }

static SEXP set_threads(SEXP n_threads) {
  check(franca_context_set_threads(r_context, Rf_asInteger(n_threads)));
  return R_NilValue;
}

static SEXP library_version(void) {
  int major = 0, minor = 0, patch = 0;
  check(franca_version(&major, &minor, &patch));
  SEXP out = PROTECT(Rf_allocVector(INTSXP, 3));
  INTEGER(out)[0] = major;
  INTEGER(out)[1] = minor;
  INTEGER(out)[2] = patch;
  UNPROTECT(1);
  return out;
}

/* ------------------------------------------------------------------ load and unload */

static SEXP initialize(SEXP ns) {
  package_namespace = ns; /* a namespace is never collected while its code runs */
  if (r_context == NULL) check(franca_context_create("auto", &r_context));
  check(franca_set_log_callback(queue_log_message, NULL));
  return R_NilValue;
}

static SEXP finalize(void) {
  franca_set_log_callback(NULL, NULL);
  free_log_entries(detach_log_queue());
  return R_NilValue;
}

#define ROUTINE(name, n) \
  { #name, (DL_FUNC)&name, n }
static const R_CallMethodDef routines[] = {ROUTINE(initialize, 1),        ROUTINE(finalize, 0),
                                           ROUTINE(take_log_messages, 0), ROUTINE(set_log_level, 1),
                                           ROUTINE(set_threads, 1),       ROUTINE(library_version, 0),
                                           ROUTINE(build_info, 0),        ROUTINE(estimator_list, 0),
                                           ROUTINE(check_params, 2),      ROUTINE(get_params, 2),
                                           ROUTINE(matrix_dense, 1),      ROUTINE(matrix_csr, 5),
                                           ROUTINE(matrix_strings, 1),    ROUTINE(fit, 6),
                                           ROUTINE(apply_method, 3),      ROUTINE(get_attribute, 2),
                                           ROUTINE(model_params, 1),      {NULL, NULL, 0}};

void R_init_franca(DllInfo* dll) {
  R_registerRoutines(dll, NULL, routines, NULL, NULL);
  R_useDynamicSymbols(dll, FALSE);
  R_forceSymbols(dll, TRUE);
  estimator_tag = Rf_install("franca_estimator");
  matrix_tag = Rf_install("franca_matrix");
  tensor_tag = Rf_install("franca_tensor");
  buffer_tag = Rf_install("franca_buffer");
  model_state_class = R_make_altraw_class("franca_model_state", "franca", dll);
  R_set_altrep_Length_method(model_state_class, model_state_length);
  R_set_altrep_Inspect_method(model_state_class, model_state_inspect);
  R_set_altrep_Serialized_state_method(model_state_class, model_state_serialized);
  R_set_altrep_Unserialize_method(model_state_class, model_state_unserialize);
  R_set_altrep_Duplicate_method(model_state_class, model_state_duplicate);
  R_set_altvec_Dataptr_method(model_state_class, model_state_dataptr);
}
