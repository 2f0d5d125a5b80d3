// The CUDA GLM objective: one kernel reads X once, computing each row's scores, the loss
// functor and the gradient contributions together; a second small kernel sums per-block (or
// per-warp) partials in a fixed order, so that loss, intercept gradients and, for dense X, the
// coefficient gradients are the same from run to run.
//
// Dense X: block b owns row tiles b, b + B, ... of R rows and a float64 partial of t*d + t + 1
// values, written only by its own threads (thread j owns columns j, j + 256, ...), so no atomics.
// Per tile: each thread's partial dots over its columns, warp shuffles, a fixed-order sum over
// the warps -> the R*t scores in shared memory; R threads apply the functor; each thread adds
// sum_r r_rk x_rj to its columns' gradients (the tile's values are still in L1/L2: X is read from
// memory once). B is capped so that the partials stay under kPartialBytes.
//
// CSR X: one warp per row (lanes over the row's stored values) against feature-major coefficients
// (d x t). Loss and intercept gradients go to per-warp partials; the coefficient gradient is
// scattered with float64 atomicAdd: a row's columns have no fixed owner, and per-block dense
// partials would cost B*d*t memory and as many reads to sum (for hashed text, d ~ 2**20, more
// than the pass over X itself). The order of those additions, and so the last bits of that part
// of the gradient, may vary between runs.
#include <algorithm>

#include "core/cuda_launch.cuh"
#include "core/expects.hpp"
#include "primitives/glm_objective.hpp"

namespace franca {

namespace {

constexpr int kWarps = cuda::kBlockThreads / 32;
constexpr int kMaxTileRows = 8;
constexpr std::int64_t kSharedBytes = 48 * 1024;
constexpr std::int64_t kPartialBytes = std::int64_t{1} << 27;

__device__ inline double warp_sum(double s) {
  for (int offset = 16; offset > 0; offset >>= 1) s += __shfl_xor_sync(0xffffffffu, s, offset);
  return s;
}

template <class T, class L>
__global__ void dense_kernel(MatrixRef<const T> X, std::int64_t t, const double* coef, bool fit_intercept, int R,
                             const typename L::Target* y, const double* weights, L loss_fn, double* partial) {
  extern __shared__ double shared[];
  const std::int64_t n = X.rows, d = X.cols, S = t * d + t + 1;
  const int P = R * static_cast<int>(t);
  double* red = shared;             // kWarps x P: per-warp partial scores
  double* z = shared + kWarps * P;  // P: the tile's scores, then residuals
  double* mine = partial + blockIdx.x * S;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  double loss = 0;  // threads r < R: the loss of the rows at tile position r
  const std::int64_t tiles = (n + R - 1) / R;
  for (std::int64_t tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
    const std::int64_t i0 = tile * R;
    const int nb = static_cast<int>(min(static_cast<std::int64_t>(R), n - i0));
    for (int p = 0; p < nb * t; ++p) {
      const std::int64_t r = p / t, k = p % t;
      double s = 0;
      for (std::int64_t j = threadIdx.x; j < d; j += blockDim.x)
        s += static_cast<double>(X(i0 + r, j)) * coef[k * d + j];
      s = warp_sum(s);
      if (lane == 0) red[warp * P + p] = s;
    }
    __syncthreads();
    for (int p = threadIdx.x; p < nb * t; p += blockDim.x) {
      double s = fit_intercept ? coef[t * d + p % t] : 0.0;
      for (int q = 0; q < kWarps; ++q) s += red[q * P + p];
      z[p] = s;
    }
    __syncthreads();
    if (threadIdx.x < nb) {
      const std::int64_t i = i0 + threadIdx.x;
      loss += loss_fn(z + threadIdx.x * t, t, y[i], weights[i]);
    }
    __syncthreads();
    for (std::int64_t k = threadIdx.x; k < t; k += blockDim.x) {
      double s = 0;
      for (int r = 0; r < nb; ++r) s += z[r * t + k];
      mine[t * d + k] += s;
    }
    for (std::int64_t j = threadIdx.x; j < d; j += blockDim.x) {
      double x[kMaxTileRows];
      for (int r = 0; r < nb; ++r) x[r] = static_cast<double>(X(i0 + r, j));
      for (std::int64_t k = 0; k < t; ++k) {
        double s = 0;
        for (int r = 0; r < nb; ++r) s += z[r * t + k] * x[r];
        mine[k * d + j] += s;
      }
    }
    __syncthreads();  // red and z are rewritten by the next tile
  }
  if (threadIdx.x < R) red[threadIdx.x] = loss;
  __syncthreads();
  if (threadIdx.x == 0) {
    double s = 0;
    for (int r = 0; r < R; ++r) s += red[r];
    mine[S - 1] += s;
  }
}

template <class T, class P, class I, class L>
__global__ void csr_kernel(const P* indptr, const I* indices, const T* values, std::int64_t n, std::int64_t t,
                           const double* coef_t, const double* intercept, const typename L::Target* y,
                           const double* weights, L loss_fn, double* grad_t, double* partial) {
  extern __shared__ double shared[];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  double* z = shared + warp * t;
  const std::int64_t first = static_cast<std::int64_t>(blockIdx.x) * kWarps + warp;
  const std::int64_t n_warps = static_cast<std::int64_t>(gridDim.x) * kWarps;
  double* mine = partial + first * (t + 1);  // the warp's intercept gradients, then its loss
  double loss = 0;
  for (std::int64_t i = first; i < n; i += n_warps) {
    const std::int64_t begin = indptr[i], end = indptr[i + 1];
    for (std::int64_t k = 0; k < t; ++k) {
      double s = 0;
      for (std::int64_t p = begin + lane; p < end; p += 32)
        s += static_cast<double>(values[p]) * coef_t[static_cast<std::int64_t>(indices[p]) * t + k];
      s = warp_sum(s);
      if (lane == 0) z[k] = s + (intercept ? intercept[k] : 0.0);
    }
    __syncwarp();
    if (lane == 0) {
      loss += loss_fn(z, t, y[i], weights[i]);
      for (std::int64_t k = 0; k < t; ++k) mine[k] += z[k];
    }
    __syncwarp();
    for (std::int64_t p = begin + lane; p < end; p += 32) {
      const double v = static_cast<double>(values[p]);
      double* g = grad_t + static_cast<std::int64_t>(indices[p]) * t;
      for (std::int64_t k = 0; k < t; ++k) atomicAdd(g + k, z[k] * v);
    }
    __syncwarp();  // z is rewritten by the warp's next row
  }
  if (lane == 0) mine[t] += loss;
}

// total[e] = sum_b partial[b * S + e], b in order.
__global__ void sum_partials_kernel(const double* partial, std::int64_t B, std::int64_t S, double* total) {
  for (std::int64_t e = cuda::grid_start(); e < S; e += cuda::grid_stride()) {
    double s = 0;
    for (std::int64_t b = 0; b < B; ++b) s += partial[b * S + e];
    total[e] = s;
  }
}

std::vector<double> to_host(const Context& ctx, const Array& a) {
  const Array h = to(ctx, a, Device::cpu(), DType::float64);
  return std::vector<double>(h.ptr<const double>(), h.ptr<const double>() + h.size());
}

// Partial sums of B slices of S values, summed on the device in a fixed order; returns them on
// the host.
std::vector<double> reduce_partials(const Context& ctx, const Array& partial, std::int64_t B, std::int64_t S) {
  Array total = Array::empty(ctx, partial.device, DType::float64, {S});
  sum_partials_kernel<<<cuda::blocks_for(S), cuda::kBlockThreads, 0, cuda::stream_of(ctx)>>>(
      partial.ptr<const double>(), B, S, total.ptr<double>());
  FRANCA_CUDA_CHECK_LAUNCH();
  return to_host(ctx, total);
}

Array zeros(const Context& ctx, Device device, std::int64_t size) {
  Array a = Array::empty(ctx, device, DType::float64, {size});
  FRANCA_CUDA_TRY(cudaMemsetAsync(a.data, 0, a.nbytes(), cuda::stream_of(ctx)));
  return a;
}

}  // namespace

template <>
double glm_objective<Backend::cuda>(const Context& ctx, const GlmData& data, const std::vector<double>& coef,
                                    std::vector<double>& grad) {
  glm_check(data, coef);
  const Device device = data.X.device();
  cuda::DeviceGuard guard(device.id);
  const auto stream = cuda::stream_of(ctx);
  const std::int64_t n = data.X.rows(), d = data.X.cols(), t = data.n_scores;
  const double* weights = data.weights.ptr<const double>();
  // [gradient of W (t x d, row-major), gradient of the intercepts (t), loss]
  std::vector<double> total(static_cast<std::size_t>(t * d + t + 1), 0.0);
  glm::dispatch_loss(data.loss, data.power, [&](auto loss_fn) {
    using L = decltype(loss_fn);
    const auto* y = glm_targets<L>(data);
    if (data.X.kind == Matrix::Kind::dense) {
      const std::int64_t R = std::min<std::int64_t>(kMaxTileRows, kSharedBytes / ((kWarps + 1) * t * 8));
      FRANCA_EXPECTS(R >= 1, "glm_objective: {} scores per row exceed what the CUDA pass holds in shared memory", t);
      const std::int64_t S = t * d + t + 1, tiles = (n + R - 1) / R;
      const std::int64_t B =
          std::max<std::int64_t>(1, std::min<std::int64_t>({tiles, cuda::kMaxBlocks / 4, kPartialBytes / (S * 8)}));
      const Array W = to_device(ctx, Array::from_host(coef, {static_cast<std::int64_t>(coef.size())}), device);
      const Array partial = zeros(ctx, device, B * S);
      const std::size_t shared_bytes = static_cast<std::size_t>((kWarps + 1) * R * t * 8);
      dispatch_floating(data.X.dense.dtype, [&](auto tag) {
        using T = decltype(tag);
        dense_kernel<T, L><<<static_cast<unsigned>(B), cuda::kBlockThreads, shared_bytes, stream>>>(
            matrix_ref<const T>(data.X.dense), t, W.ptr<const double>(), data.fit_intercept, static_cast<int>(R), y,
            weights, loss_fn, partial.ptr<double>());
        FRANCA_CUDA_CHECK_LAUNCH();
      });
      total = reduce_partials(ctx, partial, B, S);
      return;
    }
    const CsrMatrix& X = data.X.csr;
    FRANCA_EXPECTS(kWarps * t * 8 <= kSharedBytes,
                   "glm_objective: {} scores per row exceed what the CUDA pass holds in shared memory", t);
    std::vector<double> WT(static_cast<std::size_t>(d * t)), b(static_cast<std::size_t>(t), 0.0);
    for (std::int64_t k = 0; k < t; ++k)
      for (std::int64_t j = 0; j < d; ++j)
        WT[static_cast<std::size_t>(j * t + k)] = coef[static_cast<std::size_t>(k * d + j)];
    if (data.fit_intercept) std::copy(coef.begin() + t * d, coef.end(), b.begin());
    const Array WT_dev = to_device(ctx, Array::from_host(WT, {d * t}), device);
    const Array b_dev = to_device(ctx, Array::from_host(b, {t}), device);
    const Array grad_t = zeros(ctx, device, std::max<std::int64_t>(d * t, 1));
    const std::int64_t B = cuda::blocks_for(n * 32);
    const Array partial = zeros(ctx, device, B * kWarps * (t + 1));
    const std::size_t shared_bytes = static_cast<std::size_t>(kWarps * t * 8);
    dispatch_floating(X.data.dtype, [&](auto value_tag) {
      dispatch_index(X.indptr.dtype, [&](auto ptr_tag) {
        dispatch_index(X.indices.dtype, [&](auto index_tag) {
          using T = decltype(value_tag);
          using P = decltype(ptr_tag);
          using I = decltype(index_tag);
          csr_kernel<T, P, I, L><<<static_cast<unsigned>(B), cuda::kBlockThreads, shared_bytes, stream>>>(
              X.indptr.ptr<const P>(), X.indices.ptr<const I>(), X.data.ptr<const T>(), n, t,
              WT_dev.ptr<const double>(), data.fit_intercept ? b_dev.ptr<const double>() : nullptr, y, weights, loss_fn,
              grad_t.ptr<double>(), partial.ptr<double>());
          FRANCA_CUDA_CHECK_LAUNCH();
        });
      });
    });
    const std::vector<double> sums = reduce_partials(ctx, partial, B * kWarps, t + 1);
    const std::vector<double> gT = to_host(ctx, grad_t);
    for (std::int64_t k = 0; k < t; ++k)
      for (std::int64_t j = 0; j < d; ++j)
        total[static_cast<std::size_t>(k * d + j)] = gT[static_cast<std::size_t>(j * t + k)];
    std::copy(sums.begin(), sums.end(), total.begin() + t * d);
  });
  grad.assign(total.begin(), total.begin() + t * d);
  if (data.fit_intercept) grad.insert(grad.end(), total.begin() + t * d, total.begin() + t * d + t);
  return total[static_cast<std::size_t>(t * d + t)];
}

}  // namespace franca
