// Counter-based RNG: Philox4x32-10 (Salmon et al., SC'11). Element i of a draw depends only on
// (seed, offset, i), so results are identical for any thread count and any chunking; the block
// layout of each draw is in Note [Random streams] (random.cpp).
#pragma once

#include <array>
#include <cstdint>

#include "liandan/core/tensor.hpp"

namespace liandan::core {

// One Philox block: 4 x 32-bit outputs for a 128-bit counter and 64-bit key.
std::array<std::uint32_t, 4> philox4x32(std::array<std::uint32_t, 4> counter,
                                        std::array<std::uint32_t, 2> key);

class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0) : seed_(seed) {}
  std::uint64_t seed() const { return seed_; }
  // Number of 128-bit Philox blocks consumed so far; state is (seed, offset).
  std::uint64_t offset() const { return offset_; }
  void set_state(std::uint64_t seed, std::uint64_t offset) { seed_ = seed, offset_ = offset; }
  // Reserves n blocks and returns the first block's counter.
  std::uint64_t advance(std::uint64_t blocks) {
    const std::uint64_t first = offset_;
    offset_ += blocks;
    return first;
  }

 private:
  std::uint64_t seed_;
  std::uint64_t offset_ = 0;
};

// The process-wide generator used when none is passed (torch.manual_seed's counterpart).
Generator& default_generator();
void manual_seed(std::uint64_t seed);

// Floating draws (f32 or f64). uniform lies in [low, high) as rounded to dtype; bernoulli gives
// 1 with probability p, else 0. The default generator is not thread-safe.
Tensor uniform(const Shape& shape, double low = 0, double high = 1, DType dtype = DType::f32,
               Generator& gen = default_generator());
Tensor normal(const Shape& shape, double mean = 0, double std = 1, DType dtype = DType::f32,
              Generator& gen = default_generator());
Tensor bernoulli(const Shape& shape, double p, DType dtype = DType::f32,
                 Generator& gen = default_generator());
// Integers uniform in [low, high), i64 (bias below (high - low) / 2^32, Note [Bounded integers]).
Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape,
               Generator& gen = default_generator());
// A random permutation of 0..n-1, i64 (sequential Fisher–Yates).
Tensor randperm(std::int64_t n, Generator& gen = default_generator());

}  // namespace liandan::core
