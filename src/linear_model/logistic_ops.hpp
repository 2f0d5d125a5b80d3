// The per-row maths of logistic regression, written once for CPU loops and CUDA kernels.
// Scores arrive in the data's dtype; everything is computed in float64.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/matrix_ref.hpp"

namespace franca::logistic {

// log(1 + exp(z)) without overflow for large z or loss of precision for very negative z.
FRANCA_HD inline double log1pexp(double z) { return z > 0 ? z + ::log1p(::exp(-z)) : ::log1p(::exp(z)); }

// 1 / (1 + exp(-z)), evaluated on the side where exp cannot overflow.
FRANCA_HD inline double sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + ::exp(-z));
  const double e = ::exp(z);
  return e / (1.0 + e);
}

// log(sum_k exp(z_k)), shifted by the largest score so that no exp overflows.
template <class T>
FRANCA_HD inline double log_sum_exp(const T* z, std::int64_t k_count) {
  double zmax = static_cast<double>(z[0]);
  for (std::int64_t k = 1; k < k_count; ++k) zmax = ::fmax(zmax, static_cast<double>(z[k]));
  double s = 0;
  for (std::int64_t k = 0; k < k_count; ++k) s += ::exp(static_cast<double>(z[k]) - zmax);
  return zmax + ::log(s);
}

// One row of the weighted loss scikit-learn's lbfgs minimises, and its derivative with respect
// to the row's scores ("residual"), written over the scores: `r` may alias `z`.
//   binomial (one score, label in {0, 1}): w * (log(1 + exp(z)) - y z),  r = w * (sigmoid(z) - y)
//   multinomial (K scores, label in [0, K)): w * (lse(z) - z_y),          r_k = w * (softmax_k(z) - [k = y])
template <class T>
FRANCA_HD inline double binomial_row(const T* z, std::int32_t label, double w, T* r) {
  const double s = static_cast<double>(z[0]);
  const double y = static_cast<double>(label);
  // log1pexp and sigmoid share e = exp(-|s|) (one exp per row: this runs once per row and pass).
  const double e = ::exp(-::fabs(s));
  const double p = s >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
  r[0] = static_cast<T>(w * (p - y));
  return w * (::fmax(s, 0.0) + ::log1p(e) - y * s);
}

template <class T>
FRANCA_HD inline double multinomial_row(const T* z, std::int64_t k_count, std::int32_t label, double w, T* r) {
  const double lse = log_sum_exp(z, k_count);
  const double loss = w * (lse - static_cast<double>(z[label]));
  for (std::int64_t k = 0; k < k_count; ++k)
    r[k] = static_cast<T>(w * (::exp(static_cast<double>(z[k]) - lse) - (k == label ? 1.0 : 0.0)));
  return loss;
}

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
