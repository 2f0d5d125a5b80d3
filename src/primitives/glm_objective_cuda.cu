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
//
// The Hessian (glm_hessian) goes through the rows a chunk at a time: one warp per row computes its
// scores and the loss's second derivatives; then dense X is staged in float64 with its column of
// ones and each class pair's Gram block X~^T diag(h_q) X~ added by cuBLAS GEMM, while CSR X adds
// each row's products of stored values to the packed blocks with float64 atomicAdd (as the CSR
// gradient, for the same reason; the last bits may vary between runs).
#include <algorithm>
#include <cmath>

#include "core/cuda_launch.cuh"
#include "core/expects.hpp"
#include "primitives/blas_cuda.cuh"
#include "primitives/csr_ops.hpp"
#include "primitives/glm_objective.hpp"

namespace franca {

namespace {

constexpr int kWarps = cuda::kBlockThreads / 32;
constexpr int kMaxTileRows = 8;
constexpr std::int64_t kSharedBytes = 48 * 1024;
constexpr std::int64_t kPartialBytes = std::int64_t{1} << 27;
constexpr std::int64_t kStagingBytes = std::int64_t{1} << 28;  // the Hessian pass's float64 rows per chunk

__device__ inline double warp_sum(double s) {
  for (int offset = 16; offset > 0; offset >>= 1) s += __shfl_xor_sync(0xffffffffu, s, offset);
  return s;
}

// A thread's place in a grid of one warp per row: its lane and warp in the block, the warp's
// first row and the stride over rows.
struct WarpPerRow {
  int lane, warp;
  std::int64_t first, stride;
  __device__ WarpPerRow()
      : lane(threadIdx.x & 31),
        warp(threadIdx.x >> 5),
        first(static_cast<std::int64_t>(blockIdx.x) * kWarps + warp),
        stride(static_cast<std::int64_t>(gridDim.x) * kWarps) {}
};

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
  const WarpPerRow at;
  const int lane = at.lane;
  double* z = shared + at.warp * t;
  double* mine = partial + at.first * (t + 1);  // the warp's intercept gradients, then its loss
  double loss = 0;
  for (std::int64_t i = at.first; i < n; i += at.stride) {
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

// A lane's share of x_i . coef_k, the lanes of a warp over row i's values: dense X, any strides.
template <class T>
struct DenseRowDot {
  MatrixRef<const T> X;
  __device__ double operator()(std::int64_t i, int lane, const double* coef_k) const {
    double s = 0;
    for (std::int64_t j = lane; j < X.cols; j += 32) s += static_cast<double>(X(i, j)) * coef_k[j];
    return s;
  }
};

// The same for CSR X.
template <class T, class P, class I>
struct CsrRowDot {
  const P* indptr;
  const I* indices;
  const T* values;
  __device__ double operator()(std::int64_t i, int lane, const double* coef_k) const {
    double s = 0;
    for (std::int64_t p = indptr[i] + lane; p < indptr[i + 1]; p += 32)
      s += static_cast<double>(values[p]) * coef_k[static_cast<std::int64_t>(indices[p])];
    return s;
  }
};

// Rows [row0, row0 + rows), one warp per row: its t scores (coef row-major, t x d, then the
// intercepts), then the loss's second derivatives into h[(i - row0) * n_pairs + q]; for one score
// their absolute values, and each warp adds sum w_i [H_i <= 0] and sum w_i to its two partials.
template <class RowDot, class L>
__global__ void row_hessian_kernel(RowDot row_dot, std::int64_t row0, std::int64_t rows, std::int64_t d, std::int64_t t,
                                   const double* coef, bool fit_intercept, const typename L::Target* y,
                                   const double* weights, L loss_fn, double* h, double* partial) {
  extern __shared__ double shared[];
  const WarpPerRow at;
  const int lane = at.lane;
  double* z = shared + at.warp * t;
  const std::int64_t n_pairs = t * (t + 1) / 2;
  double nonpositive = 0, weight = 0;
  for (std::int64_t r = at.first; r < rows; r += at.stride) {
    const std::int64_t i = row0 + r;
    for (std::int64_t k = 0; k < t; ++k) {
      const double s = warp_sum(row_dot(i, lane, coef + k * d));
      if (lane == 0) z[k] = s + (fit_intercept ? coef[t * d + k] : 0.0);
    }
    __syncwarp();
    if (lane == 0) {
      double* hr = h + r * n_pairs;
      loss_fn.hessian(z, t, y[i], weights[i], hr);
      if (t == 1) {
        if (hr[0] <= 0) nonpositive += weights[i];
        weight += weights[i];
        hr[0] = fabs(hr[0]);
      }
    }
    __syncwarp();  // z is rewritten by the warp's next row
  }
  if (lane == 0) {
    partial[2 * at.first] += nonpositive;
    partial[2 * at.first + 1] += weight;
  }
}

// xc (rows x D, column-major) = x~ of rows [row0, row0 + rows): X's values, then 1 when D > d.
template <class T>
__global__ void stage_rows_kernel(MatrixRef<const T> X, std::int64_t row0, std::int64_t rows, std::int64_t D,
                                  double* xc) {
  for (std::int64_t e = cuda::grid_start(); e < rows * D; e += cuda::grid_stride()) {
    const std::int64_t r = e % rows, a = e / rows;
    xc[e] = a < X.cols ? static_cast<double>(X(row0 + r, a)) : 1.0;
  }
}

// yc = diag(h[:, q]) xc, both rows x D column-major.
__global__ void scale_rows_kernel(const double* xc, const double* h, std::int64_t n_pairs, std::int64_t q,
                                  std::int64_t rows, std::int64_t D, double* yc) {
  for (std::int64_t e = cuda::grid_start(); e < rows * D; e += cuda::grid_stride())
    yc[e] = h[(e % rows) * n_pairs + q] * xc[e];
}

// CSR rows [row0, row0 + rows), one warp per row: each ordered pair of the row's stored values
// whose columns satisfy a <= b adds h_q v_a v_b to entry (a, b) of every pair's packed block (a
// column stored twice then counts both cross products); with an intercept, column d is 1.
template <class T, class P, class I>
__global__ void csr_gram_kernel(const P* indptr, const I* indices, const T* values, std::int64_t row0,
                                std::int64_t rows, std::int64_t d, bool fit_intercept, std::int64_t n_pairs,
                                const double* h, double* blocks) {
  const WarpPerRow at;
  const int lane = at.lane;
  const std::int64_t D = d + (fit_intercept ? 1 : 0), block_size = D * (D + 1) / 2;
  for (std::int64_t r = at.first; r < rows; r += at.stride) {
    const std::int64_t begin = indptr[row0 + r], nnz = indptr[row0 + r + 1] - begin;
    const double* hr = h + r * n_pairs;
    for (std::int64_t e = lane; e < nnz * nnz; e += 32) {
      const std::int64_t p1 = begin + e / nnz, p2 = begin + e % nnz;
      const std::int64_t a = indices[p1], b = indices[p2];
      if (a > b) continue;
      const double v = static_cast<double>(values[p1]) * static_cast<double>(values[p2]);
      for (std::int64_t q = 0; q < n_pairs; ++q)
        atomicAdd(blocks + q * block_size + glm::packed_upper_index(a, b, D), hr[q] * v);
    }
    if (!fit_intercept) continue;
    for (std::int64_t p = begin + lane; p < begin + nnz; p += 32) {
      const std::int64_t a = indices[p];
      for (std::int64_t q = 0; q < n_pairs; ++q)
        atomicAdd(blocks + q * block_size + glm::packed_upper_index(a, d, D), hr[q] * static_cast<double>(values[p]));
    }
    if (lane == 0)
      for (std::int64_t q = 0; q < n_pairs; ++q)
        atomicAdd(blocks + q * block_size + glm::packed_upper_index(d, d, D), hr[q]);
  }
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

template <>
GlmHessian glm_hessian<Backend::cuda>(const Context& ctx, const GlmData& data, const std::vector<double>& coef) {
  glm_check(data, coef);
  const Device device = data.X.device();
  cuda::DeviceGuard guard(device.id);
  const auto stream = cuda::stream_of(ctx);
  const bool dense = data.X.kind == Matrix::Kind::dense;
  const std::int64_t n = data.X.rows(), d = data.X.cols(), t = data.n_scores;
  const std::int64_t D = d + (data.fit_intercept ? 1 : 0), n_pairs = t * (t + 1) / 2, block_size = D * (D + 1) / 2;
  FRANCA_EXPECTS(kWarps * t * 8 <= kSharedBytes,
                 "glm_hessian: {} scores per row exceed what the CUDA pass holds in shared memory", t);
  // Rows go through in chunks, so that the float64 staging (dense: x~ and its scaled copy) and the
  // second derivatives stay near kStagingBytes.
  const std::int64_t per_row = (dense ? 2 * D : 0) + n_pairs;
  const std::int64_t chunk = std::max<std::int64_t>(1, std::min<std::int64_t>(n, kStagingBytes / (8 * per_row)));
  const unsigned B = cuda::blocks_for(chunk * 32);
  const Array W = to_device(ctx, Array::from_host(coef, {static_cast<std::int64_t>(coef.size())}), device);
  const Array h = Array::empty(ctx, device, DType::float64, {chunk * n_pairs});
  const Array partial = zeros(ctx, device, static_cast<std::int64_t>(B) * kWarps * 2);
  // Dense: each pair's full D x D block, column-major (GEMM's output); CSR: packed triangles.
  const Array gram = zeros(ctx, device, n_pairs * (dense ? D * D : block_size));
  const std::size_t shared_bytes = static_cast<std::size_t>(kWarps * t * 8);
  glm::dispatch_loss(data.loss, data.power, [&](auto loss_fn) {
    using L = decltype(loss_fn);
    const auto* y = glm_targets<L>(data);
    const double* weights = data.weights.ptr<const double>();
    // Launches the row kernel over rows [row0, row0 + rows) with the row dot of X's layout.
    const auto second_derivatives = [&](auto row_dot, std::int64_t row0, std::int64_t rows) {
      row_hessian_kernel<decltype(row_dot), L><<<B, cuda::kBlockThreads, shared_bytes, stream>>>(
          row_dot, row0, rows, d, t, W.ptr<const double>(), data.fit_intercept, y, weights, loss_fn, h.ptr<double>(),
          partial.ptr<double>());
      FRANCA_CUDA_CHECK_LAUNCH();
    };
    if (dense) {
      const Array xc = Array::empty(ctx, device, DType::float64, {chunk * D});
      const Array yc = Array::empty(ctx, device, DType::float64, {chunk * D});
      cublasHandle_t handle = cuda::cublas_handle(ctx, device.id);
      const double one = 1.0;
      const int ld = cuda::blas_int(D, "the Hessian block's columns (n_features + intercept)");
      dispatch_floating(data.X.dense.dtype, [&](auto tag) {
        using T = decltype(tag);
        const auto X = matrix_ref<const T>(data.X.dense);
        for (std::int64_t row0 = 0; row0 < n; row0 += chunk) {
          const std::int64_t rows = std::min(chunk, n - row0);
          second_derivatives(DenseRowDot<T>{X}, row0, rows);
          stage_rows_kernel<T>
              <<<cuda::blocks_for(rows * D), cuda::kBlockThreads, 0, stream>>>(X, row0, rows, D, xc.ptr<double>());
          FRANCA_CUDA_CHECK_LAUNCH();
          const int ir = cuda::blas_int(rows, "rows per chunk");
          for (std::int64_t q = 0; q < n_pairs; ++q) {
            scale_rows_kernel<<<cuda::blocks_for(rows * D), cuda::kBlockThreads, 0, stream>>>(
                xc.ptr<const double>(), h.ptr<const double>(), n_pairs, q, rows, D, yc.ptr<double>());
            FRANCA_CUDA_CHECK_LAUNCH();
            // Column-major: block q (D x D) += xc^T yc.
            FRANCA_CUBLAS_TRY(cublasDgemm(handle, CUBLAS_OP_T, CUBLAS_OP_N, ld, ld, ir, &one, xc.ptr<const double>(),
                                          ir, yc.ptr<const double>(), ir, &one, gram.ptr<double>() + q * D * D, ld));
          }
        }
      });
      return;
    }
    dispatch_csr(data.X.csr, [&](auto value_tag, auto index_tag, auto ptr_tag) {
      using T = decltype(value_tag);
      using I = decltype(index_tag);
      using P = decltype(ptr_tag);
      const CsrMatrix& X = data.X.csr;
      const CsrRowDot<T, P, I> row_dot{X.indptr.ptr<const P>(), X.indices.ptr<const I>(), X.data.ptr<const T>()};
      for (std::int64_t row0 = 0; row0 < n; row0 += chunk) {
        const std::int64_t rows = std::min(chunk, n - row0);
        second_derivatives(row_dot, row0, rows);
        csr_gram_kernel<T, P, I><<<cuda::blocks_for(rows * 32), cuda::kBlockThreads, 0, stream>>>(
            row_dot.indptr, row_dot.indices, row_dot.values, row0, rows, d, data.fit_intercept, n_pairs,
            h.ptr<const double>(), gram.ptr<double>());
        FRANCA_CUDA_CHECK_LAUNCH();
      }
    });
  });
  std::vector<double> blocks = to_host(ctx, gram);
  if (dense) {  // the upper triangles of the column-major blocks, packed
    std::vector<double> packed(static_cast<std::size_t>(n_pairs * block_size));
    for (std::int64_t q = 0; q < n_pairs; ++q)
      for (std::int64_t a = 0; a < D; ++a)
        for (std::int64_t b = a; b < D; ++b)
          packed[static_cast<std::size_t>(q * block_size + glm::packed_upper_index(a, b, D))] =
              blocks[static_cast<std::size_t>(q * D * D + a + b * D)];
    blocks = std::move(packed);
  }
  const std::vector<double> sums = to_host(ctx, partial);
  double nonpositive = 0, weight = 0;
  for (std::size_t w = 0; w < sums.size(); w += 2) {
    nonpositive += sums[w];
    weight += sums[w + 1];
  }
  GlmHessian out;
  out.matrix = glm_hessian_from_blocks(blocks, t, d, data.fit_intercept);
  out.nonpositive_fraction = weight > 0 ? nonpositive / weight : 0.0;
  return out;
}

}  // namespace franca
