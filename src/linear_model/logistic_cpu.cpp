#include <algorithm>

#include "core/matrix_ref.hpp"
#include "core/parallel.hpp"
#include "linear_model/logistic.hpp"

namespace franca {

namespace {

using logistic::binomial_row;
using logistic::multinomial_row;

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

inline double row_loss(const double* z, std::int64_t t, std::int32_t label, double w, double* r) {
  return t == 1 ? binomial_row(z, label, w, r) : multinomial_row(z, t, label, w, r);
}

// Dense X: blocks of rows are copied to a float64 row-major buffer (read column by column when X is
// column-major, so that memory is read in order) unless X already is float64 row-major. Each row's
// scores, loss and gradient contribution are computed while the row is in cache.
template <class T>
std::vector<double> dense_pass(const Context& ctx, const LogisticData& data, const std::vector<double>& coef) {
  const auto m = matrix_ref<const T>(data.X.dense);
  const std::int64_t d = m.cols, t = data.n_scores;
  const std::int32_t* labels = data.labels.ptr<const std::int32_t>();
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
                                loss += row_loss(z.data(), t, labels[i], weights[i], z.data());
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
template <class T, class P, class I>
std::vector<double> csr_pass(const Context& ctx, const LogisticData& data, const std::vector<double>& coef) {
  const CsrMatrix& X = data.X.csr;
  const std::int64_t d = X.cols, t = data.n_scores;
  const P* indptr = X.indptr.ptr<const P>();
  const I* indices = X.indices.ptr<const I>();
  const T* values = X.data.ptr<const T>();
  const std::int32_t* labels = data.labels.ptr<const std::int32_t>();
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
                              loss += row_loss(z.data(), t, labels[i], weights[i], z.data());
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

double logistic_loss_gradient_cpu(const Context& ctx, const LogisticData& data, const std::vector<double>& coef,
                                  std::vector<double>& grad) {
  const std::int64_t d = data.X.cols(), t = data.n_scores;
  std::vector<double> total;
  if (data.X.kind == Matrix::Kind::dense) {
    total = dispatch_floating(data.X.dense.dtype, [&](auto tag) { return dense_pass<decltype(tag)>(ctx, data, coef); });
  } else {
    const CsrMatrix& X = data.X.csr;
    total = dispatch_floating(X.data.dtype, [&](auto value_tag) {
      return dispatch_index(X.indptr.dtype, [&](auto ptr_tag) {
        return dispatch_index(X.indices.dtype, [&](auto index_tag) {
          return csr_pass<decltype(value_tag), decltype(ptr_tag), decltype(index_tag)>(ctx, data, coef);
        });
      });
    });
  }
  grad.assign(total.begin(), total.begin() + t * d);
  if (data.fit_intercept) grad.insert(grad.end(), total.begin() + t * d, total.begin() + t * d + t);
  return total[static_cast<std::size_t>(t * d + t)];
}

void logistic_link_cpu(const Context& ctx, const Array& Z, logistic::Link link, logistic::Output output,
                       const Array& classes, const Array& out) {
  dispatch_floating(Z.dtype, [&](auto tag) {
    using T = decltype(tag);
    const std::int64_t n = Z.dim(0), k_scores = Z.ndim() == 2 ? Z.dim(1) : 1;
    const std::int64_t width = output == logistic::Output::predict ? 1 : classes.size();
    const T* z = Z.ptr<const T>();
    const double* c = classes.ptr<const double>();
    parallel_for(ctx, n, 1024, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) {
        if (output == logistic::Output::predict) {
          logistic::link_row(z + i * k_scores, k_scores, link, output, c, out.ptr<double>() + i);
        } else {
          logistic::link_row(z + i * k_scores, k_scores, link, output, c, out.ptr<T>() + i * width);
        }
      }
    });
  });
}

}  // namespace franca
