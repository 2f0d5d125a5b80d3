// The registry of estimators: each estimator's unit registers its spec when libfranca loads,
// and everything else (creation by name, the listing, the bindings, the docs) follows from it.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/estimator.hpp"

namespace franca {

// Registers a spec at load time; used through FRANCA_REGISTER_ESTIMATOR.
bool register_estimator(const EstimatorSpec& spec);
const std::map<std::string, const EstimatorSpec*>& estimator_registry();
// Throws Status::not_found naming the known estimators.
const EstimatorSpec& find_estimator(const std::string& name);
std::unique_ptr<Estimator> create_estimator(const std::string& name);
// The JSON listing of every estimator (franca_estimator_list).
json estimator_listing();

}  // namespace franca

#define FRANCA_CONCAT_INNER(a, b) a##b
#define FRANCA_CONCAT(a, b) FRANCA_CONCAT_INNER(a, b)
// Registers the spec returned by `spec_function` (a function returning a static spec) when
// libfranca is loaded.
#define FRANCA_REGISTER_ESTIMATOR(spec_function) \
  static const bool FRANCA_CONCAT(franca_registered_, __LINE__) = ::franca::register_estimator(spec_function())
