#include "core/params.hpp"

#include <cmath>

namespace franca {

namespace {

constexpr const char* kNonfiniteKey = "$franca_nonfinite";

bool token_at(const std::string& text, std::size_t i, const char* token) {
  return text.compare(i, std::char_traits<char>::length(token), token) == 0;
}

}  // namespace

json parse_params_json(const std::string& text, const char* argument) {
  // One pass outside string literals: the nesting depth, and the tokens JSON lacks.
  std::string rewritten;
  rewritten.reserve(text.size());
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      rewritten += c;
      if (c == '\\' && i + 1 < text.size()) {
        rewritten += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      FRANCA_EXPECTS(++depth <= kMaxParamsDepth, "{}: JSON nested deeper than {} levels", argument, kMaxParamsDepth);
    } else if (c == ']' || c == '}') {
      --depth;
    } else {
      static const std::pair<const char*, const char*> tokens[] = {
          {"-Infinity", "-inf"}, {"Infinity", "inf"}, {"NaN", "nan"}};
      bool replaced = false;
      for (const auto& [token, name] : tokens) {
        if (token_at(text, i, token)) {
          rewritten += fmt::format("{{\"{}\": \"{}\"}}", kNonfiniteKey, name);
          i += std::char_traits<char>::length(token) - 1;
          replaced = true;
          break;
        }
      }
      if (replaced) continue;
    }
    rewritten += c;
  }
  try {
    return json::parse(rewritten);
  } catch (const json::exception& e) {
    FRANCA_FAIL(Status::invalid_argument, "{}: not valid JSON: {}", argument, e.what());
  }
}

std::string dump_params_json(const json& params) {
  std::string text = params.dump();
  const std::pair<double, const char*> tokens[] = {{HUGE_VAL, "Infinity"}, {-HUGE_VAL, "-Infinity"}, {NAN, "NaN"}};
  for (const auto& [value, token] : tokens) {
    const std::string marker = params_detail::nonfinite_json(value).dump();
    for (auto at = text.find(marker); at != std::string::npos; at = text.find(marker, at))
      text.replace(at, marker.size(), token);
  }
  return text;
}

json ParamInfo::listing() const {
  json entry = {
      {"name", name}, {"type", type}, {"default", default_value}, {"doc", doc}, {"binding_applies", binding_applies}};
  if (!choices.empty()) entry["choices"] = choices;
  if (minimum) entry[exclusive_minimum ? "exclusive_minimum" : "minimum"] = *minimum;
  if (maximum) entry[exclusive_maximum ? "exclusive_maximum" : "maximum"] = *maximum;
  return entry;
}

namespace params_detail {

bool nonfinite_marker(const json& value, double& out) {
  if (!value.is_object() || value.size() != 1) return false;
  const auto it = value.find(kNonfiniteKey);
  if (it == value.end() || !it->is_string()) return false;
  const auto name = it->get<std::string>();
  out = name == "nan" ? std::nan("") : name == "inf" ? HUGE_VAL : -HUGE_VAL;
  return true;
}

json nonfinite_json(double x) { return {{kNonfiniteKey, std::isnan(x) ? "nan" : x > 0 ? "inf" : "-inf"}}; }

std::string describe(const json& value) {
  double x = 0;
  if (nonfinite_marker(value, x)) return std::isnan(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity";
  std::string text = value.dump();
  constexpr std::size_t kMaxShown = 80;
  if (text.size() > kMaxShown) text = text.substr(0, kMaxShown) + "...";
  return text;
}

std::string printable(const std::string& text) {
  const std::string quoted = json(text).dump(-1, ' ', false, json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

[[noreturn]] void wrong_type(const ParamInfo& info, const std::string& expected, const json& value) {
  FRANCA_FAIL(Status::type, "parameter '{}': expected {}, got {}", info.name, expected, describe(value));
}

void check_range(double x, const ParamInfo& info) {
  if (info.minimum) {
    FRANCA_EXPECTS(info.exclusive_minimum ? x > *info.minimum : x >= *info.minimum,
                   "parameter '{}': must be {} {}, got {}", info.name,
                   info.exclusive_minimum ? ">" : ">=", *info.minimum, x);
  }
  if (info.maximum) {
    FRANCA_EXPECTS(info.exclusive_maximum ? x < *info.maximum : x <= *info.maximum,
                   "parameter '{}': must be {} {}, got {}", info.name,
                   info.exclusive_maximum ? "<" : "<=", *info.maximum, x);
  }
}

std::int64_t read_integer(const json& value, const ParamInfo& info, std::int64_t lowest, std::int64_t highest,
                          const char* type_name) {
  std::int64_t x = 0;
  bool fits = true;  // representable in int64
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    fits = u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    x = fits ? static_cast<std::int64_t>(u) : 0;
  } else if (value.is_number_integer()) {
    x = value.get<std::int64_t>();
  } else if (value.is_number_float()) {
    // 2.0 for an int parameter is what Python users write; a whole float is accepted.
    const double d = value.get<double>();
    if (d != std::floor(d)) wrong_type(info, "int", value);
    // 2^63 is the first double beyond int64; smaller whole doubles convert exactly.
    fits = d >= -9223372036854775808.0 && d < 9223372036854775808.0;
    x = fits ? static_cast<std::int64_t>(d) : 0;
  } else {
    double nonfinite = 0;
    if (nonfinite_marker(value, nonfinite)) wrong_type(info, "int", value);
    wrong_type(info, info.type, value);
  }
  // A negative lowest is the type's bound (int32's), a non-negative one the parameter's minimum.
  FRANCA_EXPECTS(fits && x <= highest && (lowest >= 0 || x >= lowest), "parameter '{}': {} does not fit {}", info.name,
                 describe(value), type_name);
  FRANCA_EXPECTS(x >= lowest, "parameter '{}': must be >= {}, got {}", info.name, lowest, x);
  check_range(static_cast<double>(x), info);
  return x;
}

double read_float(const json& value, const ParamInfo& info) {
  double x = 0;
  if (value.is_number()) {
    x = value.get<double>();
  } else if (!nonfinite_marker(value, x)) {
    wrong_type(info, info.type, value);
  }
  FRANCA_EXPECTS(!std::isnan(x), "parameter '{}': must be a number, got NaN", info.name);
  FRANCA_EXPECTS(std::isfinite(x) || (info.infinity_allowed && x > 0), "parameter '{}': must be {}, got {}", info.name,
                 info.infinity_allowed ? "a finite number or inf" : "finite", describe(value));
  check_range(x, info);
  return x;
}

std::int64_t read_choice(const json& value, const ParamInfo& info, const EnumNames& names) {
  if (!value.is_string()) wrong_type(info, info.type, value);
  const auto s = value.get<std::string>();
  for (std::size_t k = 0; k < names.names.size(); ++k)
    if (names.names[k] == s) return names.values[k];
  std::string allowed;
  for (const auto& c : names.names) allowed += (allowed.empty() ? "'" : ", '") + c + "'";
  FRANCA_FAIL(Status::invalid_argument, "parameter '{}': must be one of {}, got '{}'", info.name, allowed,
              printable(s));
}

KeywordOr read_keyword_or(const json& value, const ParamInfo& info, const char* keyword, const char* container) {
  if (value.is_null()) return KeywordOr::none;
  const bool is_dict = std::string(container) == "dict";
  if (value.is_string()) {
    FRANCA_EXPECTS(value.get<std::string>() == keyword, "parameter '{}': must be one of '{}', a {} or None, got {}",
                   info.name, keyword, container, value.dump());
    return KeywordOr::keyword;
  }
  FRANCA_EXPECTS_STATUS(is_dict ? value.is_object() : value.is_array(), Status::type,
                        "parameter '{}': expected '{}', a {} or None, got {}", info.name, keyword, container,
                        describe(value));
  return KeywordOr::container;
}

}  // namespace params_detail

}  // namespace franca
