// ElasticNetPath (scikit-learn's enet_path and lasso_path) on every device through the C ABI: the
// grid starts at alpha_max = max_j |x_j^T y| / (n l1_ratio) with no centring (computed here
// independently) and falls by eps, every column of coef_path_ is ElasticNet's model at that alpha
// without intercept, CSR X, a given Gram matrix and Xy give the computed result, predict is
// X coef_path_, and bad values are named errors. (Parity with scikit-learn:
// tests/python/test_enet_path_parity.py.)
#include <algorithm>
#include <cmath>
#include <sstream>
#include <tuple>

#include "common/franca_test.hpp"
#include "linear_model/path_problem.hpp"

namespace franca::test {
namespace {

constexpr double kTolerance = 1e-7;  // between two fits at tol=1e-12 of the same problem

// X^T y, X^T X (row-major) of the problem, uncentred.
std::vector<double> xty(const PathProblem& p) {
  std::vector<double> v(static_cast<std::size_t>(p.d), 0.0);
  for (std::int64_t i = 0; i < p.n; ++i)
    for (std::int64_t j = 0; j < p.d; ++j)
      v[static_cast<std::size_t>(j)] += p.X[static_cast<std::size_t>(i * p.d + j)] * p.y[static_cast<std::size_t>(i)];
  return v;
}
std::vector<double> xtx(const PathProblem& p) { return gram_of(p.n, p.d, p.X); }

void expect_same(franca_estimator a, franca_estimator b, const std::string& what) {
  for (const char* name : {"alphas_", "coef_path_"}) {
    const auto u = attribute_of(a, name), v = attribute_of(b, name);
    ASSERT_EQ(u.size(), v.size()) << what << " " << name;
    for (std::size_t k = 0; k < u.size(); ++k)
      EXPECT_NEAR(u[k], v[k], kTolerance * std::max(1.0, std::fabs(u[k]))) << what << " " << name << "[" << k << "]";
  }
}

class ElasticNetPath : public DeviceTest {};

TEST_P(ElasticNetPath, GridFromUncentredXyAndEachColumnIsElasticNetWithoutIntercept) {
  const auto p = make_path_problem(80, 6, 31);
  Tensor X(device(), p.X, {p.n, p.d}), y(device(), p.y, {p.n});
  auto m = dense(X.get());
  const auto q = xty(p);
  double xy_max = 0.0;
  for (const double v : q) xy_max = std::max(xy_max, std::fabs(v));
  for (const double l1_ratio : {1.0, 0.6}) {
    std::ostringstream params;
    params << "{\"tol\": 1e-12, \"max_iter\": 100000, \"n_alphas\": 12, \"eps\": 0.01, \"l1_ratio\": " << l1_ratio
           << "}";
    auto path = estimator("ElasticNetPath", params.str());
    FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, path.get(), m.get(), y.get(), nullptr));
    const auto alphas = attribute_of(path.get(), "alphas_");
    const auto coefs = attribute_of(path.get(), "coef_path_");  // d x 12
    const auto gaps = attribute_of(path.get(), "dual_gap_path_");
    const auto iters = attribute_of(path.get(), "n_iter_path_");
    ASSERT_EQ(alphas.size(), 12U);
    ASSERT_EQ(coefs.size(), static_cast<std::size_t>(p.d * 12));
    ASSERT_EQ(gaps.size(), 12U);
    ASSERT_EQ(iters.size(), 12U);
    const double alpha_max = xy_max / (static_cast<double>(p.n) * l1_ratio);
    EXPECT_NEAR(alphas[0], alpha_max, 1e-12 * alpha_max) << "l1_ratio " << l1_ratio;
    EXPECT_NEAR(alphas[11], alpha_max * 0.01, 1e-12 * alpha_max) << "l1_ratio " << l1_ratio;
    for (std::int64_t j = 0; j < p.d; ++j) EXPECT_EQ(coefs[static_cast<std::size_t>(j * 12)], 0.0) << "at alpha_max";
    for (std::size_t a = 0; a < 12; ++a) {
      // At alpha_max the zeros are the solution: the gap check before the first sweep ends the fit.
      EXPECT_EQ(iters[a] == 0.0, a == 0) << a;
      EXPECT_LT(std::fabs(gaps[a]), 1e-10) << a;
      std::ostringstream one;
      one.precision(17);
      one << "{\"alpha\": " << alphas[a] << ", \"l1_ratio\": " << l1_ratio
          << ", \"fit_intercept\": false, \"tol\": 1e-12, \"max_iter\": 100000}";
      auto enet = estimator("ElasticNet", one.str());
      FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, enet.get(), m.get(), y.get(), nullptr));
      const auto coef = attribute_of(enet.get(), "coef_");
      for (std::int64_t j = 0; j < p.d; ++j)
        EXPECT_NEAR(coefs[static_cast<std::size_t>(j) * 12 + a], coef[static_cast<std::size_t>(j)], kTolerance)
            << "l1_ratio " << l1_ratio << " alpha " << a << " coef " << j;
    }
    // predict: X coef_path_, one column per alpha.
    franca_matrix pred = nullptr;
    FRANCA_ASSERT_OK(franca_estimator_apply(nullptr, path.get(), "predict", m.get(), &pred));
    const MatrixPtr owned(pred);
    const auto values = values_of(pred);
    ASSERT_EQ(values.size(), static_cast<std::size_t>(p.n * 12));
    for (std::int64_t i = 0; i < p.n; i += 7)
      for (std::size_t a = 0; a < 12; a += 5) {
        double s = 0.0;
        for (std::int64_t j = 0; j < p.d; ++j)
          s += p.X[static_cast<std::size_t>(i * p.d + j)] * coefs[static_cast<std::size_t>(j) * 12 + a];
        EXPECT_NEAR(values[static_cast<std::size_t>(i) * 12 + a], s, 1e-10 * std::max(1.0, std::fabs(s)))
            << "row " << i << " alpha " << a;
      }
  }
}

TEST_P(ElasticNetPath, CsrGivenGramAndXyAndCoefInitGiveTheComputedPath) {
  const auto p = make_path_problem(60, 5, 7);
  Tensor X(device(), p.X, {p.n, p.d}), y(device(), p.y, {p.n});
  auto dm = dense(X.get());
  const std::string base = "{\"tol\": 1e-12, \"max_iter\": 100000, \"n_alphas\": 10, \"positive\": true";
  auto computed = estimator("ElasticNetPath", base + "}");
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, computed.get(), dm.get(), y.get(), nullptr));
  for (const double c : attribute_of(computed.get(), "coef_path_")) EXPECT_GE(c, 0.0) << "positive";

  auto given = estimator("ElasticNetPath",
                         base + ", \"precompute\": " + json_rows(xtx(p), p.d) + ", \"Xy\": " + json_list(xty(p)) + "}");
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, given.get(), dm.get(), y.get(), nullptr));
  expect_same(computed.get(), given.get(), "given Gram and Xy");

  // Starting from the path's first solution (zeros at alpha_max) changes nothing.
  auto started = estimator("ElasticNetPath", base + ", \"coef_init\": [0, 0, 0, 0, 0]}");
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, started.get(), dm.get(), y.get(), nullptr));
  expect_same(computed.get(), started.get(), "coef_init zeros");

  const LaidOutMatrix<double, std::int64_t> cm(device(), p.X, p.n, p.d, "csr");
  auto sparse = estimator("ElasticNetPath", base + "}");
  const int status = franca_estimator_fit(nullptr, sparse.get(), cm.get(), y.get(), nullptr);
  FRANCA_ASSERT_OK(status);
  expect_same(computed.get(), sparse.get(), "CSR");
}

TEST_P(ElasticNetPath, InvalidInputsAreNamed) {
  auto est = estimator("ElasticNetPath");
  for (const auto& [params, needle] : std::vector<std::pair<const char*, const char*>>{
           {"{\"eps\": 0}", "parameter 'eps'"},
           {"{\"n_alphas\": 0}", "parameter 'n_alphas'"},
           {"{\"alphas\": [0.1, -1]}", "parameter 'alphas'"},
           {"{\"l1_ratio\": 1.5}", "parameter 'l1_ratio'"},
           {"{\"precompute\": \"always\"}", "parameter 'precompute'"},
           {"{\"precompute\": [[1.0, 2.0], [3.0]]}", "parameter 'precompute'"},
           {"{\"precompute\": [1.0, 2.0]}", "parameter 'precompute'"},
           {"{\"positive_alpha_max\": \"signed\"}", "parameter 'positive_alpha_max'"},
       })
    FRANCA_ASSERT_ERROR(franca_estimator_set_params(est.get(), params), FRANCA_ERROR_INVALID_ARGUMENT, needle);
  FRANCA_ASSERT_ERROR(franca_estimator_set_params(est.get(), "{\"Xy\": [1, true]}"), FRANCA_ERROR_TYPE,
                      "parameter 'Xy'");

  const auto p = make_path_problem(6, 3, 2);
  Tensor X(device(), p.X, {p.n, p.d}), y(device(), p.y, {p.n});
  Tensor Y2(device(), std::vector<double>(12, 1.0), {6, 2});
  auto m = dense(X.get());
  // Y2: the multi-task path's 2-D y.
  for (const auto& [params, target, needle] : std::vector<std::tuple<std::string, Tensor*, const char*>>{
           {"{\"Xy\": [1, 2]}", &y, "Xy: expected 3 values"},
           {"{\"coef_init\": [1, 2, 3, 4]}", &y, "coef_init: expected 3 values"},
           {"{\"X_offset\": [1, 2, 3]}", &y, "X_scale"},
           {"{\"precompute\": [[1, 0], [0, 1]]}", &y, "precompute: a Gram matrix of shape (2, 2)"},
           {"{\"precompute\": [[1, 0, 0], [0, 1, 0], [0, 0, 1]]}", &y, "did not pass validation"},
           {"{\"l1_ratio\": 0}", &y, "l1_ratio=0"},
           {"{\"positive\": true}", &Y2, "positive=True is not allowed for multi-output"},
           {"{\"coef_init\": [1, 2, 3]}", &Y2, "coef_init: expected shape (2, 3)"},
           {"{\"Xy\": [1, 2, 3]}", &Y2, "Xy: expected shape (3, 2)"},
       }) {
    auto bad = estimator("ElasticNetPath", params);
    FRANCA_ASSERT_ERROR(franca_estimator_fit(nullptr, bad.get(), m.get(), target->get(), nullptr),
                        FRANCA_ERROR_INVALID_ARGUMENT, needle);
  }
  // check_input=False skips the check of the Gram matrix, as scikit-learn's.
  auto unchecked = estimator("ElasticNetPath",
                             "{\"precompute\": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "
                             "\"check_input\": false, \"n_alphas\": 3}");
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, unchecked.get(), m.get(), y.get(), nullptr));
}

// The multi-task path (a 2-D Y): each alpha's W meets the block optimality conditions of
// 1/(2n) ||Y - X W^T||^2 + alpha r sum_j ||W_:j||_2 + alpha (1 - r)/2 ||W||^2 (computed from X and
// Y: path_problem.hpp); its first alpha, alpha_max = max_j ||x_j^T Y|| / (n r), zeroes every block;
// dense and CSR X give the same path.
TEST_P(ElasticNetPath, MultiTaskPathMeetsTheBlockConditions) {
  const auto p = make_path_problem(70, 5, 41);
  const std::int64_t n = p.n, d = p.d, t = 3;
  const std::vector<double> Y = multi_task_targets(p, t);
  Tensor X(device(), p.X, {n, d}), Yt(device(), Y, {n, t});
  auto m = dense(X.get());
  const double r = 0.7;
  const std::string params = R"({"tol": 1e-13, "max_iter": 100000, "n_alphas": 8, "eps": 0.01, "l1_ratio": 0.7})";
  auto path = estimator("ElasticNetPath", params);
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, path.get(), m.get(), Yt.get(), nullptr));
  const auto alphas = attribute_of(path.get(), "alphas_");
  const auto coefs = attribute_of(path.get(), "coef_path_");  // (t, d, 8)
  ASSERT_EQ(coefs.size(), static_cast<std::size_t>(t * d * 8));
  double xy_max = 0.0;
  for (std::int64_t j = 0; j < d; ++j) {
    double norm2 = 0.0;
    for (std::int64_t k = 0; k < t; ++k) {
      double v = 0.0;
      for (std::int64_t i = 0; i < n; ++i)
        v += p.X[static_cast<std::size_t>(i * d + j)] * Y[static_cast<std::size_t>(i * t + k)];
      norm2 += v * v;
    }
    xy_max = std::max(xy_max, std::sqrt(norm2));
  }
  EXPECT_NEAR(alphas[0], xy_max / (static_cast<double>(n) * r), 1e-12 * alphas[0]);
  std::int64_t nonzero = 0;
  for (std::size_t a = 0; a < 8; ++a) {
    std::vector<double> W(static_cast<std::size_t>(t * d));
    for (std::size_t k = 0; k < W.size(); ++k) W[k] = coefs[k * 8 + a];
    const std::int64_t blocks =
        expect_block_conditions(p, Y, t, W, {}, {}, alphas[a], r, 1e-6 * alphas[0], "alpha " + std::to_string(a));
    if (a == 0) EXPECT_EQ(blocks, 0) << "alpha_max zeroes every block";
    nonzero += blocks;
  }
  EXPECT_GT(nonzero, d);
  auto sparse_path = estimator("ElasticNetPath", params);
  const LaidOutMatrix<double, std::int64_t> csr(device(), p.X, n, d, "csr");
  FRANCA_ASSERT_OK(franca_estimator_fit(nullptr, sparse_path.get(), csr.get(), Yt.get(), nullptr));
  expect_same(path.get(), sparse_path.get(), "CSR");
}

FRANCA_INSTANTIATE_DEVICE_TESTS(ElasticNetPath);

}  // namespace
}  // namespace franca::test
