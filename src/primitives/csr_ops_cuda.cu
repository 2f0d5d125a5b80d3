// csr_ops on a CUDA device. Row operations run one thread per row (rows of a text matrix are
// short, and one thread keeps scikit-learn's summation order); column counts use one atomic
// add per stored entry into a vector of n_features counters.
#include <cub/device/device_scan.cuh>

#include <string>

#include "core/cuda_check.cuh"
#include "core/cuda_handles.cuh"
#include "core/cuda_launch.cuh"
#include "primitives/csr_ops.hpp"

namespace franca {

namespace {

// bad[0]: the first row whose indptr decreases, bad[1]: the first out-of-range index position
// (both start at the all-ones "none").
template <class I, class P>
__global__ void check_kernel(const P* indptr, const I* indices, std::int64_t rows, std::int64_t nnz, std::int64_t cols,
                             unsigned long long* bad) {
  for (std::int64_t k = cuda::grid_start(); k < rows; k += cuda::grid_stride()) {
    if (indptr[k] > indptr[k + 1]) atomicMin(&bad[0], static_cast<unsigned long long>(k));
  }
  for (std::int64_t k = cuda::grid_start(); k < nnz; k += cuda::grid_stride()) {
    if (indices[k] < 0 || indices[k] >= cols) atomicMin(&bad[1], static_cast<unsigned long long>(k));
  }
}

template <class T, class P>
__global__ void normalize_kernel(const P* indptr, std::int64_t rows, bool l2, T* data) {
  for (std::int64_t i = cuda::grid_start(); i < rows; i += cuda::grid_stride()) {
    T sum = 0;
    for (P k = indptr[i]; k < indptr[i + 1]; ++k) sum += l2 ? data[k] * data[k] : fabs(data[k]);
    if (sum == 0) continue;
    if (l2) sum = sqrt(sum);
    for (P k = indptr[i]; k < indptr[i + 1]; ++k) data[k] /= sum;
  }
}

template <class I>
__global__ void column_counts_kernel(const I* indices, std::int64_t nnz, unsigned long long* counts) {
  for (std::int64_t k = cuda::grid_start(); k < nnz; k += cuda::grid_stride()) {
    atomicAdd(&counts[indices[k]], 1ull);
  }
}

// Count (kept[i] = entries of row i that stay) or fill the scaled matrix.
template <class T, class I, class P, bool Fill>
__global__ void scale_kernel(const P* indptr, const I* indices, const T* data, std::int64_t rows, const double* idf,
                             bool sublinear, bool drop_zeros, std::int64_t* kept, const std::int64_t* out_indptr,
                             I* out_indices, T* out_data) {
  for (std::int64_t i = cuda::grid_start(); i < rows; i += cuda::grid_stride()) {
    std::int64_t at = Fill ? out_indptr[i] : 0;
    for (P k = indptr[i]; k < indptr[i + 1]; ++k) {
      const T v = tfidf_value(data[k], idf, indices[k], sublinear);
      if (drop_zeros && v == T(0)) continue;
      if (Fill) {
        out_indices[at] = indices[k];
        out_data[at] = v;
      }
      ++at;
    }
    if (!Fill) kept[i] = at;
  }
}

template <class P>
std::int64_t read_index(const Context& ctx, const P* p) {
  P host = 0;
  auto stream = cuda::stream_of(ctx);
  FRANCA_CUDA_TRY(cudaMemcpyAsync(&host, p, sizeof(P), cudaMemcpyDeviceToHost, stream));
  FRANCA_CUDA_TRY(cudaStreamSynchronize(stream));
  return static_cast<std::int64_t>(host);
}

}  // namespace

template <>
void csr_check<Backend::cuda>(const Context& ctx, const CsrMatrix& m) {
  cuda::DeviceGuard guard(m.data.device.id);
  auto stream = cuda::stream_of(ctx);
  dispatch_csr(m, [&](auto, auto itag, auto ptag) {
    using I = decltype(itag);
    using P = decltype(ptag);
    const P* indptr = m.indptr.ptr<const P>();
    const std::int64_t first = read_index(ctx, indptr), last = read_index(ctx, indptr + m.rows);
    if (first != 0 || last != m.nnz()) {
      throw_error(Status::invalid_argument, "indptr: must start at 0 and end at nnz = " + std::to_string(m.nnz()) +
                                                " (got " + std::to_string(first) + " and " + std::to_string(last) +
                                                ")");
    }
    Array bad = Array::empty(ctx, m.data.device, DType::int64, {2});
    FRANCA_CUDA_TRY(cudaMemsetAsync(bad.data, 0xFF, 2 * sizeof(std::int64_t), stream));
    check_kernel<I, P><<<cuda::blocks_for(std::max(m.rows, m.nnz())), cuda::kBlockThreads, 0, stream>>>(
        indptr, m.indices.ptr<const I>(), m.rows, m.nnz(), m.cols, bad.ptr<unsigned long long>());
    FRANCA_CUDA_CHECK_LAUNCH();
    std::int64_t host[2];
    FRANCA_CUDA_TRY(cudaMemcpyAsync(host, bad.data, sizeof(host), cudaMemcpyDeviceToHost, stream));
    FRANCA_CUDA_TRY(cudaStreamSynchronize(stream));
    if (host[0] >= 0) {
      throw_error(Status::invalid_argument, "indptr: must be non-decreasing (indptr[" + std::to_string(host[0]) +
                                                "] > indptr[" + std::to_string(host[0] + 1) + "])");
    }
    if (host[1] >= 0) {
      const std::int64_t column = read_index(ctx, m.indices.ptr<const I>() + host[1]);
      throw_error(Status::invalid_argument, "indices: column index " + std::to_string(column) + " at position " +
                                                std::to_string(host[1]) + " is outside [0, " + std::to_string(m.cols) +
                                                ")");
    }
  });
}

template <>
void csr_normalize_rows<Backend::cuda>(const Context& ctx, const CsrMatrix& m, RowNorm norm) {
  cuda::DeviceGuard guard(m.data.device.id);
  dispatch_csr(m, [&](auto tag, auto, auto ptag) {
    using T = decltype(tag);
    using P = decltype(ptag);
    normalize_kernel<T, P><<<cuda::blocks_for(m.rows), cuda::kBlockThreads, 0, cuda::stream_of(ctx)>>>(
        m.indptr.ptr<const P>(), m.rows, norm == RowNorm::l2, m.data.ptr<T>());
    FRANCA_CUDA_CHECK_LAUNCH();
  });
}

template <>
std::vector<std::int64_t> csr_column_counts<Backend::cuda>(const Context& ctx, const CsrMatrix& m) {
  cuda::DeviceGuard guard(m.data.device.id);
  auto stream = cuda::stream_of(ctx);
  Array counts = Array::empty(ctx, m.data.device, DType::int64, {m.cols});
  FRANCA_CUDA_TRY(cudaMemsetAsync(counts.data, 0, counts.nbytes(), stream));
  dispatch_index(m.indices.dtype, [&](auto itag) {
    using I = decltype(itag);
    column_counts_kernel<I><<<cuda::blocks_for(m.nnz()), cuda::kBlockThreads, 0, stream>>>(
        m.indices.ptr<const I>(), m.nnz(), counts.ptr<unsigned long long>());
    FRANCA_CUDA_CHECK_LAUNCH();
  });
  std::vector<std::int64_t> host(static_cast<std::size_t>(m.cols));
  FRANCA_CUDA_TRY(cudaMemcpyAsync(host.data(), counts.data, counts.nbytes(), cudaMemcpyDeviceToHost, stream));
  FRANCA_CUDA_TRY(cudaStreamSynchronize(stream));
  return host;
}

template <>
CsrMatrix csr_scale_columns<Backend::cuda>(const Context& ctx, const CsrMatrix& m, const Array* idf, bool sublinear,
                                           bool drop_zeros) {
  const Device device = m.data.device;
  cuda::DeviceGuard guard(device.id);
  auto stream = cuda::stream_of(ctx);
  return dispatch_csr(m, [&](auto tag, auto itag, auto ptag) {
    using T = decltype(tag);
    using I = decltype(itag);
    using P = decltype(ptag);
    const double* w = idf ? idf->ptr<const double>() : nullptr;
    const unsigned grid = cuda::blocks_for(m.rows);
    Array kept = Array::empty(ctx, device, DType::int64, {m.rows});
    scale_kernel<T, I, P, false><<<grid, cuda::kBlockThreads, 0, stream>>>(
        m.indptr.ptr<const P>(), m.indices.ptr<const I>(), m.data.ptr<const T>(), m.rows, w, sublinear, drop_zeros,
        kept.ptr<std::int64_t>(), nullptr, nullptr, nullptr);
    FRANCA_CUDA_CHECK_LAUNCH();
    CsrMatrix out;
    out.rows = m.rows;
    out.cols = m.cols;
    out.indptr = Array::empty(ctx, device, DType::int64, {m.rows + 1});
    std::int64_t* indptr = out.indptr.ptr<std::int64_t>();
    FRANCA_CUDA_TRY(cudaMemsetAsync(indptr, 0, sizeof(std::int64_t), stream));
    std::size_t temp_bytes = 0;
    FRANCA_CUDA_TRY(
        cub::DeviceScan::InclusiveSum(nullptr, temp_bytes, kept.ptr<const std::int64_t>(), indptr + 1, m.rows, stream));
    Array temp = Array::empty(ctx, device, DType::uint8, {static_cast<std::int64_t>(temp_bytes)});
    FRANCA_CUDA_TRY(cub::DeviceScan::InclusiveSum(temp.data, temp_bytes, kept.ptr<const std::int64_t>(), indptr + 1,
                                                  m.rows, stream));
    const std::int64_t nnz = read_index(ctx, indptr + m.rows);
    out.indices = Array::empty(ctx, device, m.indices.dtype, {nnz});
    out.data = Array::empty(ctx, device, m.data.dtype, {nnz});
    scale_kernel<T, I, P, true><<<grid, cuda::kBlockThreads, 0, stream>>>(
        m.indptr.ptr<const P>(), m.indices.ptr<const I>(), m.data.ptr<const T>(), m.rows, w, sublinear, drop_zeros,
        nullptr, indptr, out.indices.ptr<I>(), out.data.ptr<T>());
    FRANCA_CUDA_CHECK_LAUNCH();
    return out;
  });
}

}  // namespace franca
