// The data-side work of logistic regression: one evaluation of the loss and its gradient over
// the whole data set (for the host-side optimizer), and the prediction links. Both dispatch on
// the data's device; the per-row maths is logistic_ops.hpp.
#pragma once

#include <vector>

#include "core/array.hpp"
#include "core/context.hpp"
#include "core/matrix.hpp"
#include "linear_model/logistic_ops.hpp"

namespace franca {

// A fit's data, prepared once.
struct LogisticData {
  Matrix X;                   // dense or CSR, float32 or float64; CSR parts contiguous
  Array labels;               // int32, rows, on X's device: {0, 1} (binomial) or class codes
  Array weights;              // float64, rows, on X's device: sample_weight times class weight
  std::int64_t n_scores = 1;  // 1: binomial (one coefficient vector); K: multinomial
  bool fit_intercept = true;
};

// The weighted data loss sum_i w_i loss_i at `coef` and its gradient. coef and grad: float64
// host vectors of n_scores * d coefficients (row-major, one row per score) followed, when
// fit_intercept, by n_scores intercepts. The CPU reads X once per call (scores, loss and gradient
// fused per row block); CUDA runs GEMM/SpMM, a loss kernel, and a transposed GEMM/SpMM.
double logistic_loss_gradient(const Context& ctx, const LogisticData& data, const std::vector<double>& coef,
                              std::vector<double>& grad);
double logistic_loss_gradient_cpu(const Context&, const LogisticData&, const std::vector<double>&,
                                  std::vector<double>&);
double logistic_loss_gradient_cuda(const Context&, const LogisticData&, const std::vector<double>&,
                                   std::vector<double>&);

// out = the link of scores Z (rows x k_scores, contiguous, float32/float64) row by row: labels
// (out: rows, float64) or (log-)probabilities (out: rows x n_classes, Z's dtype). classes: float64
// n_classes on Z's device. Everything on Z's device.
void logistic_link(const Context& ctx, const Array& Z, logistic::Link link, logistic::Output output,
                   const Array& classes, const Array& out);
void logistic_link_cpu(const Context&, const Array&, logistic::Link, logistic::Output, const Array&, const Array&);
void logistic_link_cuda(const Context&, const Array&, logistic::Link, logistic::Output, const Array&, const Array&);

inline double logistic_loss_gradient(const Context& ctx, const LogisticData& data, const std::vector<double>& coef,
                                     std::vector<double>& grad) {
  return data.X.device().is_cpu() ? logistic_loss_gradient_cpu(ctx, data, coef, grad)
                                  : logistic_loss_gradient_cuda(ctx, data, coef, grad);
}
inline void logistic_link(const Context& ctx, const Array& Z, logistic::Link link, logistic::Output output,
                          const Array& classes, const Array& out) {
  Z.device.is_cpu() ? logistic_link_cpu(ctx, Z, link, output, classes, out)
                    : logistic_link_cuda(ctx, Z, link, output, classes, out);
}

}  // namespace franca
