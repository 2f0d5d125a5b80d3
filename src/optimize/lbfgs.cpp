#include "optimize/lbfgs.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

#include "core/logging.hpp"
#include "optimize/vector_ops.hpp"

namespace franca {

namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();
// Sufficient decrease and curvature constants of the line search (Nocedal and Wright's).
constexpr double kArmijo = 1e-4;
constexpr double kCurvature = 0.9;

double l1_term(const std::vector<double>& l1, const std::vector<double>& x) {
  double s = 0;
  for (std::size_t j = 0; j < l1.size(); ++j) s += l1[j] * std::abs(x[j]);
  return s;
}

// The minimum-norm subgradient of f + sum l1_j |x_j| (OWL-QN's pseudo-gradient): where x_j = 0
// the L1 term contributes whatever in [-l1_j, l1_j] brings the derivative closest to zero.
std::vector<double> pseudo_gradient(const std::vector<double>& l1, const std::vector<double>& x,
                                    const std::vector<double>& g) {
  if (l1.empty()) return g;
  std::vector<double> pg(g.size());
  for (std::size_t j = 0; j < g.size(); ++j) {
    const double c = l1[j];
    if (x[j] > 0) {
      pg[j] = g[j] + c;
    } else if (x[j] < 0) {
      pg[j] = g[j] - c;
    } else if (g[j] + c < 0) {
      pg[j] = g[j] + c;
    } else if (g[j] - c > 0) {
      pg[j] = g[j] - c;
    } else {
      pg[j] = 0;
    }
  }
  return pg;
}

// A point evaluated along the search direction: x + a d.
struct Trial {
  double a = 0;
  double f = 0;   // the objective, L1 term included
  double dg = 0;  // directional derivative g . d (smooth case)
  std::vector<double> x, g;
};

// The minimiser of the cubic through (a1, f1, d1) and (a2, f2, d2), or NaN when it has none.
double cubic_minimizer(const Trial& p, const Trial& q) {
  const double d1 = p.dg + q.dg - 3 * (p.f - q.f) / (p.a - q.a);
  const double disc = d1 * d1 - p.dg * q.dg;
  if (!(disc >= 0) || !std::isfinite(disc)) return std::numeric_limits<double>::quiet_NaN();
  const double d2 = std::copysign(std::sqrt(disc), q.a - p.a);
  return q.a - (q.a - p.a) * (q.dg + d2 - d1) / (q.dg - p.dg + 2 * d2);
}

class Minimizer {
 public:
  Minimizer(const Context& ctx, const Objective& objective, const LbfgsOptions& options)
      : ctx_(ctx), objective_(objective), opt_(options) {}

  LbfgsResult run(std::vector<double> x0) {
    LbfgsResult result;
    x_ = std::move(x0);
    f_ = evaluate(x_, g_);
    pg_ = pseudo_gradient(opt_.l1, x_, g_);
    double pg_norm = max_abs(pg_);
    FRANCA_LOG_DEBUG("{}: start, f = {:.10g}, max |gradient| = {:.3g}", opt_.name, f_, pg_norm);
    if (!std::isfinite(f_)) {
      result.message = "the objective is not finite at the starting point";
    } else if (pg_norm <= opt_.gtol) {
      result.converged = true;
      result.message = "the projected gradient is below tol";
    }
    bool retried = false;
    while (!result.converged && result.message.empty() && result.n_iter < opt_.max_iter) {
      ctx_.check_cancelled();
      std::vector<double> d = direction();
      double first_step = 1.0;
      if (s_.empty()) first_step = std::min(1.0, 1.0 / std::sqrt(dot(d, d)));
      Trial next;
      const bool found = opt_.l1.empty() ? wolfe_search(d, first_step, next) : orthant_search(d, first_step, next);
      if (!found) {
        if (!s_.empty() && !retried) {
          // A stale curvature model can give a poor direction: restart from steepest descent once.
          FRANCA_LOG_DEBUG("{}: line search failed at iteration {}; dropping the curvature pairs", opt_.name,
                           result.n_iter + 1);
          s_.clear();
          y_.clear();
          retried = true;
          continue;
        }
        result.message = "the line search could not decrease the objective (ABNORMAL_TERMINATION_IN_LNSRCH)";
        break;
      }
      retried = false;
      ++result.n_iter;
      update_memory(next);
      const double f_old = f_;
      x_ = std::move(next.x);
      g_ = std::move(next.g);
      f_ = next.f;
      pg_ = pseudo_gradient(opt_.l1, x_, g_);
      pg_norm = max_abs(pg_);
      FRANCA_LOG_DEBUG("{}: iteration {}, f = {:.10g}, max |gradient| = {:.3g}, step = {:.3g}", opt_.name,
                       result.n_iter, f_, pg_norm, next.a);
      ctx_.report_progress("iterations", result.n_iter, opt_.max_iter);
      if (pg_norm <= opt_.gtol) {
        result.converged = true;
        result.message = "the projected gradient is below tol (CONVERGENCE: NORM_OF_PROJECTED_GRADIENT_<=_PGTOL)";
      } else if (f_old - f_ <= opt_.ftol * std::max({std::abs(f_old), std::abs(f_), 1.0})) {
        result.converged = true;
        result.message = "the relative reduction of the objective is below ftol (CONVERGENCE: REL_REDUCTION_OF_F)";
      }
    }
    if (!result.converged && result.message.empty())
      result.message = "the number of iterations reached max_iter (STOP: TOTAL NO. of ITERATIONS REACHED LIMIT)";
    result.x = std::move(x_);
    result.f = f_;
    FRANCA_LOG_INFO("{}: {} after {} iterations, f = {:.10g}, max |gradient| = {:.3g}", opt_.name, result.message,
                    result.n_iter, result.f, pg_norm);
    return result;
  }

 private:
  // f (with the L1 term) at x; g gets the gradient of the smooth part.
  double evaluate(const std::vector<double>& x, std::vector<double>& g) {
    return objective_(x, g) + l1_term(opt_.l1, x);
  }

  // -H pg by the two-loop recursion; for OWL-QN, zeroed where it leaves the orthant of -pg.
  std::vector<double> direction() {
    std::vector<double> q = pg_;
    const std::size_t m = s_.size();
    std::vector<double> alpha(m);
    for (std::size_t i = m; i-- > 0;) {
      alpha[i] = dot(s_[i], q) / dot(y_[i], s_[i]);
      for (std::size_t j = 0; j < q.size(); ++j) q[j] -= alpha[i] * y_[i][j];
    }
    if (m > 0) {
      const double gamma = dot(s_.back(), y_.back()) / dot(y_.back(), y_.back());
      for (double& v : q) v *= gamma;
    }
    for (std::size_t i = 0; i < m; ++i) {
      const double beta = dot(y_[i], q) / dot(y_[i], s_[i]);
      for (std::size_t j = 0; j < q.size(); ++j) q[j] += (alpha[i] - beta) * s_[i][j];
    }
    for (double& v : q) v = -v;
    if (!opt_.l1.empty())
      for (std::size_t j = 0; j < q.size(); ++j)
        if (q[j] * pg_[j] >= 0) q[j] = 0;
    if (dot(q, pg_) >= 0) {
      // Not a descent direction (possible with the orthant projection): fall back to -pg.
      s_.clear();
      y_.clear();
      q = pg_;
      for (double& v : q) v = -v;
    }
    return q;
  }

  void update_memory(const Trial& next) {
    std::vector<double> s(x_.size()), y(x_.size());
    for (std::size_t j = 0; j < s.size(); ++j) {
      s[j] = next.x[j] - x_[j];
      y[j] = next.g[j] - g_[j];
    }
    // Skip a pair without positive curvature: it would make the inverse Hessian indefinite.
    if (dot(s, y) <= kEps * dot(y, y)) return;
    if (static_cast<int>(s_.size()) == opt_.memory) {
      s_.pop_front();
      y_.pop_front();
    }
    s_.push_back(std::move(s));
    y_.push_back(std::move(y));
  }

  Trial trial(const std::vector<double>& d, double a) {
    Trial t;
    t.a = a;
    t.x = x_;
    for (std::size_t j = 0; j < d.size(); ++j) t.x[j] += a * d[j];
    t.f = evaluate(t.x, t.g);
    t.dg = dot(t.g, d);
    return t;
  }

  // A step satisfying the strong Wolfe conditions (Nocedal and Wright, algorithms 3.5 and 3.6).
  bool wolfe_search(const std::vector<double>& d, double a0, Trial& out) {
    const double dg0 = dot(g_, d);
    int evals = 0;
    Trial start;
    start.f = f_;
    start.dg = dg0;
    Trial prev = start;
    double a = a0;
    auto sufficient = [&](const Trial& t) { return std::isfinite(t.f) && t.f <= f_ + kArmijo * t.a * dg0; };
    auto curvature = [&](const Trial& t) { return std::abs(t.dg) <= -kCurvature * dg0; };
    auto zoom = [&](Trial lo, Trial hi) {
      while (evals < opt_.max_linesearch) {
        const double lo_a = std::min(lo.a, hi.a), hi_a = std::max(lo.a, hi.a), width = hi_a - lo_a;
        if (width <= kEps * hi_a) break;
        double a_try = std::isfinite(hi.f) ? cubic_minimizer(lo, hi) : std::numeric_limits<double>::quiet_NaN();
        if (!(a_try >= lo_a + 0.1 * width && a_try <= hi_a - 0.1 * width)) a_try = 0.5 * (lo.a + hi.a);
        Trial t = trial(d, a_try);
        ++evals;
        if (!sufficient(t) || t.f >= lo.f) {
          hi = std::move(t);
        } else {
          if (curvature(t)) {
            out = std::move(t);
            return true;
          }
          if (t.dg * (hi.a - lo.a) >= 0) hi = lo;
          lo = std::move(t);
        }
      }
      // Out of evaluations: lo still decreases the objective sufficiently, which is enough to go on.
      if (lo.a > 0) {
        out = std::move(lo);
        return true;
      }
      return false;
    };
    while (evals < opt_.max_linesearch) {
      Trial t = trial(d, a);
      ++evals;
      if (!sufficient(t) || (prev.a > 0 && t.f >= prev.f)) return zoom(std::move(prev), std::move(t));
      if (curvature(t)) {
        out = std::move(t);
        return true;
      }
      if (t.dg >= 0) return zoom(std::move(t), std::move(prev));
      // Extrapolate: the cubic's minimiser, kept within [1.1, 4] times the step.
      double a_next = cubic_minimizer(prev, t);
      if (!(a_next >= 1.1 * a && a_next <= 4 * a)) a_next = 4 * a;
      prev = std::move(t);
      a = a_next;
    }
    if (prev.a > 0) {
      out = std::move(prev);
      return true;
    }
    return false;
  }

  // OWL-QN's backtracking search: each trial point is projected onto the orthant of x (of -pg
  // where x_j = 0), and must decrease f + L1 by a fraction of pg . (x_new - x).
  bool orthant_search(const std::vector<double>& d, double a0, Trial& out) {
    std::vector<double> orthant(x_.size());
    for (std::size_t j = 0; j < x_.size(); ++j)
      orthant[j] = x_[j] != 0 ? std::copysign(1.0, x_[j]) : (pg_[j] != 0 ? -std::copysign(1.0, pg_[j]) : 0.0);
    double a = a0;
    for (int evals = 0; evals < opt_.max_linesearch; ++evals, a *= 0.5) {
      Trial t;
      t.a = a;
      t.x = x_;
      double decrease = 0;
      for (std::size_t j = 0; j < d.size(); ++j) {
        double v = x_[j] + a * d[j];
        if (opt_.l1[j] > 0 && v * orthant[j] <= 0) v = 0;
        t.x[j] = v;
        decrease += pg_[j] * (v - x_[j]);
      }
      t.f = evaluate(t.x, t.g);
      if (std::isfinite(t.f) && t.f <= f_ + kArmijo * decrease) {
        out = std::move(t);
        return true;
      }
    }
    return false;
  }

  const Context& ctx_;
  const Objective& objective_;
  const LbfgsOptions& opt_;
  std::vector<double> x_, g_, pg_;
  double f_ = 0;
  std::deque<std::vector<double>> s_, y_;
};

}  // namespace

LbfgsResult minimize_lbfgs(const Context& ctx, const Objective& objective, std::vector<double> x0,
                           const LbfgsOptions& options) {
  return Minimizer(ctx, objective, options).run(std::move(x0));
}

}  // namespace franca
