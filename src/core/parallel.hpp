// CPU parallel loops. Every parallel region uses the context's thread count.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <vector>

#include "core/context.hpp"

namespace franca {

// The grain of a loop over rows of `values_per_row` values each: below about 64k values, waking
// a second thread costs more than it saves.
inline std::int64_t row_grain(std::int64_t values_per_row) {
  return std::max<std::int64_t>(16, (1 << 16) / std::max<std::int64_t>(values_per_row, 1));
}

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

namespace detail {

// The bytes one accumulator holds, to bound the memory of all the partial results together.
template <class Acc>
std::int64_t accumulator_bytes(const Acc&) {
  return static_cast<std::int64_t>(sizeof(Acc));
}
template <class T, class A>
std::int64_t accumulator_bytes(const std::vector<T, A>& v) {
  return static_cast<std::int64_t>(sizeof(v) + v.size() * sizeof(T));
}

// The number of chunks parallel_accumulate splits [0, n) into: at least `grain` items each, at
// most kMaxChunks (enough to keep 64 threads busy), and fewer when the partial results would
// together pass kPartialBudget bytes, though never fewer than kMinChunks. It depends on n, grain
// and the accumulator's size only, never on the thread count, so that results are the same for
// any ctx.threads().
constexpr std::int64_t kMaxChunks = 64;
constexpr std::int64_t kMinChunks = 16;
constexpr std::int64_t kPartialBudget = std::int64_t{64} << 20;

inline std::int64_t accumulate_chunks(std::int64_t n, std::int64_t grain, std::int64_t acc_bytes) {
  const std::int64_t by_memory =
      std::clamp<std::int64_t>(kPartialBudget / std::max<std::int64_t>(acc_bytes, 1), kMinChunks, kMaxChunks);
  return std::clamp<std::int64_t>(n / std::max<std::int64_t>(grain, 1), 1, by_memory);
}

}  // namespace detail

// Runs body(begin, end, accumulator) over a fixed split of [0, n) into contiguous chunks of at
// least `grain` items, each chunk with its own copy of `init`, on up to ctx.threads() threads.
// Returns the accumulators in chunk order (at least one): the split depends only on n, grain and
// the size of `init`, so combining them in the order returned (as sum_partials does) gives
// bit-identical floating-point results run to run and for any thread count.
template <class Acc, class Body>
std::vector<Acc> parallel_accumulate(const Context& ctx, std::int64_t n, std::int64_t grain, const Acc& init,
                                     Body&& body) {
  if (n <= 0) return std::vector<Acc>(1, init);
  const std::int64_t chunks = detail::accumulate_chunks(n, grain, detail::accumulator_bytes(init));
  std::vector<Acc> partial(static_cast<std::size_t>(chunks), init);
  // Chunk c is [n c / chunks, n (c + 1) / chunks); threads take whole chunks, never split one.
  parallel_for(ctx, chunks, 1, [&](std::int64_t c0, std::int64_t c1) {
    for (std::int64_t c = c0; c < c1; ++c)
      body(n * c / chunks, n * (c + 1) / chunks, partial[static_cast<std::size_t>(c)]);
  });
  return partial;
}

// The elementwise sum of the per-chunk vectors parallel_accumulate returns, added in chunk order.
inline std::vector<double> sum_partials(const std::vector<std::vector<double>>& partial) {
  std::vector<double> total(partial.front().size(), 0.0);
  for (const auto& p : partial)
    for (std::size_t k = 0; k < total.size(); ++k) total[k] += p[k];
  return total;
}

}  // namespace franca
