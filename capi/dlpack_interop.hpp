// The one place where DLPack structs become franca Arrays and back. Every check of a caller's
// tensor happens here: dtype, lanes, ndim, shape, strides, byte_offset, device, overflow.
#pragma once

#include <dlpack/dlpack.h>

#include "core/array.hpp"

namespace franca::capi {

// A non-owning view of a caller's tensor; `argument` names it in error messages.
Array from_dlpack(const DLTensor* tensor, const char* argument);
// A DLManagedTensor that keeps `array`'s memory alive until its deleter runs.
DLManagedTensor* to_dlpack(const Array& array);

}  // namespace franca::capi
