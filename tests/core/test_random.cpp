// core random: Philox known answers, determinism across seeds and thread counts, statistics of
// each distribution, and error messages.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

#include "liandan/core/core.hpp"

using namespace liandan;
using core::Generator;
using core::Tensor;

namespace {

template <typename T>
double mean_of(const std::vector<T>& v) {
  double s = 0;
  for (T x : v) s += static_cast<double>(x);
  return s / static_cast<double>(v.size());
}

template <typename T>
double var_of(const std::vector<T>& v) {
  const double m = mean_of(v);
  double s = 0;
  for (T x : v) s += (static_cast<double>(x) - m) * (static_cast<double>(x) - m);
  return s / static_cast<double>(v.size());
}

// Bit-identical comparison, so -0.0 vs 0.0 or NaNs would not hide a difference.
template <typename T>
bool same_bits(const Tensor& a, const Tensor& b) {
  const auto x = a.to_vector<T>(), y = b.to_vector<T>();
  return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(T)) == 0;
}

}  // namespace

TEST_CASE("philox4x32: Random123 known-answer vectors (kat_vectors, philox4x32_10)") {
  using A4 = std::array<std::uint32_t, 4>;
  CHECK(core::philox4x32({0, 0, 0, 0}, {0, 0}) ==
        A4{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8});
  CHECK(core::philox4x32({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
                         {0xffffffff, 0xffffffff}) ==
        A4{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd});
  CHECK(core::philox4x32({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                         {0xa4093822, 0x299f31d0}) ==
        A4{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1});
}

TEST_CASE("Generator: draws advance the offset by blocks of the stream layout") {
  Generator gen(7);
  CHECK(gen.offset() == 0);
  core::uniform({10}, 0, 1, DType::f32, gen);  // 4 per block
  CHECK(gen.offset() == 3);
  core::uniform({10}, 0, 1, DType::f64, gen);  // 2 per block
  CHECK(gen.offset() == 8);
  core::normal({3}, 0, 1, DType::f32, gen);
  CHECK(gen.offset() == 9);
  core::randint(0, 10, {5}, gen);
  CHECK(gen.offset() == 11);
  core::randint(0, std::int64_t{1} << 40, {5}, gen);  // 64-bit words: 2 per block
  CHECK(gen.offset() == 14);
  core::randperm(9, gen);  // 8 swaps, one word each
  CHECK(gen.offset() == 16);
  core::uniform({0}, 0, 1, DType::f32, gen);
  CHECK(gen.offset() == 16);
}

TEST_CASE("uniform: element i reads block offset + i / 4 of Philox(key = seed)") {
  const std::uint64_t seed = 0x0123456789abcdefULL;
  Generator gen(seed);
  gen.set_state(seed, 5);
  const auto v = core::uniform({6}, 0, 1, DType::f32, gen).to_vector<float>();
  const std::array<std::uint32_t, 2> key{0x89abcdef, 0x01234567};
  const auto b5 = core::philox4x32({5, 0, 0, 0}, key), b6 = core::philox4x32({6, 0, 0, 0}, key);
  CHECK(v[0] == static_cast<float>(b5[0] >> 8) * 0x1p-24f);
  CHECK(v[3] == static_cast<float>(b5[3] >> 8) * 0x1p-24f);
  CHECK(v[5] == static_cast<float>(b6[1] >> 8) * 0x1p-24f);
}

TEST_CASE("uniform, normal, bernoulli, randint, randperm: same seed gives identical tensors") {
  auto draw_all = [](std::uint64_t seed) {
    Generator gen(seed);
    return std::vector<Tensor>{core::uniform({1000}, -2, 3, DType::f32, gen),
                               core::uniform({1000}, -2, 3, DType::f64, gen),
                               core::normal({1001}, 1, 2, DType::f32, gen),
                               core::normal({1001}, 1, 2, DType::f64, gen),
                               core::bernoulli({1000}, 0.3, DType::f32, gen),
                               core::randint(-5, 17, {1000}, gen),
                               core::randperm(1000, gen)};
  };
  const auto a = draw_all(42), b = draw_all(42), c = draw_all(43);
  CHECK(same_bits<float>(a[0], b[0]));
  CHECK(same_bits<double>(a[1], b[1]));
  CHECK(same_bits<float>(a[2], b[2]));
  CHECK(same_bits<double>(a[3], b[3]));
  CHECK(same_bits<float>(a[4], b[4]));
  CHECK(same_bits<std::int64_t>(a[5], b[5]));
  CHECK(same_bits<std::int64_t>(a[6], b[6]));
  CHECK_FALSE(same_bits<float>(a[0], c[0]));
  CHECK_FALSE(same_bits<double>(a[3], c[3]));
  CHECK_FALSE(same_bits<std::int64_t>(a[6], c[6]));
}

TEST_CASE("uniform, normal, bernoulli, randint: results do not depend on the thread count") {
  const int saved = core::num_threads();
  auto draw_all = [](int threads) {
    core::set_num_threads(threads);
    Generator gen(2024);
    return std::vector<Tensor>{core::uniform({300001}, 0, 1, DType::f32, gen),
                               core::uniform({300001}, 0, 1, DType::f64, gen),
                               core::normal({300001}, 0, 1, DType::f32, gen),
                               core::normal({300001}, 0, 1, DType::f64, gen),
                               core::bernoulli({300001}, 0.5, DType::f64, gen),
                               core::randint(0, 1000, {300001}, gen)};
  };
  const auto one = draw_all(1), two = draw_all(2), three = draw_all(3);
  core::set_num_threads(saved);
  for (const auto& other : {two, three}) {
    CHECK(same_bits<float>(one[0], other[0]));
    CHECK(same_bits<double>(one[1], other[1]));
    CHECK(same_bits<float>(one[2], other[2]));
    CHECK(same_bits<double>(one[3], other[3]));
    CHECK(same_bits<double>(one[4], other[4]));
    CHECK(same_bits<std::int64_t>(one[5], other[5]));
  }
}

TEST_CASE("manual_seed, default_generator: reset the process-wide stream") {
  core::manual_seed(123);
  CHECK(core::default_generator().seed() == 123);
  CHECK(core::default_generator().offset() == 0);
  const Tensor a = core::uniform({64});
  const Tensor b = core::uniform({64});
  CHECK(core::default_generator().offset() == 32);
  CHECK_FALSE(same_bits<float>(a, b));  // consecutive draws differ
  core::manual_seed(123);
  CHECK(same_bits<float>(core::uniform({64}), a));
}

TEST_CASE("uniform: range [low, high), mean and variance") {
  Generator gen(1);
  for (DType dt : {DType::f32, DType::f64}) {
    const auto v = core::uniform({1000000}, -1, 3, dt, gen).to(DType::f64).to_vector<double>();
    CHECK(*std::min_element(v.begin(), v.end()) >= -1);
    CHECK(*std::max_element(v.begin(), v.end()) < 3);
    CHECK(mean_of(v) == doctest::Approx(1).epsilon(0.01));
    CHECK(var_of(v) == doctest::Approx(16.0 / 12).epsilon(0.01));
  }
  // The top is excluded even when low + (high - low) u rounds up to high.
  const auto t = core::uniform({100000}, 1, 1 + 1e-6, DType::f32, gen).to_vector<float>();
  CHECK(*std::max_element(t.begin(), t.end()) < static_cast<float>(1 + 1e-6));
}

TEST_CASE("normal: mean, std and symmetric tails") {
  Generator gen(2);
  for (DType dt : {DType::f32, DType::f64}) {
    const auto v = core::normal({1000000}, 2, 3, dt, gen).to(DType::f64).to_vector<double>();
    CHECK(mean_of(v) == doctest::Approx(2).epsilon(0.01));
    CHECK(std::sqrt(var_of(v)) == doctest::Approx(3).epsilon(0.01));
    const auto beyond = std::count_if(v.begin(), v.end(), [](double x) { return x > 2 + 3 * 2; });
    CHECK(static_cast<double>(beyond) / 1e6 == doctest::Approx(0.02275).epsilon(0.1));
    CHECK(std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); }));
  }
  CHECK(core::normal({5}, 4, 0, DType::f32, gen).to_vector<float>() == std::vector<float>(5, 4.0f));
}

TEST_CASE("bernoulli: rate p, values 0 and 1, p = 0 and p = 1") {
  Generator gen(3);
  const auto v = core::bernoulli({1000000}, 0.3, DType::f32, gen).to_vector<float>();
  CHECK(std::all_of(v.begin(), v.end(), [](float x) { return x == 0 || x == 1; }));
  CHECK(mean_of(v) == doctest::Approx(0.3).epsilon(0.01));
  CHECK(mean_of(core::bernoulli({1000}, 0, DType::f64, gen).to_vector<double>()) == 0);
  CHECK(mean_of(core::bernoulli({1000}, 1, DType::f64, gen).to_vector<double>()) == 1);
}

TEST_CASE("randint: range and rough uniformity, narrow and wide spans") {
  Generator gen(4);
  const auto v = core::randint(-3, 7, {1000000}, gen).to_vector<std::int64_t>();
  REQUIRE(*std::min_element(v.begin(), v.end()) == -3);
  REQUIRE(*std::max_element(v.begin(), v.end()) == 6);
  std::vector<int> counts(10);
  for (std::int64_t x : v) ++counts[x + 3];
  for (int c : counts) CHECK(c == doctest::Approx(100000).epsilon(0.02));

  // Spans beyond 2^32 take 64 bits per element; the full int64 range does not overflow.
  const std::int64_t big = std::int64_t{1} << 50;
  const auto w = core::randint(-big, big, {100000}, gen).to_vector<std::int64_t>();
  CHECK(*std::min_element(w.begin(), w.end()) >= -big);
  CHECK(*std::max_element(w.begin(), w.end()) < big);
  CHECK(mean_of(w) / static_cast<double>(big) == doctest::Approx(0).epsilon(0.02));
  const auto lim = std::numeric_limits<std::int64_t>::max();
  const auto f = core::randint(-lim - 1, lim, {1000}, gen).to_vector<std::int64_t>();
  CHECK(std::count_if(f.begin(), f.end(), [](std::int64_t x) { return x < 0; }) > 400);
  CHECK(core::randint(5, 6, {10}, gen).to_vector<std::int64_t>() ==
        std::vector<std::int64_t>(10, 5));
}

TEST_CASE("randperm: a permutation, and each position roughly uniform") {
  Generator gen(5);
  auto p = core::randperm(100000, gen).to_vector<std::int64_t>();
  const auto first = p;
  std::sort(p.begin(), p.end());
  std::vector<std::int64_t> iota(100000);
  std::iota(iota.begin(), iota.end(), 0);
  CHECK(p == iota);
  CHECK(first != p);
  CHECK(core::randperm(0, gen).numel() == 0);
  CHECK(core::randperm(1, gen).to_vector<std::int64_t>() == std::vector<std::int64_t>{0});

  // Where element 0 lands over many permutations of 4 elements: each position about 1/4.
  std::vector<int> where(4);
  for (int t = 0; t < 20000; ++t) {
    const auto q = core::randperm(4, gen).to_vector<std::int64_t>();
    ++where[std::find(q.begin(), q.end(), 0) - q.begin()];
  }
  for (int c : where) CHECK(c == doctest::Approx(5000).epsilon(0.05));
}

TEST_CASE("uniform, normal, bernoulli, randint, randperm: errors name the op and values") {
  using doctest::Contains;
  CHECK_THROWS_WITH_AS(core::uniform({2}, 1, 1),
                       Contains("uniform: need finite low < high, got low = 1, high = 1"), Error);
  CHECK_THROWS_WITH_AS(core::uniform({2}, 0, INFINITY), Contains("uniform"), Error);
  CHECK_THROWS_WITH_AS(core::uniform({2}, 0, 1, DType::i64),
                       Contains("uniform: expected a floating dtype"), Error);
  CHECK_THROWS_WITH_AS(core::uniform({2}, 1, 1 + 1e-12, DType::f32), Contains("are equal in f32"),
                       Error);
  CHECK_THROWS_WITH_AS(core::normal({2}, 0, -1),
                       Contains("normal: need finite mean and std >= 0, got mean = 0, std = -1"),
                       Error);
  CHECK_THROWS_WITH_AS(core::normal({2}, 0, 1, DType::b8),
                       Contains("normal: expected a floating dtype"), Error);
  CHECK_THROWS_WITH_AS(core::bernoulli({2}, 1.5),
                       Contains("bernoulli: p must lie in [0, 1], got 1.5"), Error);
  CHECK_THROWS_WITH_AS(core::bernoulli({2}, NAN), Contains("bernoulli: p must lie in [0, 1]"),
                       Error);
  CHECK_THROWS_WITH_AS(core::randint(3, 3, {2}),
                       Contains("randint: need low < high, got low = 3, high = 3"), Error);
  CHECK_THROWS_WITH_AS(core::randperm(-1), Contains("randperm: n must be >= 0, got -1"), Error);
}
