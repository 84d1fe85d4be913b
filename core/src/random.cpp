// Random tensors from Philox4x32-10: uniform, normal, bernoulli, randint, randperm.
#include "liandan/core/random.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <type_traits>
#include <utility>

#include "liandan/core/parallel.hpp"

namespace liandan::core {

// Note [Random streams]
// A generator is (seed, offset); key = (seed low 32, seed high 32) and block b has counter
// (b low 32, b high 32, 0, 0). A draw of n elements that takes k elements from each 128-bit
// block reserves blocks [offset, offset + ceil(n / k)) and element i reads block
// offset + i / k. So every element is a pure function of (seed, offset, i): filling blocks in
// parallel gives the same tensor for any thread count, and consecutive draws never overlap.
//   k = 4 (one 32-bit word each): f32 uniform (24-bit mantissa), f32 normal (Box–Muller on
//         words 0,1 and 2,3), bernoulli (any dtype), randint with high - low <= 2^32;
//   k = 2 (two words each): f64 uniform (53-bit mantissa), f64 normal (Box–Muller on the
//         two 53-bit uniforms of a block), randint with high - low > 2^32.
// randperm is sequential (Fisher–Yates) and reads its words in order, four per block.

namespace {

constexpr std::uint32_t kM0 = 0xD2511F53, kM1 = 0xCD9E8D57;  // round multipliers
constexpr std::uint32_t kW0 = 0x9E3779B9, kW1 = 0xBB67AE85;  // Weyl key increments

__extension__ typedef unsigned __int128 u128;

std::array<std::uint32_t, 2> key_of(const Generator& gen) {
  return {static_cast<std::uint32_t>(gen.seed()), static_cast<std::uint32_t>(gen.seed() >> 32)};
}

std::array<std::uint32_t, 4> block(std::uint64_t b, std::array<std::uint32_t, 2> key) {
  return philox4x32({static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(b >> 32), 0, 0},
                    key);
}

std::uint64_t word64(std::uint32_t hi, std::uint32_t lo) { return (std::uint64_t{hi} << 32) | lo; }

// Uniform in [0, 1): the top 24 (float) or 53 (double) bits over 2^24 or 2^53, exact in T.
float unit_f32(std::uint32_t w) { return static_cast<float>(w >> 8) * 0x1p-24f; }
double unit_f64(std::uint64_t w) { return static_cast<double>(w >> 11) * 0x1p-53; }

// Fills out[0, n) with k elements per block: put(r, j, out + i) writes element i = b * k + j
// from the block r; the last block may be partial. cost is per block, for parallel_for.
template <typename T, typename Put>
void fill_blocks(T* out, std::int64_t n, int k, std::int64_t cost, Generator& gen, Put put) {
  const auto blocks = static_cast<std::uint64_t>((n + k - 1) / k);
  const std::uint64_t first = gen.advance(blocks);
  const auto key = key_of(gen);
  auto fill = [&](std::int64_t b0, std::int64_t b1) {
    for (std::int64_t b = b0; b < b1; ++b) {
      const auto r = block(first + static_cast<std::uint64_t>(b), key);
      for (int j = 0; j < k && b * k + j < n; ++j) put(r, j, out + b * k + j);
    }
  };
  parallel_for(static_cast<std::int64_t>(blocks), cost, fill);
}

// Sequential reader of the word stream for randperm: word t is word t % 4 of block first + t / 4.
class WordStream {
 public:
  WordStream(std::uint64_t first, std::array<std::uint32_t, 2> key) : next_(first), key_(key) {}
  std::uint32_t next() {
    if (used_ == 4) r_ = block(next_++, key_), used_ = 0;
    return r_[used_++];
  }

 private:
  std::uint64_t next_;
  std::array<std::uint32_t, 2> key_;
  std::array<std::uint32_t, 4> r_{};
  int used_ = 4;
};

// Note [Bounded integers]: an integer in [0, span) is (w * span) >> bits for a uniform w of
// 32 bits (span <= 2^32) or 64 bits (larger spans), Lemire's multiply-shift without the
// rejection step. It is branch-free and uses a fixed number of words per element, which the
// counter layout needs; the price is a bias: some values are hit once more than others out of
// 2^bits / span, a relative bias below span / 2^bits (< 2.4e-4 for span = 1e6 on 32 bits).
std::uint64_t bounded32(std::uint32_t w, std::uint64_t span) { return (w * span) >> 32; }
std::uint64_t bounded64(std::uint64_t w, std::uint64_t span) {
  return static_cast<std::uint64_t>((static_cast<u128>(w) * span) >> 64);
}

}  // namespace

std::array<std::uint32_t, 4> philox4x32(std::array<std::uint32_t, 4> ctr,
                                        std::array<std::uint32_t, 2> key) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) key[0] += kW0, key[1] += kW1;
    const std::uint64_t p0 = std::uint64_t{kM0} * ctr[0], p1 = std::uint64_t{kM1} * ctr[2];
    const auto hi0 = static_cast<std::uint32_t>(p0 >> 32), lo0 = static_cast<std::uint32_t>(p0);
    const auto hi1 = static_cast<std::uint32_t>(p1 >> 32), lo1 = static_cast<std::uint32_t>(p1);
    ctr = {hi1 ^ ctr[1] ^ key[0], lo1, hi0 ^ ctr[3] ^ key[1], lo0};
  }
  return ctr;
}

// Not thread-safe: drawing from one generator on several threads at once is a race.
Generator& default_generator() {
  static Generator gen;
  return gen;
}

void manual_seed(std::uint64_t seed) { default_generator().set_state(seed, 0); }

Tensor uniform(const Shape& shape, double low, double high, DType dtype, Generator& gen) {
  check(std::isfinite(low) && std::isfinite(high) && std::isfinite(high - low) && low < high,
        "uniform: need finite low < high, got low = {}, high = {}", low, high);
  return dispatch_floating(dtype, "uniform", [&]<typename T>() {
    // Values lie in [T(low), T(high)): low + (high - low) u can round up to high, so the top is
    // clamped to the largest T below high.
    const T lo = static_cast<T>(low), hi = static_cast<T>(high);
    check(lo < hi, "uniform: low = {} and high = {} are equal in {}", low, high, dtype);
    const T top = std::nextafter(hi, lo);
    const double range = static_cast<double>(hi) - static_cast<double>(lo);
    auto scale = [=](double u) {
      return std::min(static_cast<T>(static_cast<double>(lo) + range * u), top);
    };
    Tensor out = Tensor::empty(shape, dtype);
    if constexpr (std::is_same_v<T, float>) {
      fill_blocks(out.data<T>(), out.numel(), 4, 16, gen,
                  [&](const auto& r, int j, T* o) { *o = scale(unit_f32(r[j])); });
    } else {
      fill_blocks(out.data<T>(), out.numel(), 2, 16, gen, [&](const auto& r, int j, T* o) {
        *o = scale(unit_f64(word64(r[2 * j], r[2 * j + 1])));
      });
    }
    return out;
  });
}

Tensor normal(const Shape& shape, double mean, double std, DType dtype, Generator& gen) {
  check(std::isfinite(mean) && std::isfinite(std) && std >= 0,
        "normal: need finite mean and std >= 0, got mean = {}, std = {}", mean, std);
  return dispatch_floating(dtype, "normal", [&]<typename T>() {
    // Box–Muller: u1 in (0, 1] keeps log finite, so |z| <= sqrt(-2 log 2^-24) = 5.8 (f32) or
    // sqrt(-2 log 2^-53) = 8.6 (f64). Element j of a block takes cos (j even) or sin (j odd).
    const T m = static_cast<T>(mean), s = static_cast<T>(std);
    constexpr T two_pi = 2 * std::numbers::pi_v<T>;
    auto box_muller = [=](T u1, T u2, int j) {
      const T radius = std::sqrt(T(-2) * std::log(u1)), theta = two_pi * u2;
      return m + s * radius * (j % 2 == 0 ? std::cos(theta) : std::sin(theta));
    };
    Tensor out = Tensor::empty(shape, dtype);
    if constexpr (std::is_same_v<T, float>) {
      fill_blocks(out.data<T>(), out.numel(), 4, 64, gen, [&](const auto& r, int j, T* o) {
        const int pair = j & ~1;  // words (0, 1) feed elements 0, 1; words (2, 3) feed 2, 3
        *o = box_muller(1 - unit_f32(r[pair]), unit_f32(r[pair + 1]), j);
      });
    } else {
      fill_blocks(out.data<T>(), out.numel(), 2, 64, gen, [&](const auto& r, int j, T* o) {
        *o = box_muller(1 - unit_f64(word64(r[0], r[1])), unit_f64(word64(r[2], r[3])), j);
      });
    }
    return out;
  });
}

Tensor bernoulli(const Shape& shape, double p, DType dtype, Generator& gen) {
  check(p >= 0 && p <= 1, "bernoulli: p must lie in [0, 1], got {}", p);
  return dispatch_floating(dtype, "bernoulli", [&]<typename T>() {
    // u = w / 2^32 is exact in double; p = 0 never fires, p = 1 always does.
    Tensor out = Tensor::empty(shape, dtype);
    fill_blocks(out.data<T>(), out.numel(), 4, 8, gen, [&](const auto& r, int j, T* o) {
      *o = static_cast<double>(r[j]) * 0x1p-32 < p ? T(1) : T(0);
    });
    return out;
  });
}

Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, Generator& gen) {
  check(low < high, "randint: need low < high, got low = {}, high = {}", low, high);
  // Modular arithmetic on uint64 covers the full int64 range without signed overflow.
  const std::uint64_t base = static_cast<std::uint64_t>(low);
  const std::uint64_t span = static_cast<std::uint64_t>(high) - base;
  Tensor out = Tensor::empty(shape, DType::i64);
  auto* o = out.data<std::int64_t>();
  if (span <= (std::uint64_t{1} << 32)) {
    fill_blocks(o, out.numel(), 4, 8, gen, [&](const auto& r, int j, std::int64_t* e) {
      *e = static_cast<std::int64_t>(base + bounded32(r[j], span));
    });
  } else {
    fill_blocks(o, out.numel(), 2, 8, gen, [&](const auto& r, int j, std::int64_t* e) {
      *e = static_cast<std::int64_t>(base + bounded64(word64(r[2 * j], r[2 * j + 1]), span));
    });
  }
  return out;
}

Tensor randperm(std::int64_t n, Generator& gen) {
  check(n >= 0, "randperm: n must be >= 0, got {}", n);
  Tensor out = Tensor::arange(0, static_cast<double>(n), 1, DType::i64);
  if (n < 2) return out;
  // Fisher–Yates: for i = n-1 .. 1 swap p[i] with p[j], j uniform in [0, i]; one 32-bit word
  // per swap (two beyond 2^32 elements), see Note [Bounded integers].
  const bool wide = static_cast<std::uint64_t>(n) > (std::uint64_t{1} << 32);
  const std::uint64_t words = static_cast<std::uint64_t>(n - 1) * (wide ? 2 : 1);
  WordStream stream(gen.advance((words + 3) / 4), key_of(gen));
  std::int64_t* p = out.data<std::int64_t>();
  for (std::int64_t i = n - 1; i > 0; --i) {
    const auto span = static_cast<std::uint64_t>(i) + 1;
    std::uint64_t j;
    if (wide) {
      const std::uint32_t hi = stream.next();
      j = bounded64(word64(hi, stream.next()), span);
    } else {
      j = bounded32(stream.next(), span);
    }
    std::swap(p[i], p[j]);
  }
  return out;
}

}  // namespace liandan::core
