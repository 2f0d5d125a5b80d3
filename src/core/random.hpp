// Random numbers that are the same on every device and thread count: a counter-based generator
// (a SplitMix64 finaliser over seed, stream and counter), so that draw k of stream s is a pure
// function that a CPU loop and a CUDA kernel compute alike, in any order. What the forest's
// bootstrap and feature sampling and random coordinate descent need: reproducible results for
// a seed, whatever runs them.
#pragma once

#include <cstdint>
#include <optional>

#include "core/context.hpp"
#include "core/matrix_ref.hpp"

namespace franca {

// The seed of a fit: the estimator's random_state when it has one, else the context's seed
// (franca_context_set_seed; 0 by default), so that random_state=None is reproducible too.
inline std::uint64_t seed_for(const Context& ctx, const std::optional<std::int64_t>& random_state) {
  return random_state ? static_cast<std::uint64_t>(*random_state) : ctx.seed();
}

class CounterRandom {
 public:
  FRANCA_HD explicit CounterRandom(std::uint64_t seed, std::uint64_t stream = 0)
      : key_(mix(seed ^ mix(stream + 0x632be59bd9b4e019ull))) {}

  // 64 random bits: draw `counter` of this stream.
  FRANCA_HD std::uint64_t bits(std::uint64_t counter) const { return mix(key_ + counter * 0x9e3779b97f4a7c15ull); }
  // Uniform in [0, 1), 53 bits.
  FRANCA_HD double uniform(std::uint64_t counter) const {
    return static_cast<double>(bits(counter) >> 11) * (1.0 / 9007199254740992.0);
  }
  // Uniform integer in [0, n), n > 0, by Lemire's multiply-shift (bias below 2^-64 * n).
  FRANCA_HD std::uint64_t below(std::uint64_t counter, std::uint64_t n) const {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(bits(counter)) * n) >> 64);
  }

 private:
  // SplitMix64's finaliser: a bijection of 64-bit words with full avalanche.
  FRANCA_HD static std::uint64_t mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

  std::uint64_t key_;
};

}  // namespace franca
