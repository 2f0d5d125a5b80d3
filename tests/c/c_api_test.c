/* A C99 program that uses only the public header (included twice, as the umbrella must allow):
 * create, fit, predict, save, load, free, and the error path. */
#include <franca/franca.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond, what)                                              \
  do {                                                                 \
    if (!(cond)) {                                                     \
      fprintf(stderr, "FAILED: %s (%s)\n", what, franca_last_error()); \
      ++failures;                                                      \
    }                                                                  \
  } while (0)

static DLTensor host_tensor(double* data, int ndim, int64_t* shape) {
  DLTensor t;
  memset(&t, 0, sizeof t);
  t.data = data;
  t.device.device_type = kDLCPU;
  t.ndim = ndim;
  t.dtype.code = kDLFloat;
  t.dtype.bits = 64;
  t.dtype.lanes = 1;
  t.shape = shape;
  return t;
}

int main(void) {
  enum { N = 50, D = 3 };
  double x[N * D], y[N];
  int64_t x_shape[2] = {N, D}, y_shape[1] = {N};
  DLTensor tx, ty;
  franca_matrix X = NULL, pred = NULL, pred2 = NULL;
  franca_estimator est = NULL, loaded = NULL, truncated = NULL;
  DLManagedTensor *p1 = NULL, *p2 = NULL;
  uint8_t* bytes = NULL;
  size_t size = 0;
  int i, status;

  for (i = 0; i < N; ++i) {
    x[i * D] = i;
    x[i * D + 1] = sin(i);
    x[i * D + 2] = cos(0.5 * i);
    y[i] = 1.5 * x[i * D] - 2.0 * x[i * D + 1] + 0.25 * x[i * D + 2] + 3.0;
  }
  tx = host_tensor(x, 2, x_shape);
  ty = host_tensor(y, 1, y_shape);

  CHECK(franca_matrix_dense(&tx, &X) == FRANCA_OK, "franca_matrix_dense");
  CHECK(franca_estimator_create("Ridge", &est) == FRANCA_OK, "create");
  CHECK(franca_estimator_set_params(est, "{\"alpha\": 1e-9}") == FRANCA_OK, "set_params");
  CHECK(franca_estimator_fit(NULL, est, X, &ty, NULL) == FRANCA_OK, "fit");
  CHECK(franca_estimator_apply(NULL, est, "predict", X, &pred) == FRANCA_OK, "predict");
  CHECK(franca_matrix_export(pred, FRANCA_PART_VALUES, &p1) == FRANCA_OK, "export");
  if (p1) {
    const double* v = (const double*)p1->dl_tensor.data;
    for (i = 0; i < N; ++i) CHECK(fabs(v[i] - y[i]) < 1e-6, "prediction");
  }

  CHECK(franca_estimator_save(est, &bytes, &size) == FRANCA_OK && size > 0, "save");
  CHECK(franca_estimator_load(bytes, size, &loaded) == FRANCA_OK, "load");
  CHECK(franca_estimator_apply(NULL, loaded, "predict", X, &pred2) == FRANCA_OK, "predict after load");
  CHECK(franca_matrix_export(pred2, FRANCA_PART_VALUES, &p2) == FRANCA_OK, "export after load");
  if (p1 && p2) CHECK(memcmp(p1->dl_tensor.data, p2->dl_tensor.data, N * sizeof(double)) == 0, "same predictions");

  /* The error path: a status code and a message naming the problem. */
  status = franca_estimator_set_params(est, "{\"alpha\": -1}");
  CHECK(status == FRANCA_ERROR_INVALID_ARGUMENT, "negative alpha rejected");
  CHECK(strstr(franca_last_error(), "alpha") != NULL, "message names alpha");
  status = franca_estimator_load(bytes, size / 2, &truncated);
  CHECK(status == FRANCA_ERROR_CORRUPT_MODEL && truncated == NULL, "truncated model rejected");
  CHECK(strcmp(franca_status_name(status), "corrupt_model") == 0, "status name");

  if (p1) p1->deleter(p1);
  if (p2) p2->deleter(p2);
  franca_free(bytes);
  franca_matrix_free(pred);
  franca_matrix_free(pred2);
  franca_matrix_free(X);
  franca_estimator_free(est);
  franca_estimator_free(loaded);
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("C API test passed\n");
  return 0;
}
