// Element types the library computes on, and dispatch from a run-time dtype to a C++ type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.hpp"

namespace franca {

enum class DType : std::uint8_t { float32, float64, int32, int64, uint8, int8 };

constexpr std::size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::float32:
    case DType::int32:
      return 4;
    case DType::float64:
    case DType::int64:
      return 8;
    case DType::uint8:
    case DType::int8:
      return 1;
  }
  return 0;
}

inline const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::float32:
      return "float32";
    case DType::float64:
      return "float64";
    case DType::int32:
      return "int32";
    case DType::int64:
      return "int64";
    case DType::uint8:
      return "uint8";
    case DType::int8:
      return "int8";
  }
  return "unknown";
}

constexpr bool is_floating(DType dtype) { return dtype == DType::float32 || dtype == DType::float64; }
constexpr bool is_index(DType dtype) { return dtype == DType::int32 || dtype == DType::int64; }

template <class T>
struct dtype_of;
template <>
struct dtype_of<float> {
  static constexpr DType value = DType::float32;
};
template <>
struct dtype_of<double> {
  static constexpr DType value = DType::float64;
};
template <>
struct dtype_of<std::int32_t> {
  static constexpr DType value = DType::int32;
};
template <>
struct dtype_of<std::int64_t> {
  static constexpr DType value = DType::int64;
};
template <>
struct dtype_of<std::uint8_t> {
  static constexpr DType value = DType::uint8;
};
template <>
struct dtype_of<std::int8_t> {
  static constexpr DType value = DType::int8;
};

// Calls fn(T{}) with T the C++ type of a floating dtype.
template <class Fn>
decltype(auto) dispatch_floating(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::float32:
      return fn(float{});
    case DType::float64:
      return fn(double{});
    default:
      throw_error(Status::type, std::string("expected float32 or float64, got ") + dtype_name(dtype));
  }
}

// Calls fn(I{}) with I the C++ type of an index dtype.
template <class Fn>
decltype(auto) dispatch_index(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::int32:
      return fn(std::int32_t{});
    case DType::int64:
      return fn(std::int64_t{});
    default:
      throw_error(Status::type, std::string("expected int32 or int64, got ") + dtype_name(dtype));
  }
}

// Calls fn(T{}) with T the C++ type of any numeric dtype.
template <class Fn>
decltype(auto) dispatch_numeric(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::float32:
      return fn(float{});
    case DType::float64:
      return fn(double{});
    case DType::int32:
      return fn(std::int32_t{});
    case DType::int64:
      return fn(std::int64_t{});
    case DType::uint8:
      return fn(std::uint8_t{});
    case DType::int8:
      return fn(std::int8_t{});
  }
  throw_error(Status::type, "unknown dtype");
}

}  // namespace franca
