#include "core/cuda_handles.cuh"
#include "core/cuda_launch.cuh"
#include "linear_model/glm_regressor.hpp"

namespace franca {

namespace {

template <class T>
void exp_inplace(const Context& ctx, T* z, std::int64_t n) {
  cuda::for_each(ctx, n, [=] __device__(std::int64_t i) { z[i] = static_cast<T>(::exp(static_cast<double>(z[i]))); });
}

}  // namespace

template <>
void glm_exp_inplace<Backend::cuda>(const Context& ctx, const Array& Z) {
  cuda::DeviceGuard guard(Z.device.id);
  dispatch_floating(Z.dtype, [&](auto tag) {
    using T = decltype(tag);
    exp_inplace(ctx, Z.ptr<T>(), Z.size());
  });
}

}  // namespace franca
