#include "core/no_cuda.hpp"
#include "linear_model/logistic.hpp"

namespace franca {
double logistic_loss_gradient_cuda(const Context&, const LogisticData&, const std::vector<double>&,
                                   std::vector<double>&) {
  throw_built_without_cuda("logistic_loss_gradient");
}
void logistic_link_cuda(const Context&, const Array&, logistic::Link, logistic::Output, const Array&, const Array&) {
  throw_built_without_cuda("logistic_link");
}
}  // namespace franca
