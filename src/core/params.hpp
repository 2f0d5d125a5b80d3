// Parameters of an estimator, declared once (name, accepted JSON types, default, allowed
// values, doc). Checking, the C listing, the Python signatures and the docs all come from the
// declaration.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace franca {

using json = nlohmann::json;

// The JSON kinds a parameter accepts; a parameter may accept several.
enum ParamKind : unsigned {
  kNull = 1u << 0,
  kBool = 1u << 1,
  kInt = 1u << 2,
  kFloat = 1u << 3,  // also accepts an integer
  kString = 1u << 4,
  kArray = 1u << 5,
  kObject = 1u << 6,
};

struct ParamSpec {
  std::string name;
  unsigned kinds;
  json default_value;
  std::string doc;
  std::vector<std::string> choices;  // allowed strings, when kString is accepted
  std::optional<double> minimum;     // for numbers
  std::optional<double> maximum;
  bool exclusive_minimum = false;
  // Further checks a declaration cannot say (e.g. an ngram_range pair); throws franca::Error.
  std::function<void(const json& value)> check;
};

std::string kinds_name(unsigned kinds);

// Throws Status::type / Status::invalid_argument, naming the parameter, if `value` does not
// fit `spec`.
void check_param(const ParamSpec& spec, const json& value);

// An estimator's current parameter values, checked against its declarations.
class Params {
 public:
  explicit Params(const std::vector<ParamSpec>* specs);

  // Sets every entry of `object` or none of them.
  void update(const json& object);
  const json& values() const { return values_; }

  const json& get(const std::string& name) const;
  double number(const std::string& name) const;
  std::int64_t integer(const std::string& name) const;
  bool boolean(const std::string& name) const;
  std::string string(const std::string& name) const;
  bool is_null(const std::string& name) const { return get(name).is_null(); }

 private:
  const std::vector<ParamSpec>* specs_;
  json values_;
};

}  // namespace franca
