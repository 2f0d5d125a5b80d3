// What is logistic-specific in logistic regression: the prediction links, dispatched on the
// scores' device. The loss and gradient are the GLM objective (primitives/glm_objective.hpp,
// binomial or multinomial loss); the per-row maths of the links is logistic_ops.hpp.
#pragma once

#include "core/array.hpp"
#include "core/context.hpp"
#include "core/dispatch.hpp"
#include "linear_model/logistic_ops.hpp"
#include "primitives/glm_objective.hpp"

namespace franca {

// out = the link of scores Z (rows x k_scores, contiguous, float32/float64) row by row: labels
// (out: rows, float64) or (log-)probabilities (out: rows x n_classes, Z's dtype). classes: float64
// n_classes on Z's device. Everything on Z's device:
//
//     FRANCA_DISPATCH(Z.device, logistic_link, ctx, Z, link, output, classes, out);
template <Backend B>
void logistic_link(const Context& ctx, const Array& Z, logistic::Link link, logistic::Output output,
                   const Array& classes, const Array& out);

}  // namespace franca
