// The start that warm_start takes from a fitted linear model, shared by every estimator with a
// warm_start parameter.
#pragma once

#include <cstdint>
#include <vector>

#include "core/estimator.hpp"
#include "core/expects.hpp"

namespace franca {

// The fitted coef_ of `model` as float64, `rows` x `d` row-major (a 1-D coef_ is one row);
// throws, naming warm_start, when the previous fit had another shape.
inline std::vector<double> previous_coef(const Context& ctx, const Estimator& model, std::int64_t rows,
                                         std::int64_t d) {
  const Array c = to(ctx, model.attribute("coef_"), Device::cpu(), DType::float64);
  const std::int64_t c_rows = c.ndim() == 1 ? 1 : c.dim(0), c_cols = c.dim(c.ndim() - 1);
  FRANCA_EXPECTS(c_rows == rows && c_cols == d,
                 "warm_start: the previous coef_ has {} row(s) of {} features, expected {} of {}", c_rows, c_cols, rows,
                 d);
  return std::vector<double>(c.ptr<const double>(), c.ptr<const double>() + rows * d);
}

}  // namespace franca
