// scaled_dot_product_attention and rope: gradients against PyTorch (fixtures by
// tests/fixtures/gen_attention.py), the fused path against the composed one (forward and
// gradients, masks, T != S), first and second derivatives by finite differences (the fused
// forward with the composed backward under create_graph), the gradient of a float mask, and
// RoPE's properties: relative positions only, norm preserved, R_0 = I, 2-D by (drow, dcol).
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "liandan/autograd/attention.hpp"
#include "liandan/autograd/autograd.hpp"
#include "liandan/core/attention.hpp"
#include "liandan/core/random.hpp"
#include "liandan/core/rope.hpp"
#include "support/fixtures.hpp"
#include "support/gradients.hpp"

using namespace liandan;
using test::check_grads;
using test::rnd;

namespace {

const test::Fixture& fixture() {
  static const test::Fixture f("attention");
  return f;
}

AttentionOptions options_of(const std::string& c) {
  AttentionOptions o;
  if (fixture().has(c, "mask")) o.mask = Tensor(fixture().tensor(c + "/mask"));
  o.causal = fixture().attr(c, "causal") != 0;
  if (fixture().has(c, "scale")) o.scale = fixture().attr(c, "scale");
  return o;
}

void expect_same(const Tensor& a, const Tensor& b, double tol) {
  test::expect_close(a.data(), b.data(), tol, tol);
}

// Forward and q, k, v gradients of two attention functions for upstream gradient g.
template <typename F1, typename F2>
void compare_paths(F1&& f1, F2&& f2, const Tensor& q, const Tensor& k, const Tensor& v,
                   double tol) {
  const Tensor y1 = f1(q, k, v), y2 = f2(q, k, v);
  expect_same(y1, y2, tol);
  const Tensor g(core::normal(y1.shape(), 0, 1, y1.dtype()));
  const auto g1 = autograd::grad({y1}, {q, k, v}, {g});
  const auto g2 = autograd::grad({y2}, {q, k, v}, {g});
  for (int i = 0; i < 3; ++i) expect_same(g1[i], g2[i], tol);
}

}  // namespace

TEST_CASE("scaled_dot_product_attention: forward and gradients vs PyTorch, both paths") {
  for (const std::string& c : fixture().cases()) {
    if (!fixture().has(c, "grad_q")) continue;
    INFO("case ", c);
    const Tensor q(fixture().tensor(c + "/q"), true), k(fixture().tensor(c + "/k"), true),
        v(fixture().tensor(c + "/v"), true);
    const AttentionOptions o = options_of(c);
    const double tol = q.dtype() == DType::f64 ? 1e-10 : 3e-5;
    for (bool fused : {true, false}) {
      CAPTURE(fused);
      const Tensor y =
          fused ? scaled_dot_product_attention(q, k, v, o) : attention_reference(q, k, v, o);
      test::expect_close(y.data(), fixture().tensor(c + "/out"), tol, tol);
      const auto g = autograd::grad({y}, {q, k, v}, {Tensor(fixture().tensor(c + "/grad_out"))});
      test::expect_close(g[0].data(), fixture().tensor(c + "/grad_q"), tol, tol);
      test::expect_close(g[1].data(), fixture().tensor(c + "/grad_k"), tol, tol);
      test::expect_close(g[2].data(), fixture().tensor(c + "/grad_v"), tol, tol);
    }
  }
}

TEST_CASE("scaled_dot_product_attention: fused equals composed on ragged tile sizes and masks") {
  const Tensor q = rnd({2, 2, 67, 9}), k = rnd({2, 2, 131, 9}), v = rnd({2, 2, 131, 5});
  const Tensor lengths = tensor<std::int64_t>({100, 131}, {2});
  const Tensor additive(core::normal({1, 2, 67, 131}, 0, 1, DType::f64));
  for (const AttentionOptions& o :
       {AttentionOptions{}, AttentionOptions{.causal = true},
        AttentionOptions{.mask = key_padding_mask(lengths, 131), .causal = true},
        AttentionOptions{.mask = additive, .scale = 0.25}}) {
    compare_paths(
        [&](auto& a, auto& b, auto& c) { return scaled_dot_product_attention(a, b, c, o); },
        [&](auto& a, auto& b, auto& c) { return attention_reference(a, b, c, o); }, q, k, v, 1e-11);
  }
  // UniLM mask with T == S
  const Tensor q2 = rnd({2, 1, 70, 8}), k2 = rnd({2, 1, 70, 8}), v2 = rnd({2, 1, 70, 8});
  const AttentionOptions o{.mask = seq2seq_mask(tensor<std::int64_t>({10, 65}, {2}), 70)};
  compare_paths([&](auto& a, auto& b, auto& c) { return scaled_dot_product_attention(a, b, c, o); },
                [&](auto& a, auto& b, auto& c) { return attention_reference(a, b, c, o); }, q2, k2,
                v2, 1e-11);
}

TEST_CASE("scaled_dot_product_attention: rows that see no key are 0 on both paths") {
  const Tensor q = rnd({1, 2, 5, 3}), k = rnd({1, 2, 3, 3}), v = rnd({1, 2, 3, 4});
  const AttentionOptions o{.causal = true};  // T = 5 > S = 3: queries 0 and 1 see nothing
  compare_paths([&](auto& a, auto& b, auto& c) { return scaled_dot_product_attention(a, b, c, o); },
                [&](auto& a, auto& b, auto& c) { return attention_reference(a, b, c, o); }, q, k, v,
                1e-12);
  const auto y = scaled_dot_product_attention(q, k, v, o).to_vector<double>();
  for (int i = 0; i < 8; ++i) CHECK(y[i] == 0.0);
  check_grads(
      [&](const std::vector<Tensor>& in) {
        return std::vector<Tensor>{scaled_dot_product_attention(in[0], in[1], in[2], o)};
      },
      {q, k, v});
}

TEST_CASE("scaled_dot_product_attention: gradcheck and gradgradcheck, fused forward") {
  const Tensor q = rnd({1, 2, 4, 3}), k = rnd({1, 2, 5, 3}), v = rnd({1, 2, 5, 2});
  const Tensor bool_mask = gt(Tensor(core::normal({1, 1, 4, 5}, 0.5, 1, DType::f64)), 0.0);
  const Tensor additive(core::normal({4, 5}, 0, 1, DType::f64));
  for (const AttentionOptions& o :
       {AttentionOptions{}, AttentionOptions{.causal = true}, AttentionOptions{.mask = bool_mask},
        AttentionOptions{.mask = additive, .scale = 0.8}}) {
    check_grads(
        [&](const std::vector<Tensor>& in) {
          return std::vector<Tensor>{scaled_dot_product_attention(in[0], in[1], in[2], o)};
        },
        {q, k, v});
  }
}

TEST_CASE("scaled_dot_product_attention: a float mask that requires grad gets its gradient") {
  const Tensor q = rnd({1, 1, 3, 2}), k = rnd({1, 1, 4, 2}), v = rnd({1, 1, 4, 2});
  const Tensor bias = rnd({3, 4});
  check_grads(
      [&](const std::vector<Tensor>& in) {
        return std::vector<Tensor>{
            scaled_dot_product_attention(in[0], in[1], in[2], {.mask = in[3], .causal = true})};
      },
      {q, k, v, bias});
}

TEST_CASE("rope: gradients vs PyTorch, gradcheck and gradgradcheck") {
  for (const std::string c : {"rope_1d", "rope_1d_offset_base", "rope_2d"}) {
    INFO("case ", c);
    const Tensor x(fixture().tensor(c + "/x"), true);
    const core::Tensor pos = fixture().tensor(c + "/positions");
    const double base = fixture().attr(c, "base");
    const auto [cs, sn] = core::rope_table(fixture().text(c, "kind") == "1d"
                                               ? core::rope_angles(pos, x.size(-1), base)
                                               : core::rope_angles_2d(pos, x.size(-1), base),
                                           DType::f64);
    const Tensor y = rope(x, cs, sn);
    test::expect_close(y.data(), fixture().tensor(c + "/out"), 1e-12, 1e-12);
    y.backward(Tensor(fixture().tensor(c + "/grad_out")));
    test::expect_close(x.grad().data(), fixture().tensor(c + "/grad_x"), 1e-12, 1e-12);
  }
  const auto [cs, sn] =
      core::rope_table(core::rope_angles(core::Tensor::arange(0, 3, 1, DType::f64), 4), DType::f64);
  check_grads(
      [&](const std::vector<Tensor>& in) { return std::vector<Tensor>{rope(in[0], cs, sn)}; },
      {rnd({2, 3, 4})});
}

TEST_CASE("rope: <R_m q, R_n k> depends on m - n only; norms kept; R_0 = I") {
  const std::int64_t D = 16;
  const Tensor q = rnd({1, D}), k = rnd({1, D});
  auto rotate = [&](const Tensor& x, double m) {
    const auto [c, s] =
        core::rope_table(core::rope_angles(core::Tensor::from<double>({m}, {1}), D), DType::f64);
    return rope(x, c, s);
  };
  auto dot = [](const Tensor& a, const Tensor& b) { return sum(a * b).item(); };
  for (double shift : {0.0, 5.0, 37.0, 1000.0}) {
    CHECK(dot(rotate(q, 3 + shift), rotate(k, 10 + shift)) ==
          doctest::Approx(dot(rotate(q, 3), rotate(k, 10))).epsilon(1e-10));
    CHECK(norm(rotate(q, shift)).item() == doctest::Approx(norm(q).item()).epsilon(1e-12));
  }
  CHECK(dot(rotate(q, 3), rotate(k, 10)) != doctest::Approx(dot(rotate(q, 3), rotate(k, 11))));
  CHECK(rotate(q, 0).to_vector<double>() == q.to_vector<double>());
}

TEST_CASE("rope 2-D: <R_(r1,c1) q, R_(r2,c2) k> depends on (drow, dcol) only") {
  const std::int64_t D = 16;
  const Tensor q = rnd({1, D}), k = rnd({1, D});
  auto rotate = [&](const Tensor& x, double r, double c) {
    const auto [cs, sn] = core::rope_table(
        core::rope_angles_2d(core::Tensor::from<double>({r, c}, {1, 2}), D), DType::f64);
    return rope(x, cs, sn);
  };
  auto dot = [](const Tensor& a, const Tensor& b) { return sum(a * b).item(); };
  const double ref = dot(rotate(q, 1, 2), rotate(k, 4, 7));
  CHECK(dot(rotate(q, 6, 5), rotate(k, 9, 10)) == doctest::Approx(ref).epsilon(1e-10));
  CHECK(dot(rotate(q, 1, 2), rotate(k, 7, 4)) != doctest::Approx(ref));  // rows and cols differ
  CHECK(norm(rotate(q, 3, 8)).item() == doctest::Approx(norm(q).item()).epsilon(1e-12));
  CHECK(rotate(q, 0, 0).to_vector<double>() == q.to_vector<double>());
}

TEST_CASE("scaled_dot_product_attention: only the inputs that require grad get gradients") {
  const Tensor q = rnd({1, 1, 3, 2}), k(core::normal({1, 1, 4, 2}, 0, 1, DType::f64));
  const Tensor v = rnd({1, 1, 4, 2});
  const Tensor y = scaled_dot_product_attention(q, k, v, {.causal = true});
  sum(y * y).backward();
  CHECK(q.grad().defined());
  CHECK(v.grad().defined());
  CHECK(!k.grad().defined());
  const Tensor yr = attention_reference(q, k, v, {.causal = true});
  const auto g = autograd::grad({sum(yr * yr)}, {q, v});
  expect_same(g[0], q.grad(), 1e-12);
  expect_same(g[1], v.grad(), 1e-12);
}
