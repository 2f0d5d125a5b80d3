#include "core/array.hpp"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <limits>

#include "core/context.hpp"
#include "core/cuda_backend.hpp"
#include "core/expects.hpp"
#include "core/parallel.hpp"

namespace franca {

std::int64_t Array::size() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

bool Array::is_c_contiguous() const {
  if (size() == 0) return true;  // NumPy gives empty arrays zero strides
  std::int64_t expected = 1;
  for (int i = ndim() - 1; i >= 0; --i) {
    if (dim(i) != 1 && stride(i) != expected) return false;
    expected *= dim(i);
  }
  return true;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + (shape.size() == 1 ? ",)" : ")");
}

std::vector<std::int64_t> c_strides(const std::vector<std::int64_t>& shape) {
  std::vector<std::int64_t> strides(shape.size());
  std::int64_t s = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

namespace {

// Large host buffers ask for transparent huge pages, as NumPy does: first touching a fresh
// 80 MB output otherwise costs more in page faults than the computation that fills it.
void* allocate_host(std::size_t bytes) {
  constexpr std::size_t kHugePage = std::size_t{1} << 21;
  void* p = bytes >= 2 * kHugePage ? std::aligned_alloc(kHugePage, (bytes + kHugePage - 1) / kHugePage * kHugePage)
                                   : std::malloc(bytes);
  FRANCA_EXPECTS_STATUS(p != nullptr, Status::out_of_memory, "could not allocate {} bytes on the host", bytes);
  if (bytes >= 2 * kHugePage) madvise(p, bytes, MADV_HUGEPAGE);
  return p;
}

}  // namespace

Array Array::empty(const Context& ctx, Device device, DType dtype, std::vector<std::int64_t> shape) {
  std::int64_t n = 1;
  for (auto d : shape) {
    FRANCA_EXPECTS(d >= 0, "internal: negative dimension {}", d);
    FRANCA_EXPECTS_STATUS(d == 0 || n <= std::numeric_limits<std::int64_t>::max() / 8 / d, Status::out_of_memory,
                          "an array of this shape would overflow int64 bytes");
    n *= d;
  }
  // Allocate at least one element so that data is never null, even for an empty array.
  const std::size_t bytes = static_cast<std::size_t>(std::max<std::int64_t>(n, 1)) * dtype_size(dtype);
  Array a;
  a.dtype = dtype;
  a.device = device;
  a.strides = c_strides(shape);
  a.shape = std::move(shape);
  if (device.is_cpu()) {
    void* p = allocate_host(bytes);
    a.owner = std::shared_ptr<void>(p, [](void* q) { std::free(q); });
    a.data = p;
  } else {
    void* stream = ctx.stream();
    const int id = device.id;
    void* p = cuda::allocate(bytes, id, stream);
    a.owner = std::shared_ptr<void>(p, [id, stream](void* q) { cuda::deallocate(q, id, stream); });
    a.data = p;
  }
  return a;
}

void copy_bytes(const Context& ctx, const Array& dst, const Array& src) {
  FRANCA_EXPECTS_STATUS(dst.nbytes() == src.nbytes(), Status::internal, "internal: copy of {} bytes into {}",
                        src.nbytes(), dst.nbytes());
  if (src.nbytes() == 0) return;
  if (src.device.is_cpu() && dst.device.is_cpu()) {
    std::memcpy(dst.data, src.data, src.nbytes());
    return;
  }
  const auto kind = src.device.is_cpu()   ? cuda::CopyKind::host_to_device
                    : dst.device.is_cpu() ? cuda::CopyKind::device_to_host
                                          : cuda::CopyKind::device_to_device;
  const int id = src.device.is_cuda() ? src.device.id : dst.device.id;
  cuda::copy(dst.data, src.data, src.nbytes(), kind, id, ctx.stream());
}

namespace {

// Gathers a strided host array into a contiguous one, converting the element type.
template <class From, class To>
void gather_host(const Context& ctx, const Array& src, To* dst) {
  const From* base = src.ptr<From>();
  if (src.ndim() == 0) {
    dst[0] = static_cast<To>(base[0]);
    return;
  }
  if (src.ndim() == 1) {
    const std::int64_t s = src.stride(0);
    parallel_for(ctx, src.dim(0), 1 << 16, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t i = b; i < e; ++i) dst[i] = static_cast<To>(base[i * s]);
    });
    return;
  }
  FRANCA_EXPECTS_STATUS(src.ndim() == 2, Status::internal, "internal: gather of a {}-d array", src.ndim());
  const std::int64_t rows = src.dim(0), cols = src.dim(1), rs = src.stride(0), cs = src.stride(1);
  parallel_for(ctx, rows, std::max<std::int64_t>(1, (1 << 16) / std::max<std::int64_t>(cols, 1)),
               [&](std::int64_t b, std::int64_t e) {
                 for (std::int64_t i = b; i < e; ++i)
                   for (std::int64_t j = 0; j < cols; ++j) dst[i * cols + j] = static_cast<To>(base[i * rs + j * cs]);
               });
}

}  // namespace

Array to(const Context& ctx, const Array& a, Device device, DType dtype) {
  if (a.device == device && a.dtype == dtype && a.is_c_contiguous()) return a;
  if (a.device.is_cpu()) {
    Array host = a;
    if (a.dtype != dtype || !a.is_c_contiguous()) {
      host = Array::empty(ctx, Device::cpu(), dtype, a.shape);
      dispatch_numeric(a.dtype, [&](auto from) {
        dispatch_numeric(dtype, [&](auto to_type) {
          gather_host<decltype(from), decltype(to_type)>(ctx, a, host.ptr<decltype(to_type)>());
        });
      });
    }
    if (device.is_cpu()) return host;
    Array out = Array::empty(ctx, device, dtype, a.shape);
    copy_bytes(ctx, out, host);
    // The host staging buffer must outlive the asynchronous copy.
    cuda::synchronize(device.id, ctx.stream());
    return out;
  }
  FRANCA_EXPECTS_STATUS(a.is_c_contiguous(), Status::not_implemented,
                        "a strided {} array on {} must be made contiguous by the caller", dtype_name(a.dtype),
                        a.device.str());
  if (a.dtype == dtype) {
    Array out = Array::empty(ctx, device, dtype, a.shape);
    copy_bytes(ctx, out, a);
    return out;
  }
  // Convert on the host: device arrays reach here only when they are small (labels, weights,
  // fitted parameters); large ones are converted by the primitives on their device.
  Array host = to(ctx, a, Device::cpu(), a.dtype);
  return to(ctx, host, device, dtype);
}

std::vector<double> host_values_f64(const Context& ctx, const Array& a) {
  FRANCA_EXPECTS_STATUS(a.device.is_cpu(), Status::internal, "internal: host_values_f64 of a {} array", a.device.str());
  Array c = to(ctx, a, Device::cpu(), DType::float64);
  return std::vector<double>(c.ptr<double>(), c.ptr<double>() + c.size());
}

}  // namespace franca
