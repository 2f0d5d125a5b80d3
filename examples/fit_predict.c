/* franca from C: fit a StandardScaler and a Ridge model on the host, predict, save the model to
 * bytes and load it back; prints what it did. Build: the `fit_predict` target. */
#include <franca/franca.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRY(call)                                                                                      \
  do {                                                                                                 \
    int status_ = (call);                                                                              \
    if (status_ != FRANCA_OK) {                                                                        \
      fprintf(stderr, "%s failed: %s: %s\n", #call, franca_status_name(status_), franca_last_error()); \
      exit(1);                                                                                         \
    }                                                                                                  \
  } while (0)

static DLTensor f64_tensor(double* data, int ndim, int64_t* shape) {
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
  enum { N = 1000, D = 4 };
  static double x[N * D], y[N];
  const double true_coef[D] = {3.0, -1.0, 0.5, 2.0};
  int64_t x_shape[2] = {N, D}, y_shape[1] = {N};
  DLTensor tx, ty;
  franca_matrix X = NULL, Z = NULL, pred = NULL;
  franca_estimator scaler = NULL, ridge = NULL, loaded = NULL;
  DLManagedTensor* coef = NULL;
  DLManagedTensor* yhat = NULL;
  uint8_t* bytes = NULL;
  size_t size = 0;
  char* info = NULL;
  int major, minor, patch, i, j;
  double mse = 0;

  TRY(franca_version(&major, &minor, &patch));
  TRY(franca_build_info(&info));
  printf("franca %d.%d.%d, build: %s\n", major, minor, patch, info);
  franca_free(info);

  srand(42);
  for (i = 0; i < N; ++i) {
    y[i] = 10.0;
    for (j = 0; j < D; ++j) {
      x[i * D + j] = 100.0 * j + (double)rand() / RAND_MAX * (j + 1);
      y[i] += true_coef[j] * x[i * D + j];
    }
    y[i] += 0.01 * ((double)rand() / RAND_MAX - 0.5);
  }
  tx = f64_tensor(x, 2, x_shape);
  ty = f64_tensor(y, 1, y_shape);

  TRY(franca_matrix_dense(&tx, &X));
  TRY(franca_estimator_create("StandardScaler", &scaler));
  TRY(franca_estimator_fit(NULL, scaler, X, NULL, NULL));
  TRY(franca_estimator_apply(NULL, scaler, "transform", X, &Z));

  TRY(franca_estimator_create("Ridge", &ridge));
  TRY(franca_estimator_set_params(ridge, "{\"alpha\": 0.001}"));
  TRY(franca_estimator_fit(NULL, ridge, Z, &ty, NULL));
  TRY(franca_estimator_get_attribute(ridge, "coef_", &coef));
  printf("Ridge on standardized X (%d x %d): coef_ =", N, D);
  for (j = 0; j < D; ++j) printf(" %.4f", ((double*)coef->dl_tensor.data)[j]);
  printf("\n");

  TRY(franca_estimator_save(ridge, &bytes, &size));
  TRY(franca_estimator_load(bytes, size, &loaded));
  printf("saved the model to %zu bytes and loaded it back\n", size);
  TRY(franca_estimator_apply(NULL, loaded, "predict", Z, &pred));
  TRY(franca_matrix_export(pred, FRANCA_PART_VALUES, &yhat));
  for (i = 0; i < N; ++i) {
    const double e = ((double*)yhat->dl_tensor.data)[i] - y[i];
    mse += e * e / N;
  }
  printf("predictions of the loaded model: mean squared error %.3g\n", mse);

  coef->deleter(coef);
  yhat->deleter(yhat);
  franca_free(bytes);
  franca_matrix_free(pred);
  franca_matrix_free(Z);
  franca_matrix_free(X);
  franca_estimator_free(scaler);
  franca_estimator_free(ridge);
  franca_estimator_free(loaded);
  return mse < 1e-3 ? 0 : 1;
}
