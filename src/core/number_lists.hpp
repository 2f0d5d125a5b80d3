// Parameters that are a number or a list of numbers (scikit-learn's l1_ratio list, Ridge's alpha
// per target, alpha grids), and the readers they share.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "core/params.hpp"

namespace franca {

namespace params_detail {

// Python's name of a JSON value's type, as a binding's caller wrote it.
inline const char* python_type_name(const json& v) {
  if (v.is_string()) return "str";
  if (v.is_boolean()) return "bool";
  if (v.is_null()) return "NoneType";
  if (v.is_array()) return "list";
  if (v.is_object()) return "dict";
  return v.is_number_integer() ? "int" : "float";
}

// The numbers of a JSON list, each in [lo, hi]; `where` names the list in errors, which say what
// scikit-learn's check_scalar says of a list entry (alphas[1] == -1, must be >= 0.0.).
inline std::vector<double> read_numbers(const json& v, const ParamInfo& info, double lo, double hi,
                                        const std::string& where) {
  std::vector<double> out;
  std::size_t i = 0;
  for (const auto& e : v) {
    double nonfinite = 0;
    FRANCA_EXPECTS_STATUS(e.is_number() || nonfinite_marker(e, nonfinite), Status::type,
                          "parameter '{}': {}[{}] must be an instance of float, not {}", info.name, where, i,
                          python_type_name(e));
    const double x = read_float(e, info);
    if (hi == std::numeric_limits<double>::max())
      FRANCA_EXPECTS(x >= lo, "parameter '{}': {}[{}] == {}, must be >= {:.1f}.", info.name, where, i, x, lo);
    else
      FRANCA_EXPECTS(x >= lo && x <= hi, "parameter '{}': {}[{}] == {}, must be in [{}, {}]", info.name, where, i, x,
                     lo, hi);
    out.push_back(x);
    ++i;
  }
  return out;
}

inline std::vector<double> read_nonempty(const json& v, const ParamInfo& info, double lo, double hi) {
  std::vector<double> out = read_numbers(v, info, lo, hi, info.name);
  FRANCA_EXPECTS(!out.empty(), "parameter '{}': must not be an empty list", info.name);
  return out;
}

}  // namespace params_detail

// The ranges of NumberOrList.
struct UnitInterval {
  static constexpr double lo = 0.0, hi = 1.0;
};
struct NonNegative {
  static constexpr double lo = 0.0, hi = std::numeric_limits<double>::max();
};

// A number, or a non-empty list of numbers (`list`: given as a list, written back as one), each
// in [Range::lo, Range::hi].
template <class Range>
struct NumberOrList {
  std::vector<double> values;
  bool list = false;
};

template <class Range>
struct ParamCodec<NumberOrList<Range>> {
  static std::string type_name() { return "float or list of float"; }
  static NumberOrList<Range> read(const json& v, const ParamInfo& info) {
    if (v.is_array()) return {params_detail::read_nonempty(v, info, Range::lo, Range::hi), true};
    const double x = params_detail::read_float(v, info);
    if (Range::hi == std::numeric_limits<double>::max())
      FRANCA_EXPECTS(x >= Range::lo, "parameter '{}': must be >= {}, got {}", info.name, Range::lo, x);
    else
      FRANCA_EXPECTS(x >= Range::lo && x <= Range::hi, "parameter '{}': must be in [{}, {}], got {}", info.name,
                     Range::lo, Range::hi, x);
    return {{x}, false};
  }
  static json write(const NumberOrList<Range>& r) { return r.list ? json(r.values) : json(r.values[0]); }
};

}  // namespace franca
