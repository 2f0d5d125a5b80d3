// The data term of a generalised linear model's objective, one primitive for every loss and
// device: sum_i w_i loss(y_i, z_i) at float64 host coefficients, and its gradient, with the t
// scores z_i = W x_i + b of each row. One fused pass over the rows computes the scores, the loss
// and the gradient together (X is read once per evaluation), templated on the per-row loss
// functor (primitives/glm_loss.hpp) and accumulating in float64, for dense X (any strides) and
// CSR X (int32/int64 indptr and indices), float32 or float64 values.
//
//     const double f = FRANCA_DISPATCH(data.X.device(), glm_objective, ctx, data, coef, grad);
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
