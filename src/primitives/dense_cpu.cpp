#include <cmath>

#include "core/expects.hpp"
#include "core/matrix_ref.hpp"
#include "core/parallel.hpp"
#include "primitives/dense.hpp"
#include "primitives/gram_tiles_cpu.hpp"

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
    // Blocks of centred, sqrt(w)-scaled rows; each chunk accumulates [xtx (d*d) | xty (d*t)], of
    // xtx the upper triangle.
    const std::int64_t x_stride = gram_block_stride(d), y_stride = gram_block_stride(t);
    std::vector<std::int64_t> xtx_row(static_cast<std::size_t>(d)), xty_row(static_cast<std::size_t>(d));
    for (std::int64_t a = 0; a < d; ++a) {
      xtx_row[static_cast<std::size_t>(a)] = a * d;
      xty_row[static_cast<std::size_t>(a)] = a * t;
    }
    auto totals = sum_partials(
        parallel_accumulate(ctx, m.rows, std::max<std::int64_t>(kGramBlockRows, row_grain(d * d)),
                            std::vector<double>(static_cast<std::size_t>(d * d + d * t), 0.0),
                            [&](std::int64_t begin, std::int64_t end, std::vector<double>& acc) {
                              std::vector<double> zx(static_cast<std::size_t>(kGramBlockRows * x_stride), 0.0),
                                  zy(static_cast<std::size_t>(kGramBlockRows * y_stride), 0.0);
                              for (std::int64_t b0 = begin; b0 < end; b0 += kGramBlockRows) {
                                const std::int64_t nb = std::min(kGramBlockRows, end - b0);
                                for (std::int64_t r = 0; r < nb; ++r) {
                                  const std::int64_t i = b0 + r;
                                  const double s = w ? std::sqrt(w[i]) : 1.0;
                                  double* x = &zx[static_cast<std::size_t>(r * x_stride)];
                                  for (std::int64_t j = 0; j < d; ++j)
                                    x[j] = s * (static_cast<double>(m(i, j)) - x_mean[static_cast<std::size_t>(j)]);
                                  double* yr = &zy[static_cast<std::size_t>(r * y_stride)];
                                  for (std::int64_t k = 0; k < t; ++k)
                                    yr[k] = s * (y[i * t + k] - y_mean[static_cast<std::size_t>(k)]);
                                }
                                add_cross_products(nb, zx.data(), d, zx.data(), d, true, acc.data(), xtx_row);
                                add_cross_products(nb, zx.data(), d, zy.data(), t, false, acc.data() + d * d, xty_row);
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
