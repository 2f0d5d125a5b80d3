#include <cmath>

#include "core/parallel.hpp"
#include "linear_model/glm_regressor.hpp"

namespace franca {

template <>
void glm_exp_inplace<Backend::cpu>(const Context& ctx, const Array& Z) {
  dispatch_floating(Z.dtype, [&](auto tag) {
    using T = decltype(tag);
    T* z = Z.ptr<T>();
    parallel_for(ctx, Z.size(), 4096, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) z[i] = static_cast<T>(std::exp(static_cast<double>(z[i])));
    });
  });
}

}  // namespace franca
