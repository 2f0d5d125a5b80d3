// hash_documents on a CUDA device. One thread per document runs the same per-document code
// as the CPU (text_ops.hpp), in passes that first count and then fill, so that every buffer
// is sized exactly and no global hash table or atomics are needed:
//   1. preprocessed length of each document (and the first ill-formed UTF-8, if any),
//   2. the preprocessed text (lowercase, accents, white space), written once,
//   3. the number of features of each document, 4. the features as keys column << 1 | sign,
//   5. CUB segmented sort of the keys of each document,
//   6. distinct columns per document, 7. their summed signs.
// Documents go in batches of bounded text size, so that the temporaries (preprocessed text,
// keys twice, sort storage) stay near kBudgetBytes whatever the corpus size; each batch's
// output is kept until the end, when the batches are laid into the final CSR matrix.
#include <cub/device/device_scan.cuh>
#include <cub/device/device_segmented_sort.cuh>

#include <algorithm>

#include "core/cuda_check.cuh"
#include "core/cuda_handles.cuh"
#include "core/cuda_launch.cuh"
#include "primitives/text_hash.hpp"

namespace franca {

namespace {

// One thread works through a whole document, a long and divergent run with a deep per-thread
// state (the preprocessing and n-gram automata): blocks of 128 rather than cuda::kBlockThreads
// spread a batch's documents over twice as many blocks, hence SMs, and halve the registers a
// block needs.
constexpr int kDocThreads = 128;
constexpr std::int64_t kBudgetBytes = std::int64_t{256} << 20;

__device__ int utf8_bytes(std::uint32_t c) { return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4; }

// Pass 1: length[i] = preprocessed bytes of document d0 + i, or -(offset of the ill-formed
// sequence + 1); first_bad = the smallest such document.
template <class I>
__global__ void preprocessed_length_kernel(const I* offsets, const std::uint8_t* bytes, std::int64_t d0, std::int64_t n,
                                           text::TextOptions o, std::int64_t* length, unsigned long long* first_bad) {
  for (std::int64_t i = cuda::grid_start(); i < n; i += cuda::grid_stride()) {
    const std::int64_t d = d0 + i;
    std::int64_t count = 0;
    auto sink = [&](std::uint32_t c) { count += utf8_bytes(c); };
    const std::int64_t bad =
        text::preprocess(bytes + offsets[d], static_cast<std::int64_t>(offsets[d + 1] - offsets[d]), o, sink);
    if (bad >= 0) {
      length[i] = -(bad + 1);
      atomicMin(first_bad, static_cast<unsigned long long>(d));
    } else {
      length[i] = count;
    }
  }
}

// Pass 2: the preprocessed text of each document at text_offsets[i].
template <class I>
__global__ void preprocess_kernel(const I* offsets, const std::uint8_t* bytes, std::int64_t d0, std::int64_t n,
                                  text::TextOptions o, const std::int64_t* text_offsets, std::uint8_t* text) {
  for (std::int64_t i = cuda::grid_start(); i < n; i += cuda::grid_stride()) {
    const std::int64_t d = d0 + i;
    std::uint8_t* out = text + text_offsets[i];
    auto sink = [&](std::uint32_t c) { out += text::encode_utf8(c, out); };
    text::preprocess(bytes + offsets[d], static_cast<std::int64_t>(offsets[d + 1] - offsets[d]), o, sink);
  }
}

// Passes 3 and 4: count the features of each document, or write their keys.
template <bool Fill>
__global__ void features_kernel(const std::int64_t* text_offsets, const std::uint8_t* text, std::int64_t n,
                                text::TextOptions o, std::int64_t* counts, const std::int64_t* key_offsets,
                                std::uint32_t* keys) {
  for (std::int64_t i = cuda::grid_start(); i < n; i += cuda::grid_stride()) {
    std::int64_t count = 0;
    std::uint32_t* out = Fill ? keys + key_offsets[i] : nullptr;
    auto emit = [&](std::int32_t column, int sign) {
      if (Fill) out[count] = static_cast<std::uint32_t>(column) << 1 | (sign < 0 ? 1u : 0u);
      ++count;
    };
    text::analyze(text + text_offsets[i], text_offsets[i + 1] - text_offsets[i], o, emit);
    if (!Fill) counts[i] = count;
  }
}

// Passes 6 and 7 over each document's sorted keys: count distinct columns (into row_nnz), or
// write each column with its summed signs (1 when binary).
template <class T, bool Fill>
__global__ void reduce_kernel(const std::int64_t* key_offsets, const std::uint32_t* keys, std::int64_t n, bool binary,
                              std::int64_t* row_nnz, const std::int64_t* out_offsets, std::int32_t* indices, T* data) {
  for (std::int64_t i = cuda::grid_start(); i < n; i += cuda::grid_stride()) {
    std::int64_t distinct = 0;
    for (std::int64_t k = key_offsets[i]; k < key_offsets[i + 1];) {
      const std::uint32_t column = keys[k] >> 1;
      std::int64_t sum = 0;
      for (; k < key_offsets[i + 1] && keys[k] >> 1 == column; ++k) sum += (keys[k] & 1u) ? -1 : 1;
      if (Fill) {
        indices[out_offsets[i] + distinct] = static_cast<std::int32_t>(column);
        data[out_offsets[i] + distinct] = binary ? T(1) : static_cast<T>(sum);
      }
      ++distinct;
    }
    if (!Fill) row_nnz[i] = distinct;
  }
}

// out[0] = 0, out[1..n] = inclusive prefix sums of in[0..n), on the stream.
void offsets_from_counts(const Context& ctx, Device device, const std::int64_t* in, std::int64_t n, std::int64_t* out) {
  auto stream = cuda::stream_of(ctx);
  FRANCA_CUDA_TRY(cudaMemsetAsync(out, 0, sizeof(std::int64_t), stream));
  if (n == 0) return;
  std::size_t temp_bytes = 0;
  FRANCA_CUDA_TRY(cub::DeviceScan::InclusiveSum(nullptr, temp_bytes, in, out + 1, n, stream));
  Array temp = Array::empty(ctx, device, DType::uint8, {static_cast<std::int64_t>(temp_bytes)});
  FRANCA_CUDA_TRY(cub::DeviceScan::InclusiveSum(temp.data, temp_bytes, in, out + 1, n, stream));
}

std::int64_t read_scalar(const Context& ctx, const std::int64_t* p) {
  std::int64_t host = 0;
  auto stream = cuda::stream_of(ctx);
  FRANCA_CUDA_TRY(cudaMemcpyAsync(&host, p, sizeof(host), cudaMemcpyDeviceToHost, stream));
  FRANCA_CUDA_TRY(cudaStreamSynchronize(stream));
  return host;
}

struct Batch {
  std::int64_t d0, n, nnz;
  Array indices, data;
};

template <class T, class I>
CsrMatrix hash_typed(const Context& ctx, const StringColumn& docs, text::TextOptions o,
                     const std::vector<std::string>& stop_words, bool binary) {
  const Device device = docs.bytes.device;
  cuda::DeviceGuard guard(device.id);
  auto stream = cuda::stream_of(ctx);
  const std::int64_t n = docs.size();
  // The host needs the offsets to cut batches at document boundaries; it checks them there.
  const Array host_offsets = to(ctx, docs.offsets, Device::cpu(), DType::int64);
  check_string_offsets(host_offsets, docs.bytes.size());
  const std::int64_t* offsets_h = host_offsets.ptr<const std::int64_t>();

  const FlatStrings stop = flatten_strings(stop_words);
  const Array stop_offsets =
      to_device(ctx, Array::from_host(stop.offsets, {static_cast<std::int64_t>(stop.offsets.size())}), device);
  const Array stop_bytes = to_device(ctx,
                                     Array::from_host(std::vector<std::uint8_t>(stop.bytes.begin(), stop.bytes.end()),
                                                      {static_cast<std::int64_t>(stop.bytes.size())}),
                                     device);
  o.stop_offsets = stop_offsets.ptr<const std::int64_t>();
  o.stop_bytes = stop_bytes.ptr<const std::uint8_t>();
  o.n_stop = static_cast<std::int32_t>(stop_words.size());

  // Temporaries per byte of text: the preprocessed copy (about one byte) and, per feature, two
  // 4-byte keys (sort input and output); a byte starts at most max_n - min_n + 1 features.
  const std::int64_t per_byte = 2 + 8 * (o.max_n - o.min_n + 1);
  const std::int64_t batch_bytes = std::max<std::int64_t>(kBudgetBytes / per_byte, 1);

  const I* offsets = docs.offsets.ptr<const I>();
  const std::uint8_t* bytes = docs.bytes.ptr<const std::uint8_t>();
  Array row_nnz = Array::empty(ctx, device, DType::int64, {n});
  Array first_bad = Array::empty(ctx, device, DType::int64, {1});
  std::vector<Batch> batches;
  for (std::int64_t d0 = 0; d0 < n;) {
    std::int64_t d1 = d0 + 1;  // a document larger than a batch is a batch of its own
    while (d1 < n && offsets_h[d1 + 1] - offsets_h[d0] <= batch_bytes) ++d1;
    const std::int64_t m = d1 - d0;
    const unsigned grid = cuda::blocks_for(m, kDocThreads);

    Array length = Array::empty(ctx, device, DType::int64, {m});
    FRANCA_CUDA_TRY(cudaMemsetAsync(first_bad.data, 0xFF, sizeof(std::int64_t), stream));
    preprocessed_length_kernel<I><<<grid, kDocThreads, 0, stream>>>(
        offsets, bytes, d0, m, o, length.ptr<std::int64_t>(), first_bad.ptr<unsigned long long>());
    FRANCA_CUDA_CHECK_LAUNCH();
    const std::int64_t bad = read_scalar(ctx, first_bad.ptr<std::int64_t>());
    if (bad >= 0) {
      const std::int64_t code = read_scalar(ctx, length.ptr<std::int64_t>() + (bad - d0));
      throw_error(Status::invalid_argument, invalid_utf8_message(bad, -code - 1));
    }
    Array text_offsets = Array::empty(ctx, device, DType::int64, {m + 1});
    offsets_from_counts(ctx, device, length.ptr<std::int64_t>(), m, text_offsets.ptr<std::int64_t>());
    Array text = Array::empty(ctx, device, DType::uint8, {read_scalar(ctx, text_offsets.ptr<std::int64_t>() + m)});
    preprocess_kernel<I><<<grid, kDocThreads, 0, stream>>>(offsets, bytes, d0, m, o, text_offsets.ptr<std::int64_t>(),
                                                           text.ptr<std::uint8_t>());
    FRANCA_CUDA_CHECK_LAUNCH();

    Array counts = std::move(length);  // reused: one int64 per document
    features_kernel<false><<<grid, kDocThreads, 0, stream>>>(text_offsets.ptr<std::int64_t>(), text.ptr<std::uint8_t>(),
                                                             m, o, counts.ptr<std::int64_t>(), nullptr, nullptr);
    FRANCA_CUDA_CHECK_LAUNCH();
    Array key_offsets = Array::empty(ctx, device, DType::int64, {m + 1});
    offsets_from_counts(ctx, device, counts.ptr<std::int64_t>(), m, key_offsets.ptr<std::int64_t>());
    const std::int64_t n_keys = read_scalar(ctx, key_offsets.ptr<std::int64_t>() + m);
    Array keys = Array::empty(ctx, device, DType::int32, {n_keys});
    features_kernel<true><<<grid, kDocThreads, 0, stream>>>(text_offsets.ptr<std::int64_t>(), text.ptr<std::uint8_t>(),
                                                            m, o, nullptr, key_offsets.ptr<std::int64_t>(),
                                                            keys.ptr<std::uint32_t>());
    FRANCA_CUDA_CHECK_LAUNCH();
    text = Array();

    Array sorted = Array::empty(ctx, device, DType::int32, {n_keys});
    if (n_keys > 0) {
      std::size_t temp_bytes = 0;
      const std::int64_t* seg = key_offsets.ptr<const std::int64_t>();
      FRANCA_CUDA_TRY(cub::DeviceSegmentedSort::SortKeys(nullptr, temp_bytes, keys.ptr<const std::uint32_t>(),
                                                         sorted.ptr<std::uint32_t>(), n_keys, m, seg, seg + 1, stream));
      Array temp = Array::empty(ctx, device, DType::uint8, {static_cast<std::int64_t>(temp_bytes)});
      FRANCA_CUDA_TRY(cub::DeviceSegmentedSort::SortKeys(temp.data, temp_bytes, keys.ptr<const std::uint32_t>(),
                                                         sorted.ptr<std::uint32_t>(), n_keys, m, seg, seg + 1, stream));
    }
    keys = Array();

    std::int64_t* batch_nnz = row_nnz.ptr<std::int64_t>() + d0;
    reduce_kernel<T, false><<<grid, kDocThreads, 0, stream>>>(
        key_offsets.ptr<std::int64_t>(), sorted.ptr<std::uint32_t>(), m, binary, batch_nnz, nullptr, nullptr, nullptr);
    FRANCA_CUDA_CHECK_LAUNCH();
    Array out_offsets = Array::empty(ctx, device, DType::int64, {m + 1});
    offsets_from_counts(ctx, device, batch_nnz, m, out_offsets.ptr<std::int64_t>());
    Batch b{d0, m, read_scalar(ctx, out_offsets.ptr<std::int64_t>() + m), Array(), Array()};
    b.indices = Array::empty(ctx, device, DType::int32, {b.nnz});
    b.data = Array::empty(ctx, device, dtype_of<T>::value, {b.nnz});
    reduce_kernel<T, true><<<grid, kDocThreads, 0, stream>>>(
        key_offsets.ptr<std::int64_t>(), sorted.ptr<std::uint32_t>(), m, binary, nullptr,
        out_offsets.ptr<std::int64_t>(), b.indices.ptr<std::int32_t>(), b.data.ptr<T>());
    FRANCA_CUDA_CHECK_LAUNCH();
    batches.push_back(std::move(b));
    d0 = d1;
  }

  CsrMatrix out;
  out.rows = n;
  out.cols = o.n_features;
  out.indptr = Array::empty(ctx, device, DType::int64, {n + 1});
  offsets_from_counts(ctx, device, row_nnz.ptr<std::int64_t>(), n, out.indptr.ptr<std::int64_t>());
  std::int64_t nnz = 0;
  for (const Batch& b : batches) nnz += b.nnz;
  out.indices = Array::empty(ctx, device, DType::int32, {nnz});
  out.data = Array::empty(ctx, device, dtype_of<T>::value, {nnz});
  std::int64_t at = 0;
  for (Batch& b : batches) {
    FRANCA_CUDA_TRY(cudaMemcpyAsync(out.indices.ptr<std::int32_t>() + at, b.indices.data, b.nnz * sizeof(std::int32_t),
                                    cudaMemcpyDeviceToDevice, stream));
    FRANCA_CUDA_TRY(
        cudaMemcpyAsync(out.data.ptr<T>() + at, b.data.data, b.nnz * sizeof(T), cudaMemcpyDeviceToDevice, stream));
    at += b.nnz;
    b = Batch{};  // frees the batch's memory as soon as the copy is done (stream-ordered)
  }
  return out;
}

}  // namespace

template <>
CsrMatrix hash_documents<Backend::cuda>(const Context& ctx, const StringColumn& docs, const text::TextOptions& options,
                                        const std::vector<std::string>& stop_words, bool binary, DType dtype,
                                        std::optional<RowNorm> norm) {
  CsrMatrix out = dispatch_floating(dtype, [&](auto tag) {
    using T = decltype(tag);
    return dispatch_index(docs.offsets.dtype, [&](auto itag) {
      using I = decltype(itag);
      return hash_typed<T, I>(ctx, docs, options, stop_words, binary);
    });
  });
  if (norm) csr_normalize_rows<Backend::cuda>(ctx, out, *norm);
  return out;
}

}  // namespace franca
