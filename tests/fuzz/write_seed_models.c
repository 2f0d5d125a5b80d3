/* Writes one saved, fitted model per dense estimator into a folder: the fuzzer's seed corpus. */
#include <franca/franca.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char** argv) {
  static const char* names[] = {"LinearRegression", "Ridge", "StandardScaler", "LogisticRegression"};
  double x[8] = {0, 1, 1, 0, 2, 3, 3, 1}, y[4] = {0, 1, 0, 1};
  int64_t x_shape[2] = {4, 2}, y_shape[1] = {4};
  DLTensor tx, ty;
  franca_matrix X = NULL;
  size_t k;
  if (argc != 2) {
    fprintf(stderr, "usage: %s FOLDER\n", argv[0]);
    return 2;
  }
  memset(&tx, 0, sizeof tx);
  tx.data = x;
  tx.device.device_type = kDLCPU;
  tx.ndim = 2;
  tx.dtype.code = kDLFloat;
  tx.dtype.bits = 64;
  tx.dtype.lanes = 1;
  tx.shape = x_shape;
  ty = tx;
  ty.data = y;
  ty.ndim = 1;
  ty.shape = y_shape;
  if (franca_matrix_dense(&tx, &X) != FRANCA_OK) return 1;
  for (k = 0; k < sizeof names / sizeof names[0]; ++k) {
    franca_estimator est = NULL;
    uint8_t* bytes = NULL;
    size_t size = 0;
    char path[4096];
    FILE* f;
    if (franca_estimator_create(names[k], &est) != FRANCA_OK) continue; /* not in this build */
    if (franca_estimator_fit(NULL, est, X, &ty, NULL) == FRANCA_OK &&
        franca_estimator_save(est, &bytes, &size) == FRANCA_OK) {
      snprintf(path, sizeof path, "%s/%s.model", argv[1], names[k]);
      f = fopen(path, "wb");
      if (f) {
        fwrite(bytes, 1, size, f);
        fclose(f);
      }
      franca_free(bytes);
    }
    franca_estimator_free(est);
  }
  franca_matrix_free(X);
  return 0;
}
