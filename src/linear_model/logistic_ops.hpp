// The prediction links of logistic regression, written once for CPU loops and CUDA kernels.
// Scores arrive in the data's dtype; everything is computed in float64. The losses (and the
// shared maths: log1pexp, sigmoid, log_sum_exp) are primitives/glm_loss.hpp.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/matrix_ref.hpp"
#include "primitives/glm_loss.hpp"

namespace franca::logistic {

using glm::log1pexp;
using glm::log_sum_exp;
using glm::sigmoid;

// What a fitted model's prediction methods make of the scores of one row.
enum class Link : int {
  binomial,            // one score: P(class 1) = sigmoid(z)
  multinomial,         // K scores: softmax
  symmetric_binomial,  // one score of a 2-class multinomial fit: softmax([-z, z])
  one_vs_rest,         // K scores of K binary fits: sigmoid(z_k), normalised to sum to 1
};
enum class Output : int { predict, proba, log_proba };

// Writes one row of `out`: the class label (predict) or n_classes (log-)probabilities.
template <class T, class O>
FRANCA_HD inline void link_row(const T* z, std::int64_t k_scores, Link link, Output output, const double* classes,
                               O* out) {
  if (link == Link::multinomial || link == Link::one_vs_rest) {
    if (output == Output::predict) {
      std::int64_t best = 0;
      for (std::int64_t k = 1; k < k_scores; ++k)
        if (z[k] > z[best]) best = k;
      out[0] = static_cast<O>(classes[best]);
      return;
    }
    if (link == Link::multinomial) {
      const double lse = log_sum_exp(z, k_scores);
      for (std::int64_t k = 0; k < k_scores; ++k) {
        const double lp = static_cast<double>(z[k]) - lse;
        out[k] = static_cast<O>(output == Output::log_proba ? lp : ::exp(lp));
      }
      return;
    }
    // log p_k = log sigmoid(z_k) - log sum_j sigmoid(z_j), the sum shifted by its largest term.
    double m = -log1pexp(-static_cast<double>(z[0]));
    for (std::int64_t k = 1; k < k_scores; ++k) m = ::fmax(m, -log1pexp(-static_cast<double>(z[k])));
    double s = 0;
    for (std::int64_t k = 0; k < k_scores; ++k) s += ::exp(-log1pexp(-static_cast<double>(z[k])) - m);
    const double log_total = m + ::log(s);
    for (std::int64_t k = 0; k < k_scores; ++k) {
      const double lp = -log1pexp(-static_cast<double>(z[k])) - log_total;
      out[k] = static_cast<O>(output == Output::log_proba ? lp : ::exp(lp));
    }
    return;
  }
  // The probability of class 1 is sigmoid(a), with a = z or 2z (softmax([-z, z]) = sigmoid(2z)).
  const double a = (link == Link::symmetric_binomial ? 2.0 : 1.0) * static_cast<double>(z[0]);
  if (output == Output::predict) {
    out[0] = static_cast<O>(classes[a > 0 ? 1 : 0]);
  } else if (output == Output::proba) {
    out[0] = static_cast<O>(sigmoid(-a));
    out[1] = static_cast<O>(sigmoid(a));
  } else {
    out[0] = static_cast<O>(-log1pexp(a));
    out[1] = static_cast<O>(-log1pexp(-a));
  }
}

}  // namespace franca::logistic
