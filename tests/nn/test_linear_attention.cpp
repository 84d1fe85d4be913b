// nn linear attention: the functional form (non-causal, causal, masked, cross, feature maps)
// and the module vs PyTorch; the RNN state == the parallel causal form; the RoPE hook (numerator
// only) against an explicit masked form; gradcheck and gradgradcheck; errors.
#include <doctest/doctest.h>

#include <cmath>

#include "liandan/autograd/autograd.hpp"
#include "liandan/nn/gau.hpp"
#include "liandan/nn/linear_attention.hpp"
#include "support/fixtures.hpp"
#include "support/gradients.hpp"

using namespace liandan;
namespace F = nn::functional;

namespace {

constexpr double kTol = 1e-10;

nn::FeatureMap feature_map(const std::string& name) {
  if (name == "relu") return nn::feature_maps::relu;
  if (name == "identity") return nn::feature_maps::identity;
  return nn::feature_maps::elu_plus_one;
}

void load_case(nn::Module& m, const test::Fixture& f, const std::string& c) {
  CHECK(static_cast<double>(m.named_parameters().size()) == f.attr(c, "num_params"));
  core::NamedTensors state;
  for (const auto& [name, t] : m.state_dict()) state.add(name, f.tensor(c + "/state/" + name));
  m.load_state_dict(state);
}

// A stand-in for RoPE: pair (x_2i, x_2i+1) of row t rotated by (start + t) * theta_i, as
// ALGORITHMS.md 5 (interleaved), composed of autograd ops. x (..., T, D), D even.
Tensor rotate(const Tensor& x, std::int64_t start) {
  const std::int64_t T = x.size(-2), D = x.size(-1);
  std::vector<double> c, s;
  for (std::int64_t t = 0; t < T; ++t)
    for (std::int64_t i = 0; i < D / 2; ++i) {
      const double angle = static_cast<double>(start + t) * std::pow(10000.0, -2.0 * i / D);
      c.push_back(std::cos(angle)), s.push_back(std::sin(angle));
    }
  const Tensor cos_t = tensor<double>(c, {T, D / 2}), sin_t = tensor<double>(s, {T, D / 2});
  Shape pairs = x.shape();
  pairs.back() = D / 2;
  pairs.push_back(2);
  const Tensor x2 = reshape(x, pairs);
  const Tensor a = select(x2, -1, 0), b = select(x2, -1, 1);
  return reshape(stack({a * cos_t - b * sin_t, b * cos_t + a * sin_t}, -1), x.shape());
}

// Linear attention written with the T x T matrix: numerator from (optionally rotated) features,
// denominator from unrotated ones.
Tensor explicit_form(const Tensor& q, const Tensor& k, const Tensor& v, bool causal, bool rotary) {
  const Tensor pq = elu(q) + 1.0, pk = elu(k) + 1.0;
  const Tensor nq = rotary ? rotate(pq, 0) : pq, nk = rotary ? rotate(pk, 0) : pk;
  Tensor num = matmul(nq, transpose(nk, 2, 3)), den = matmul(pq, transpose(pk, 2, 3));
  if (causal) num = tril(num), den = tril(den);
  return matmul(num, v) / (sum(den, {3}, true) + 1e-6);
}

}  // namespace

TEST_CASE("linear_attention: non-causal, causal, masked, cross, elu+1 and relu vs PyTorch") {
  test::Fixture f("linear_attention");
  int checked = 0;
  for (const std::string& c : f.cases()) {
    if (c.rfind("la_", 0) != 0) continue;
    CAPTURE(c);
    const Tensor q(f.tensor(c + "/q"), true), k(f.tensor(c + "/k"), true);
    const Tensor v(f.tensor(c + "/v"), true);
    nn::LinearAttentionOptions o{.causal = f.attr(c, "causal") != 0,
                                 .feature_map = feature_map(f.text(c, "feature_map"))};
    if (f.attr(c, "masked") != 0) {  // the fixture's mask is PyTorch-style padding: true = padded
      const core::Tensor padded = f.tensor(c + "/mask");  // (B, T_k)
      o.mask = Tensor(core::logical_not(padded).reshape({padded.size(0), 1, 1, padded.size(1)}));
    }
    for (std::int64_t chunk : {4, 64}) {
      o.chunk = chunk;
      const Tensor out = F::linear_attention(q, k, v, o);
      test::expect_close(out.data(), f.tensor(c + "/out"), kTol, kTol);
      const auto g = autograd::grad({out}, {q, k, v}, {Tensor(f.tensor(c + "/grad_out"))});
      test::expect_close(g[0].data(), f.tensor(c + "/grad_q"), kTol, kTol);
      test::expect_close(g[1].data(), f.tensor(c + "/grad_k"), kTol, kTol);
      test::expect_close(g[2].data(), f.tensor(c + "/grad_v"), kTol, kTol);
    }
    ++checked;
  }
  CHECK(checked == 7);
}

TEST_CASE("linear_attention: gradcheck and gradgradcheck, causal and non-causal, masked") {
  const Tensor q = test::rnd({1, 2, 5, 3}), k = test::rnd({1, 2, 5, 3}),
               v = test::rnd({1, 2, 5, 2});
  const Tensor mask = tensor<bool>({true, true, false, true, false}, {1, 1, 1, 5});
  for (bool causal : {false, true}) {
    CAPTURE(causal);
    test::check_grads(
        [&](const std::vector<Tensor>& in) {
          return std::vector<Tensor>{F::linear_attention(
              in[0], in[1], in[2], {.causal = causal, .mask = mask, .chunk = 2})};
        },
        {q, k, v});
  }
}

TEST_CASE("linear_attention: RoPE hook rotates the numerator only, parallel == explicit form") {
  const Tensor q = test::rnd({2, 2, 7, 4}), k = test::rnd({2, 2, 7, 4}),
               v = test::rnd({2, 2, 7, 3});
  for (bool causal : {false, true}) {
    CAPTURE(causal);
    const Tensor out =
        F::linear_attention(q, k, v, {.causal = causal, .rotary = rotate, .chunk = 3});
    test::expect_close(out.data(), explicit_form(q, k, v, causal, true).data(), 1e-12, 1e-12);
    test::expect_close(F::linear_attention(q, k, v, {.causal = causal}).data(),
                       explicit_form(q, k, v, causal, false).data(), 1e-12, 1e-12);
  }
}

TEST_CASE("LinearAttentionState: step by step == parallel causal form (plain and rotary)") {
  const Tensor q = test::rnd({2, 3, 11, 4}), k = test::rnd({2, 3, 11, 4}),
               v = test::rnd({2, 3, 11, 5});
  for (bool rotary : {false, true}) {
    CAPTURE(rotary);
    nn::LinearAttentionOptions o{.causal = true, .chunk = 4};
    if (rotary) o.rotary = rotate;
    const Tensor parallel = F::linear_attention(q, k, v, o);
    nn::LinearAttentionState state(o);
    for (std::int64_t t = 0; t < 11; ++t) {
      CAPTURE(t);
      const Tensor out = state.step(select(q, 2, t), select(k, 2, t), select(v, 2, t));
      test::expect_close(out.data(), select(parallel, 2, t).data(), 1e-12, 1e-12);
    }
    CHECK(state.position() == 11);
    CHECK(state.S().shape() == Shape{2, 3, 4, 5});
    CHECK(state.z().shape() == Shape{2, 3, 4});
  }
}

TEST_CASE("LinearAttention: module vs PyTorch (causal, non-causal); step == forward") {
  test::Fixture f("linear_attention");
  for (bool causal : {false, true}) {
    const std::string c = causal ? "module_causal" : "module_noncausal";
    CAPTURE(c);
    nn::LinearAttention m(8, 2, {.causal = causal, .dtype = DType::f64});
    load_case(m, f, c);
    const Tensor x(f.tensor(c + "/x"), true);
    const Tensor y = m(x);
    test::expect_close(y.data(), f.tensor(c + "/out"), kTol, kTol);
    y.backward(Tensor(f.tensor(c + "/grad_out")));
    test::expect_close(x.grad().data(), f.tensor(c + "/grad_x"), kTol, kTol);
    for (const auto& [name, p] : m.named_parameters()) {
      INFO("gradient of ", name);
      test::expect_close(p.grad().data(), f.tensor(c + "/grad/" + name), kTol, kTol);
    }
    if (causal) {
      nn::LinearAttentionState state = m.initial_state();
      for (std::int64_t t = 0; t < x.size(1); ++t)
        test::expect_close(m.step(state, select(x, 1, t)).data(), select(y, 1, t).data(), 1e-12,
                           1e-12);
    }
  }
  nn::LinearAttention m(8, 2);
  CHECK(m.str() ==
        "LinearAttention(\n  d_model=8, n_heads=2, causal=false, eps=1e-06\n"
        "  (q_proj): Linear(in_features=8, out_features=8, bias=true)\n"
        "  (k_proj): Linear(in_features=8, out_features=8, bias=true)\n"
        "  (v_proj): Linear(in_features=8, out_features=8, bias=true)\n"
        "  (out_proj): Linear(in_features=8, out_features=8, bias=true)\n)");
  // Key padding through the module: padded positions of the input do not change the others.
  const Tensor x = randn({1, 6, 8});
  const Tensor mask = key_padding_mask(tensor<std::int64_t>({4}, {1}), 6);  // (1, 1, 1, 6)
  const Tensor x2 = cat({slice(x, 1, 0, 4), randn({1, 2, 8})}, 1);
  test::expect_close(slice(m.forward(x, mask), 1, 0, 4).data(),
                     slice(m.forward(x2, mask), 1, 0, 4).data(), 1e-6, 1e-6);
}

TEST_CASE("linear_attention: causal T = 4096 runs (chunked, no T x T or T x D x M tensors)") {
  const Tensor q = randn({1, 2, 4096, 16}), k = randn({1, 2, 4096, 16});
  const Tensor v = randn({1, 2, 4096, 16}, {.requires_grad = true});
  const Tensor out = F::linear_attention(q, k, v, {.causal = true});
  sum(out).backward();
  CHECK(v.grad().shape() == v.shape());
  std::int64_t finite = 0;
  for (float x : out.to_vector<float>()) finite += std::isfinite(x);
  CHECK(finite == out.numel());
}

TEST_CASE("linear_attention: error messages") {
  const Tensor q = zeros({1, 2, 5, 3}), v = zeros({1, 2, 5, 4});
  CHECK_THROWS_WITH_AS(
      F::linear_attention(q, zeros({1, 2, 6, 3}), zeros({1, 2, 6, 4}), {.causal = true}),
      "linear_attention: causal needs as many queries as keys, got q [1,2,5,3] "
      "and k [1,2,6,3]",
      Error);
  CHECK_THROWS_WITH_AS(F::linear_attention(q, q, v, {.mask = zeros({1, 1, 1, 5})}),
                       "linear_attention: mask must be a bool key mask broadcastable to (B, H, 1, "
                       "T_k) = [1,2,1,5], got f32 [1,1,1,5]",
                       Error);
  // A (B, T) mask (the old key padding layout) and a per-query mask are refused, not misread.
  CHECK_THROWS_WITH_AS(F::linear_attention(q, q, v, {.mask = ones({1, 5}, {.dtype = DType::b8})}),
                       "linear_attention: mask must be a bool key mask broadcastable to (B, H, 1, "
                       "T_k) = [1,2,1,5], got bool [1,5]",
                       Error);
  CHECK_THROWS_WITH_AS(
      F::linear_attention(q, q, v, {.mask = reshape(causal_mask(5, 5), {1, 1, 5, 5})}),
      "linear_attention: mask must be a bool key mask broadcastable to (B, H, 1, "
      "T_k) = [1,2,1,5], got bool [1,1,5,5]",
      Error);
  CHECK_THROWS_WITH_AS(nn::LinearAttentionState({.mask = ones({1, 1, 1, 5}, {.dtype = DType::b8})}),
                       "LinearAttentionState: a mask is not supported (skip masked tokens instead)",
                       Error);
  CHECK_THROWS_WITH_AS(nn::LinearAttention(10, 3),
                       "LinearAttention: d_model 10 must be a positive multiple of n_heads 3",
                       Error);
}

TEST_CASE("linear attention, GAU, FLASH: the README example runs") {
  // Functional: q, k (B, H, T, D), v (B, H, T, M) -> (B, H, T, M); phi = elu + 1, eps = 1e-6.
  Tensor q = randn({2, 4, 128, 64}), k = randn({2, 4, 128, 64}), v = randn({2, 4, 128, 64});
  Tensor out = nn::functional::linear_attention(q, k, v, {.causal = true});
  // The module (B, T, C) -> (B, T, C), and generation one token at a time in O(1) per token.
  nn::LinearAttention attn(256, 4, {.causal = true});
  Tensor x = randn({2, 128, 256});
  Tensor y = attn(x);
  nn::LinearAttentionState state = attn.initial_state();
  Tensor y_0 = attn.step(state, select(x, 1, 0));  // (B, C): equals select(y, 1, 0)
  nn::GAU gau(256, {.causal = true});  // e = 2d, s = 128; returns O (add the residual yourself)
  nn::FLASH flash(256, {.chunk = 256, .causal = true});
  CHECK(out.shape() == Shape{2, 4, 128, 64});
  test::expect_close(y_0.data(), select(y, 1, 0).data(), 1e-5, 1e-5);
  CHECK(gau(x).shape() == x.shape());
  CHECK(flash(x).shape() == x.shape());
}
