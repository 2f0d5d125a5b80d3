// PoissonRegressor, GammaRegressor and TweedieRegressor on every device, with both solvers.
// Oracles: the optimality conditions of scikit-learn's objective (gradient ~ 0, or the elastic-net
// subgradient conditions), computed here in long double from the link's derivative, not from the
// library's loss functors; the predictions from the fitted coefficients; newton-cholesky against
// lbfgs; on CUDA, the CPU fit. (Parity with scikit-learn itself is
// tests/python/test_glm_regressors_parity.py.)
#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

#include "common/franca_test.hpp"

namespace franca::test {
namespace {

constexpr double kGradientTol = 1e-7;           // max |gradient| of the (weight-normalised) objective
constexpr double kPredictTol = 1e-10;           // relative, predict against the coefficients, float64
constexpr double kCpuCudaTol = 1e-6;            // max |coef_cuda - coef_cpu| / max |coef_cpu|, float64
constexpr double kSolversTol = 1e-6;            // max |coef_newton - coef_lbfgs| / max |coef_lbfgs|, float64
constexpr std::int64_t kNewtonIterations = 12;  // at most, from scikit-learn's start to tol 1e-10

struct Family {
  const char* estimator;
  double power;
  bool log_link;
  std::string params;  // the estimator's family parameters, as JSON members
  std::string name() const { return std::string(estimator) + " " + params; }
};

const std::vector<Family>& families() {
  static const std::vector<Family> f{
      {"PoissonRegressor", 1.0, true, ""},
      {"GammaRegressor", 2.0, true, ""},
      {"TweedieRegressor", 1.5, true, "\"power\": 1.5, "},
      {"TweedieRegressor", 3.0, true, "\"power\": 3, "},
      {"TweedieRegressor", 0.0, false, "\"power\": 0, "},  // 'auto': identity, squared error
      {"TweedieRegressor", 1.5, false, "\"power\": 1.5, \"link\": \"identity\", "},
      {"TweedieRegressor", 2.0, false, "\"power\": 2, \"link\": \"identity\", "},
  };
  return f;
}

struct Problem {
  std::int64_t n, d;
  std::vector<double> X, y, w;  // X row-major; w: sample weights
};

// y drawn with mean mu = inverse link of X v + b, by the family's power: Poisson counts, Gamma
// (also for the other powers > 1), Gaussian for power 0.
Problem make_problem(const Family& fam, std::int64_t n, std::int64_t d, std::uint64_t seed) {
  Problem p{n, d, normal(static_cast<std::size_t>(n * d), seed), {}, {}};
  for (std::size_t q = 0; q < p.X.size(); q += 3) p.X[q] = 0;  // zeros, for CSR structure
  const auto v = normal(static_cast<std::size_t>(d), seed + 1);
  std::mt19937_64 rng(seed + 2);
  std::uniform_real_distribution<double> uniform(0.2, 2.0);
  for (std::int64_t i = 0; i < n; ++i) {
    double z = fam.log_link ? 0.5 : 3.0;
    for (std::int64_t j = 0; j < d; ++j) z += (fam.log_link ? 0.2 : 0.1) * p.X[i * d + j] * v[j];
    const double mu = fam.log_link ? std::exp(z) : std::max(z, 0.5);
    if (fam.power == 1.0) {
      p.y.push_back(static_cast<double>(std::poisson_distribution<int>(mu)(rng)));
    } else if (fam.power == 0.0) {
      p.y.push_back(mu + std::normal_distribution<double>()(rng));
    } else {
      p.y.push_back(std::gamma_distribution<double>(2.0, mu / 2.0)(rng));
    }
    p.w.push_back(uniform(rng));
  }
  return p;
}

// The gradient of sum_i s_i loss_i / sum_i s_i + l2 / 2 ||w||^2 at (coef, b), in long double: the
// half Tweedie deviance's derivative in z is mu^(2-p) - y mu^(1-p) (log link, mu = exp z) or
// (z - y) z^-p (identity link). The last entry is the intercept's.
std::vector<long double> gradient(const Family& fam, const Problem& p, const std::vector<double>& X,
                                  const std::vector<double>& coef, double b, double l2) {
  const std::int64_t d = p.d;
  std::vector<long double> g(static_cast<std::size_t>(d + 1), 0.0L);
  long double total = 0;
  for (double s : p.w) total += s;
  const long double q = fam.power;
  for (std::int64_t i = 0; i < p.n; ++i) {
    long double z = b;
    for (std::int64_t j = 0; j < d; ++j) z += static_cast<long double>(X[i * d + j]) * coef[j];
    long double dz;
    if (fam.log_link) {
      const long double mu = std::exp(z);
      dz = std::pow(mu, 2 - q) - p.y[i] * std::pow(mu, 1 - q);
    } else {
      dz = (z - p.y[i]) * std::pow(z, -q);
    }
    dz *= p.w[i] / total;
    for (std::int64_t j = 0; j < d; ++j) g[j] += dz * X[i * d + j];
    g[d] += dz;
  }
  for (std::int64_t j = 0; j < d; ++j) g[j] += l2 * coef[j];
  return g;
}

struct Fit {
  std::vector<double> coef, pred;
  double intercept = 0;
  std::int64_t n_iter = 0;
};

// Expects every entry of the objective's gradient (penalty l2) at the fit to be within tol of 0;
// X as the fit saw it.
void expect_stationary(const Family& fam, const Problem& p, const std::vector<double>& X, const Fit& f, double l2,
                       double tol, const std::string& what) {
  const auto g = gradient(fam, p, X, f.coef, f.intercept, l2);
  for (std::size_t j = 0; j < g.size(); ++j)
    EXPECT_LE(std::fabs(static_cast<double>(g[j])), tol) << what << " gradient entry " << j;
}

template <class T, class I>
Fit fit(const std::string& device, const Family& fam, const Problem& p, const std::string& layout,
        const std::string& extra) {
  const LaidOutMatrix<T, I> m(device, p.X, p.n, p.d, layout);
  Tensor y(device, p.y, {p.n}), w(device, p.w, {p.n});
  auto est = estimator(fam.estimator, "{" + fam.params + "\"tol\": 1e-10, \"max_iter\": 2000" + extra + "}");
  Fit out;
  EXPECT_EQ(franca_estimator_fit(nullptr, est.get(), m.get(), y.get(), w.get()), FRANCA_OK) << franca_last_error();
  franca_matrix pred = nullptr;
  EXPECT_EQ(franca_estimator_apply(nullptr, est.get(), "predict", m.get(), &pred), FRANCA_OK) << franca_last_error();
  out.pred = values_of(pred);
  franca_matrix_free(pred);
  out.coef = attribute_of(est.get(), "coef_");
  out.intercept = attribute_of(est.get(), "intercept_").at(0);
  out.n_iter = static_cast<std::int64_t>(attribute_of(est.get(), "n_iter_").at(0));
  return out;
}

// The library's log messages while it lives (warnings, at the default level).
class LogCapture {
 public:
  LogCapture() {
    franca_set_log_callback(
        [](int, const char* message, void* self) { static_cast<LogCapture*>(self)->messages_.emplace_back(message); },
        this);
  }
  ~LogCapture() { franca_set_log_callback(nullptr, nullptr); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  // Whether a message contains every fragment.
  bool logged(const std::vector<const char*>& fragments) const {
    for (const std::string& m : messages_) {
      bool all = true;
      for (const char* f : fragments) all = all && m.find(f) != std::string::npos;
      if (all) return true;
    }
    return false;
  }
  std::string all() const {
    std::string out;
    for (const std::string& m : messages_) out += m + "\n";
    return out;
  }

 private:
  std::vector<std::string> messages_;
};

// X's values as the fit saw them (rounded to T).
template <class T>
std::vector<double> as_seen(const std::vector<double>& X) {
  std::vector<double> out;
  for (double v : X) out.push_back(static_cast<T>(v));
  return out;
}

class GlmRegressors : public DeviceTest {};

TEST_P(GlmRegressors, ReachTheOptimumOnEveryLayout) {
  const double alpha = 0.05;
  for (const Family& fam : families()) {
    const auto p = make_problem(fam, 400, 7, 300 + static_cast<std::uint64_t>(fam.power * 10));
    for (const std::string layout : {"row-major", "column-major", "csr"}) {
      for (const bool single : {false, true}) {
        const Fit f = single ? fit<float, std::int64_t>(device(), fam, p, layout, ", \"alpha\": 0.05")
                             : fit<double, std::int32_t>(device(), fam, p, layout, ", \"alpha\": 0.05");
        ASSERT_EQ(f.coef.size(), static_cast<std::size_t>(p.d)) << fam.name() << " layout=" << layout;
        const std::vector<double> X = single ? as_seen<float>(p.X) : p.X;
        expect_stationary(fam, p, X, f, alpha, single ? 1e-5 : kGradientTol,
                          fam.name() + " layout=" + layout + " float32=" + std::to_string(single) +
                              " n=" + std::to_string(p.n) + " d=" + std::to_string(p.d) + " alpha=0.05");
        for (std::int64_t i = 0; i < p.n; ++i) {
          double z = f.intercept;
          for (std::int64_t j = 0; j < p.d; ++j) z += X[i * p.d + j] * f.coef[j];
          const double mu = fam.log_link ? std::exp(z) : z;
          EXPECT_NEAR(f.pred[i], mu, (single ? 1e-5 : kPredictTol) * std::max(1.0, std::fabs(mu)))
              << fam.name() << " layout=" << layout << " float32=" << single << " row " << i;
        }
      }
    }
  }
}

TEST_P(GlmRegressors, NewtonCholeskyReachesTheLbfgsOptimum) {
  const double alpha = 0.05;
  const std::string newton = ", \"alpha\": 0.05, \"solver\": \"newton-cholesky\"";
  for (const Family& fam : families()) {
    const auto p = make_problem(fam, 400, 7, 600 + static_cast<std::uint64_t>(fam.power * 10));
    const Fit lbfgs = fit<double, std::int32_t>("cpu", fam, p, "row-major", ", \"alpha\": 0.05");
    double scale = std::fabs(lbfgs.intercept);
    for (double c : lbfgs.coef) scale = std::max(scale, std::fabs(c));
    for (const std::string layout : {"row-major", "column-major", "csr"}) {
      for (const bool single : {false, true}) {
        const Fit f = single ? fit<float, std::int64_t>(device(), fam, p, layout, newton)
                             : fit<double, std::int32_t>(device(), fam, p, layout, newton);
        const std::string what = fam.name() + " layout=" + layout + " float32=" + std::to_string(single) +
                                 " n=" + std::to_string(p.n) + " d=" + std::to_string(p.d);
        ASSERT_EQ(f.coef.size(), static_cast<std::size_t>(p.d)) << what;
        EXPECT_LE(f.n_iter, kNewtonIterations) << what;
        expect_stationary(fam, p, single ? as_seen<float>(p.X) : p.X, f, alpha, single ? 1e-5 : kGradientTol, what);
        const double tol = (single ? 1e-4 : kSolversTol) * scale;
        for (std::size_t j = 0; j < f.coef.size(); ++j)
          EXPECT_NEAR(f.coef[j], lbfgs.coef[j], tol) << what << " j=" << j;
        EXPECT_NEAR(f.intercept, lbfgs.intercept, tol) << what << " intercept";
      }
    }
  }
}

// Where scikit-learn's Newton solver gives up, it warns and L-BFGS finishes, at the optimum all the
// same: alpha = 0 with a repeated column makes the Hessian singular (any split of that column's
// weight is optimal); Tweedie power 3 started far from its optimum has mostly negative pointwise
// second derivatives, and scikit-learn hands the fit to L-BFGS at once.
TEST_P(GlmRegressors, NewtonCholeskyFallsBackToLbfgs) {
  struct Case {
    const char* what;
    Family family;
    double alpha;
    std::function<void(Problem&)> change;
    std::vector<const char*> warning;
  };
  const std::vector<Case> cases{
      {"alpha=0, a repeated column",
       families()[0],
       0.0,
       [](Problem& p) {
         for (std::int64_t i = 0; i < p.n; ++i) p.X[i * p.d + 4] = p.X[i * p.d + 3];
       },
       {"PoissonRegressor: The inner solver of NewtonCholeskySolver stumbled upon a singular or very ill-conditioned "
        "Hessian matrix at iteration 1. It will now resort to lbfgs instead.",
        "(LinAlgWarning)"}},
      {"power 3, y far from the start",
       families()[3],
       0.05,
       [](Problem& p) {  // the start, intercept log(mean y), has mu >> 2 y for half the rows
         for (double& y : p.y) y *= 1e-3;
         for (std::int64_t i = 0; i < p.n; i += 2) p.y[i] *= 1e4;
       },
       {"TweedieRegressor: The inner solver of NewtonCholeskySolver detected a pointwise hessian with many negative "
        "values at iteration #1. It will now resort to lbfgs instead.",
        "(ConvergenceWarning)"}},
  };
  for (const Case& c : cases) {
    auto p = make_problem(c.family, 300, 5, 700);
    c.change(p);
    LogCapture log;
    const Fit f =
        fit<double, std::int32_t>(device(), c.family, p, "row-major",
                                  ", \"alpha\": " + std::to_string(c.alpha) + ", \"solver\": \"newton-cholesky\"");
    EXPECT_TRUE(log.logged(c.warning)) << c.what << ":\n" << log.all();
    expect_stationary(c.family, p, p.X, f, c.alpha, kGradientTol, c.what);
  }
}

TEST_P(GlmRegressors, NewtonCholeskyWarnsAtMaxIter) {
  const Family& fam = families()[1];
  const auto p = make_problem(fam, 300, 4, 900);
  LogCapture log;
  const Fit f =
      fit<double, std::int32_t>(device(), fam, p, "row-major", ", \"solver\": \"newton-cholesky\", \"max_iter\": 1");
  EXPECT_EQ(f.n_iter, 1);
  EXPECT_TRUE(log.logged({"GammaRegressor: Newton solver did not converge after 1 iterations. (ConvergenceWarning)"}))
      << log.all();
}

TEST_P(GlmRegressors, NewtonCholeskyRefusesAnL1Penalty) {
  const std::int64_t n = 6, d = 2;
  Tensor X(device(), normal(static_cast<std::size_t>(n * d), 7), {n, d});
  Tensor y(device(), std::vector<double>{1, 2, 0, 0, 3, 1}, {n});
  auto m = dense(X.get());
  auto est = estimator("PoissonRegressor", "{\"solver\": \"newton-cholesky\", \"l1_ratio\": 0.5}");
  FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, est.get(), m.get(), y.get(), nullptr),
                      FRANCA_ERROR_INVALID_ARGUMENT,
                      "parameter 'l1_ratio': solver 'newton-cholesky' takes the L2 penalty only; l1_ratio=0.5 needs "
                      "solver='lbfgs'");
  auto ridge_like = estimator("PoissonRegressor", "{\"solver\": \"newton-cholesky\", \"l1_ratio\": 0}");
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, ridge_like.get(), m.get(), y.get(), nullptr));
}

TEST_P(GlmRegressors, ElasticNetMeetsTheSubgradientConditions) {
  const double alpha = 0.02, r = 0.5;
  for (const Family& fam : {families()[0], families()[2]}) {
    const auto p = make_problem(fam, 400, 9, 400);
    for (const std::string layout : {"row-major", "csr"}) {
      const Fit f = fit<double, std::int32_t>(device(), fam, p, layout, ", \"alpha\": 0.02, \"l1_ratio\": 0.5");
      const auto g = gradient(fam, p, p.X, f.coef, f.intercept, alpha * (1 - r));
      int zeros = 0;
      for (std::int64_t j = 0; j < p.d; ++j) {
        const double gj = static_cast<double>(g[j]), c = f.coef[j];
        if (c == 0) {
          ++zeros;
          EXPECT_LE(std::fabs(gj), alpha * r + kGradientTol) << fam.name() << " layout=" << layout << " j=" << j;
        } else {
          EXPECT_NEAR(gj + alpha * r * (c > 0 ? 1 : -1), 0.0, 1e-6) << fam.name() << " layout=" << layout << " j=" << j;
        }
      }
      EXPECT_NEAR(static_cast<double>(g[p.d]), 0.0, kGradientTol) << fam.name() << " intercept, layout=" << layout;
    }
  }
}

TEST_P(GlmRegressors, MatchTheCpuFit) {
  for (const Family& fam : {families()[0], families()[1], families()[5]}) {
    const auto p = make_problem(fam, 500, 12, 500);
    const Fit cpu = fit<double, std::int32_t>("cpu", fam, p, "row-major", "");
    double scale = 0;
    for (double c : cpu.coef) scale = std::max(scale, std::fabs(c));
    for (const std::string layout : {"row-major", "csr"}) {
      const Fit f = fit<double, std::int64_t>(device(), fam, p, layout, "");
      for (std::size_t j = 0; j < cpu.coef.size(); ++j)
        EXPECT_NEAR(f.coef[j], cpu.coef[j], kCpuCudaTol * scale) << fam.name() << " layout=" << layout << " j=" << j;
      EXPECT_NEAR(f.intercept, cpu.intercept, kCpuCudaTol * std::max(scale, std::fabs(cpu.intercept)))
          << fam.name() << " layout=" << layout;
    }
  }
}

TEST_P(GlmRegressors, RefuseTargetsOutsideTheLossDomain) {
  const std::int64_t n = 6, d = 2;
  Tensor X(device(), normal(static_cast<std::size_t>(n * d), 7), {n, d});
  auto m = dense(X.get());
  const std::vector<double> with_negative{1, 2, -1, 0, 3, 1}, with_zero{1, 2, 0.5, 0, 3, 1};
  Tensor y_negative(device(), with_negative, {n}), y_zero(device(), with_zero, {n});
  struct Case {
    const char* estimator;
    std::string params;
    Tensor* y;
    const char* fragment;
  };
  const std::vector<Case> cases{
      {"PoissonRegressor", "{}", &y_negative, "'HalfPoissonLoss' (y[2] = -1"},
      {"GammaRegressor", "{}", &y_zero, "'HalfGammaLoss' (y[3] = 0"},
      {"TweedieRegressor", "{\"power\": 1.5}", &y_negative, "'HalfTweedieLoss' (y[2] = -1"},
      {"TweedieRegressor", "{\"power\": 3, \"link\": \"identity\"}", &y_zero, "'HalfTweedieLossIdentity' (y[3] = 0"},
  };
  for (const Case& c : cases) {
    auto est = estimator(c.estimator, c.params);
    FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, est.get(), m.get(), c.y->get(), nullptr),
                        FRANCA_ERROR_INVALID_ARGUMENT, c.fragment);
  }
  // power <= 0 takes any y.
  auto normal_glm = estimator("TweedieRegressor", "{\"power\": 0}");
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, normal_glm.get(), m.get(), y_negative.get(), nullptr));
}

TEST(GlmRegressorParams, RefuseBadValues) {
  struct Case {
    const char* estimator;
    const char* params;
    int status;
    const char* fragment;
  };
  const std::vector<Case> cases{
      {"TweedieRegressor", "{\"power\": 0.5}", FRANCA_ERROR_INVALID_ARGUMENT,
       "parameter 'power': no Tweedie distribution exists for 0 < power < 1"},
      {"PoissonRegressor", "{\"l1_ratio\": 1.5}", FRANCA_ERROR_INVALID_ARGUMENT, "parameter 'l1_ratio'"},
      {"GammaRegressor", "{\"alpha\": -1}", FRANCA_ERROR_INVALID_ARGUMENT, "parameter 'alpha'"},
      {"PoissonRegressor", "{\"tol\": 0}", FRANCA_ERROR_INVALID_ARGUMENT, "parameter 'tol'"},
      {"PoissonRegressor", "{\"max_iter\": 0}", FRANCA_ERROR_INVALID_ARGUMENT, "parameter 'max_iter'"},
      {"TweedieRegressor", "{\"link\": \"logit\"}", FRANCA_ERROR_INVALID_ARGUMENT, "parameter 'link'"},
      {"PoissonRegressor", "{\"power\": 1}", FRANCA_ERROR_INVALID_ARGUMENT, "power"},
      {"GammaRegressor", "{\"solver\": \"newton-cg\"}", FRANCA_ERROR_INVALID_ARGUMENT, "parameter 'solver'"},
  };
  for (const Case& c : cases) {
    franca_estimator e = nullptr;
    FRANCA_ASSERT_OK(franca_estimator_create(c.estimator, &e));
    EstimatorPtr est(e);
    FRANCA_ASSERT_ERROR(franca_estimator_set_params(e, c.params), c.status, c.fragment);
  }
}

FRANCA_INSTANTIATE_DEVICE_TESTS(GlmRegressors);

}  // namespace
}  // namespace franca::test
