// The per-row losses of the generalised linear models, written once as __host__ __device__
// functors for the CPU passes and the CUDA kernels (after XGBoost's objective functors). Each
// is scikit-learn's loss of the same name (sklearn/_loss/loss.py) on the raw scores z, dropping
// the same constant terms scikit-learn drops, so the value differs from the true likelihood by
// a constant and the gradient is exact. Everything is float64.
//
// A functor `L` has `Target` (int32 class codes or float64 targets),
//     double operator()(double* z, std::int64_t t, Target y, double w) const
// which returns w * loss(y, z) and replaces the row's t scores z by w * d loss / d z_k, and
//     void hessian(const double* z, std::int64_t t, Target y, double w, double* h) const
// which writes w * d^2 loss / d z_k d z_l for k <= l to h[packed_upper_index(k, l, t)] (one value
// for one score): scikit-learn's gradient_hessian, for the Newton solver.
#pragma once

#include <cmath>
#include <cstdint>
#include <utility>

#include "core/expects.hpp"
#include "core/matrix_ref.hpp"

namespace franca::glm {

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

// The position of (a, b), a <= b, in the upper triangle of an n x n symmetric matrix stored row
// by row: row a holds its n - a entries b = a, ..., n - 1.
FRANCA_HD inline std::int64_t packed_upper_index(std::int64_t a, std::int64_t b, std::int64_t n) {
  return a * n - a * (a - 1) / 2 + (b - a);
}

enum class Loss : int { binomial, multinomial, squared_error, poisson, gamma, tweedie, tweedie_identity };

inline const char* loss_name(Loss loss) {
  switch (loss) {
    case Loss::binomial:
      return "binomial";
    case Loss::multinomial:
      return "multinomial";
    case Loss::squared_error:
      return "squared_error";
    case Loss::poisson:
      return "poisson";
    case Loss::gamma:
      return "gamma";
    case Loss::tweedie:
      return "tweedie";
    case Loss::tweedie_identity:
      return "tweedie_identity";
  }
  return "unknown";
}

// HalfBinomialLoss, one score, label in {0, 1}: log(1 + exp(z)) - y z; gradient sigmoid(z) - y.
struct Binomial {
  using Target = std::int32_t;
  FRANCA_HD double operator()(double* z, std::int64_t, Target label, double w) const {
    const double s = z[0], y = static_cast<double>(label);
    // log1pexp and sigmoid share e = exp(-|s|): one exp per row.
    const double e = ::exp(-::fabs(s));
    const double p = s >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
    z[0] = w * (p - y);
    return w * (::fmax(s, 0.0) + ::log1p(e) - y * s);
  }
  // sigmoid(z) (1 - sigmoid(z)) = e / (1 + e)^2 with e = exp(-|z|), which cannot overflow.
  FRANCA_HD void hessian(const double* z, std::int64_t, Target, double w, double* h) const {
    const double e = ::exp(-::fabs(z[0]));
    h[0] = w * e / ((1.0 + e) * (1.0 + e));
  }
};

// HalfMultinomialLoss, K scores, label in [0, K): lse(z) - z_y; gradient softmax(z) - [k = y].
struct Multinomial {
  using Target = std::int32_t;
  FRANCA_HD double operator()(double* z, std::int64_t t, Target label, double w) const {
    const double lse = log_sum_exp(z, t);
    const double loss = w * (lse - z[label]);
    for (std::int64_t k = 0; k < t; ++k) z[k] = w * (::exp(z[k] - lse) - (k == label ? 1.0 : 0.0));
    return loss;
  }
  // p_k [k = l] - p_k p_l with p = softmax(z).
  FRANCA_HD void hessian(const double* z, std::int64_t t, Target, double w, double* h) const {
    const double lse = log_sum_exp(z, t);
    for (std::int64_t k = 0; k < t; ++k) {
      const double pk = ::exp(z[k] - lse);
      h[packed_upper_index(k, k, t)] = w * pk * (1.0 - pk);
      for (std::int64_t l = k + 1; l < t; ++l) h[packed_upper_index(k, l, t)] = -w * pk * ::exp(z[l] - lse);
    }
  }
};

// HalfSquaredError, identity link: (z - y)^2 / 2; gradient z - y.
struct SquaredError {
  using Target = double;
  FRANCA_HD double operator()(double* z, std::int64_t, Target y, double w) const {
    const double r = z[0] - y;
    z[0] = w * r;
    return 0.5 * w * r * r;
  }
  FRANCA_HD void hessian(const double*, std::int64_t, Target, double w, double* h) const { h[0] = w; }
};

// HalfPoissonLoss, log link: exp(z) - y z (drops y log y - y); gradient exp(z) - y.
struct Poisson {
  using Target = double;
  FRANCA_HD double operator()(double* z, std::int64_t, Target y, double w) const {
    const double s = z[0], mu = ::exp(s);
    z[0] = w * (mu - y);
    return w * (mu - y * s);
  }
  FRANCA_HD void hessian(const double* z, std::int64_t, Target, double w, double* h) const { h[0] = w * ::exp(z[0]); }
};

// HalfGammaLoss, log link: z + y exp(-z) (drops log y + 1); gradient 1 - y exp(-z).
struct Gamma {
  using Target = double;
  FRANCA_HD double operator()(double* z, std::int64_t, Target y, double w) const {
    const double s = z[0], e = y * ::exp(-s);
    z[0] = w * (1.0 - e);
    return w * (s + e);
  }
  FRANCA_HD void hessian(const double* z, std::int64_t, Target y, double w, double* h) const {
    h[0] = w * y * ::exp(-z[0]);
  }
};

// HalfTweedieLoss with power p, log link, as scikit-learn's closs_half_tweedie: p = 0, 1, 2 are
// half squared error on exp(z), Poisson and Gamma; otherwise
//   exp((2 - p) z) / (2 - p) - y exp((1 - p) z) / (1 - p); gradient exp((2 - p) z) - y exp((1 - p) z).
struct Tweedie {
  using Target = double;
  double power;
  FRANCA_HD double operator()(double* z, std::int64_t t, Target y, double w) const {
    const double p = power, s = z[0];
    if (p == 0) {
      const double mu = ::exp(s);
      z[0] = w * mu * (mu - y);
      return 0.5 * w * (mu - y) * (mu - y);
    }
    if (p == 1) return Poisson{}(z, t, y, w);
    if (p == 2) return Gamma{}(z, t, y, w);
    const double a = ::exp((2 - p) * s), b = y * ::exp((1 - p) * s);
    z[0] = w * (a - b);
    return w * (a / (2 - p) - b / (1 - p));
  }
  // (2 - p) exp((2 - p) z) - (1 - p) y exp((1 - p) z), which is negative for some z when p < 1 or
  // p > 2 (p = 0: mu (2 mu - y)).
  FRANCA_HD void hessian(const double* z, std::int64_t t, Target y, double w, double* h) const {
    const double p = power, s = z[0];
    if (p == 1) return Poisson{}.hessian(z, t, y, w, h);
    if (p == 2) return Gamma{}.hessian(z, t, y, w, h);
    h[0] = w * ((2 - p) * ::exp((2 - p) * s) - (1 - p) * y * ::exp((1 - p) * s));
  }
};

// HalfTweedieLossIdentity with power p, identity link (mu = z), as scikit-learn's
// closs_half_tweedie_identity, which keeps the constant terms (its minimum is 0): p = 0 is half
// squared error; p = 1: y log(y / z) + z - y; p = 2: log(z / y) + y / z - 1; otherwise
//   z^(2-p) / (2-p) - y z^(1-p) / (1-p) + [y > 0] y^(2-p) / ((1-p)(2-p)); gradient (z - y) z^-p.
// Outside z > 0 (p != 0) the loss is NaN, as scikit-learn's, and the line search backs off.
struct TweedieIdentity {
  using Target = double;
  double power;
  FRANCA_HD double operator()(double* z, std::int64_t t, Target y, double w) const {
    const double p = power, s = z[0];
    if (p == 0) return SquaredError{}(z, t, y, w);
    if (p == 1) {
      z[0] = w * (1.0 - y / s);
      return w * ((y == 0 ? 0.0 : y * ::log(y / s)) + s - y);
    }
    if (p == 2) {
      z[0] = w * (s - y) / (s * s);
      return w * (::log(s / y) + y / s - 1.0);
    }
    const double a = ::pow(s, 1 - p);
    z[0] = w * (s - y) * ::pow(s, -p);
    return w * (s * a / (2 - p) - y * a / (1 - p) + (y > 0 ? ::pow(y, 2 - p) / ((1 - p) * (2 - p)) : 0.0));
  }
  // d/dz of (z - y) z^-p: (1 - p) z^-p + p y z^(-p-1), negative where z > p y / (p - 1) for p > 1.
  FRANCA_HD void hessian(const double* z, std::int64_t, Target y, double w, double* h) const {
    const double p = power, s = z[0];
    h[0] = w * (p == 0 ? 1.0 : ((1 - p) * s + p * y) * ::pow(s, -p - 1));
  }
};

// Calls fn(functor) with the functor of `loss` (power: the Tweedie power).
template <class Fn>
decltype(auto) dispatch_loss(Loss loss, double power, Fn&& fn) {
  switch (loss) {
    case Loss::binomial:
      return fn(Binomial{});
    case Loss::multinomial:
      return fn(Multinomial{});
    case Loss::squared_error:
      return fn(SquaredError{});
    case Loss::poisson:
      return fn(Poisson{});
    case Loss::gamma:
      return fn(Gamma{});
    case Loss::tweedie:
      return fn(Tweedie{power});
    case Loss::tweedie_identity:
      return fn(TweedieIdentity{power});
  }
  FRANCA_FAIL(Status::invalid_argument, "glm: unknown loss {}", static_cast<int>(loss));
}

}  // namespace franca::glm
