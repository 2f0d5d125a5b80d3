#include "capi/dlpack_interop.hpp"

#include <limits>

#include "core/cuda_backend.hpp"
#include "core/expects.hpp"

namespace franca::capi {

namespace {

DType dtype_from_dlpack(DLDataType t, const char* argument) {
  FRANCA_EXPECTS_STATUS(t.lanes == 1, Status::type, "{}: vector dtypes (lanes={}) are not supported", argument,
                        t.lanes);
  if (t.code == kDLFloat && t.bits == 32) return DType::float32;
  if (t.code == kDLFloat && t.bits == 64) return DType::float64;
  if (t.code == kDLInt && t.bits == 32) return DType::int32;
  if (t.code == kDLInt && t.bits == 64) return DType::int64;
  if (t.code == kDLInt && t.bits == 8) return DType::int8;
  if (t.code == kDLUInt && t.bits == 8) return DType::uint8;
  FRANCA_FAIL(Status::type,
              "{}: dtype (code {}, {} bits) is not supported; expected float32, float64, int32, int64, int8 or uint8",
              argument, static_cast<int>(t.code), static_cast<int>(t.bits));
}

DLDataType dtype_to_dlpack(DType dtype) {
  switch (dtype) {
    case DType::float32:
      return {kDLFloat, 32, 1};
    case DType::float64:
      return {kDLFloat, 64, 1};
    case DType::int32:
      return {kDLInt, 32, 1};
    case DType::int64:
      return {kDLInt, 64, 1};
    case DType::uint8:
      return {kDLUInt, 8, 1};
    case DType::int8:
      return {kDLInt, 8, 1};
  }
  return {kDLFloat, 64, 1};
}

Device device_from_dlpack(DLDevice d, const char* argument) {
  switch (d.device_type) {
    case kDLCPU:
    case kDLCUDAHost:
      return Device::cpu();
    case kDLCUDA:
    case kDLCUDAManaged: {
      FRANCA_EXPECTS_STATUS(cuda::compiled(), Status::not_implemented,
                            "{}: lives on a CUDA device but franca was built without CUDA", argument);
      const int count = cuda::device_count();
      FRANCA_EXPECTS_STATUS(d.device_id >= 0 && d.device_id < count, Status::device,
                            "{}: lives on CUDA device {} but {} CUDA device(s) are visible", argument, d.device_id,
                            count);
      return Device::cuda(d.device_id);
    }
    default:
      FRANCA_FAIL(Status::type, "{}: device type {} is not supported; expected CPU, CUDA, CUDA host or CUDA managed",
                  argument, static_cast<int>(d.device_type));
  }
}

struct ManagedContext {
  Array array;
  std::vector<std::int64_t> shape;
  std::vector<std::int64_t> strides;
};

}  // namespace

Array from_dlpack(const DLTensor* tensor, const char* argument) {
  FRANCA_EXPECTS(tensor != nullptr, "{}: must not be NULL", argument);
  FRANCA_EXPECTS(tensor->ndim >= 0 && tensor->ndim <= 8, "{}: ndim {} is not supported", argument, tensor->ndim);
  Array a;
  a.dtype = dtype_from_dlpack(tensor->dtype, argument);
  a.device = device_from_dlpack(tensor->device, argument);
  const int ndim = tensor->ndim;
  FRANCA_EXPECTS(ndim == 0 || tensor->shape != nullptr, "{}: shape is NULL", argument);
  a.shape.assign(tensor->shape, tensor->shape + ndim);
  std::int64_t count = 1;
  for (int i = 0; i < ndim; ++i) {
    const std::int64_t d = a.shape[static_cast<std::size_t>(i)];
    FRANCA_EXPECTS(d >= 0, "{}: shape[{}] is negative ({})", argument, i, d);
    FRANCA_EXPECTS(d == 0 || count <= std::numeric_limits<std::int64_t>::max() / 16 / d,
                   "{}: the number of elements overflows int64", argument);
    count *= d;
  }
  if (tensor->strides == nullptr) {
    a.strides = c_strides(a.shape);
  } else {
    a.strides.assign(tensor->strides, tensor->strides + ndim);
    for (int i = 0; i < ndim; ++i) {
      const std::int64_t s = a.strides[static_cast<std::size_t>(i)];
      FRANCA_EXPECTS(s >= 0 || a.shape[static_cast<std::size_t>(i)] <= 1,
                     "{}: negative strides (strides[{}] = {}) are not supported; pass a copy", argument, i, s);
    }
  }
  FRANCA_EXPECTS(count == 0 || tensor->data != nullptr, "{}: data is NULL", argument);
  const auto element_size = static_cast<std::int64_t>(dtype_size(a.dtype));
  FRANCA_EXPECTS(tensor->byte_offset % static_cast<std::uint64_t>(element_size) == 0,
                 "{}: byte_offset {} is not a multiple of the element size {}", argument, tensor->byte_offset,
                 element_size);
  if (count > 0) {
    // Every element's byte offset, byte_offset + sum_i index_i strides_i size, must fit in int64:
    // the index arithmetic of every kernel would wrap otherwise.
    constexpr std::int64_t kMaxOffset = std::numeric_limits<std::int64_t>::max();
    std::int64_t last = 0;  // the largest element offset, in elements
    for (int i = 0; i < ndim; ++i) {
      const std::int64_t d = a.shape[static_cast<std::size_t>(i)], s = a.strides[static_cast<std::size_t>(i)];
      if (d <= 1) continue;
      FRANCA_EXPECTS(s <= (kMaxOffset / element_size - last) / (d - 1),
                     "{}: strides[{}] = {} over shape[{}] = {} reach element offsets beyond int64", argument, i, s, i,
                     d);
      last += (d - 1) * s;
    }
    FRANCA_EXPECTS(tensor->byte_offset <= static_cast<std::uint64_t>(kMaxOffset - last * element_size),
                   "{}: byte_offset {} with strides reaching {} bytes is beyond int64", argument, tensor->byte_offset,
                   last * element_size);
  }
  a.data = static_cast<char*>(tensor->data) + tensor->byte_offset;
  return a;
}

DLManagedTensor* to_dlpack(const Array& array) {
  auto context = std::make_unique<ManagedContext>();
  context->array = array;
  context->shape = array.shape;
  context->strides = array.strides;
  auto managed = std::make_unique<DLManagedTensor>();
  DLTensor& t = managed->dl_tensor;
  t.data = array.data;
  t.device = array.device.is_cpu() ? DLDevice{kDLCPU, 0} : DLDevice{kDLCUDA, array.device.id};
  t.ndim = array.ndim();
  t.dtype = dtype_to_dlpack(array.dtype);
  t.shape = context->shape.data();
  t.strides = context->strides.data();
  t.byte_offset = 0;
  managed->manager_ctx = context.release();
  managed->deleter = [](DLManagedTensor* self) {
    delete static_cast<ManagedContext*>(self->manager_ctx);
    delete self;
  };
  return managed.release();
}

}  // namespace franca::capi
