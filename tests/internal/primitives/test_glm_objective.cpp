// The GLM objective primitive (primitives/glm_objective.hpp) against an independent float64
// reference: the loss by naive per-row loops over a dense copy of X, the gradient by central
// finite differences of that reference (in long double). Every loss functor, on dense row-major,
// column-major and padded-stride X and on CSR X (int32 and int64 indptr/indices), float32 and
// float64, with and without intercept, on each device. The Hessian (glm_hessian) against the
// same rows' second derivatives by central second differences of the reference loss in z, summed
// over x~ x~^T in long double. Internal symbols are hidden in libfranca.so: this executable links
// the library's objects (franca_objects).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/context.hpp"
#include "core/cuda_backend.hpp"
#include "core/dispatch.hpp"
#include "primitives/csr_compact.hpp"
#include "primitives/glm_objective.hpp"

namespace franca::test {
namespace {

constexpr double kValueTol = 1e-10;          // |f - f_ref| / (1 + sum_i |w_i loss_i|)
constexpr double kGradientTol = 1e-6;        // |g - g_fd| / (1 + max |g_fd|)
constexpr long double kStep = 1e-5L;         // central difference step
constexpr double kHessianTol = 1e-7;         // |H - H_ref| / (1 + max |H_ref|)
constexpr long double kHessianStep = 1e-4L;  // second-difference step in the scores
constexpr std::int64_t kRows = 157;          // not a multiple of any tile or block
constexpr std::int64_t kCols = 7;

struct LossCase {
  const char* name;
  glm::Loss loss;
  std::int64_t t;
  double power;
};

// The reference loss of one row, written from scikit-learn's formulas (the same dropped constants).
long double reference_row(const LossCase& c, const std::vector<long double>& z, double y) {
  using std::exp;
  using std::log;
  switch (c.loss) {
    case glm::Loss::binomial:
      return log(1.0L + exp(z[0])) - y * z[0];
    case glm::Loss::multinomial: {
      long double s = 0;
      for (long double v : z) s += exp(v);
      return log(s) - z[static_cast<std::size_t>(y)];
    }
    case glm::Loss::squared_error:
      return 0.5L * (z[0] - y) * (z[0] - y);
    case glm::Loss::poisson:
      return exp(z[0]) - y * z[0];
    case glm::Loss::gamma:
      return z[0] + y * exp(-z[0]);
    case glm::Loss::tweedie: {
      const long double p = c.power;
      if (p == 0) return 0.5L * (exp(z[0]) - y) * (exp(z[0]) - y);
      if (p == 1) return exp(z[0]) - y * z[0];
      if (p == 2) return z[0] + y * exp(-z[0]);
      return exp((2 - p) * z[0]) / (2 - p) - y * exp((1 - p) * z[0]) / (1 - p);
    }
    case glm::Loss::tweedie_identity: {  // for z > 0; the constant term is left out
      const long double p = c.power;
      if (p == 0) return 0.5L * (z[0] - y) * (z[0] - y);
      if (p == 1) return z[0] - y * log(z[0]);
      if (p == 2) return log(z[0]) + y / z[0];
      return std::pow(z[0], 2 - p) / (2 - p) - y * std::pow(z[0], 1 - p) / (1 - p);
    }
  }
  return 0;
}

struct Problem {
  std::vector<double> X;  // row-major dense copy (values already rounded to the case's dtype)
  std::vector<double> y, w, coef;
};

// sum_i w_i loss_i at coef, and sum_i |w_i loss_i|.
long double reference_loss(const LossCase& c, const Problem& p, const std::vector<long double>& coef, bool intercept,
                           long double* scale = nullptr) {
  const std::int64_t t = c.t, d = kCols;
  long double total = 0, abs_total = 0;
  std::vector<long double> z(static_cast<std::size_t>(t));
  for (std::int64_t i = 0; i < kRows; ++i) {
    for (std::int64_t k = 0; k < t; ++k) {
      z[k] = intercept ? coef[t * d + k] : 0.0L;
      for (std::int64_t j = 0; j < d; ++j) z[k] += coef[k * d + j] * p.X[i * d + j];
    }
    const long double l = p.w[i] * reference_row(c, z, p.y[i]);
    total += l;
    abs_total += std::fabs(l);
  }
  if (scale) *scale = abs_total;
  return total;
}

Problem make_problem(const LossCase& c, bool intercept, bool single, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform;
  Problem p;
  p.X.resize(kRows * kCols);
  for (auto& v : p.X) {
    v = uniform(rng) < 0.4 ? 0.0 : normal(rng);  // zeros give the CSR cases structure
    if (single) v = static_cast<float>(v);
  }
  for (std::int64_t i = 0; i < kRows; ++i) p.X[i * kCols + kCols - 1] = 0;  // an empty column
  for (std::int64_t i = 0; i < kRows; ++i) {
    p.w.push_back(0.5 + 1.5 * uniform(rng));
    switch (c.loss) {
      case glm::Loss::binomial:
        p.y.push_back(uniform(rng) < 0.5 ? 0 : 1);
        break;
      case glm::Loss::multinomial:
        p.y.push_back(static_cast<double>(rng() % c.t));
        break;
      case glm::Loss::squared_error:
        p.y.push_back(2 * normal(rng));
        break;
      case glm::Loss::gamma:
        p.y.push_back(0.1 - std::log(uniform(rng) + 1e-12));
        break;
      default:  // Poisson and Tweedie: counts with zeros; Tweedie p >= 2 needs y > 0
        p.y.push_back(std::floor(3 * uniform(rng)) + (c.loss == glm::Loss::tweedie && c.power >= 2 ? 0.5 : 0.0));
    }
  }
  const std::int64_t n_coef = c.t * kCols + (intercept ? c.t : 0);
  for (std::int64_t q = 0; q < n_coef; ++q) p.coef.push_back(0.3 * normal(rng));
  return p;
}

enum class Layout { row_major, column_major, padded, csr32, csr64, csr_mixed };
const char* layout_name(Layout l) {
  switch (l) {
    case Layout::row_major:
      return "dense row-major";
    case Layout::column_major:
      return "dense column-major";
    case Layout::padded:
      return "dense row-major, row stride d + 3";
    case Layout::csr32:
      return "CSR int32";
    case Layout::csr64:
      return "CSR int64";
    case Layout::csr_mixed:
      return "CSR int64 indptr, int32 indices";
  }
  return "?";
}

// A flat host buffer, moved to `device`, viewed with shape and strides.
template <class T>
Array strided(const Context& ctx, const std::vector<T>& storage, Device device, std::vector<std::int64_t> shape,
              std::vector<std::int64_t> strides) {
  Array a = to_device(ctx, Array::from_host(storage, {static_cast<std::int64_t>(storage.size())}), device);
  a.shape = std::move(shape);
  a.strides = std::move(strides);
  return a;
}

template <class T>
Matrix make_matrix(const Context& ctx, const std::vector<double>& X, Layout layout, Device device) {
  const std::int64_t n = kRows, d = kCols;
  if (layout == Layout::row_major || layout == Layout::column_major || layout == Layout::padded) {
    const std::int64_t rs = layout == Layout::column_major ? 1 : layout == Layout::padded ? d + 3 : d;
    const std::int64_t cs = layout == Layout::column_major ? n : 1;
    std::vector<T> storage(static_cast<std::size_t>((n - 1) * rs + (d - 1) * cs + 1), T(-777));
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = 0; j < d; ++j) storage[i * rs + j * cs] = static_cast<T>(X[i * d + j]);
    return Matrix::from_dense(strided(ctx, storage, device, {n, d}, {rs, cs}));
  }
  std::vector<std::int64_t> indptr{0}, indices;
  std::vector<T> values;
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = d - 1; j >= 0; --j)  // unsorted indices are allowed
      if (X[i * d + j] != 0) indices.push_back(j), values.push_back(static_cast<T>(X[i * d + j]));
    indptr.push_back(static_cast<std::int64_t>(indices.size()));
  }
  CsrMatrix c;
  c.rows = n;
  c.cols = d;
  const auto nnz = static_cast<std::int64_t>(indices.size());
  const DType ptr_type = layout == Layout::csr32 ? DType::int32 : DType::int64;
  const DType index_type = layout == Layout::csr64 ? DType::int64 : DType::int32;
  c.indptr = to(ctx, Array::from_host(indptr, {n + 1}), device, ptr_type);
  c.indices = to(ctx, Array::from_host(indices, {nnz}), device, index_type);
  c.data = to_device(ctx, Array::from_host(values, {nnz}), device);
  return Matrix::from_csr(std::move(c));
}

GlmData make_data(const Context& ctx, const LossCase& c, const Problem& p, Layout layout, bool single, bool intercept,
                  Device device) {
  GlmData data;
  data.X = single ? make_matrix<float>(ctx, p.X, layout, device) : make_matrix<double>(ctx, p.X, layout, device);
  if (c.loss == glm::Loss::binomial || c.loss == glm::Loss::multinomial) {
    data.labels = to(ctx, Array::from_host(p.y, {kRows}), device, DType::int32);
  } else {
    data.targets = to_device(ctx, Array::from_host(p.y, {kRows}), device);
  }
  data.weights = to_device(ctx, Array::from_host(p.w, {kRows}), device);
  data.n_scores = c.t;
  data.fit_intercept = intercept;
  data.loss = c.loss;
  data.power = c.power;
  return data;
}

class GlmObjective : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "cuda" && cuda::device_count() == 0)
      GTEST_SKIP() << "no CUDA device (or franca built without CUDA): CUDA case skipped";
  }

  void check(const LossCase& c) {
    Context ctx(GetParam());
    const Device device = GetParam() == "cuda" ? Device::cuda(0) : Device::cpu();
    std::uint64_t seed = 20240 + static_cast<std::uint64_t>(c.loss) * 100 + static_cast<std::uint64_t>(c.power * 10);
    for (Layout layout :
         {Layout::row_major, Layout::column_major, Layout::padded, Layout::csr32, Layout::csr64, Layout::csr_mixed})
      for (bool single : {false, true})
        for (bool intercept : {true, false}) {
          std::ostringstream what;
          what << c.name << ", " << layout_name(layout) << ", " << (single ? "float32" : "float64") << ", "
               << (intercept ? "with" : "without") << " intercept, seed " << seed << ", on " << GetParam();
          SCOPED_TRACE(what.str());
          const Problem p = make_problem(c, intercept, single, seed++);
          const GlmData data = make_data(ctx, c, p, layout, single, intercept, device);

          std::vector<double> grad;
          const double f = FRANCA_DISPATCH(device, glm_objective, ctx, data, p.coef, grad);

          std::vector<long double> coef(p.coef.begin(), p.coef.end());
          long double scale = 0;
          const long double f_ref = reference_loss(c, p, coef, intercept, &scale);
          EXPECT_LE(std::fabs(f - f_ref) / (1 + scale), kValueTol)
              << "loss " << f << ", reference " << static_cast<double>(f_ref);

          ASSERT_EQ(grad.size(), p.coef.size());
          std::vector<long double> fd(coef.size());
          long double fd_max = 0;
          for (std::size_t q = 0; q < coef.size(); ++q) {
            std::vector<long double> plus = coef, minus = coef;
            plus[q] += kStep;
            minus[q] -= kStep;
            fd[q] = (reference_loss(c, p, plus, intercept) - reference_loss(c, p, minus, intercept)) / (2 * kStep);
            fd_max = std::max(fd_max, std::fabs(fd[q]));
          }
          for (std::size_t q = 0; q < coef.size(); ++q)
            EXPECT_LE(std::fabs(grad[q] - fd[q]) / (1 + fd_max), kGradientTol)
                << "gradient[" << q << "] = " << grad[q] << ", finite difference " << static_cast<double>(fd[q]);
        }
  }

  // glm_hessian against the reference: per row, the t x t second derivatives of the reference
  // loss in z by central second differences (absolute values for one score), weighted and summed
  // over x~ x~^T; and the weight of the rows whose second derivative is <= 0. The identity link
  // needs positive scores: its cases get small coefficients and an intercept of 3.
  void check_hessian(const LossCase& c) {
    Context ctx(GetParam());
    const Device device = GetParam() == "cuda" ? Device::cuda(0) : Device::cpu();
    const bool identity = c.loss == glm::Loss::tweedie_identity;
    std::uint64_t seed = 30240 + static_cast<std::uint64_t>(c.loss) * 100 + static_cast<std::uint64_t>(c.power * 10);
    for (Layout layout :
         {Layout::row_major, Layout::column_major, Layout::padded, Layout::csr32, Layout::csr64, Layout::csr_mixed})
      for (bool single : {false, true})
        for (bool intercept : {true, false}) {
          if (identity && !intercept) continue;
          std::ostringstream what;
          what << c.name << " power " << c.power << ", " << layout_name(layout) << ", "
               << (single ? "float32" : "float64") << ", " << (intercept ? "with" : "without") << " intercept, seed "
               << seed << ", on " << GetParam();
          SCOPED_TRACE(what.str());
          Problem p = make_problem(c, intercept, single, seed++);
          if (identity) {
            for (double& v : p.coef) v *= 0.1;
            p.coef.back() = 3.0;
          }
          const GlmData data = make_data(ctx, c, p, layout, single, intercept, device);
          const GlmHessian hessian = FRANCA_DISPATCH(device, glm_hessian, ctx, data, p.coef);

          const std::int64_t t = c.t, d = kCols, D = d + (intercept ? 1 : 0), size = t * D;
          ASSERT_EQ(hessian.matrix.size(), static_cast<std::size_t>(size * size));
          std::vector<long double> ref(static_cast<std::size_t>(size * size), 0.0L);
          long double nonpositive = 0, near_zero = 0, weight = 0;
          const auto index = [&](std::int64_t k, std::int64_t a) { return a < d ? k * d + a : t * d + k; };
          std::vector<long double> z(static_cast<std::size_t>(t));
          for (std::int64_t i = 0; i < kRows; ++i) {
            for (std::int64_t k = 0; k < t; ++k) {
              z[k] = intercept ? p.coef[t * d + k] : 0.0L;
              for (std::int64_t j = 0; j < d; ++j) z[k] += static_cast<long double>(p.coef[k * d + j]) * p.X[i * d + j];
            }
            const auto loss_at = [&](std::int64_t k, long double dk, std::int64_t l, long double dl) {
              std::vector<long double> shifted = z;
              shifted[k] += dk;
              shifted[l] += dl;
              return reference_row(c, shifted, p.y[i]);
            };
            const long double h = kHessianStep;
            for (std::int64_t k = 0; k < t; ++k)
              for (std::int64_t l = 0; l < t; ++l) {
                long double second =
                    (loss_at(k, h, l, h) - loss_at(k, h, l, -h) - loss_at(k, -h, l, h) + loss_at(k, -h, l, -h)) /
                    (4 * h * h);
                if (t == 1) {
                  // A second derivative within the difference's truncation error of 0 (a row
                  // without values meets exact zeros of some losses) may count either way.
                  if (second <= -1e-6L) nonpositive += p.w[i];
                  if (std::fabs(second) < 1e-6L) near_zero += p.w[i];
                  weight += p.w[i];
                  second = std::fabs(second);
                }
                for (std::int64_t a = 0; a < D; ++a)
                  for (std::int64_t b = 0; b < D; ++b) {
                    const long double xa = a < d ? p.X[i * d + a] : 1.0L, xb = b < d ? p.X[i * d + b] : 1.0L;
                    ref[static_cast<std::size_t>(index(k, a) * size + index(l, b))] += p.w[i] * second * xa * xb;
                  }
              }
          }
          long double ref_max = 0;
          for (long double v : ref) ref_max = std::max(ref_max, std::fabs(v));
          for (std::int64_t r = 0; r < size; ++r)
            for (std::int64_t q = 0; q < size; ++q)
              EXPECT_LE(std::fabs(hessian.matrix[r * size + q] - ref[r * size + q]) / (1 + ref_max), kHessianTol)
                  << "H[" << r << "][" << q << "] = " << hessian.matrix[r * size + q] << ", reference "
                  << static_cast<double>(ref[r * size + q]);
          const double low = weight > 0 ? static_cast<double>(nonpositive / weight) : 0.0;
          const double high = weight > 0 ? static_cast<double>((nonpositive + near_zero) / weight) : 0.0;
          EXPECT_GE(hessian.nonpositive_fraction, low - 1e-12)
              << "weight of the rows with a negative second derivative";
          EXPECT_LE(hessian.nonpositive_fraction, high + 1e-12) << "weight of the rows with one <= 0";
        }
  }
};

TEST_P(GlmObjective, Binomial) { check({"binomial", glm::Loss::binomial, 1, 0}); }
TEST_P(GlmObjective, Multinomial) { check({"multinomial (K = 4)", glm::Loss::multinomial, 4, 0}); }
TEST_P(GlmObjective, SquaredError) { check({"squared error", glm::Loss::squared_error, 1, 0}); }
TEST_P(GlmObjective, Poisson) { check({"Poisson", glm::Loss::poisson, 1, 0}); }
TEST_P(GlmObjective, Gamma) { check({"Gamma", glm::Loss::gamma, 1, 0}); }
TEST_P(GlmObjective, Tweedie) {
  for (double power : {0.0, 1.0, 1.5, 2.0, 3.0}) check({"Tweedie", glm::Loss::tweedie, 1, power});
}

TEST_P(GlmObjective, HessianBinomial) { check_hessian({"binomial", glm::Loss::binomial, 1, 0}); }
TEST_P(GlmObjective, HessianMultinomial) { check_hessian({"multinomial (K = 4)", glm::Loss::multinomial, 4, 0}); }
TEST_P(GlmObjective, HessianSquaredError) { check_hessian({"squared error", glm::Loss::squared_error, 1, 0}); }
TEST_P(GlmObjective, HessianPoisson) { check_hessian({"Poisson", glm::Loss::poisson, 1, 0}); }
TEST_P(GlmObjective, HessianGamma) { check_hessian({"Gamma", glm::Loss::gamma, 1, 0}); }
// Power 3, as the identity link below, has rows whose second derivative is negative here.
TEST_P(GlmObjective, HessianTweedie) {
  for (double power : {0.0, 1.0, 1.5, 2.0, 3.0}) check_hessian({"Tweedie", glm::Loss::tweedie, 1, power});
}
TEST_P(GlmObjective, HessianTweedieIdentity) {
  for (double power : {0.0, 1.0, 1.5, 2.0, 3.0})
    check_hessian({"Tweedie, identity link", glm::Loss::tweedie_identity, 1, power});
}

// The primitive refuses what it cannot evaluate, naming the problem.
TEST_P(GlmObjective, RejectsMismatchedInputs) {
  Context ctx(GetParam());
  const Device device = GetParam() == "cuda" ? Device::cuda(0) : Device::cpu();
  const LossCase c{"Poisson", glm::Loss::poisson, 1, 0};
  const Problem p = make_problem(c, true, false, 7);
  GlmData data;
  data.X = make_matrix<double>(ctx, p.X, Layout::row_major, device);
  data.weights = to_device(ctx, Array::from_host(p.w, {kRows}), device);
  data.loss = glm::Loss::poisson;
  std::vector<double> grad;
  try {
    FRANCA_DISPATCH(device, glm_objective, ctx, data, p.coef, grad);
    FAIL() << "a Poisson loss without float64 targets was accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("float64 targets"), std::string::npos) << e.what();
  }
}

// Column compaction renumbers the columns that hold values, and the objective on the compacted
// matrix equals the objective on the original with the empty column's coefficient dropped.
TEST_P(GlmObjective, CompactedColumns) {
  Context ctx(GetParam());
  const Device device = GetParam() == "cuda" ? Device::cuda(0) : Device::cpu();
  const LossCase c{"binomial", glm::Loss::binomial, 1, 0};
  const Problem p = make_problem(c, true, false, 11);
  GlmData data;
  data.X = make_matrix<double>(ctx, p.X, Layout::csr_mixed, device);
  data.labels = to(ctx, Array::from_host(p.y, {kRows}), device, DType::int32);
  data.weights = to_device(ctx, Array::from_host(p.w, {kRows}), device);
  std::vector<std::int64_t> columns;
  GlmData compacted = data;
  compacted.X = FRANCA_DISPATCH(device, csr_compact_columns, ctx, data.X, columns);
  ASSERT_EQ(compacted.X.cols(), kCols - 1);
  ASSERT_EQ(columns.size(), static_cast<std::size_t>(kCols - 1));
  for (std::int64_t j = 0; j < kCols - 1; ++j) EXPECT_EQ(columns[j], j) << "columns[" << j << "]";
  std::vector<double> coef = p.coef, coef_c(p.coef.begin(), p.coef.begin() + kCols - 1), grad, grad_c;
  coef_c.push_back(p.coef.back());  // the intercept
  coef[kCols - 1] = 0.25;           // the empty column's coefficient changes nothing
  const double f = FRANCA_DISPATCH(device, glm_objective, ctx, data, coef, grad);
  const double f_c = FRANCA_DISPATCH(device, glm_objective, ctx, compacted, coef_c, grad_c);
  EXPECT_NEAR(f, f_c, kValueTol * (1 + std::fabs(f)));
  EXPECT_EQ(grad[kCols - 1], 0.0) << "the empty column got a gradient";
  for (std::int64_t j = 0; j < kCols - 1; ++j) EXPECT_NEAR(grad[j], grad_c[j], 1e-12) << "gradient[" << j << "]";
  EXPECT_NEAR(grad.back(), grad_c.back(), 1e-12) << "intercept gradient";
  // Nothing to compact: X itself comes back.
  std::vector<std::int64_t> none;
  const Matrix same = FRANCA_DISPATCH(device, csr_compact_columns, ctx, compacted.X, none);
  EXPECT_EQ(same.csr.indices.data, compacted.X.csr.indices.data);
  EXPECT_TRUE(none.empty());
}

INSTANTIATE_TEST_SUITE_P(, GlmObjective, ::testing::Values("cpu", "cuda"), [](const auto& info) { return info.param; });

}  // namespace
}  // namespace franca::test
