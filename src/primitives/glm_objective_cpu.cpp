// The CPU GLM objective: one float64 pass per evaluation, rows split over the context's threads,
// each chunk accumulating its own gradient (combined by sum_partials). The Hessian pass likewise,
// each chunk with its own Gram blocks.
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "core/expects.hpp"
#include "core/matrix_ref.hpp"
#include "core/parallel.hpp"
#include "primitives/csr_ops.hpp"
#include "primitives/glm_objective.hpp"
#include "primitives/gram_tiles_cpu.hpp"

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

std::vector<double> glm_hessian_from_blocks(const std::vector<double>& blocks, std::int64_t t, std::int64_t d,
                                            bool fit_intercept) {
  const std::int64_t D = d + (fit_intercept ? 1 : 0), block_size = D * (D + 1) / 2, n_coef = t * D;
  // Column a of x~ for score k: a coefficient of W (row-major), or the intercept (a = d).
  const auto index = [&](std::int64_t k, std::int64_t a) { return a < d ? k * d + a : t * d + k; };
  std::vector<double> H(static_cast<std::size_t>(n_coef * n_coef));
  const auto set = [&](std::int64_t r, std::int64_t c, double v) {
    H[static_cast<std::size_t>(r * n_coef + c)] = v;
    H[static_cast<std::size_t>(c * n_coef + r)] = v;
  };
  for (std::int64_t k = 0; k < t; ++k)
    for (std::int64_t l = k; l < t; ++l) {
      const double* G = blocks.data() + glm::packed_upper_index(k, l, t) * block_size;
      for (std::int64_t a = 0; a < D; ++a)
        for (std::int64_t b = a; b < D; ++b) {
          const double v = G[glm::packed_upper_index(a, b, D)];
          set(index(k, a), index(l, b), v);
          set(index(k, b), index(l, a), v);
        }
    }
  return H;
}

namespace {

constexpr std::int64_t kBlockRows = 32;
// The partial Gram blocks of all the Hessian pass's chunks together stay under this.
constexpr std::int64_t kHessianPartialBytes = std::int64_t{256} << 20;

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
  // kScores > 0 fixes the number of scores at compile time (one, for every regressor and binary
  // logistic regression): the scores then live in registers instead of being reloaded after each
  // store to the gradient, which may alias them, about 2x faster per stored value.
  const auto rows = [&](auto fixed_scores, std::int64_t begin, std::int64_t end, std::vector<double>& acc) {
    constexpr std::int64_t kScores = decltype(fixed_scores)::value;
    const std::int64_t n_scores = kScores > 0 ? kScores : t;
    std::vector<double> z_heap(kScores > 0 ? 0 : static_cast<std::size_t>(t));
    double z_fixed[kScores > 0 ? kScores : 1];
    double* z = kScores > 0 ? z_fixed : z_heap.data();
    double* gWT = acc.data();
    double* gb = gWT + n_scores * d;
    double loss = 0;
    for (std::int64_t i = begin; i < end; ++i) {
      for (std::int64_t k = 0; k < n_scores; ++k)
        z[k] = data.fit_intercept ? coef[static_cast<std::size_t>(n_scores * d + k)] : 0.0;
      for (P p = indptr[i]; p < indptr[i + 1]; ++p) {
        const double v = static_cast<double>(values[p]);
        const double* w = &WT[static_cast<std::size_t>(indices[p] * n_scores)];
        for (std::int64_t k = 0; k < n_scores; ++k) z[k] += v * w[k];
      }
      loss += loss_fn(z, n_scores, y[i], weights[i]);
      for (std::int64_t k = 0; k < n_scores; ++k) gb[k] += z[k];
      for (P p = indptr[i]; p < indptr[i + 1]; ++p) {
        const double v = static_cast<double>(values[p]);
        double* g = gWT + static_cast<std::int64_t>(indices[p]) * n_scores;
        for (std::int64_t k = 0; k < n_scores; ++k) g[k] += z[k] * v;
      }
    }
    acc[static_cast<std::size_t>(n_scores * d + n_scores)] += loss;
  };
  auto total = sum_partials(parallel_accumulate(ctx, X.rows, grain,
                                                std::vector<double>(static_cast<std::size_t>(t * d + t + 1), 0.0),
                                                [&](std::int64_t begin, std::int64_t end, std::vector<double>& acc) {
                                                  if (t == 1)
                                                    rows(std::integral_constant<std::int64_t, 1>{}, begin, end, acc);
                                                  else
                                                    rows(std::integral_constant<std::int64_t, 0>{}, begin, end, acc);
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

// The Hessian pass's accumulator: the Gram blocks (n_pairs packed triangles of D rows), then
// sum_i w_i [H_i <= 0] and sum_i w_i (one score per row).
struct HessianLayout {
  std::int64_t t, d, D, n_pairs, block_size;
  explicit HessianLayout(const GlmData& data)
      : t(data.n_scores),
        d(data.X.cols()),
        D(d + (data.fit_intercept ? 1 : 0)),
        n_pairs(t * (t + 1) / 2),
        block_size(D * (D + 1) / 2) {}
  std::int64_t size() const { return n_pairs * block_size + 2; }
};

// Row i's second derivatives h (n_pairs values) at scores z; for one score, records the weight of
// a non-positive one and keeps its absolute value.
template <class L>
void row_hessian(const GlmData& data, L loss_fn, const double* z, std::int64_t i, const HessianLayout& layout,
                 double* h, std::vector<double>& acc) {
  const double w = data.weights.ptr<const double>()[i];
  loss_fn.hessian(z, layout.t, glm_targets<L>(data)[i], w, h);
  if (layout.t > 1) return;
  if (h[0] <= 0) acc[static_cast<std::size_t>(layout.n_pairs * layout.block_size)] += w;
  acc[static_cast<std::size_t>(layout.n_pairs * layout.block_size + 1)] += w;
  h[0] = std::fabs(h[0]);
}

// Dense X, rows [begin, end): blocks of rows x~ = [x | 1] are copied row-major, and each pair of
// scores adds the cross products of the h-weighted block with the block (add_cross_products).
template <class T, class L>
void dense_hessian_rows(const GlmData& data, const std::vector<double>& coef, L loss_fn, const HessianLayout& layout,
                        std::int64_t begin, std::int64_t end, std::vector<double>& acc) {
  const auto m = matrix_ref<const T>(data.X.dense);
  const std::int64_t t = layout.t, d = layout.d, D = layout.D, R = kGramBlockRows, stride = gram_block_stride(D);
  std::vector<double> xb(static_cast<std::size_t>(R * stride), 0.0), weighted(xb.size(), 0.0);
  std::vector<double> hb(static_cast<std::size_t>(layout.n_pairs * R));
  std::vector<double> z(static_cast<std::size_t>(t)), h(static_cast<std::size_t>(layout.n_pairs));
  std::vector<std::int64_t> row_start(static_cast<std::size_t>(D));
  for (std::int64_t a = 0; a < D; ++a) row_start[static_cast<std::size_t>(a)] = glm::packed_upper_index(a, a, D) - a;
  for (std::int64_t i0 = begin; i0 < end; i0 += R) {
    const std::int64_t nb = std::min(R, end - i0);
    for (std::int64_t r = 0; r < nb; ++r) {
      double* x = &xb[static_cast<std::size_t>(r * stride)];
      for (std::int64_t j = 0; j < d; ++j) x[j] = static_cast<double>(m(i0 + r, j));
      if (D > d) x[d] = 1.0;
      for (std::int64_t k = 0; k < t; ++k)
        z[static_cast<std::size_t>(k)] = (data.fit_intercept ? coef[static_cast<std::size_t>(t * d + k)] : 0.0) +
                                         dot(&coef[static_cast<std::size_t>(k * d)], x, d);
      row_hessian(data, loss_fn, z.data(), i0 + r, layout, h.data(), acc);
      for (std::int64_t q = 0; q < layout.n_pairs; ++q)
        hb[static_cast<std::size_t>(q * R + r)] = h[static_cast<std::size_t>(q)];
    }
    for (std::int64_t q = 0; q < layout.n_pairs; ++q) {
      for (std::int64_t r = 0; r < nb; ++r) {
        const double hq = hb[static_cast<std::size_t>(q * R + r)];
        for (std::int64_t a = 0; a < D; ++a)
          weighted[static_cast<std::size_t>(r * stride + a)] = hq * xb[static_cast<std::size_t>(r * stride + a)];
      }
      add_cross_products(nb, weighted.data(), D, xb.data(), D, true, acc.data() + q * layout.block_size, row_start);
    }
  }
}

// CSR X, rows [begin, end): every ordered pair of a row's stored values adds to the entry of its
// columns (a, b) with a <= b; a column stored twice in a row then counts both cross products, as
// it must. The intercept is column d, after every stored one.
template <class T, class P, class I, class L>
void csr_hessian_rows(const GlmData& data, const std::vector<double>& coef, L loss_fn, const HessianLayout& layout,
                      std::int64_t begin, std::int64_t end, std::vector<double>& acc) {
  const CsrMatrix& X = data.X.csr;
  const P* indptr = X.indptr.ptr<const P>();
  const I* indices = X.indices.ptr<const I>();
  const T* values = X.data.ptr<const T>();
  const std::int64_t t = layout.t, d = layout.d, D = layout.D;
  std::vector<double> z(static_cast<std::size_t>(t)), h(static_cast<std::size_t>(layout.n_pairs));
  for (std::int64_t i = begin; i < end; ++i) {
    for (std::int64_t k = 0; k < t; ++k) {
      double s = data.fit_intercept ? coef[static_cast<std::size_t>(t * d + k)] : 0.0;
      for (P p = indptr[i]; p < indptr[i + 1]; ++p)
        s += static_cast<double>(values[p]) * coef[static_cast<std::size_t>(k * d + indices[p])];
      z[static_cast<std::size_t>(k)] = s;
    }
    row_hessian(data, loss_fn, z.data(), i, layout, h.data(), acc);
    for (std::int64_t q = 0; q < layout.n_pairs; ++q) {
      double* G = acc.data() + q * layout.block_size;
      const double hq = h[static_cast<std::size_t>(q)];
      for (P p1 = indptr[i]; p1 < indptr[i + 1]; ++p1) {
        const std::int64_t a = indices[p1];
        const double va = hq * static_cast<double>(values[p1]);
        for (P p2 = indptr[i]; p2 < indptr[i + 1]; ++p2) {
          const std::int64_t b = indices[p2];
          if (a <= b) G[glm::packed_upper_index(a, b, D)] += va * static_cast<double>(values[p2]);
        }
        if (data.fit_intercept) G[glm::packed_upper_index(a, d, D)] += va;
      }
      if (data.fit_intercept) G[glm::packed_upper_index(d, d, D)] += hq;
    }
  }
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

template <>
GlmHessian glm_hessian<Backend::cpu>(const Context& ctx, const GlmData& data, const std::vector<double>& coef) {
  glm_check(data, coef);
  const HessianLayout layout(data);
  const std::int64_t n = data.X.rows(), size = layout.size();
  // The rows are cut into `chunks` ranges, each summed into its own accumulator: as many as keep
  // all the accumulators under kHessianPartialBytes (a wide Hessian gets fewer, longer ranges). The
  // cut depends on the sizes only, so the sums are the same for any thread count.
  const std::int64_t chunks = std::clamp<std::int64_t>(
      std::min(n / kBlockRows, kHessianPartialBytes / (size * static_cast<std::int64_t>(sizeof(double)))), 1,
      detail::kMaxChunks);
  const std::vector<double> total = sum_partials(
      parallel_accumulate(ctx, chunks, 1, std::vector<double>(static_cast<std::size_t>(size), 0.0),
                          [&](std::int64_t c0, std::int64_t c1, std::vector<double>& acc) {
                            const std::int64_t begin = n * c0 / chunks, end = n * c1 / chunks;
                            glm::dispatch_loss(data.loss, data.power, [&](auto loss_fn) {
                              if (data.X.kind == Matrix::Kind::dense) {
                                dispatch_floating(data.X.dense.dtype, [&](auto tag) {
                                  dense_hessian_rows<decltype(tag)>(data, coef, loss_fn, layout, begin, end, acc);
                                });
                              } else {
                                dispatch_csr(data.X.csr, [&](auto value_tag, auto index_tag, auto ptr_tag) {
                                  csr_hessian_rows<decltype(value_tag), decltype(ptr_tag), decltype(index_tag)>(
                                      data, coef, loss_fn, layout, begin, end, acc);
                                });
                              }
                            });
                          }));
  GlmHessian out;
  out.matrix = glm_hessian_from_blocks(total, layout.t, layout.d, data.fit_intercept);
  const double weight = total[static_cast<std::size_t>(size - 1)];
  out.nonpositive_fraction = weight > 0 ? total[static_cast<std::size_t>(size - 2)] / weight : 0.0;
  return out;
}

}  // namespace franca
