// Writes one saved, fitted model per estimator that takes dense input into a folder: the
// model loader fuzzer's seed corpus. The estimators come from franca_estimator_list(), so a
// newly registered one is seeded with no edit here; one that fails to fit on this small X
// (or to save) is skipped.
#include <franca/franca.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

namespace {

DLTensor host_tensor(double* data, int ndim, std::int64_t* shape) {
  DLTensor t{};
  t.data = data;
  t.device.device_type = kDLCPU;
  t.ndim = ndim;
  t.dtype.code = kDLFloat;
  t.dtype.bits = 64;
  t.dtype.lanes = 1;
  t.shape = shape;
  return t;
}

void write_file(const std::string& path, const std::uint8_t* bytes, std::size_t size) {
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(bytes, 1, size, f);
    std::fclose(f);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FOLDER\n", argv[0]);
    return 2;
  }
  double x[8] = {0, 1, 1, 0, 2, 3, 3, 1};
  double labels[4] = {0, 1, 0, 1};           // classifiers
  double targets[4] = {0.5, 1.5, -0.25, 2};  // regressors
  std::int64_t x_shape[2] = {4, 2}, y_shape[1] = {4}, column_shape[2] = {4, 1};
  DLTensor tx = host_tensor(x, 2, x_shape);
  DLTensor classifier_y = host_tensor(labels, 1, y_shape);
  DLTensor regressor_y = host_tensor(targets, 1, y_shape);
  DLTensor targets_column = host_tensor(targets, 2, column_shape);  // multi-task estimators take 2-D y only

  char* list = nullptr;
  if (franca_estimator_list(&list) != FRANCA_OK) return 1;
  const auto specs = nlohmann::json::parse(list);
  franca_free(list);
  franca_matrix X = nullptr;
  if (franca_matrix_dense(&tx, &X) != FRANCA_OK) return 1;

  for (const auto& spec : specs) {
    const auto& inputs = spec.at("inputs");
    if (std::find(inputs.begin(), inputs.end(), "dense") == inputs.end()) continue;
    const auto name = spec.at("name").get<std::string>();
    const auto kind = spec.at("kind").get<std::string>();
    const DLTensor* y = kind == "classifier"              ? &classifier_y
                        : spec.value("multi_task", false) ? &targets_column
                        : kind == "regressor"             ? &regressor_y
                                                          : nullptr;
    franca_estimator est = nullptr;
    if (franca_estimator_create(name.c_str(), &est) != FRANCA_OK) continue;
    std::uint8_t* bytes = nullptr;
    std::size_t size = 0;
    if (franca_estimator_fit(nullptr, est, X, y, nullptr) == FRANCA_OK &&
        franca_estimator_save(est, &bytes, &size) == FRANCA_OK) {
      write_file(std::string(argv[1]) + "/" + name + ".model", bytes, size);
      franca_free(bytes);
    } else {
      std::fprintf(stderr, "write_seed_models: skipping %s: %s\n", name.c_str(), franca_last_error());
    }
    franca_estimator_free(est);
  }
  franca_matrix_free(X);
  return 0;
}
