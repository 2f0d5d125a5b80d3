// The data term of a generalised linear model's objective, one primitive for every loss and
// device: sum_i w_i loss(y_i, z_i) at float64 host coefficients, and its gradient, with the t
// scores z_i = W x_i + b of each row. One fused pass over the rows computes the scores, the loss
// and the gradient together (X is read once per evaluation), templated on the per-row loss
// functor (primitives/glm_loss.hpp) and accumulating in float64, for dense X (any strides) and
// CSR X (int32/int64 indptr and indices), float32 or float64 values.
//
//     const double f = FRANCA_DISPATCH(data.X.device(), glm_objective, ctx, data, coef, grad);
//
// glm_hessian is the Newton solver's pass: the Hessian of the same data loss, one more pass over X.
#pragma once

#include <cstdint>
#include <type_traits>
#include <vector>

#include "core/array.hpp"
#include "core/context.hpp"
#include "core/dispatch.hpp"
#include "core/matrix.hpp"
#include "primitives/glm_loss.hpp"

namespace franca {

// A fit's data, prepared once; every array on X's device.
struct GlmData {
  Matrix X;                              // dense or CSR, float32 or float64; CSR parts contiguous
  Array labels;                          // int32, rows: binomial {0, 1}, multinomial class codes
  Array targets;                         // float64, rows: the regression losses' targets
  Array weights;                         // float64, rows: sample weights (required)
  std::int64_t n_scores = 1;             // t: 1, or K for the multinomial loss
  bool fit_intercept = true;             // coef ends with n_scores intercepts
  glm::Loss loss = glm::Loss::binomial;  // the per-row loss functor (glm_loss.hpp)
  double power = 1.5;                    // the Tweedie power
};

// The weighted data loss sum_i w_i loss_i at `coef` and its gradient. coef and grad: float64 host
// vectors of n_scores * d coefficients (row-major, one row per score) followed, when
// fit_intercept, by n_scores intercepts.
template <Backend B>
double glm_objective(const Context& ctx, const GlmData& data, const std::vector<double>& coef,
                     std::vector<double>& grad);

// The Hessian of the data loss at `coef` (glm_objective's coefficient order), as scikit-learn's
// LinearModelLoss.gradient_hessian builds it: sum_i H_i (x) x~_i x~_i^T with x~_i = (x_i, 1 when
// fit_intercept) and H_i the t x t matrix w_i d^2 loss_i / dz dz^T. For one score per row H_i is
// replaced by |H_i|, as scikit-learn does: a non-canonical link (Gamma or Tweedie with the
// identity link, Tweedie powers outside [1, 2] with the log link) can make it negative far from
// the optimum.
struct GlmHessian {
  std::vector<double> matrix;  // n_coef x n_coef, row-major, float64, on the host
  // One score per row: sum_i w_i [H_i <= 0] / sum_i w_i (scikit-learn falls back to L-BFGS above
  // 1/4); 0 for the multinomial loss, whose H_i is positive semi-definite.
  double nonpositive_fraction = 0;
};

// The d x d blocks in float64 cost n_coef^2 values each: callers keep n_coef moderate (the
// Newton solver refuses more than a few thousand coefficients).
template <Backend B>
GlmHessian glm_hessian(const Context& ctx, const GlmData& data, const std::vector<double>& coef);

// For the backends of glm_hessian: the n_coef x n_coef Hessian from the Gram blocks
// G_q = sum_i H_i[k, l] x~_i x~_i^T of each class pair q = packed_upper_index(k, l, t), k <= l,
// each a packed upper triangle (glm_loss.hpp) of D = d + fit_intercept rows, one after the other.
std::vector<double> glm_hessian_from_blocks(const std::vector<double>& blocks, std::int64_t t, std::int64_t d,
                                            bool fit_intercept);

// The checks both backends make before a pass.
void glm_check(const GlmData& data, const std::vector<double>& coef);

// The per-row targets a loss functor reads: int32 labels or float64 targets.
template <class L>
const typename L::Target* glm_targets(const GlmData& data) {
  if constexpr (std::is_same_v<typename L::Target, std::int32_t>) {
    return data.labels.ptr<const std::int32_t>();
  } else {
    return data.targets.ptr<const double>();
  }
}

}  // namespace franca
