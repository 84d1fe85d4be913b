// core::causal_dot_product and its backward vs the explicit masked form tril(q k^T) v, for
// chunk sizes that do and do not divide T (and exceed it), both directions, f32 and f64;
// thread-count independence; the backward's memory stays O(T*D + D*M) per sequence.
#include <doctest/doctest.h>

#include "liandan/core/core.hpp"
#include "liandan/core/linear_attention.hpp"
#include "support/fixtures.hpp"

using namespace liandan;
using core::Tensor;
using test::expect_close;

namespace {

Tensor mT(const Tensor& x) { return x.transpose(-1, -2); }

// The T x T masked form: tril(q k^T) v (reverse: triu).
Tensor masked(const Tensor& scores, bool reverse) {
  return reverse ? core::triu(scores) : core::tril(scores);
}
Tensor naive(const Tensor& q, const Tensor& k, const Tensor& v, bool reverse) {
  return core::matmul(masked(core::matmul(q, mT(k)), reverse), v);
}

// Gradients of out = M(q k^T) v with upstream g: dA = M(g v^T), dq = dA k, dk = dA^T q,
// dv = M(q k^T)^T g.
core::CausalDotProductGrads naive_grads(const Tensor& q, const Tensor& k, const Tensor& v,
                                        const Tensor& g, bool reverse) {
  const Tensor dA = masked(core::matmul(g, mT(v)), reverse);
  const Tensor A = masked(core::matmul(q, mT(k)), reverse);
  return {core::matmul(dA, k), core::matmul(mT(dA), q), core::matmul(mT(A), g)};
}

}  // namespace

TEST_CASE("causal_dot_product: chunked == explicit tril form, any chunk, both directions") {
  core::Generator gen(7);
  for (DType dtype : {DType::f64, DType::f32}) {
    const double tol = dtype == DType::f64 ? 1e-12 : 2e-5;
    for (std::int64_t len : {1, 37, 64}) {
      const Tensor q = core::normal({2, 3, len, 5}, 0, 1, dtype, gen);
      const Tensor k = core::normal({2, 3, len, 5}, 0, 1, dtype, gen);
      const Tensor v = core::normal({2, 3, len, 4}, 0, 1, dtype, gen);
      const Tensor g = core::normal({2, 3, len, 4}, 0, 1, dtype, gen);
      for (bool reverse : {false, true}) {
        const Tensor expect = naive(q, k, v, reverse);
        const core::CausalDotProductGrads eg = naive_grads(q, k, v, g, reverse);
        for (std::int64_t chunk : {1, 5, 16, 64, 100}) {
          CAPTURE(name(dtype));
          CAPTURE(len);
          CAPTURE(reverse);
          CAPTURE(chunk);
          const core::CausalDotProductOptions o{.reverse = reverse, .chunk = chunk};
          expect_close(core::causal_dot_product(q, k, v, o), expect, tol, tol);
          const core::CausalDotProductGrads r = core::causal_dot_product_backward(q, k, v, g, o);
          expect_close(r.q, eg.q, tol, tol);
          expect_close(r.k, eg.k, tol, tol);
          expect_close(r.v, eg.v, tol, tol);
        }
      }
    }
  }
}

// Head widths of 32 and 64 take the register-blocked f32 tile kernel (tile_gemm.hpp) for every
// product of the sweep; 48 and 40 mix it with the portable loop. f32 against f64's tril form.
TEST_CASE("causal_dot_product: f32 at model head widths == f64 tril form") {
  core::Generator gen(5);
  for (auto [d, m] : {std::pair<std::int64_t, std::int64_t>{64, 64}, {32, 64}, {48, 40}}) {
    const Tensor q = core::normal({1, 2, 150, d}, 0, 0.3, DType::f64, gen);
    const Tensor k = core::normal({1, 2, 150, d}, 0, 0.3, DType::f64, gen);
    const Tensor v = core::normal({1, 2, 150, m}, 0, 1, DType::f64, gen);
    const Tensor g = core::normal({1, 2, 150, m}, 0, 1, DType::f64, gen);
    const auto f32 = [](const Tensor& t) { return t.to(DType::f32); };
    for (bool reverse : {false, true}) {
      CAPTURE(d);
      CAPTURE(reverse);
      const core::CausalDotProductOptions o{.reverse = reverse, .chunk = 64};
      const Tensor out = core::causal_dot_product(f32(q), f32(k), f32(v), o);
      expect_close(out.to(DType::f64), naive(q, k, v, reverse), 1e-4, 1e-4);
      const auto r = core::causal_dot_product_backward(f32(q), f32(k), f32(v), f32(g), o);
      const core::CausalDotProductGrads e = naive_grads(q, k, v, g, reverse);
      expect_close(r.q.to(DType::f64), e.q, 1e-4, 1e-4);
      expect_close(r.k.to(DType::f64), e.k, 1e-4, 1e-4);
      expect_close(r.v.to(DType::f64), e.v, 1e-4, 1e-4);
    }
  }
}

TEST_CASE("causal_dot_product: strided inputs, 2-D inputs, need flags, empty and zero-width") {
  core::Generator gen(3);
  const Tensor q = core::normal({4, 6, 3}, 0, 1, DType::f64, gen).transpose(0, 1);  // (6, 4, 3)
  const Tensor k = core::normal({6, 4, 3}, 0, 1, DType::f64, gen);
  const Tensor v = core::normal({6, 4, 2}, 0, 1, DType::f64, gen);
  expect_close(core::causal_dot_product(q, k, v, {.chunk = 3}), naive(q, k, v, false), 1e-12,
               1e-12);
  expect_close(core::causal_dot_product(q.select(0, 1), k.select(0, 1), v.select(0, 1)),
               naive(q.select(0, 1), k.select(0, 1), v.select(0, 1), false), 1e-12, 1e-12);
  const auto only_v = core::causal_dot_product_backward(q, k, v, v, {}, false, false, true);
  CHECK(!only_v.q.defined());
  CHECK(!only_v.k.defined());
  CHECK(only_v.v.shape() == v.shape());
  const Tensor zq = Tensor::zeros({2, 0, 3}, DType::f64), zv = Tensor::zeros({2, 0, 2}, DType::f64);
  CHECK(core::causal_dot_product(zq, zq, zv).shape() == Shape{2, 0, 2});
  const Tensor nd = Tensor::zeros({2, 5, 0}, DType::f64);
  const Tensor out = core::causal_dot_product(nd, nd, Tensor::ones({2, 5, 2}, DType::f64));
  CHECK(out.to_vector<double>() == std::vector<double>(20, 0.0));
}

TEST_CASE("causal_dot_product: same bits for 1 and 2 threads") {
  core::Generator gen(11);
  const Tensor q = core::normal({3, 2, 50, 8}, 0, 1, DType::f32, gen);
  const Tensor k = core::normal({3, 2, 50, 8}, 0, 1, DType::f32, gen);
  const Tensor v = core::normal({3, 2, 50, 8}, 0, 1, DType::f32, gen);
  const int threads = core::num_threads();
  core::set_num_threads(1);
  const Tensor one = core::causal_dot_product(q, k, v, {.chunk = 16});
  const auto g1 = core::causal_dot_product_backward(q, k, v, one, {.chunk = 16});
  core::set_num_threads(2);
  const Tensor two = core::causal_dot_product(q, k, v, {.chunk = 16});
  const auto g2 = core::causal_dot_product_backward(q, k, v, one, {.chunk = 16});
  core::set_num_threads(threads);
  CHECK(one.to_vector<float>() == two.to_vector<float>());
  CHECK(g1.q.to_vector<float>() == g2.q.to_vector<float>());
  CHECK(g1.k.to_vector<float>() == g2.k.to_vector<float>());
  CHECK(g1.v.to_vector<float>() == g2.v.to_vector<float>());
}

// The point of the chunked kernel: the prefix states S_i (T x D x M) are never stored, nor the
// T x T matrix. For T = 4096, D = M = 32 (f32) those would be 16 MiB and 64 MiB; the inputs
// and outputs are 0.5 MiB each. The peak above the inputs must be the outputs plus a little
// scratch (C*(C + D) + D*M per thread).
TEST_CASE("causal_dot_product: backward memory is O(T*D + D*M), not O(T*D*M)") {
  const std::int64_t T = 4096, D = 32, M = 32;
  core::Generator gen(5);
  const Tensor q = core::normal({1, 1, T, D}, 0, 0.1, DType::f32, gen);
  const Tensor k = core::normal({1, 1, T, D}, 0, 0.1, DType::f32, gen);
  const Tensor v = core::normal({1, 1, T, M}, 0, 0.1, DType::f32, gen);
  const Tensor g = core::normal({1, 1, T, M}, 0, 0.1, DType::f32, gen);
  reset_peak_bytes();
  const std::size_t base = allocator_stats().bytes_in_use;
  {
    const Tensor out = core::causal_dot_product(q, k, v);
    const auto grads = core::causal_dot_product_backward(q, k, v, g);
    CHECK(grads.v.shape() == v.shape());
  }
  const std::size_t extra = allocator_stats().peak_bytes_in_use - base;
  const std::size_t io = 4 * T * D * sizeof(float);  // out + dq + dk + dv
  CAPTURE(extra);
  CHECK(extra <= io + (std::size_t{1} << 20));  // outputs + at most 1 MiB scratch
  CHECK(extra < T * D * M * sizeof(float) / 4);
}

TEST_CASE("causal_dot_product: error messages") {
  const Tensor a = Tensor::zeros({2, 5, 3}), v = Tensor::zeros({2, 5, 4});
  CHECK_THROWS_WITH_AS(core::causal_dot_product(a, Tensor::zeros({2, 5, 2}), v),
                       "causal_dot_product: q [2,5,3] and k [2,5,2] must have the same shape",
                       Error);
  CHECK_THROWS_WITH_AS(
      core::causal_dot_product(a, a, Tensor::zeros({2, 6, 4})),
      "causal_dot_product: q [2,5,3] (..., T, D) and v [2,6,4] (..., T, M) differ before the "
      "last dim",
      Error);
  CHECK_THROWS_WITH_AS(core::causal_dot_product(a, a, v, {.chunk = 0}),
                       "causal_dot_product: chunk must be at least 1, got 0", Error);
  CHECK_THROWS_WITH_AS(core::causal_dot_product(a, a, v.to(DType::f64)),
                       "causal_dot_product: dtypes differ: q f32, k f32, v f64", Error);
}
