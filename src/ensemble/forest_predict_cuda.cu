// forest_leaves and forest_mean_values on a CUDA device. The forest's host arrays go to the device
// once per call; X is read a block of rows at a time as floats (device_rows.cuh), then one thread
// per (row, tree) walks the tree with leaf_of, the walk the host takes. The mean sums the leaves'
// values of a row tree by tree in ascending order, one thread per (row, value), as the host does,
// so the float64 results are the same bit for bit.
#include <algorithm>

#include "core/cuda_check.cuh"
#include "core/cuda_handles.cuh"
#include "core/cuda_launch.cuh"
#include "ensemble/device_rows.cuh"
#include "ensemble/forest.hpp"

namespace franca::forest {

namespace {

// The forest's arrays on a device, and a view of them. A view may start at any tree of its arrays
// (out-of-bag passes take slices): the device copy holds its trees' nodes alone, offsets from 0.
struct DeviceForest {
  Array offsets, left, right, feature, threshold, missing_left, value;
  ForestView view;
};

// A host array over `count` elements at `data`, read only.
template <class T>
Array host_view(const T* data, std::int64_t count) {
  Array a;
  a.data = const_cast<T*>(data);
  a.dtype = dtype_of<T>::value;
  a.device = Device::cpu();
  a.shape = {count};
  a.strides = {1};
  a.read_only = true;
  return a;
}

DeviceForest upload(const Context& ctx, const ForestView& forest, Device device, bool with_values) {
  const std::int64_t first = forest.offsets[0];
  const std::int64_t nodes = forest.offsets[forest.n_trees] - first;
  std::vector<std::int64_t> offsets(static_cast<std::size_t>(forest.n_trees + 1));
  for (std::int64_t t = 0; t <= forest.n_trees; ++t) offsets[static_cast<std::size_t>(t)] = forest.offsets[t] - first;
  DeviceForest out;
  out.offsets = to_device(ctx, host_view(offsets.data(), forest.n_trees + 1), device);
  out.left = to_device(ctx, host_view(forest.left + first, nodes), device);
  out.right = to_device(ctx, host_view(forest.right + first, nodes), device);
  out.feature = to_device(ctx, host_view(forest.feature + first, nodes), device);
  out.threshold = to_device(ctx, host_view(forest.threshold + first, nodes), device);
  out.missing_left = to_device(ctx, host_view(forest.missing_left + first, nodes), device);
  out.view = forest;
  out.view.offsets = out.offsets.ptr<const std::int64_t>();
  out.view.left = out.left.ptr<const std::int64_t>();
  out.view.right = out.right.ptr<const std::int64_t>();
  out.view.feature = out.feature.ptr<const std::int64_t>();
  out.view.threshold = out.threshold.ptr<const double>();
  out.view.missing_left = out.missing_left.ptr<const std::uint8_t>();
  out.view.value = nullptr;
  if (with_values) {
    const std::int64_t width = forest.n_outputs * forest.value_width;
    out.value = to_device(ctx, host_view(forest.value + first * width, nodes * width), device);
    out.view.value = out.value.ptr<const double>();
  }
  return out;
}

// leaves[r * n_trees + t]: the leaf row r (of `count`, d floats each) reaches in tree t.
__global__ void leaves_kernel(ForestView forest, const float* rows, std::int64_t count, std::int64_t d,
                              std::int64_t* leaves) {
  const std::int64_t trees = forest.n_trees;
  for (std::int64_t k = cuda::grid_start(); k < count * trees; k += cuda::grid_stride())
    leaves[k] = leaf_of(forest, k % trees, rows + (k / trees) * d);
}

// mean[r * width + j]: value j of the leaves of row r (of `count`) summed over the trees in
// ascending order, over the number of trees.
__global__ void mean_kernel(ForestView forest, const std::int64_t* leaves, std::int64_t count, std::int64_t width,
                            double* mean) {
  const std::int64_t trees = forest.n_trees;
  for (std::int64_t k = cuda::grid_start(); k < count * width; k += cuda::grid_stride()) {
    const std::int64_t r = k / width, j = k % width;
    double sum = 0.0;
    for (std::int64_t t = 0; t < trees; ++t)
      sum += forest.value[(forest.offsets[t] + leaves[r * trees + t]) * width + j];
    mean[k] = sum / static_cast<double>(trees);
  }
}

void launch_leaves(const Context& ctx, const ForestView& forest, const float* rows, std::int64_t count, std::int64_t d,
                   std::int64_t* leaves) {
  leaves_kernel<<<cuda::blocks_for(count * forest.n_trees), cuda::kBlockThreads, 0, cuda::stream_of(ctx)>>>(
      forest, rows, count, d, leaves);
  FRANCA_CUDA_CHECK_LAUNCH();
}

}  // namespace

template <>
void forest_leaves<Backend::cuda>(const Context& ctx, const Matrix& X, const ForestView& forest, Array& out) {
  const Device device = X.device();
  cuda::DeviceGuard guard(device.id);
  const std::int64_t n = X.rows(), d = X.cols();
  out = Array::empty(ctx, device, DType::int64, {n, forest.n_trees});
  const DeviceForest on_device = upload(ctx, forest, device, false);
  const std::int64_t block = rows_per_pass(n, d * static_cast<std::int64_t>(sizeof(float)));
  Array rows = Array::empty(ctx, device, DType::float32, {block, d});
  for (std::int64_t r0 = 0; r0 < n; r0 += block) {
    const std::int64_t count = std::min(block, n - r0);
    read_device_rows_as_float(ctx, X, r0, r0 + count, rows.ptr<float>());
    launch_leaves(ctx, on_device.view, rows.ptr<const float>(), count, d,
                  out.ptr<std::int64_t>() + r0 * forest.n_trees);
  }
}

template <>
void forest_mean_values<Backend::cuda>(const Context& ctx, const Matrix& X, const ForestView& forest, Array& out) {
  const Device device = X.device();
  cuda::DeviceGuard guard(device.id);
  const auto stream = cuda::stream_of(ctx);
  const std::int64_t n = X.rows(), d = X.cols(), trees = forest.n_trees;
  const std::int64_t width = forest.n_outputs * forest.value_width;
  out = Array::empty(ctx, device, DType::float64, {n, forest.n_outputs, forest.value_width});
  const DeviceForest on_device = upload(ctx, forest, device, true);
  const std::int64_t block = rows_per_pass(
      n, d * static_cast<std::int64_t>(sizeof(float)) + trees * static_cast<std::int64_t>(sizeof(std::int64_t)));
  Array rows = Array::empty(ctx, device, DType::float32, {block, d});
  Array leaves = Array::empty(ctx, device, DType::int64, {block, trees});
  for (std::int64_t r0 = 0; r0 < n; r0 += block) {
    const std::int64_t count = std::min(block, n - r0);
    read_device_rows_as_float(ctx, X, r0, r0 + count, rows.ptr<float>());
    launch_leaves(ctx, on_device.view, rows.ptr<const float>(), count, d, leaves.ptr<std::int64_t>());
    mean_kernel<<<cuda::blocks_for(count * width), cuda::kBlockThreads, 0, stream>>>(
        on_device.view, leaves.ptr<const std::int64_t>(), count, width, out.ptr<double>() + r0 * width);
    FRANCA_CUDA_CHECK_LAUNCH();
  }
}

}  // namespace franca::forest
