// The parameters that mean the same in every coordinate-descent estimator (ElasticNet, Lasso
// and their cross-validated versions), declared once.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/number_lists.hpp"
#include "core/params.hpp"
#include "core/random.hpp"
#include "linear_model/coordinate_descent.hpp"

namespace franca {

// precompute: False, True or 'auto', all accepted (franca picks the Gram or the residual form by
// cost, cd_input); a precomputed Gram matrix is a named not_implemented. A struct, not an enum, so
// that its ParamCodec reads booleans.
struct Precompute {
  enum class Kind { no, yes, automatic };
  Kind kind = Kind::no;
};

enum class Selection { cyclic, random };

template <>
struct ParamCodec<Precompute> {
  static std::string type_name() { return "bool or 'auto'"; }
  static Precompute read(const json& v, const ParamInfo& info) {
    if (v.is_boolean()) return {v.get<bool>() ? Precompute::Kind::yes : Precompute::Kind::no};
    if (v.is_string()) {
      FRANCA_EXPECTS(v.get<std::string>() == "auto", "parameter '{}': must be True, False or 'auto', got {}", info.name,
                     v.dump());
      return {Precompute::Kind::automatic};
    }
    FRANCA_EXPECTS_STATUS(!v.is_array(), Status::not_implemented,
                          "parameter '{}': a precomputed Gram matrix is not implemented; pass True, False or 'auto' "
                          "(franca computes the Gram matrix itself)",
                          info.name);
    params_detail::wrong_type(info, "bool or 'auto'", v);
  }
  static json write(const Precompute& p) {
    if (p.kind == Precompute::Kind::automatic) return "auto";
    return p.kind == Precompute::Kind::yes;
  }
};

// alphas: None (the grid from eps and n_alphas) or a non-empty list of numbers >= 0.
// alphas: a list of values (given), or None or an int (scikit-learn >= 1.7: the number of
// alphas of the automatic grid, in place of n_alphas).
struct AlphaGrid {
  bool given = false;
  std::vector<double> values;
  std::optional<std::int64_t> count;
  // The number of automatic alphas: `count` where alphas is an int, else `n_alphas`.
  std::int64_t automatic(std::int64_t n_alphas) const { return count.value_or(n_alphas); }
};
// l1_ratio: a number or a non-empty list of numbers, each in [0, 1].
using L1Ratios = NumberOrList<UnitInterval>;
// verbose: a bool or an integer (accepted; franca logs through its logger).
struct Verbosity {
  json value = false;
};
// None, or a vector or a matrix of numbers given in the parameters (enet_path's Xy, coef_init,
// X_offset, X_scale and a precomputed Gram matrix): the values row-major and the shape ({} for
// None). Checked against X's shape when a fit starts.
struct NumberArray {
  std::vector<double> values;
  std::vector<std::int64_t> shape;
  bool given() const { return !shape.empty(); }
};
// precompute of enet_path: False, True, 'auto' or a precomputed Gram matrix (d x d).
struct PrecomputeOrGram {
  Precompute flag{Precompute::Kind::automatic};
  NumberArray gram;
};

// cv of the CV estimators: None (5 folds), a number of contiguous folds (at least 2), or explicit
// splits, a list of [train rows, test rows] pairs: the Python binding's rendering of a splitter
// object or an iterable of (train, test) splits. The rows are checked against X when a fit starts.
struct CvSplits {
  std::optional<std::int64_t> folds;
  std::vector<std::array<std::vector<std::int64_t>, 2>> splits;
};

namespace cd_params_detail {

// A list of finite numbers or a list of equally long such lists.
inline NumberArray read_array(const json& v, const ParamInfo& info) {
  constexpr double kMax = std::numeric_limits<double>::max();
  NumberArray a;
  if (v.empty() || !v.front().is_array()) {
    a.values = params_detail::read_numbers(v, info, -kMax, kMax, info.name);
    a.shape = {static_cast<std::int64_t>(a.values.size())};
    return a;
  }
  const std::size_t cols = v.front().size();
  for (std::size_t r = 0; r < v.size(); ++r) {
    FRANCA_EXPECTS_STATUS(v[r].is_array(), Status::type, "parameter '{}': row {} is {}, expected a list of numbers",
                          info.name, r, params_detail::describe(v[r]));
    FRANCA_EXPECTS(v[r].size() == cols, "parameter '{}': row {} has {} values but row 0 has {}", info.name, r,
                   v[r].size(), cols);
    const auto row = params_detail::read_numbers(v[r], info, -kMax, kMax, fmt::format("{}[{}]", info.name, r));
    a.values.insert(a.values.end(), row.begin(), row.end());
  }
  a.shape = {static_cast<std::int64_t>(v.size()), static_cast<std::int64_t>(cols)};
  return a;
}

// None (false) or a JSON list (true); another kind is a type error naming the parameter.
inline bool given_list(const json& v, const ParamInfo& info) {
  if (v.is_null()) return false;
  if (!v.is_array()) params_detail::wrong_type(info, "a list of floats or None", v);
  return true;
}

inline json write_array(const NumberArray& a) {
  if (!a.given()) return nullptr;
  if (a.shape.size() == 1) return a.values;
  json rows = json::array();
  const auto cols = static_cast<std::size_t>(a.shape[1]);
  for (std::size_t r = 0; r < static_cast<std::size_t>(a.shape[0]); ++r)
    rows.push_back(std::vector<double>(a.values.begin() + static_cast<std::ptrdiff_t>(r * cols),
                                       a.values.begin() + static_cast<std::ptrdiff_t>((r + 1) * cols)));
  return rows;
}

}  // namespace cd_params_detail

template <>
struct ParamCodec<AlphaGrid> {
  static std::string type_name() { return "list of float, int or None"; }
  static AlphaGrid read(const json& v, const ParamInfo& info) {
    if (v.is_number_integer()) {
      return {false, {}, params_detail::read_integer(v, info, 1, std::numeric_limits<std::int64_t>::max(), "int")};
    }
    if (!cd_params_detail::given_list(v, info)) return {};
    return {true, params_detail::read_nonempty(v, info, 0.0, std::numeric_limits<double>::max()), std::nullopt};
  }
  static json write(const AlphaGrid& a) {
    if (a.count) return *a.count;
    return a.given ? json(a.values) : json(nullptr);
  }
};

template <>
struct ParamCodec<Verbosity> {
  static std::string type_name() { return "bool or int"; }
  static Verbosity read(const json& v, const ParamInfo& info) {
    if (v.is_boolean()) return {v};
    return {params_detail::read_integer(v, info, 0, std::numeric_limits<std::int64_t>::max(), "int")};
  }
  static json write(const Verbosity& p) { return p.value; }
};

template <>
struct ParamCodec<NumberArray> {
  static std::string type_name() { return "list of float or None"; }
  static NumberArray read(const json& v, const ParamInfo& info) {
    if (!cd_params_detail::given_list(v, info)) return {};
    return cd_params_detail::read_array(v, info);
  }
  static json write(const NumberArray& a) { return cd_params_detail::write_array(a); }
};

template <>
struct ParamCodec<PrecomputeOrGram> {
  static std::string type_name() { return "bool, 'auto' or a list of lists of float"; }
  static PrecomputeOrGram read(const json& v, const ParamInfo& info) {
    if (!v.is_array()) return {ParamCodec<Precompute>::read(v, info), {}};
    PrecomputeOrGram p{{Precompute::Kind::yes}, cd_params_detail::read_array(v, info)};
    FRANCA_EXPECTS(p.gram.shape.size() == 2,
                   "parameter '{}': a Gram matrix must be a list of rows (2-D), got {} values", info.name,
                   p.gram.values.size());
    return p;
  }
  static json write(const PrecomputeOrGram& p) {
    return p.gram.given() ? cd_params_detail::write_array(p.gram) : ParamCodec<Precompute>::write(p.flag);
  }
};

template <>
struct ParamCodec<CvSplits> {
  static std::string type_name() { return "int, None or a list of [train rows, test rows]"; }
  static CvSplits read(const json& v, const ParamInfo& info) {
    constexpr std::int64_t kMaxRow = std::numeric_limits<std::int64_t>::max();
    if (v.is_null()) return {};
    if (!v.is_array()) return {params_detail::read_integer(v, info, 2, kMaxRow, "int"), {}};
    FRANCA_EXPECTS(!v.empty(), "parameter '{}': an empty list of splits", info.name);
    CvSplits cv;
    for (std::size_t s = 0; s < v.size(); ++s) {
      FRANCA_EXPECTS_STATUS(v[s].is_array() && v[s].size() == 2, Status::type,
                            "parameter '{}': split {} is {}, expected [train rows, test rows]", info.name, s,
                            params_detail::describe(v[s]));
      std::array<std::vector<std::int64_t>, 2> split;
      for (std::size_t part = 0; part < 2; ++part) {
        const char* which = part == 0 ? "train" : "test";
        FRANCA_EXPECTS_STATUS(v[s][part].is_array(), Status::type,
                              "parameter '{}': split {}'s {} rows are {}, expected "
                              "a list of row indices",
                              info.name, s, which, params_detail::describe(v[s][part]));
        FRANCA_EXPECTS(!v[s][part].empty(), "parameter '{}': split {} has no {} rows", info.name, s, which);
        for (const auto& row : v[s][part])
          split[part].push_back(params_detail::read_integer(row, info, 0, kMaxRow, "int"));
      }
      cv.splits.push_back(std::move(split));
    }
    return cv;
  }
  static json write(const CvSplits& cv) {
    if (cv.folds) return *cv.folds;
    if (cv.splits.empty()) return nullptr;
    json splits = json::array();
    for (const auto& split : cv.splits) splits.push_back(json::array({split[0], split[1]}));
    return splits;
  }
};

// A given Gram matrix must be d x d for X of d columns.
inline void check_gram_shape(const NumberArray& gram, std::int64_t d) {
  FRANCA_EXPECTS(gram.shape == (std::vector<std::int64_t>{d, d}),
                 "precompute: a Gram matrix of shape {} for X of {} columns, expected ({}, {})", shape_text(gram.shape),
                 d, d, d);
}

// The element at which scikit-learn checks a given Gram matrix against X: (d/2, d/2 + 1).
inline std::pair<std::int64_t, std::int64_t> gram_check_element(std::int64_t d) {
  const std::int64_t f1 = d / 2;
  return {f1, std::min(f1 + 1, d - 1)};
}

// scikit-learn's check of a given Gram matrix at that element against `computed`, from X: within
// 1e-5 plus 1e-7 relative (1e-4 for float32 X), else its error.
inline void check_gram_element(const NumberArray& gram, std::int64_t d, DType dtype, double computed) {
  const auto [f1, f2] = gram_check_element(d);
  const double actual = gram.values[static_cast<std::size_t>(f1 * d + f2)];
  const double rtol = dtype == DType::float32 ? 1e-4 : 1e-7;
  FRANCA_EXPECTS(std::fabs(computed - actual) <= 1e-5 + rtol * std::fabs(actual),
                 "precompute: Gram matrix passed in via 'precompute' parameter did not pass validation when a single "
                 "element was checked - please check that it was computed properly. For element ({},{}) we computed "
                 "{} but the user-supplied value was {}.",
                 f1, f2, computed, actual);
}

// fit_intercept, precompute and max_iter (whose doc says what one iteration is).
template <class P>
void declare_cd_fit_params(ParamTable<P>& t, const char* max_iter_doc) {
  t.field("fit_intercept", &P::fit_intercept,
          "Whether to fit an intercept; if False the data are assumed centred. The intercept is not penalised.");
  constexpr bool kTakesGram = std::is_same_v<decltype(P::precompute), PrecomputeOrGram>;
  t.field("precompute", &P::precompute,
          kTakesGram
              ? "True, False or 'auto', all alike: franca uses the Gram matrix X^T X (the same iterations as "
                "scikit-learn's, in another form) where X has at most 4096 columns and at least as many stored "
                "values as the Gram matrix has entries (dense X: n_samples >= n_features), or is on CUDA, and the "
                "residual form otherwise. Or a precomputed Gram matrix (d x d) of X as scikit-learn uses it: rows "
                "scaled by the square roots of the weights normalised to sum to n_samples; used for dense X whose "
                "(weighted) column means are 0 within 1e-8 or without fit_intercept (else, as scikit-learn, a "
                "warning and the Gram matrix recomputed), checked at one element; CSR X ignores it."
              : "True, False or 'auto', all accepted and all alike: franca uses the Gram matrix X^T X (the same "
                "iterations as scikit-learn's, in another form) where X has at most 4096 columns and at least as many "
                "stored values as the Gram matrix has entries (dense X: n_samples >= n_features), or is on CUDA, and "
                "the residual form otherwise. A precomputed Gram array is not implemented.");
  t.field("max_iter", &P::max_iter, max_iter_doc).minimum(1);
}

// eps, n_alphas and alphas: the grid of a regularisation path.
template <class P>
void declare_alpha_grid_params(ParamTable<P>& t) {
  t.field("eps", &P::eps, "Length of the path: alpha_min / alpha_max = eps.").greater_than(0);
  t.field("n_alphas", &P::n_alphas, "Number of alphas on the path (when alphas is None).").minimum(1);
  t.field("alphas", &P::alphas,
          "The alphas of the path (sorted in decreasing order); None: n_alphas on a log grid from alpha_max = "
          "max_j |x_j^T y| / (n l1_ratio) (the smallest alpha making every coefficient zero) down to eps "
          "alpha_max; an int: that many alphas on that grid (scikit-learn >= 1.7's form of n_alphas).");
}

// random_state and selection.
template <class P>
void declare_cd_selection_params(ParamTable<P>& t) {
  t.field("random_state", &P::random_state,
          "Seed of the coordinates drawn with selection='random' (None: the context's seed).");
  t.field("selection", &P::selection,
          "'cyclic' updates the coordinates in order; 'random' draws one at random (with replacement) each step.")
      .names({{"cyclic", Selection::cyclic}, {"random", Selection::random}});
}

// positive, random_state and selection.
template <class P>
void declare_cd_solver_params(ParamTable<P>& t) {
  t.field("positive", &P::positive, "Constrain the coefficients to be >= 0.");
  declare_cd_selection_params(t);
}

// The solver options of the parameters every coordinate-descent estimator has (max_iter, tol,
// positive, selection, random_state); the caller sets the penalties and the stream of each fit.
template <class P>
CdOptions cd_solver_options(const Context& ctx, const P& p) {
  CdOptions o;
  o.max_iter = p.max_iter;
  o.tol = p.tol;
  o.positive = p.positive;
  o.random = p.selection == Selection::random;
  o.seed = seed_for(ctx, p.random_state);
  return o;
}

}  // namespace franca
