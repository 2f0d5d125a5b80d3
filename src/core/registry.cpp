#include "core/registry.hpp"

#include "core/expects.hpp"

namespace franca {

namespace {

std::map<std::string, const EstimatorSpec*>& mutable_registry() {
  static std::map<std::string, const EstimatorSpec*> registry;
  return registry;
}

const char* kind_name(EstimatorKind kind) {
  switch (kind) {
    case EstimatorKind::regressor:
      return "regressor";
    case EstimatorKind::classifier:
      return "classifier";
    case EstimatorKind::transformer:
      return "transformer";
  }
  return "unknown";
}

}  // namespace

bool register_estimator(const EstimatorSpec& spec) {
  // Specs are static objects that live as long as the library.
  mutable_registry()[spec.name] = &spec;
  return true;
}

const std::map<std::string, const EstimatorSpec*>& estimator_registry() { return mutable_registry(); }

const EstimatorSpec& find_estimator(const std::string& name) {
  const auto& registry = estimator_registry();
  auto it = registry.find(name);
  if (it == registry.end()) {
    std::string valid;
    for (const auto& [n, s] : registry) valid += (valid.empty() ? "" : ", ") + n;
    FRANCA_FAIL(Status::not_found, "name: unknown estimator '{}'; known estimators: {}", name, valid);
  }
  return *it->second;
}

std::unique_ptr<Estimator> create_estimator(const std::string& name) {
  const EstimatorSpec& spec = find_estimator(name);
  return spec.create(spec);
}

json estimator_listing() {
  json list = json::array();
  for (const auto& [name, spec] : estimator_registry()) {
    json params = json::array();
    for (const auto& p : spec->params) params.push_back(p.listing());
    json methods = json::array();
    for (const auto& m : spec->methods) methods.push_back({{"name", m.name}, {"doc", m.doc}});
    json inputs = json::array();
    bool numeric_input = false;
    for (auto k : spec->inputs) {
      inputs.push_back(Matrix::kind_name(k));
      numeric_input |= k != Matrix::Kind::strings;
    }
    json attributes = spec->attributes;
    if (numeric_input) attributes.push_back("n_features_in_");
    list.push_back(
        {{"name", name},
         {"kind", kind_name(spec->kind)},
         {"module", spec->module},
         {"doc", spec->description},
         {"params", params},
         {"methods", methods},
         {"attributes", attributes},
         {"optional_attributes", spec->optional_attributes},
         {"inputs", inputs},
         {"allow_nan", spec->allow_nan},
         {"multioutput", spec->kind == EstimatorKind::regressor ? !spec->single_output : spec->label_columns},
         {"multi_task", spec->multi_task_only},
         {"one_to_one_features", spec->one_to_one},
         {"partial_fit", spec->incremental}});
    if (!spec->tweedie_power.is_null()) list.back()["tweedie_power"] = spec->tweedie_power;
    if (!spec->function.empty()) list.back()["function"] = spec->function;
  }
  return list;
}

}  // namespace franca
