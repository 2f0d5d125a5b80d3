// What is specific to the GLM regressors' predictions: the inverse link, dispatched on the
// scores' device. Fitting is glm_fit.hpp over the GLM objective.
#pragma once

#include "core/array.hpp"
#include "core/context.hpp"
#include "core/dispatch.hpp"

namespace franca {

// Z = exp(Z) in place (the inverse of the log link): Z contiguous, float32 or float64, on its
// device, computed in float64. Thread safe for distinct Z.
//
//     FRANCA_DISPATCH(Z.device, glm_exp_inplace, ctx, Z);
template <Backend B>
void glm_exp_inplace(const Context& ctx, const Array& Z);

}  // namespace franca
