#include "core/no_cuda.hpp"
#include "primitives/checks.hpp"

namespace franca {
ValueScan scan_values_cuda(const Context&, const Array&) { throw_built_without_cuda("scan_values"); }
}  // namespace franca
