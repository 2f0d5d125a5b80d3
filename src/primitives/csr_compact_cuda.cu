#include "core/cuda_launch.cuh"
#include "primitives/csr_compact.hpp"
#include "primitives/csr_ops.hpp"

namespace franca {

namespace {

template <class I>
__global__ void renumber_kernel(const I* indices, std::int64_t nnz, const std::int64_t* renumber, I* out) {
  for (std::int64_t p = cuda::grid_start(); p < nnz; p += cuda::grid_stride())
    out[p] = static_cast<I>(renumber[static_cast<std::int64_t>(indices[p])]);
}

}  // namespace

template <>
Matrix csr_compact_columns<Backend::cuda>(const Context& ctx, const Matrix& X, std::vector<std::int64_t>& columns) {
  const CsrMatrix& c = X.csr;
  const Device device = c.data.device;
  cuda::DeviceGuard guard(device.id);
  std::vector<std::int64_t> renumber;
  if (!csr_compact_plan(csr_column_counts<Backend::cuda>(ctx, c), renumber, columns)) return X;
  const Array map = to_device(ctx, Array::from_host(renumber, {static_cast<std::int64_t>(renumber.size())}), device);
  CsrMatrix out = c;
  out.cols = static_cast<std::int64_t>(columns.size());
  out.indices = Array::empty(ctx, device, c.indices.dtype, {c.nnz()});
  dispatch_index(c.indices.dtype, [&](auto index_tag) {
    using I = decltype(index_tag);
    if (c.nnz() == 0) return;
    renumber_kernel<I><<<cuda::blocks_for(c.nnz()), cuda::kBlockThreads, 0, cuda::stream_of(ctx)>>>(
        c.indices.ptr<const I>(), c.nnz(), map.ptr<const std::int64_t>(), out.indices.ptr<I>());
    FRANCA_CUDA_CHECK_LAUNCH();
  });
  return Matrix::from_csr(std::move(out));
}

}  // namespace franca
