#include "core/cuda_launch.cuh"
#include "linear_model/logistic.hpp"

namespace franca {

namespace {

template <class T, class O>
__global__ void link_kernel(const T* Z, std::int64_t n, std::int64_t k_scores, logistic::Link link,
                            logistic::Output output, const double* classes, std::int64_t width, O* out) {
  for (std::int64_t i = cuda::grid_start(); i < n; i += cuda::grid_stride())
    logistic::link_row(Z + i * k_scores, k_scores, link, output, classes, out + i * width);
}

}  // namespace

template <>
void logistic_link<Backend::cuda>(const Context& ctx, const Array& Z, logistic::Link link, logistic::Output output,
                                  const Array& classes, const Array& out) {
  cuda::DeviceGuard guard(Z.device.id);
  dispatch_floating(Z.dtype, [&](auto tag) {
    using T = decltype(tag);
    const std::int64_t n = Z.dim(0), k_scores = Z.ndim() == 2 ? Z.dim(1) : 1;
    auto stream = cuda::stream_of(ctx);
    if (output == logistic::Output::predict) {
      link_kernel<T, double><<<cuda::blocks_for(n), cuda::kBlockThreads, 0, stream>>>(
          Z.ptr<const T>(), n, k_scores, link, output, classes.ptr<const double>(), 1, out.ptr<double>());
    } else {
      link_kernel<T, T><<<cuda::blocks_for(n), cuda::kBlockThreads, 0, stream>>>(
          Z.ptr<const T>(), n, k_scores, link, output, classes.ptr<const double>(), classes.size(), out.ptr<T>());
    }
    FRANCA_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace franca
