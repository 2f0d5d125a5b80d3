// One pass over an array that finds what input validation needs to know.
#pragma once

#include "core/array.hpp"
#include "core/context.hpp"

namespace franca {

struct ValueScan {
  bool has_nan = false;
  bool has_inf = false;
  bool has_negative = false;
};

// `a`: 1-D or 2-D of any numeric dtype, on the host or a CUDA device, any strides.
ValueScan scan_values_cpu(const Context& ctx, const Array& a);
ValueScan scan_values_cuda(const Context& ctx, const Array& a);

inline ValueScan scan_values(const Context& ctx, const Array& a) {
  return a.device.is_cpu() ? scan_values_cpu(ctx, a) : scan_values_cuda(ctx, a);
}

}  // namespace franca
