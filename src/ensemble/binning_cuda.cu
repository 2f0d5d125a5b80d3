// encode_bins on a CUDA device. X is read a block of rows at a time as floats (device_rows.cuh),
// then a kernel transposes 32 x 32 tiles through shared memory (rows x features in, features x
// rows out), so that both the reads of the block and the writes of the feature-major codes are
// coalesced, and finds each value's code by binary search in its feature's cuts.
//
// Each bin's smallest and largest value: the host keeps, among equal values, the first in row
// order (std::min and std::max keep their first argument on ties), which only shows for -0 and +0.
// So each bin holds two 64-bit keys, the value's order-preserving bits (-0 as +0) above its row
// and sign, updated with atomicMin / atomicMax: the smallest key is the smallest value, first
// row; the largest key is the largest value with the row complemented, first row again.
#include <cstring>
#include <limits>

#include "core/cuda_check.cuh"
#include "core/cuda_handles.cuh"
#include "core/cuda_launch.cuh"
#include "core/expects.hpp"
#include "ensemble/device_rows.cuh"
#include "ensemble/forest.hpp"

namespace franca::forest {

namespace {

constexpr int kTile = 32;
constexpr int kTileRowsPerPass = cuda::kBlockThreads / kTile;
constexpr unsigned long long kNoLowKey = ~0ull;
constexpr unsigned long long kNoHighKey = 0;

// Floats as unsigned integers of the same order, -0 and +0 as one.
__device__ inline std::uint32_t ordered_bits(float v) {
  std::uint32_t bits = __float_as_uint(v);
  if ((bits & 0x7fffffffu) == 0) bits = 0;
  return (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
}

std::uint32_t float_bits_of(std::uint32_t ordered) {
  return (ordered & 0x80000000u) ? ordered & 0x7fffffffu : ~ordered;
}

// The value a key holds (the zero's sign from the key's lowest bit).
float value_of(unsigned long long key) {
  std::uint32_t bits = float_bits_of(static_cast<std::uint32_t>(key >> 32));
  if (bits == 0 && (key & 1u)) bits = 0x80000000u;
  float v;
  std::memcpy(&v, &bits, sizeof(v));
  return v;
}

// The code of v among a feature's `count` ascending cuts: lower_bound, or for NaN the missing
// bin after the count + 1 value bins (BinCuts::n_bins).
__device__ inline int code_of(const float* cuts, int count, float v) {
  if (v != v) return count + 1;
  int low = 0, high = count;
  while (low < high) {
    const int middle = (low + high) / 2;
    if (cuts[middle] < v) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

// Codes of rows [first_row, first_row + count) from their float values (count x d, row-major).
__global__ void encode_kernel(const float* values, std::int64_t count, std::int64_t d, std::int64_t first_row,
                              std::int64_t n, const std::int64_t* cut_offsets, const float* cuts, std::uint8_t* codes,
                              unsigned long long* low_keys, unsigned long long* high_keys) {
  __shared__ float tile[kTile][kTile + 1];  // + 1: the transposed reads hit distinct banks
  const std::int64_t row_tiles = (count + kTile - 1) / kTile, feature_tiles = (d + kTile - 1) / kTile;
  const int lane = static_cast<int>(threadIdx.x) % kTile, group = static_cast<int>(threadIdx.x) / kTile;
  for (std::int64_t t = blockIdx.x; t < row_tiles * feature_tiles; t += gridDim.x) {
    const std::int64_t r0 = (t % row_tiles) * kTile, f0 = (t / row_tiles) * kTile;
    for (int i = group; i < kTile; i += kTileRowsPerPass) {
      const std::int64_t r = r0 + i, f = f0 + lane;
      if (r < count && f < d) tile[i][lane] = values[r * d + f];
    }
    __syncthreads();
    for (int i = group; i < kTile; i += kTileRowsPerPass) {
      const std::int64_t f = f0 + i, r = r0 + lane;
      if (f >= d || r >= count) continue;
      const float v = tile[lane][i];
      const std::int64_t first_cut = cut_offsets[f];
      const int n_cuts = static_cast<int>(cut_offsets[f + 1] - first_cut);
      const int code = code_of(cuts + first_cut, n_cuts, v);
      const std::int64_t row = first_row + r;
      codes[f * n + row] = static_cast<std::uint8_t>(code);
      if (v != v) continue;  // missing: no value range
      const unsigned long long value_key = static_cast<unsigned long long>(ordered_bits(v)) << 32;
      const unsigned long long sign = __float_as_uint(v) >> 31;
      const unsigned long long low_key = value_key | static_cast<unsigned long long>(row) << 1 | sign;
      const unsigned long long high_key = value_key | static_cast<unsigned long long>(0x7fffffff - row) << 1 | sign;
      // A key read before the atomic can only be stale towards the empty side, so skipping the
      // atomic when the key cannot improve on it is safe; most rows then skip it.
      unsigned long long* low = low_keys + f * kCodes + code;
      unsigned long long* high = high_keys + f * kCodes + code;
      if (low_key < *low) atomicMin(low, low_key);
      if (high_key > *high) atomicMax(high, high_key);
    }
    __syncthreads();  // the tile is rewritten by the block's next tile
  }
}

template <class T>
Array upload(const Context& ctx, const std::vector<T>& host, Device device) {
  return to_device(ctx, Array::from_host(host, {static_cast<std::int64_t>(host.size())}), device);
}

}  // namespace

template <>
void encode_bins<Backend::cuda>(const Context& ctx, const Matrix& X, const BinCuts& cuts, Array& codes,
                                std::vector<float>& bin_low, std::vector<float>& bin_high) {
  const Device device = X.device();
  cuda::DeviceGuard guard(device.id);
  const auto stream = cuda::stream_of(ctx);
  const std::int64_t n = X.rows(), d = X.cols();
  // The row takes 31 bits of a bin's key.
  FRANCA_EXPECTS(n < (std::int64_t{1} << 31), "X: forests take at most 2^31 - 1 rows, got {}", n);
  codes = Array::empty(ctx, device, DType::uint8, {d, n});
  const Array cut_offsets = upload(ctx, cuts.offsets, device);
  const Array cut_values = upload(ctx, cuts.cuts, device);
  Array low_keys = Array::empty(ctx, device, DType::int64, {d * kCodes});
  Array high_keys = Array::empty(ctx, device, DType::int64, {d * kCodes});
  FRANCA_CUDA_TRY(cudaMemsetAsync(low_keys.data, 0xff, low_keys.nbytes(), stream));
  FRANCA_CUDA_TRY(cudaMemsetAsync(high_keys.data, 0, high_keys.nbytes(), stream));
  const std::int64_t block = rows_per_pass(n, d * static_cast<std::int64_t>(sizeof(float)));
  Array values = Array::empty(ctx, device, DType::float32, {block, d});
  for (std::int64_t r0 = 0; r0 < n; r0 += block) {
    const std::int64_t count = std::min(block, n - r0);
    read_device_rows_as_float(ctx, X, r0, r0 + count, values.ptr<float>());
    const std::int64_t tiles = ((count + kTile - 1) / kTile) * ((d + kTile - 1) / kTile);
    encode_kernel<<<cuda::blocks_for(tiles, 1), cuda::kBlockThreads, 0, stream>>>(
        values.ptr<const float>(), count, d, r0, n, cut_offsets.ptr<const std::int64_t>(),
        cut_values.ptr<const float>(), codes.ptr<std::uint8_t>(), low_keys.ptr<unsigned long long>(),
        high_keys.ptr<unsigned long long>());
    FRANCA_CUDA_CHECK_LAUNCH();
  }
  const Array low_host = to(ctx, low_keys, Device::cpu(), DType::int64);
  const Array high_host = to(ctx, high_keys, Device::cpu(), DType::int64);
  const auto* low = low_host.ptr<const unsigned long long>();
  const auto* high = high_host.ptr<const unsigned long long>();
  bin_low.resize(static_cast<std::size_t>(d * kCodes));
  bin_high.resize(static_cast<std::size_t>(d * kCodes));
  for (std::size_t k = 0; k < bin_low.size(); ++k) {
    bin_low[k] = low[k] == kNoLowKey ? std::numeric_limits<float>::infinity() : value_of(low[k]);
    bin_high[k] = high[k] == kNoHighKey ? -std::numeric_limits<float>::infinity() : value_of(high[k]);
  }
}

}  // namespace franca::forest
