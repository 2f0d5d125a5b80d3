// The CPU GLM objective: one float64 pass per evaluation, rows split over the context's threads,
// each chunk accumulating its own gradient (combined by sum_partials).
#include <algorithm>
#include <type_traits>

#include "core/expects.hpp"
#include "core/matrix_ref.hpp"
#include "core/parallel.hpp"
#include "primitives/glm_objective.hpp"

namespace franca {

void glm_check(const GlmData& data, const std::vector<double>& coef) {
  const std::int64_t n = data.X.rows(), d = data.X.cols(), t = data.n_scores;
  FRANCA_EXPECTS(data.X.kind == Matrix::Kind::dense || data.X.kind == Matrix::Kind::csr,
                 "glm_objective: X must be dense or CSR, got {}", data.X.kind_name());
  FRANCA_EXPECTS(t >= 1 && (data.loss == glm::Loss::multinomial || t == 1),
                 "glm_objective: loss {} takes one score per row, got n_scores={}", glm::loss_name(data.loss), t);
  FRANCA_EXPECTS(static_cast<std::int64_t>(coef.size()) == t * d + (data.fit_intercept ? t : 0),
                 "glm_objective: expected {} coefficients, got {}", t * d + (data.fit_intercept ? t : 0), coef.size());
  const bool classification = data.loss == glm::Loss::binomial || data.loss == glm::Loss::multinomial;
  const Array& y = classification ? data.labels : data.targets;
  FRANCA_EXPECTS(y.data != nullptr && y.size() == n && y.dtype == (classification ? DType::int32 : DType::float64) &&
                     y.device == data.X.device(),
                 "glm_objective: loss {} needs {} of {} rows on X's device", glm::loss_name(data.loss),
                 classification ? "int32 labels" : "float64 targets", n);
  FRANCA_EXPECTS(data.weights.data != nullptr && data.weights.size() == n && data.weights.dtype == DType::float64 &&
                     data.weights.device == data.X.device(),
                 "glm_objective: needs float64 weights of {} rows on X's device", n);
}

namespace {

constexpr std::int64_t kBlockRows = 32;

// Four running sums, which the compiler keeps in vector registers (a single sum would
// serialise every addition; `omp simd reduction` spilled its accumulator to the stack).
inline double dot(const double* a, const double* b, std::int64_t n) {
  double s[4] = {0, 0, 0, 0};
  std::int64_t j = 0;
  for (; j + 4 <= n; j += 4)
    for (int u = 0; u < 4; ++u) s[u] += a[j + u] * b[j + u];
  double total = (s[0] + s[1]) + (s[2] + s[3]);
  for (; j < n; ++j) total += a[j] * b[j];
  return total;
}

// Dense X: blocks of rows are copied to a float64 row-major buffer (read column by column when X is
// column-major, so that memory is read in order) unless X already is float64 row-major. Each row's
// scores, loss and gradient contribution are computed while the row is in cache.
template <class T, class L>
std::vector<double> dense_pass(const Context& ctx, const GlmData& data, const std::vector<double>& coef, L loss_fn) {
  const auto m = matrix_ref<const T>(data.X.dense);
  const std::int64_t d = m.cols, t = data.n_scores;
  const auto* y = glm_targets<L>(data);
  const double* weights = data.weights.ptr<const double>();
  const double* W = coef.data();
  const bool direct = std::is_same<T, double>::value && (m.col_stride == 1 || d == 1);
  const std::int64_t grain = std::max<std::int64_t>(kBlockRows, (1 << 15) / std::max<std::int64_t>(d * t, 1));
  return sum_partials(
      parallel_accumulate(ctx, m.rows, grain, std::vector<double>(static_cast<std::size_t>(t * d + t + 1), 0.0),
                          [&](std::int64_t begin, std::int64_t end, std::vector<double>& acc) {
                            std::vector<double> buffer(direct ? 0 : static_cast<std::size_t>(kBlockRows * d));
                            std::vector<double> z(static_cast<std::size_t>(t));
                            double* gW = acc.data();
                            double* gb = gW + t * d;
                            double loss = 0;
                            for (std::int64_t i0 = begin; i0 < end; i0 += kBlockRows) {
                              const std::int64_t nb = std::min(kBlockRows, end - i0);
                              if (!direct) {
                                for (std::int64_t j = 0; j < d; ++j)
                                  for (std::int64_t r = 0; r < nb; ++r)
                                    buffer[static_cast<std::size_t>(r * d + j)] = static_cast<double>(m(i0 + r, j));
                              }
                              for (std::int64_t r = 0; r < nb; ++r) {
                                const std::int64_t i = i0 + r;
                                const double* x = direct ? reinterpret_cast<const double*>(&m(i, 0))
                                                         : &buffer[static_cast<std::size_t>(r * d)];
                                for (std::int64_t k = 0; k < t; ++k)
                                  z[k] = (data.fit_intercept ? W[t * d + k] : 0.0) + dot(W + k * d, x, d);
                                loss += loss_fn(z.data(), t, y[i], weights[i]);
                                for (std::int64_t k = 0; k < t; ++k) {
                                  const double rk = z[k];
                                  if (rk == 0) continue;
                                  double* g = gW + k * d;
                                  for (std::int64_t j = 0; j < d; ++j) g[j] += rk * x[j];
                                  gb[k] += rk;
                                }
                              }
                            }
                            acc[static_cast<std::size_t>(t * d + t)] += loss;
                          }));
}

// CSR X: the coefficients are laid out feature-major (d x t) so that each stored value touches t
// contiguous coefficients and gradients.
template <class T, class P, class I, class L>
std::vector<double> csr_pass(const Context& ctx, const GlmData& data, const std::vector<double>& coef, L loss_fn) {
  const CsrMatrix& X = data.X.csr;
  const std::int64_t d = X.cols, t = data.n_scores;
  const P* indptr = X.indptr.ptr<const P>();
  const I* indices = X.indices.ptr<const I>();
  const T* values = X.data.ptr<const T>();
  const auto* y = glm_targets<L>(data);
  const double* weights = data.weights.ptr<const double>();
  std::vector<double> WT(static_cast<std::size_t>(d * t));
  for (std::int64_t k = 0; k < t; ++k)
    for (std::int64_t j = 0; j < d; ++j)
      WT[static_cast<std::size_t>(j * t + k)] = coef[static_cast<std::size_t>(k * d + j)];
  const std::int64_t nnz_per_row = std::max<std::int64_t>(1, X.nnz() / std::max<std::int64_t>(X.rows, 1));
  const std::int64_t grain = std::max<std::int64_t>(kBlockRows, (1 << 15) / (nnz_per_row * t));
  auto total = sum_partials(
      parallel_accumulate(ctx, X.rows, grain, std::vector<double>(static_cast<std::size_t>(t * d + t + 1), 0.0),
                          [&](std::int64_t begin, std::int64_t end, std::vector<double>& acc) {
                            std::vector<double> z(static_cast<std::size_t>(t));
                            double* gWT = acc.data();
                            double* gb = gWT + t * d;
                            double loss = 0;
                            for (std::int64_t i = begin; i < end; ++i) {
                              for (std::int64_t k = 0; k < t; ++k)
                                z[k] = data.fit_intercept ? coef[static_cast<std::size_t>(t * d + k)] : 0.0;
                              for (P p = indptr[i]; p < indptr[i + 1]; ++p) {
                                const double v = static_cast<double>(values[p]);
                                const double* w = &WT[static_cast<std::size_t>(indices[p] * t)];
                                for (std::int64_t k = 0; k < t; ++k) z[k] += v * w[k];
                              }
                              loss += loss_fn(z.data(), t, y[i], weights[i]);
                              for (std::int64_t k = 0; k < t; ++k) gb[k] += z[k];
                              for (P p = indptr[i]; p < indptr[i + 1]; ++p) {
                                const double v = static_cast<double>(values[p]);
                                double* g = gWT + static_cast<std::int64_t>(indices[p]) * t;
                                for (std::int64_t k = 0; k < t; ++k) g[k] += z[k] * v;
                              }
                            }
                            acc[static_cast<std::size_t>(t * d + t)] += loss;
                          }));
  if (t > 1) {
    std::vector<double> gW(static_cast<std::size_t>(t * d));
    for (std::int64_t j = 0; j < d; ++j)
      for (std::int64_t k = 0; k < t; ++k)
        gW[static_cast<std::size_t>(k * d + j)] = total[static_cast<std::size_t>(j * t + k)];
    std::copy(gW.begin(), gW.end(), total.begin());
  }
  return total;
}

}  // namespace

template <>
double glm_objective<Backend::cpu>(const Context& ctx, const GlmData& data, const std::vector<double>& coef,
                                   std::vector<double>& grad) {
  glm_check(data, coef);
  const std::int64_t d = data.X.cols(), t = data.n_scores;
  std::vector<double> total = glm::dispatch_loss(data.loss, data.power, [&](auto loss_fn) {
    if (data.X.kind == Matrix::Kind::dense)
      return dispatch_floating(data.X.dense.dtype,
                               [&](auto tag) { return dense_pass<decltype(tag)>(ctx, data, coef, loss_fn); });
    const CsrMatrix& X = data.X.csr;
    return dispatch_floating(X.data.dtype, [&](auto value_tag) {
      return dispatch_index(X.indptr.dtype, [&](auto ptr_tag) {
        return dispatch_index(X.indices.dtype, [&](auto index_tag) {
          return csr_pass<decltype(value_tag), decltype(ptr_tag), decltype(index_tag)>(ctx, data, coef, loss_fn);
        });
      });
    });
  });
  grad.assign(total.begin(), total.begin() + t * d);
  if (data.fit_intercept) grad.insert(grad.end(), total.begin() + t * d, total.begin() + t * d + t);
  return total[static_cast<std::size_t>(t * d + t)];
}

}  // namespace franca
