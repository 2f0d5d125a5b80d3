// One device dispatch for every primitive (after XGBoost's DispatchKernel and MLX's
// eval_cpu/eval_gpu). A primitive is declared once, in its header, as a function template over
// the backend:
//
//     template <Backend B>
//     void scale_columns(const Context& ctx, const Array& X, ...);
//
// foo_cpu.cpp defines the Backend::cpu specialisation and foo_cuda.cu the Backend::cuda one.
// Callers run it where the data lives:
//
//     FRANCA_DISPATCH(X.device, scale_columns, ctx, X, ...);
//
// A build without CUDA never names a CUDA specialisation (the branch is discarded at compile
// time), so it needs no stub: asking it for CUDA work throws "built without CUDA" here, naming
// the primitive.
#pragma once

#include <type_traits>

#include "core/device.hpp"
#include "core/no_cuda.hpp"

#ifndef FRANCA_WITH_CUDA
#error "FRANCA_WITH_CUDA must be defined (0 or 1) by the build"
#endif

namespace franca {

enum class Backend { cpu, cuda };

inline constexpr bool kBuiltWithCuda = FRANCA_WITH_CUDA != 0;

template <Backend B>
using BackendTag = std::integral_constant<Backend, B>;

// Calls run(BackendTag<cpu>) for host data and run(BackendTag<cuda>) for CUDA data. `run` is a
// generic lambda, so the CUDA instantiation exists only in a CUDA build.
template <class Run>
decltype(auto) dispatch_backend(Device device, const char* primitive, Run&& run) {
  if (device.is_cpu()) return run(BackendTag<Backend::cpu>{});
  if constexpr (kBuiltWithCuda) {
    return run(BackendTag<Backend::cuda>{});
  } else {
    throw_built_without_cuda(primitive);
  }
}

}  // namespace franca

// Runs the primitive template `primitive<B>(args...)` for the backend of `device`.
#define FRANCA_DISPATCH(device, primitive, ...)                                                     \
  ::franca::dispatch_backend((device), #primitive, [&](auto franca_backend_tag) -> decltype(auto) { \
    return primitive<decltype(franca_backend_tag)::value>(__VA_ARGS__);                             \
  })
