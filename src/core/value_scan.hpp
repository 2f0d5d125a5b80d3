// One pass over an array that finds what input validation needs to know: a core service (the
// estimator base class checks every input with it), not an algorithm's primitive.
#pragma once

#include "core/array.hpp"
#include "core/context.hpp"
#include "core/dispatch.hpp"

namespace franca {

struct ValueScan {
  bool has_nan = false;
  bool has_inf = false;
  bool has_negative = false;
  bool has_nonzero = false;  // a value other than 0 (NaN counts): an all-zero sample_weight is refused
};

// `a`: 1-D or 2-D of any numeric dtype, on the backend's device, any strides. Call with
// FRANCA_DISPATCH(a.device, scan_values, ctx, a).
template <Backend B>
ValueScan scan_values(const Context& ctx, const Array& a);

}  // namespace franca
