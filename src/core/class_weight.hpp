// Class labels as a classifier sees them (the sorted distinct labels, each row's code among them),
// and class_weight, as scikit-learn's classifiers take it: None, 'balanced', 'balanced_subsample'
// (forests only: each bootstrap's own class counts), a dict of class label -> weight, the keys
// written as numbers ("0", "2.5"), or (multi-output forests) a list of such dicts, one per output.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/params.hpp"

namespace franca {

struct ClassWeight {
  enum class Kind { none, balanced, balanced_subsample, given, given_per_output };
  struct Entry {
    std::string key;
    double label;
    double weight;
  };
  Kind kind = Kind::none;
  std::vector<Entry> entries;                  // given
  std::vector<std::vector<Entry>> per_output;  // given_per_output: a list of dicts

  // The weights of output `output` of `n_outputs`, as a one-output spec. As scikit-learn's
  // compute_sample_weight, several outputs take None, a preset or a list of one dict per output;
  // one output takes no list.
  ClassWeight for_output(std::int64_t output, std::int64_t n_outputs) const;
};

template <>
struct ParamCodec<ClassWeight> {
  static std::string type_name() { return "str or dict or list of dict or None"; }
  static ClassWeight read(const json& v, const ParamInfo& info);
  static json write(const ClassWeight& w);
};

struct ClassLabels {
  std::vector<double> classes;       // sorted, distinct
  std::vector<std::int32_t> codes;   // per row, its label's index in classes
  std::vector<std::int64_t> counts;  // per class, its rows
  std::int64_t size() const { return static_cast<std::int64_t>(classes.size()); }
};

ClassLabels encode_class_labels(const double* labels, std::int64_t n);

// scikit-learn's compute_class_weight over the fitted classes (sorted labels) and their counts
// among the n rows; 'balanced_subsample' weighs as 'balanced'. As scikit-learn, a dict may leave
// classes out (weight 1) only when all its keys are classes; else the error names those classes.
// A list of dicts is refused: for_output picks an output's dict.
std::vector<double> class_weights(const ClassWeight& spec, const std::vector<double>& classes,
                                  const std::vector<std::int64_t>& counts, std::int64_t n);

}  // namespace franca
