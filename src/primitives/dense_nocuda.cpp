#include "core/no_cuda.hpp"
#include "primitives/dense.hpp"

namespace franca {
ColumnMoments column_moments_cuda(const Context&, const Array&, const Array*, bool) {
  throw_built_without_cuda("column_moments");
}
CrossProducts centered_cross_products_cuda(const Context&, const Array&, const Array&, const Array*,
                                           const std::vector<double>&, const std::vector<double>&) {
  throw_built_without_cuda("centered_cross_products");
}
void linear_predict_cuda(const Context&, const Array&, const Array&, const Array&, const Array&) {
  throw_built_without_cuda("linear_predict");
}
void scale_columns_cuda(const Context&, const Array&, const Array&, const Array&, bool, const Array&) {
  throw_built_without_cuda("scale_columns");
}
}  // namespace franca
