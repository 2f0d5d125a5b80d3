// Any string handed to franca_estimator_set_params must either set valid parameters or fail
// with a status, for every estimator. The first input byte picks the estimator among those
// franca_estimator_list() names, so a newly registered estimator is fuzzed with no edit here.
#include <franca/franca.h>

#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

std::vector<std::string> estimator_names() {
  char* list = nullptr;
  if (franca_estimator_list(&list) != FRANCA_OK) std::abort();
  std::vector<std::string> names;
  for (const auto& spec : nlohmann::json::parse(list)) names.push_back(spec.at("name").get<std::string>());
  franca_free(list);
  if (names.empty()) std::abort();
  return names;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<std::string> names = estimator_names();
  if (size == 0) return 0;
  const std::string json(reinterpret_cast<const char*>(data) + 1, size - 1);
  franca_estimator est = nullptr;
  if (franca_estimator_create(names[data[0] % names.size()].c_str(), &est) != FRANCA_OK) return 0;
  if (franca_estimator_set_params(est, json.c_str()) == FRANCA_OK) {
    char* params = nullptr;
    if (franca_estimator_get_params(est, &params) == FRANCA_OK) franca_free(params);
  }
  franca_estimator_free(est);
  return 0;
}
