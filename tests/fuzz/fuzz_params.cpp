// Any string handed to franca_estimator_set_params must either set valid parameters or fail
// with a status, for every estimator.
#include <franca/franca.h>

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const char* names[] = {"LinearRegression",  "Ridge",           "StandardScaler", "LogisticRegression",
                                "HashingVectorizer", "TfidfTransformer"};
  if (size == 0) return 0;
  const std::string json(reinterpret_cast<const char*>(data) + 1, size - 1);
  franca_estimator est = nullptr;
  if (franca_estimator_create(names[data[0] % 6], &est) != FRANCA_OK) return 0;
  if (franca_estimator_set_params(est, json.c_str()) == FRANCA_OK) {
    char* params = nullptr;
    if (franca_estimator_get_params(est, &params) == FRANCA_OK) franca_free(params);
  }
  franca_estimator_free(est);
  return 0;
}
