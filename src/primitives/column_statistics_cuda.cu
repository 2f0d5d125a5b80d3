// column_statistics on a CUDA device. Dense: each block owns a tile of 32 columns and strides over
// rows, one atomicAdd per column per block. CSR: one thread per row, one atomicAdd per stored
// entry. The per-column sums come to the host, where column_statistics.cpp finishes them as the
// CPU path does.
#include <cmath>

#include "core/cuda_check.cuh"
#include "core/cuda_handles.cuh"
#include "core/cuda_launch.cuh"
#include "core/matrix_ref.hpp"
#include "primitives/column_statistics_sums.hpp"
#include "primitives/csr_ops.hpp"

namespace franca {

namespace {

constexpr int kTileColumns = 32;
constexpr int kTileRows = 8;

// Over the values that are not NaN: sums[j] += w x and sums[d + j] += w, or with `centre`,
// sums[j] += w (x - centre_j)^2 and sums[d + j] += w (x - centre_j).
template <class T>
__global__ void dense_sums_kernel(MatrixRef<const T> m, const double* w, const double* centre, double* sums) {
  const std::int64_t j = blockIdx.y * static_cast<std::int64_t>(kTileColumns) + threadIdx.x;
  double first = 0, second = 0;
  if (j < m.cols) {
    for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(kTileRows) + threadIdx.y; i < m.rows;
         i += static_cast<std::int64_t>(gridDim.x) * kTileRows) {
      const double x = static_cast<double>(m(i, j));
      if (isnan(x)) continue;
      const double wi = w ? w[i] : 1.0;
      if (centre) {
        const double deviation = x - centre[j];
        first += wi * deviation * deviation;
        second += wi * deviation;
      } else {
        first += wi * x;
        second += wi;
      }
    }
  }
  __shared__ double tile[2][kTileRows][kTileColumns + 1];
  tile[0][threadIdx.y][threadIdx.x] = first;
  tile[1][threadIdx.y][threadIdx.x] = second;
  __syncthreads();
  if (threadIdx.y == 0 && j < m.cols) {
    double a = 0, b = 0;
    for (int r = 0; r < kTileRows; ++r) {
      a += tile[0][r][threadIdx.x];
      b += tile[1][r][threadIdx.x];
    }
    atomicAdd(&sums[j], a);
    atomicAdd(&sums[m.cols + j], b);
  }
}

// Without `centre`: sums[j] += w x and sums[d + j] += w over the stored values that are not NaN,
// sums[2d + j] += w over the NaNs, sums[3d] += w over the rows. With it: sums[j] += w (x -
// centre_j)^2 and sums[d + j] += w (x - centre_j) over the stored values that are not NaN.
template <class T, class I, class P>
__global__ void csr_sums_kernel(const P* indptr, const I* indices, const T* data, std::int64_t rows, std::int64_t cols,
                                const double* w, const double* centre, double* sums) {
  double row_weights = 0;
  for (std::int64_t i = cuda::grid_start(); i < rows; i += cuda::grid_stride()) {
    const double wi = w ? w[i] : 1.0;
    row_weights += wi;
    for (P k = indptr[i]; k < indptr[i + 1]; ++k) {
      const double x = static_cast<double>(data[k]);
      const std::int64_t j = indices[k];
      if (isnan(x)) {
        if (!centre) atomicAdd(&sums[2 * cols + j], wi);
        continue;
      }
      if (centre) {
        const double deviation = x - centre[j];
        atomicAdd(&sums[j], wi * deviation * deviation);
        atomicAdd(&sums[cols + j], wi * deviation);
      } else {
        atomicAdd(&sums[j], wi * x);
        atomicAdd(&sums[cols + j], wi);
      }
    }
  }
  if (!centre) atomicAdd(&sums[3 * cols], row_weights);
}

// cuda::sums_on_device in pieces of d.
template <class Launch>
std::vector<std::vector<double>> device_sums(const Context& ctx, Device device, std::int64_t n, std::int64_t d,
                                             Launch&& launch) {
  const std::vector<double> host = cuda::sums_on_device(ctx, device, n, launch);
  std::vector<std::vector<double>> pieces;
  for (std::int64_t start = 0; start < n; start += std::max<std::int64_t>(d, 1))
    pieces.emplace_back(host.begin() + start, host.begin() + std::min(n, start + d));
  return pieces;
}

}  // namespace

template <>
ColumnStatistics column_statistics<Backend::cuda>(const Context& ctx, const Array& X, const Array* weights,
                                                  bool with_m2) {
  cuda::DeviceGuard guard(X.device.id);
  return dispatch_floating(X.dtype, [&](auto tag) {
    using T = decltype(tag);
    const auto m = matrix_ref<const T>(X);
    const double* w = weights ? weights->ptr<const double>() : nullptr;
    const std::int64_t d = m.cols;
    const dim3 block(kTileColumns, kTileRows);
    // Up to 1024 row blocks per column tile: the column tiles multiply the grid already.
    const dim3 grid(cuda::blocks_for(m.rows, kTileRows, 1024),
                    static_cast<unsigned>((d + kTileColumns - 1) / kTileColumns));
    auto stream = cuda::stream_of(ctx);
    const auto sums = device_sums(ctx, X.device, 2 * d, d, [&](double* out) {
      dense_sums_kernel<T><<<grid, block, 0, stream>>>(m, w, nullptr, out);
    });
    ColumnStatistics stats;
    stats.weight = sums[1];
    stats.mean = means_of(sums[0], stats.weight);
    if (!with_m2) return stats;
    Array mean = vector_on(ctx, stats.mean, X.device);
    const auto centred = device_sums(ctx, X.device, 2 * d, d, [&](double* out) {
      dense_sums_kernel<T><<<grid, block, 0, stream>>>(m, w, mean.ptr<const double>(), out);
    });
    stats.m2 = m2_of(centred[0], centred[1], stats.weight);
    return stats;
  });
}

template <>
ColumnStatistics csr_column_statistics<Backend::cuda>(const Context& ctx, const CsrMatrix& m, const Array* weights,
                                                      bool with_m2) {
  cuda::DeviceGuard guard(m.data.device.id);
  return dispatch_csr(m, [&](auto tag, auto itag, auto ptag) {
    using T = decltype(tag);
    using I = decltype(itag);
    using P = decltype(ptag);
    const double* w = weights ? weights->ptr<const double>() : nullptr;
    const std::int64_t d = m.cols;
    auto stream = cuda::stream_of(ctx);
    auto run = [&](const double* centre, double* out) {
      csr_sums_kernel<T, I, P><<<cuda::blocks_for(m.rows), cuda::kBlockThreads, 0, stream>>>(
          m.indptr.ptr<const P>(), m.indices.ptr<const I>(), m.data.ptr<const T>(), m.rows, d, w, centre, out);
    };
    // [sum of w x | stored weight | NaN weight | total weight]
    const auto sums = device_sums(ctx, m.data.device, 3 * d + 1, d, [&](double* out) { run(nullptr, out); });
    ColumnStatistics stats;
    stats.weight.assign(static_cast<std::size_t>(d), sums[3][0]);
    for (std::size_t j = 0; j < stats.weight.size(); ++j) stats.weight[j] -= sums[2][j];
    stats.mean = means_of(sums[0], stats.weight);
    if (!with_m2) return stats;
    Array mean = vector_on(ctx, stats.mean, m.data.device);
    auto centred = device_sums(ctx, m.data.device, 2 * d, d, [&](double* out) { run(mean.ptr<const double>(), out); });
    add_implicit_zeros(stats, sums[1], centred[0], centred[1]);
    stats.m2 = m2_of(centred[0], centred[1], stats.weight);
    return stats;
  });
}

}  // namespace franca
