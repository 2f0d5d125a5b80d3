// CPU parallel loops. Every parallel region uses the context's thread count.
#pragma once

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <vector>

#include "core/context.hpp"

namespace franca {

// Calls body(begin, end) over [0, n) in contiguous chunks of at least `grain`, on up to
// ctx.threads() threads. An exception thrown by a chunk is rethrown here (OpenMP must not
// see it escape).
template <class Body>
void parallel_for(const Context& ctx, std::int64_t n, std::int64_t grain, Body&& body) {
  if (n <= 0) return;
  const std::int64_t max_chunks = std::max<std::int64_t>(1, n / std::max<std::int64_t>(grain, 1));
  const int n_threads = static_cast<int>(std::min<std::int64_t>(ctx.threads(), max_chunks));
  if (n_threads <= 1) {
    body(std::int64_t{0}, n);
    return;
  }
  std::exception_ptr error;
#pragma omp parallel num_threads(n_threads)
  {
    const std::int64_t t = omp_get_thread_num();
    const std::int64_t begin = n * t / n_threads;
    const std::int64_t end = n * (t + 1) / n_threads;
    try {
      body(begin, end);
    } catch (...) {
#pragma omp critical(franca_parallel_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

// Runs body(begin, end, accumulator) over chunks of [0, n) as parallel_for does, each chunk with
// its own copy of `init`; returns the accumulators for the caller to combine.
template <class Acc, class Body>
std::vector<Acc> parallel_accumulate(const Context& ctx, std::int64_t n, std::int64_t grain, const Acc& init,
                                     Body&& body) {
  std::vector<Acc> partial(static_cast<std::size_t>(std::max(ctx.threads(), 1)), init);
  std::atomic<std::size_t> next{0};
  parallel_for(ctx, n, grain,
               [&](std::int64_t begin, std::int64_t end) { body(begin, end, partial[next.fetch_add(1)]); });
  partial.resize(std::max<std::size_t>(next.load(), 1));
  return partial;
}

// The elementwise sum of the per-chunk vectors parallel_accumulate returns.
inline std::vector<double> sum_partials(const std::vector<std::vector<double>>& partial) {
  std::vector<double> total(partial.front().size(), 0.0);
  for (const auto& p : partial)
    for (std::size_t k = 0; k < total.size(); ++k) total[k] += p[k];
  return total;
}

}  // namespace franca
