// Parameters of an estimator, declared once (after LightGBM's config.h and XGBoost's
// DMLC_DECLARE_FIELD): each estimator has a plain struct whose member initialisers are the
// defaults, and a field table that says, per member, its name, doc, allowed range or enum names,
// further checks and whether the binding rather than the library applies other values:
//
//     struct RidgeParams {
//       double alpha = 1.0;
//       static void declare(ParamTable<RidgeParams>& t) {
//         t.field("alpha", &RidgeParams::alpha, "L2 penalty strength.").minimum(0);
//       }
//     };
//
// From the table come: JSON parsing and checking straight into the struct (every error names the
// parameter), the JSON of the current values, the listing entries (hence the Python signatures
// and docs/estimators.md). Algorithms read the typed struct; none reads JSON.
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/expects.hpp"

namespace franca {

using json = nlohmann::json;

// Parameter JSON nested deeper than this is refused before it is parsed (the parser recurses).
constexpr int kMaxParamsDepth = 64;

// Parses parameter JSON (set_params, a saved model): refuses nesting deeper than
// kMaxParamsDepth, and reads the bare tokens NaN, Infinity and -Infinity that Python's
// json.dumps writes, so that a non-finite value reaches its parameter's check (which names it).
// `argument` names the input in errors.
json parse_params_json(const std::string& text, const char* argument);

// The text of parameters (get_params, a saved model) as parse_params_json reads it: a non-finite
// number (C=inf) written as Python's json.dumps writes it (Infinity, -Infinity, NaN).
std::string dump_params_json(const json& params);

// One declared parameter, as the listing says it.
struct ParamInfo {
  std::string name;
  std::string type;  // "float", "int or None", "str", ...
  json default_value;
  std::string doc;
  std::vector<std::string> choices;  // the names of an enum
  std::optional<double> minimum, maximum;
  bool exclusive_minimum = false;
  bool exclusive_maximum = false;
  // The library computes only the default value; the binding applies any other itself (by
  // running scikit-learn's estimator), and the library refuses it with not_implemented.
  bool binding_applies = false;
  // A float parameter that also takes +inf (LogisticRegression's C: no penalty); others take
  // finite numbers only.
  bool infinity_allowed = false;

  json listing() const;
};

// A custom parameter type (a pair, a dict, 'english' or a list) specialises ParamCodec<T> with
//   static std::string type_name();
//   static T read(const json& value, const ParamInfo& info);   // throws naming info.name
//   static json write(const T& value);
template <class T>
struct ParamCodec;

namespace params_detail {

// The names of an enum parameter and the enum values they stand for, in the same order.
struct EnumNames {
  std::vector<std::string> names;
  std::vector<std::int64_t> values;
};

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

// The non-finite marker parse_params_json puts where the text said NaN, Infinity or -Infinity.
bool nonfinite_marker(const json& value, double& out);
// That marker for a non-finite x (JSON numbers are finite).
json nonfinite_json(double x);
std::string describe(const json& value);
// `text` as JSON writes it between its quotes: a control character (a NUL would end the C string
// the message becomes) is escaped.
std::string printable(const std::string& text);
void check_range(double x, const ParamInfo& info);
[[noreturn]] void wrong_type(const ParamInfo& info, const std::string& expected, const json& value);
std::int64_t read_integer(const json& value, const ParamInfo& info, std::int64_t lowest, std::int64_t highest,
                          const char* type_name);
double read_float(const json& value, const ParamInfo& info);
std::int64_t read_choice(const json& value, const ParamInfo& info, const EnumNames& names);

// For a parameter that takes None, one keyword, or a container (class_weight: None, 'balanced'
// or a dict; stop_words: None, 'english' or a list): which of the three `value` is. Throws,
// naming the parameter, for another string or another JSON kind. container: "dict" or "list".
enum class KeywordOr { none, keyword, container };
KeywordOr read_keyword_or(const json& value, const ParamInfo& info, const char* keyword, const char* container);

template <class T>
std::string type_name() {
  if constexpr (is_optional<T>::value) {
    return type_name<typename T::value_type>() + " or None";
  } else if constexpr (std::is_same_v<T, bool>) {
    return "bool";
  } else if constexpr (std::is_enum_v<T> || std::is_same_v<T, std::string>) {
    return "str";
  } else if constexpr (std::is_integral_v<T>) {
    return "int";
  } else if constexpr (std::is_floating_point_v<T>) {
    return "float";
  } else {
    return ParamCodec<T>::type_name();
  }
}

template <class T>
T read(const json& value, const ParamInfo& info, const EnumNames& names) {
  if constexpr (is_optional<T>::value) {
    if (value.is_null()) return std::nullopt;
    return read<typename T::value_type>(value, info, names);
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!value.is_boolean()) wrong_type(info, "bool", value);
    return value.get<bool>();
  } else if constexpr (std::is_enum_v<T>) {
    return static_cast<T>(read_choice(value, info, names));
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(read_integer(value, info, std::numeric_limits<T>::lowest(), std::numeric_limits<T>::max(),
                                       sizeof(T) == 4 ? "a 32-bit integer" : "a 64-bit integer"));
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(read_float(value, info));
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!value.is_string()) wrong_type(info, "str", value);
    return value.get<std::string>();
  } else {
    return ParamCodec<T>::read(value, info);
  }
}

template <class T>
json write(const T& value, const EnumNames& names) {
  if constexpr (is_optional<T>::value) {
    if (!value) return nullptr;
    return write(*value, names);
  } else if constexpr (std::is_enum_v<T>) {
    for (std::size_t k = 0; k < names.values.size(); ++k)
      if (names.values[k] == static_cast<std::int64_t>(value)) return names.names[k];
    FRANCA_FAIL(Status::internal, "internal: an enum parameter holds an undeclared value {}",
                static_cast<std::int64_t>(value));
  } else if constexpr (std::is_floating_point_v<T>) {
    return std::isfinite(value) ? json(value) : nonfinite_json(value);
  } else if constexpr (std::is_same_v<T, bool> || std::is_arithmetic_v<T> || std::is_same_v<T, std::string>) {
    return value;
  } else {
    return ParamCodec<T>::write(value);
  }
}

template <class T>
struct value_type_of {
  using type = T;
};
template <class T>
struct value_type_of<std::optional<T>> {
  using type = T;
};

}  // namespace params_detail

template <class P>
class ParamTable;

// What ParamTable::field returns: chained calls add the rules of one parameter.
template <class P, class T>
class FieldBuilder {
 public:
  // The value type without std::optional: what ranges, names and checks apply to.
  using Value = typename params_detail::value_type_of<T>::type;

  FieldBuilder(ParamTable<P>* table, std::size_t index) : table_(table), index_(index) {}

  FieldBuilder& minimum(double bound) { return bound_below(bound, false); }
  FieldBuilder& greater_than(double bound) { return bound_below(bound, true); }
  FieldBuilder& maximum(double bound) { return bound_above(bound, false); }
  FieldBuilder& or_infinity() {
    static_assert(std::is_floating_point_v<Value>, "only a float parameter holds infinity");
    table_->fields_[index_].info.infinity_allowed = true;
    return *this;
  }
  FieldBuilder& less_than(double bound) { return bound_above(bound, true); }

  // The names of an enum parameter, in the order of the listing. Every enum field declares them
  // (its default is written through them; TestParamKinds' test covers an enum field of each kind).
  FieldBuilder& names(std::initializer_list<std::pair<const char*, Value>> names) {
    static_assert(std::is_enum_v<Value>, "names() declares the names of an enum parameter");
    auto& field = table_->fields_[index_];
    for (const auto& [name, value] : names) {
      field.enum_names->names.emplace_back(name);
      field.enum_names->values.push_back(static_cast<std::int64_t>(value));
    }
    field.info.choices = field.enum_names->names;
    field.info.default_value = field.write(P{});
    return *this;
  }

  // A further check of the parsed value (not called for None); throws franca::Error naming the
  // parameter.
  FieldBuilder& check(std::function<void(const Value&)> check) {
    std::static_pointer_cast<Checks>(table_->fields_[index_].checks)->push_back(std::move(check));
    return *this;
  }

  // The enum values franca implements among those it accepts (scikit-learn's): another is
  // refused with not_implemented, naming it, followed by `hint`.
  FieldBuilder& implemented(std::initializer_list<Value> values, std::string hint) {
    static_assert(std::is_enum_v<Value>, "implemented() lists values of an enum parameter");
    std::vector<Value> allowed(values);
    auto names = table_->fields_[index_].enum_names;
    std::string name = table_->fields_[index_].info.name;
    return check([allowed, names, name, hint](const Value& value) {
      if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return;
      FRANCA_FAIL(Status::not_implemented, "parameter '{}': '{}' is not implemented in franca; {}", name,
                  params_detail::write(value, *names).template get<std::string>(), hint);
    });
  }

  // Only the default is computed by the library; see ParamInfo::binding_applies.
  FieldBuilder& binding_applies() {
    table_->fields_[index_].info.binding_applies = true;
    return *this;
  }

 private:
  FieldBuilder& bound_below(double bound, bool exclusive) {
    static_assert(std::is_arithmetic_v<Value> && !std::is_same_v<Value, bool>, "a bound needs a numeric parameter");
    auto& info = table_->fields_[index_].info;
    info.minimum = bound;
    info.exclusive_minimum = exclusive;
    return *this;
  }
  FieldBuilder& bound_above(double bound, bool exclusive) {
    static_assert(std::is_arithmetic_v<Value> && !std::is_same_v<Value, bool>, "a bound needs a numeric parameter");
    auto& info = table_->fields_[index_].info;
    info.maximum = bound;
    info.exclusive_maximum = exclusive;
    return *this;
  }

  using Checks = std::vector<std::function<void(const Value&)>>;
  friend class ParamTable<P>;

  ParamTable<P>* table_;
  std::size_t index_;
};

// The field table of the parameter struct P.
template <class P>
class ParamTable {
 public:
  template <class T>
  FieldBuilder<P, T> field(const char* name, T P::*member, std::string doc) {
    using Checks = typename FieldBuilder<P, T>::Checks;
    Field f;
    f.info.name = name;
    f.info.type = params_detail::type_name<T>();
    f.info.doc = std::move(doc);
    auto checks = std::make_shared<Checks>();
    f.checks = checks;
    auto enum_names = f.enum_names;
    f.read = [member, checks, enum_names](P& params, const json& value, const ParamInfo& info) {
      T parsed = params_detail::read<T>(value, info, *enum_names);
      if constexpr (params_detail::is_optional<T>::value) {
        if (parsed)
          for (const auto& check : *checks) check(*parsed);
      } else {
        for (const auto& check : *checks) check(parsed);
      }
      params.*member = std::move(parsed);
    };
    const std::size_t index = fields_.size();
    f.write = [member, enum_names](const P& params) { return params_detail::write(params.*member, *enum_names); };
    fields_.push_back(std::move(f));
    if constexpr (!std::is_enum_v<typename params_detail::value_type_of<T>::type>)
      fields_.back().info.default_value = fields_.back().write(P{});
    return FieldBuilder<P, T>(this, index);
  }

  // A rule over several parameters. Like scikit-learn, which checks these in fit, it runs when a
  // fit starts: parameters set one call at a time may pass through combinations it refuses.
  void rule(std::function<void(const P&)> rule) { rules_.push_back(std::move(rule)); }

  // Sets every entry of `object` in `params`, or throws (naming the parameter) and changes
  // nothing.
  void update(P& params, const json& object) const {
    FRANCA_EXPECTS_STATUS(object.is_object(), Status::type, "params: expected a JSON object, got {}",
                          params_detail::describe(object));
    P updated = params;
    for (const auto& [name, value] : object.items()) {
      const Field* field = find(name);
      if (!field) {
        std::string valid;
        for (const auto& f : fields_) valid += (valid.empty() ? "" : ", ") + f.info.name;
        FRANCA_FAIL(Status::invalid_argument, "parameter '{}': unknown; valid parameters are: {}",
                    params_detail::printable(name), valid);
      }
      if (field->info.binding_applies && value != field->info.default_value)
        FRANCA_FAIL(Status::not_implemented,
                    "parameter '{}': only {} is implemented in franca's C++ code, got {} (the Python binding runs "
                    "scikit-learn's estimator for other values)",
                    name, field->info.default_value.dump(), params_detail::describe(value));
      field->read(updated, value, field->info);
    }
    params = std::move(updated);
  }

  json values(const P& params) const {
    json out = json::object();
    for (const auto& f : fields_) out[f.info.name] = f.write(params);
    return out;
  }

  void check_rules(const P& params) const {
    for (const auto& rule : rules_) rule(params);
  }

  std::vector<ParamInfo> infos() const {
    std::vector<ParamInfo> out;
    for (const auto& f : fields_) out.push_back(f.info);
    return out;
  }

  // The table of P, built once from P::declare.
  static const ParamTable& get() {
    static const ParamTable table = [] {
      ParamTable t;
      P::declare(t);
      return t;
    }();
    return table;
  }

 private:
  template <class, class>
  friend class FieldBuilder;

  struct Field {
    ParamInfo info;
    std::shared_ptr<params_detail::EnumNames> enum_names = std::make_shared<params_detail::EnumNames>();
    // The further checks of the typed value: a FieldBuilder<P, T>::Checks, typed where T is known.
    std::shared_ptr<void> checks;
    std::function<void(P&, const json&, const ParamInfo&)> read;
    std::function<json(const P&)> write;
  };

  const Field* find(const std::string& name) const {
    for (const auto& f : fields_)
      if (f.info.name == name) return &f;
    return nullptr;
  }

  std::vector<Field> fields_;
  std::vector<std::function<void(const P&)>> rules_;
};

}  // namespace franca
