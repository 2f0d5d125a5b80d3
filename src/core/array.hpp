// Array: a typed, strided, n-dimensional view of memory on one device, with an optional
// owner that keeps the memory alive. Inputs from the C ABI are non-owning views of the
// caller's DLTensors; arrays the library allocates own their memory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/device.hpp"
#include "core/dtype.hpp"

namespace franca {

class Context;

struct Array {
  void* data = nullptr;
  DType dtype = DType::float64;
  Device device;
  std::vector<std::int64_t> shape;
  std::vector<std::int64_t> strides;  // in elements, one per dimension
  std::shared_ptr<void> owner;        // null for a borrowed view
  bool read_only = false;

  int ndim() const { return static_cast<int>(shape.size()); }
  std::int64_t size() const;
  std::int64_t dim(int i) const { return shape[static_cast<std::size_t>(i)]; }
  std::int64_t stride(int i) const { return strides[static_cast<std::size_t>(i)]; }
  std::size_t nbytes() const { return static_cast<std::size_t>(size()) * dtype_size(dtype); }
  bool is_c_contiguous() const;
  template <class T>
  T* ptr() const {
    return static_cast<T*>(data);
  }

  // A new, C-contiguous array on `device`, allocated on ctx's stream for a CUDA device.
  static Array empty(const Context& ctx, Device device, DType dtype, std::vector<std::int64_t> shape);
  // A new host array holding a copy of `values`.
  template <class T>
  static Array from_host(const std::vector<T>& values, std::vector<std::int64_t> shape);
};

std::vector<std::int64_t> c_strides(const std::vector<std::int64_t>& shape);
// A shape as Python writes it, for messages: (3,), (2, 5), ().
std::string shape_text(const std::vector<std::int64_t>& shape);

// The same elements in a C-contiguous array on `device` with `dtype`; returns `a` itself when it
// already is one (no copy).
Array to(const Context& ctx, const Array& a, Device device, DType dtype);
inline Array to_device(const Context& ctx, const Array& a, Device device) { return to(ctx, a, device, a.dtype); }
// A 1-D float64 array of `values` on `device`.
inline Array vector_on(const Context& ctx, const std::vector<double>& values, Device device) {
  return to_device(ctx, Array::from_host(values, {static_cast<std::int64_t>(values.size())}), device);
}
// Copies a contiguous `src` into contiguous `dst` of the same dtype and size, across devices.
void copy_bytes(const Context& ctx, const Array& dst, const Array& src);

template <class T>
Array Array::from_host(const std::vector<T>& values, std::vector<std::int64_t> shape) {
  auto storage = std::make_shared<std::vector<T>>(values);
  Array a;
  a.data = storage->data();
  a.dtype = dtype_of<T>::value;
  a.device = Device::cpu();
  a.strides = c_strides(shape);
  a.shape = std::move(shape);
  a.owner = storage;
  return a;
}

// A host array's elements as float64 (converting, and following strides).
std::vector<double> host_values_f64(const Context& ctx, const Array& a);

}  // namespace franca
