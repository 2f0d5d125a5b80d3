#include "core/params.hpp"

#include <algorithm>
#include <cmath>

#include "core/expects.hpp"

namespace franca {

std::string kinds_name(unsigned kinds) {
  static const std::pair<unsigned, const char*> names[] = {{kBool, "bool"},  {kInt, "int"},    {kFloat, "float"},
                                                           {kString, "str"}, {kArray, "list"}, {kObject, "dict"},
                                                           {kNull, "None"}};
  std::string out;
  for (const auto& [bit, name] : names) {
    if (!(kinds & bit)) continue;
    if (!out.empty()) out += " or ";
    out += name;
  }
  return out;
}

namespace {

unsigned kind_of(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return kNull;
    case json::value_t::boolean:
      return kBool;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return kInt;
    case json::value_t::number_float:
      return kFloat;
    case json::value_t::string:
      return kString;
    case json::value_t::array:
      return kArray;
    case json::value_t::object:
      return kObject;
    default:
      return 0;
  }
}

}  // namespace

void check_param(const ParamSpec& spec, const json& value) {
  unsigned kind = kind_of(value);
  const bool accepted = (spec.kinds & kind) || (kind == kInt && (spec.kinds & kFloat)) ||
                        // 2.0 for an int parameter is what Python users write; accept whole floats.
                        (kind == kFloat && (spec.kinds & kInt) && std::isfinite(value.get<double>()) &&
                         value.get<double>() == std::floor(value.get<double>()));
  FRANCA_EXPECTS_STATUS(accepted, Status::type, "parameter '{}': expected {}, got {}", spec.name,
                        kinds_name(spec.kinds), value.dump());
  if (kind == kString && !spec.choices.empty()) {
    const auto s = value.get<std::string>();
    if (std::find(spec.choices.begin(), spec.choices.end(), s) == spec.choices.end()) {
      std::string allowed;
      for (const auto& c : spec.choices) allowed += (allowed.empty() ? "'" : ", '") + c + "'";
      FRANCA_FAIL(Status::invalid_argument, "parameter '{}': must be one of {}, got '{}'", spec.name, allowed, s);
    }
  }
  if (kind == kInt || kind == kFloat) {
    const double x = value.get<double>();
    FRANCA_EXPECTS(!std::isnan(x), "parameter '{}': must not be NaN", spec.name);
    if (spec.minimum) {
      FRANCA_EXPECTS(spec.exclusive_minimum ? x > *spec.minimum : x >= *spec.minimum,
                     "parameter '{}': must be {} {}, got {}", spec.name,
                     spec.exclusive_minimum ? ">" : ">=", *spec.minimum, value.dump());
    }
    if (spec.maximum) {
      FRANCA_EXPECTS(x <= *spec.maximum, "parameter '{}': must be <= {}, got {}", spec.name, *spec.maximum,
                     value.dump());
    }
  }
  if (spec.check) spec.check(value);
}

Params::Params(const std::vector<ParamSpec>* specs) : specs_(specs), values_(json::object()) {
  for (const auto& spec : *specs_) values_[spec.name] = spec.default_value;
}

void Params::update(const json& object) {
  FRANCA_EXPECTS_STATUS(object.is_object(), Status::type, "params: expected a JSON object, got {}", object.dump());
  for (const auto& item : object.items()) {
    const std::string& name = item.key();
    auto it = std::find_if(specs_->begin(), specs_->end(), [&](const ParamSpec& s) { return s.name == name; });
    if (it == specs_->end()) {
      std::string valid;
      for (const auto& s : *specs_) valid += (valid.empty() ? "" : ", ") + s.name;
      FRANCA_FAIL(Status::invalid_argument, "parameter '{}': unknown; valid parameters are: {}", name, valid);
    }
    check_param(*it, item.value());
  }
  for (const auto& [name, value] : object.items()) values_[name] = value;
}

const json& Params::get(const std::string& name) const {
  auto it = values_.find(name);
  FRANCA_EXPECTS_STATUS(it != values_.end(), Status::internal, "internal: undeclared parameter '{}'", name);
  return *it;
}

double Params::number(const std::string& name) const { return get(name).get<double>(); }
std::int64_t Params::integer(const std::string& name) const {
  return static_cast<std::int64_t>(std::llround(get(name).get<double>()));
}
bool Params::boolean(const std::string& name) const { return get(name).get<bool>(); }
std::string Params::string(const std::string& name) const { return get(name).get<std::string>(); }

}  // namespace franca
