#include "core/parallel.hpp"
#include "linear_model/logistic.hpp"

namespace franca {

template <>
void logistic_link<Backend::cpu>(const Context& ctx, const Array& Z, logistic::Link link, logistic::Output output,
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
