#include <cmath>

#include "core/expects.hpp"
#include "core/matrix_ref.hpp"
#include "core/parallel.hpp"
#include "primitives/dense.hpp"

namespace franca {

namespace {

const double* weights_ptr(const Array* weights) { return weights ? weights->ptr<const double>() : nullptr; }

}  // namespace

template <>
CrossProducts centered_cross_products<Backend::cpu>(const Context& ctx, const Array& X, const Array& Y,
                                                    const Array* weights, const std::vector<double>& x_mean,
                                                    const std::vector<double>& y_mean) {
  return dispatch_floating(X.dtype, [&](auto tag) {
    using T = decltype(tag);
    const auto m = matrix_ref<const T>(X);
    const double* y = Y.ptr<const double>();
    const double* w = weights_ptr(weights);
    const std::int64_t d = m.cols;
    const std::int64_t t = static_cast<std::int64_t>(y_mean.size());
    constexpr std::int64_t kBlock = 32;
    // Each chunk accumulates [xtx (d*d) | xty (d*t)] from blocks of kBlock centred, sqrt(w)-scaled
    // rows stored feature-major, so that every inner product runs over contiguous memory.
    auto totals = sum_partials(parallel_accumulate(
        ctx, m.rows, std::max<std::int64_t>(kBlock, row_grain(d * d)),
        std::vector<double>(static_cast<std::size_t>(d * d + d * t), 0.0),
        [&](std::int64_t begin, std::int64_t end, std::vector<double>& acc) {
          std::vector<double> zx(static_cast<std::size_t>(d * kBlock)), zy(static_cast<std::size_t>(t * kBlock));
          for (std::int64_t b0 = begin; b0 < end; b0 += kBlock) {
            const std::int64_t nb = std::min(kBlock, end - b0);
            for (std::int64_t r = 0; r < nb; ++r) {
              const std::int64_t i = b0 + r;
              const double s = w ? std::sqrt(w[i]) : 1.0;
              for (std::int64_t j = 0; j < d; ++j)
                zx[static_cast<std::size_t>(j * kBlock + r)] =
                    s * (static_cast<double>(m(i, j)) - x_mean[static_cast<std::size_t>(j)]);
              for (std::int64_t k = 0; k < t; ++k)
                zy[static_cast<std::size_t>(k * kBlock + r)] = s * (y[i * t + k] - y_mean[static_cast<std::size_t>(k)]);
            }
            for (std::int64_t r = nb; r < kBlock; ++r) {
              for (std::int64_t j = 0; j < d; ++j) zx[static_cast<std::size_t>(j * kBlock + r)] = 0;
              for (std::int64_t k = 0; k < t; ++k) zy[static_cast<std::size_t>(k * kBlock + r)] = 0;
            }
            for (std::int64_t a = 0; a < d; ++a) {
              const double* za = &zx[static_cast<std::size_t>(a * kBlock)];
              for (std::int64_t b = a; b < d; ++b) {
                const double* zb = &zx[static_cast<std::size_t>(b * kBlock)];
                double s = 0;
                for (std::int64_t r = 0; r < kBlock; ++r) s += za[r] * zb[r];
                acc[static_cast<std::size_t>(a * d + b)] += s;
              }
              for (std::int64_t k = 0; k < t; ++k) {
                const double* zk = &zy[static_cast<std::size_t>(k * kBlock)];
                double s = 0;
                for (std::int64_t r = 0; r < kBlock; ++r) s += za[r] * zk[r];
                acc[static_cast<std::size_t>(d * d + a * t + k)] += s;
              }
            }
          }
        }));
    CrossProducts out;
    out.xtx.assign(totals.begin(), totals.begin() + d * d);
    for (std::int64_t a = 0; a < d; ++a)
      for (std::int64_t b = 0; b < a; ++b)
        out.xtx[static_cast<std::size_t>(a * d + b)] = out.xtx[static_cast<std::size_t>(b * d + a)];
    out.xty.assign(totals.begin() + d * d, totals.end());
    return out;
  });
}

template <>
void linear_predict<Backend::cpu>(const Context& ctx, const Array& X, const Array& coef, const Array& intercept,
                                  const Array& out) {
  dispatch_floating(X.dtype, [&](auto tag) {
    using T = decltype(tag);
    const auto m = matrix_ref<const T>(X);
    const T* c = coef.ptr<const T>();
    const T* b = intercept.ptr<const T>();
    T* o = out.ptr<T>();
    const std::int64_t d = m.cols;
    const std::int64_t t = intercept.size();
    dispatch_column_stride(m, [&](auto unit) {
      constexpr bool kUnit = decltype(unit)::value;
      parallel_for(ctx, m.rows, row_grain(d * t), [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) {
          for (std::int64_t k = 0; k < t; ++k) {
            double s = static_cast<double>(b[k]);
            for (std::int64_t j = 0; j < d; ++j)
              s += static_cast<double>(m.template at<kUnit>(i, j)) * static_cast<double>(c[k * d + j]);
            o[i * t + k] = static_cast<T>(s);
          }
        }
      });
    });
  });
}

template <>
void scale_columns<Backend::cpu>(const Context& ctx, const Array& X, const Array& offset, const Array& scale,
                                 bool inverse, const Array& out) {
  dispatch_floating(X.dtype, [&](auto tag) {
    using T = decltype(tag);
    const auto m = matrix_ref<const T>(X);
    const double* off = offset.ptr<const double>();
    const double* sc = scale.ptr<const double>();
    T* o = out.ptr<T>();
    const std::int64_t d = m.cols;
    dispatch_column_stride(m, [&](auto unit) {
      constexpr bool kUnit = decltype(unit)::value;
      parallel_for(ctx, m.rows, row_grain(d), [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) {
          T* row = o + i * d;
          if (inverse) {
            for (std::int64_t j = 0; j < d; ++j)
              row[j] = static_cast<T>(static_cast<double>(m.template at<kUnit>(i, j)) * sc[j] + off[j]);
          } else {
            for (std::int64_t j = 0; j < d; ++j)
              row[j] = static_cast<T>((static_cast<double>(m.template at<kUnit>(i, j)) - off[j]) / sc[j]);
          }
        }
      });
    });
  });
}

}  // namespace franca
