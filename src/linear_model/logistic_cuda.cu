#include <algorithm>

#include "core/cuda_check.cuh"
#include "core/cuda_handles.cuh"
#include "linear_model/logistic.hpp"
#include "primitives/linear_scores.hpp"
#include "primitives/linear_scores_cuda.cuh"

namespace franca {

namespace {

constexpr int kThreads = 256;

int blocks_for(std::int64_t n) {
  return static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>((n + kThreads - 1) / kThreads, 4096)));
}

// Replaces each row of Z (n x t) by its residual and adds the block's weighted loss to *loss.
template <class T>
__global__ void loss_residual_kernel(T* Z, std::int64_t n, std::int64_t t, const std::int32_t* labels,
                                     const double* weights, double* loss) {
  double acc = 0;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    T* z = Z + i * t;
    acc += t == 1 ? logistic::binomial_row(z, labels[i], weights[i], z)
                  : logistic::multinomial_row(z, t, labels[i], weights[i], z);
  }
  __shared__ double partial[kThreads];
  partial[threadIdx.x] = acc;
  __syncthreads();
  for (int s = kThreads / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) partial[threadIdx.x] += partial[threadIdx.x + s];
    __syncthreads();
  }
  if (threadIdx.x == 0) atomicAdd(loss, partial[0]);
}

// sums[k] += sum_i R[i, k] for R (n x t) row-major: a block owns 32 columns and strides over rows.
template <class T>
__global__ void column_sums_kernel(const T* R, std::int64_t n, std::int64_t t, double* sums) {
  const std::int64_t k = blockIdx.y * 32 + threadIdx.x;
  double acc = 0;
  if (k < t)
    for (std::int64_t i = blockIdx.x * blockDim.y + threadIdx.y; i < n;
         i += static_cast<std::int64_t>(gridDim.x) * blockDim.y)
      acc += static_cast<double>(R[i * t + k]);
  __shared__ double tile[8][33];
  tile[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y == 0 && k < t) {
    double s = 0;
    for (int r = 0; r < 8; ++r) s += tile[r][threadIdx.x];
    atomicAdd(&sums[k], s);
  }
}

template <class T, class O>
__global__ void link_kernel(const T* Z, std::int64_t n, std::int64_t k_scores, logistic::Link link,
                            logistic::Output output, const double* classes, std::int64_t width, O* out) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x)
    logistic::link_row(Z + i * k_scores, k_scores, link, output, classes, out + i * width);
}

}  // namespace

double logistic_loss_gradient_cuda(const Context& ctx, const LogisticData& data, const std::vector<double>& coef,
                                   std::vector<double>& grad) {
  const Device device = data.X.device();
  cuda::DeviceGuard guard(device.id);
  const DType dtype = data.X.kind == Matrix::Kind::dense ? data.X.dense.dtype : data.X.csr.data.dtype;
  const std::int64_t n = data.X.rows(), d = data.X.cols(), t = data.n_scores;
  auto stream = cuda::stream_of(ctx);
  // The coefficients travel to the device in X's dtype: GEMM and SpMM run in X's precision.
  const std::vector<double> W(coef.begin(), coef.begin() + t * d);
  std::vector<double> b(static_cast<std::size_t>(t), 0.0);
  if (data.fit_intercept) std::copy(coef.begin() + t * d, coef.end(), b.begin());
  const Array W_dev = to(ctx, Array::from_host(W, {t, d}), device, dtype);
  const Array b_dev = to(ctx, Array::from_host(b, {t}), device, dtype);
  Array Z = Array::empty(ctx, device, dtype, {n, t});
  linear_scores(ctx, data.X, W_dev, b_dev, Z);

  // sums: [loss, intercept gradients (t)].
  Array sums = Array::empty(ctx, device, DType::float64, {1 + t});
  FRANCA_CUDA_TRY(cudaMemsetAsync(sums.data, 0, sums.nbytes(), stream));
  Array G = Array::empty(ctx, device, dtype, {t, d});
  dispatch_floating(dtype, [&](auto tag) {
    using T = decltype(tag);
    loss_residual_kernel<T><<<blocks_for(n), kThreads, 0, stream>>>(
        Z.ptr<T>(), n, t, data.labels.ptr<const std::int32_t>(), data.weights.ptr<const double>(), sums.ptr<double>());
    FRANCA_CUDA_CHECK_LAUNCH();
    if (data.fit_intercept) {
      const dim3 block(32, 8);
      const dim3 grid(static_cast<unsigned>(std::min<std::int64_t>((n + 7) / 8, 1024)),
                      static_cast<unsigned>((t + 31) / 32));
      column_sums_kernel<T><<<grid, block, 0, stream>>>(Z.ptr<const T>(), n, t, sums.ptr<double>() + 1);
      FRANCA_CUDA_CHECK_LAUNCH();
    }
  });
  transposed_product_cuda(ctx, data.X, Z, G);

  const Array G_host = to(ctx, G, Device::cpu(), DType::float64);
  const Array sums_host = to(ctx, sums, Device::cpu(), DType::float64);
  const double* g = G_host.ptr<const double>();
  const double* s = sums_host.ptr<const double>();
  grad.assign(g, g + t * d);
  if (data.fit_intercept) grad.insert(grad.end(), s + 1, s + 1 + t);
  return s[0];
}

void logistic_link_cuda(const Context& ctx, const Array& Z, logistic::Link link, logistic::Output output,
                        const Array& classes, const Array& out) {
  cuda::DeviceGuard guard(Z.device.id);
  dispatch_floating(Z.dtype, [&](auto tag) {
    using T = decltype(tag);
    const std::int64_t n = Z.dim(0), k_scores = Z.ndim() == 2 ? Z.dim(1) : 1;
    auto stream = cuda::stream_of(ctx);
    if (output == logistic::Output::predict) {
      link_kernel<T, double><<<blocks_for(n), kThreads, 0, stream>>>(Z.ptr<const T>(), n, k_scores, link, output,
                                                                     classes.ptr<const double>(), 1, out.ptr<double>());
    } else {
      link_kernel<T, T><<<blocks_for(n), kThreads, 0, stream>>>(
          Z.ptr<const T>(), n, k_scores, link, output, classes.ptr<const double>(), classes.size(), out.ptr<T>());
    }
    FRANCA_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace franca
