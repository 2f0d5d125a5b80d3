#include "core/class_weight.hpp"

#include <algorithm>
#include <cmath>

#include "core/expects.hpp"

namespace franca {

namespace {

// A key is the class label written as a number ("0", "1.5", "-1").
bool parse_label(const std::string& key, double& label) {
  try {
    std::size_t used = 0;
    label = std::stod(key, &used);
    return used == key.size() && std::isfinite(label);
  } catch (const std::exception&) {
    return false;
  }
}

std::vector<ClassWeight::Entry> read_entries(const json& dict, const ParamInfo& info) {
  std::vector<ClassWeight::Entry> entries;
  for (const auto& [key, value] : dict.items()) {
    double label = 0;
    FRANCA_EXPECTS(parse_label(key, label), "parameter '{}': the key '{}' is not a numeric class label", info.name,
                   key);
    ParamInfo weight_info = info;
    weight_info.name = fmt::format("{}[{}]", info.name, key);
    weight_info.type = "float";
    weight_info.minimum = 0;
    entries.push_back({key, label, params_detail::read_float(value, weight_info)});
  }
  return entries;
}

json write_entries(const std::vector<ClassWeight::Entry>& entries) {
  json out = json::object();
  for (const auto& e : entries) out[e.key] = e.weight;
  return out;
}

}  // namespace

ClassWeight ParamCodec<ClassWeight>::read(const json& v, const ParamInfo& info) {
  ClassWeight out;
  if (v.is_null()) return out;
  if (v.is_string()) {
    const auto name = v.get<std::string>();
    FRANCA_EXPECTS(name == "balanced" || name == "balanced_subsample",
                   "parameter '{}': must be one of 'balanced', 'balanced_subsample', a dict or None, got {}", info.name,
                   v.dump());
    out.kind = name == "balanced" ? ClassWeight::Kind::balanced : ClassWeight::Kind::balanced_subsample;
    return out;
  }
  if (v.is_array()) {
    out.kind = ClassWeight::Kind::given_per_output;
    for (std::size_t o = 0; o < v.size(); ++o) {
      FRANCA_EXPECTS_STATUS(v[o].is_object(), Status::type,
                            "parameter '{}': element {} of the list must be a dict, got {}", info.name, o,
                            params_detail::describe(v[o]));
      ParamInfo output_info = info;
      output_info.name = fmt::format("{}[{}]", info.name, o);
      out.per_output.push_back(read_entries(v[o], output_info));
    }
    return out;
  }
  FRANCA_EXPECTS_STATUS(v.is_object(), Status::type,
                        "parameter '{}': expected a str, a dict, a list of dicts or None, got {}", info.name,
                        params_detail::describe(v));
  out.kind = ClassWeight::Kind::given;
  out.entries = read_entries(v, info);
  return out;
}

json ParamCodec<ClassWeight>::write(const ClassWeight& w) {
  switch (w.kind) {
    case ClassWeight::Kind::none:
      return nullptr;
    case ClassWeight::Kind::balanced:
      return "balanced";
    case ClassWeight::Kind::balanced_subsample:
      return "balanced_subsample";
    case ClassWeight::Kind::given:
      return write_entries(w.entries);
    case ClassWeight::Kind::given_per_output:
      break;
  }
  json out = json::array();
  for (const auto& entries : w.per_output) out.push_back(write_entries(entries));
  return out;
}

ClassWeight ClassWeight::for_output(std::int64_t output, std::int64_t n_outputs) const {
  if (n_outputs == 1) {
    FRANCA_EXPECTS(kind != Kind::given_per_output,
                   "class_weight: a list of dicts is for several outputs; y has one: pass a dict");
    return *this;
  }
  FRANCA_EXPECTS(kind != Kind::given,
                 "class_weight: For multi-output, class_weight should be a list of dicts, or the string 'balanced'.");
  if (kind != Kind::given_per_output) return *this;
  FRANCA_EXPECTS(static_cast<std::int64_t>(per_output.size()) == n_outputs,
                 "class_weight: For multi-output, number of elements in class_weight should match number of outputs "
                 "({} dicts for {} outputs).",
                 per_output.size(), n_outputs);
  ClassWeight one;
  one.kind = Kind::given;
  one.entries = per_output[static_cast<std::size_t>(output)];
  return one;
}

ClassLabels encode_class_labels(const double* labels, std::int64_t n) {
  ClassLabels out;
  out.classes.assign(labels, labels + n);
  std::sort(out.classes.begin(), out.classes.end());
  out.classes.erase(std::unique(out.classes.begin(), out.classes.end()), out.classes.end());
  out.codes.resize(static_cast<std::size_t>(n));
  out.counts.assign(out.classes.size(), 0);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto k = std::lower_bound(out.classes.begin(), out.classes.end(), labels[i]) - out.classes.begin();
    out.codes[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(k);
    ++out.counts[static_cast<std::size_t>(k)];
  }
  return out;
}

std::vector<double> class_weights(const ClassWeight& spec, const std::vector<double>& classes,
                                  const std::vector<std::int64_t>& counts, std::int64_t n) {
  FRANCA_EXPECTS(spec.kind != ClassWeight::Kind::given_per_output,
                 "class_weight: a list of dicts is for multi-output forests; pass a dict");
  const auto K = classes.size();
  std::vector<double> cw(K, 1.0);
  if (spec.kind == ClassWeight::Kind::balanced || spec.kind == ClassWeight::Kind::balanced_subsample) {
    for (std::size_t k = 0; k < K; ++k)
      cw[k] = static_cast<double>(n) / (static_cast<double>(K) * static_cast<double>(counts[k]));
  } else if (spec.kind == ClassWeight::Kind::given) {
    std::vector<double> unweighted;
    for (std::size_t k = 0; k < K; ++k) {
      bool found = false;
      for (const auto& entry : spec.entries) {
        if (entry.label == classes[k]) {
          cw[k] = entry.weight;
          found = true;
        }
      }
      if (!found) unweighted.push_back(classes[k]);
    }
    FRANCA_EXPECTS(unweighted.empty() || K - unweighted.size() == spec.entries.size(),
                   "class_weight: the classes, [{}], are not in class_weight", fmt::join(unweighted, ", "));
  }
  return cw;
}

}  // namespace franca
