// Any byte string handed to franca_estimator_load must either load into a consistent model
// (which then predicts without touching memory it does not own) or fail with a status.
#include <franca/franca.h>

#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  franca_estimator est = nullptr;
  if (franca_estimator_load(data, size, &est) != FRANCA_OK) return 0;
  int fitted = 0;
  franca_estimator_is_fitted(est, &fitted);
  DLManagedTensor* n_features = nullptr;
  if (fitted && franca_estimator_get_attribute(est, "n_features_in_", &n_features) == FRANCA_OK) {
    const std::int64_t d = *static_cast<std::int64_t*>(n_features->dl_tensor.data);
    n_features->deleter(n_features);
    if (d > 0 && d <= 4096) {
      std::vector<double> x(static_cast<std::size_t>(3 * d), 0.5);
      std::int64_t shape[2] = {3, d};
      DLTensor t{};
      t.data = x.data();
      t.device = {kDLCPU, 0};
      t.ndim = 2;
      t.dtype = {kDLFloat, 64, 1};
      t.shape = shape;
      franca_matrix X = nullptr;
      franca_matrix_dense(&t, &X);
      for (const char* method : {"predict", "transform", "predict_proba", "decision_function"}) {
        franca_matrix out = nullptr;
        franca_estimator_apply(nullptr, est, method, X, &out);
        franca_matrix_free(out);
      }
      franca_matrix_free(X);
    }
  }
  std::uint8_t* bytes = nullptr;
  std::size_t n = 0;
  if (franca_estimator_save(est, &bytes, &n) == FRANCA_OK) franca_free(bytes);
  franca_estimator_free(est);
  return 0;
}
