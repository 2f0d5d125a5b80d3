// The parameters that mean the same in every coordinate-descent estimator (ElasticNet, Lasso
// and their cross-validated versions), declared once.
#pragma once

#include <string>

#include "core/params.hpp"

namespace franca {

// precompute: False, True or 'auto', all accepted (franca picks the Gram or the residual form by
// X's width); a precomputed Gram matrix is a named not_implemented. A struct, not an enum, so
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

// fit_intercept, precompute and max_iter (whose doc says what one iteration is).
template <class P>
void declare_cd_fit_params(ParamTable<P>& t, const char* max_iter_doc) {
  t.field("fit_intercept", &P::fit_intercept,
          "Whether to fit an intercept; if False the data are assumed centred. The intercept is not penalised.");
  t.field("precompute", &P::precompute,
          "True, False or 'auto', all accepted and all alike: franca uses the Gram matrix X^T X whenever X has at "
          "most 4096 columns (the same iterations as scikit-learn's, in another form) and the residual form "
          "otherwise. A precomputed Gram array is not implemented.");
  t.field("max_iter", &P::max_iter, max_iter_doc).minimum(1);
}

// positive, random_state and selection.
template <class P>
void declare_cd_solver_params(ParamTable<P>& t) {
  t.field("positive", &P::positive, "Constrain the coefficients to be >= 0.");
  t.field("random_state", &P::random_state,
          "Seed of the coordinates drawn with selection='random' (None: the context's seed).");
  t.field("selection", &P::selection,
          "'cyclic' updates the coordinates in order; 'random' draws one at random (with replacement) each step.")
      .names({{"cyclic", Selection::cyclic}, {"random", Selection::random}});
}

}  // namespace franca
