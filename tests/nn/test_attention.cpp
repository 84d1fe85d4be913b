// nn attention and positions: MultiHeadAttention against a PyTorch module with the same weights
// (self, causal + RoPE, cross with key padding, RoPE-2D; tests/fixtures/gen_attention.py), the
// KV cache against the full causal forward, RotaryEmbedding against bert4keras' formula,
// sinusoidal and learned absolute positions, printing and errors.
#include <doctest/doctest.h>

#include <string>

#include "liandan/autograd/autograd.hpp"
#include "liandan/nn/attention.hpp"
#include "liandan/nn/positional.hpp"
#include "liandan/nn/rope.hpp"
#include "support/fixtures.hpp"

using namespace liandan;

namespace {

constexpr DType f64 = DType::f64;
constexpr double kTol = 1e-10;

const test::Fixture& fixture() {
  static const test::Fixture f("attention");
  return f;
}
Tensor get(const std::string& c, const std::string& name, bool requires_grad = false) {
  return Tensor(fixture().tensor(c + "/" + name), requires_grad);
}

void load_case(nn::Module& m, const std::string& c) {
  CHECK(static_cast<double>(m.named_parameters().size()) == fixture().attr(c, "num_params"));
  core::NamedTensors state;
  for (const auto& [name, t] : m.state_dict()) state.add(name, get(c, "state/" + name).data());
  m.load_state_dict(state);
}

// Compares out, the input gradients and every parameter's gradient with the case.
void check_against(nn::Module& m, const std::string& c, const Tensor& y, const Tensor& x,
                   const Tensor& kv = {}) {
  test::expect_close(y.data(), fixture().tensor(c + "/out"), kTol, kTol);
  y.backward(get(c, "grad_out"));
  test::expect_close(x.grad().data(), fixture().tensor(c + "/grad_x"), kTol, kTol);
  if (kv.defined())
    test::expect_close(kv.grad().data(), fixture().tensor(c + "/grad_kv"), kTol, kTol);
  for (const auto& [name, p] : m.named_parameters()) {
    INFO("gradient of ", name);
    REQUIRE(p.grad().defined());
    test::expect_close(p.grad().data(), fixture().tensor(c + "/grad/" + name), kTol, kTol);
  }
}

}  // namespace

TEST_CASE("MultiHeadAttention: self attention vs PyTorch, parameter names") {
  nn::MultiHeadAttention m(12, 3, {.dtype = f64});
  std::vector<std::string> names;
  for (const auto& [n, p] : m.named_parameters()) names.push_back(n);
  CHECK(names == std::vector<std::string>{"q_proj.weight", "q_proj.bias", "k_proj.weight",
                                          "k_proj.bias", "v_proj.weight", "v_proj.bias",
                                          "out_proj.weight", "out_proj.bias"});
  load_case(m, "mha_self");
  const Tensor x = get("mha_self", "x", true);
  check_against(m, "mha_self", m(x), x);
}

TEST_CASE("MultiHeadAttention: causal with RoPE-1D vs PyTorch") {
  nn::MultiHeadAttention m(16, 2, {.causal = true, .rope = nn::RopeKind::rope_1d, .dtype = f64});
  load_case(m, "mha_causal_rope");
  const Tensor x = get("mha_causal_rope", "x", true);
  check_against(m, "mha_causal_rope", m(x), x);
}

TEST_CASE("MultiHeadAttention: cross attention with key padding, no bias, vs PyTorch") {
  const std::string c = "mha_cross_padding";
  nn::MultiHeadAttention m(8, 2, {.bias = false, .dtype = f64});
  load_case(m, c);
  const Tensor x = get(c, "x", true), kv = get(c, "kv", true);
  const Tensor mask = key_padding_mask(tensor<std::int64_t>({5, 9}, {2}), 9);
  check_against(m, c, m.forward(x, kv, {.mask = mask}), x, kv);
}

TEST_CASE("MultiHeadAttention: RoPE-2D on a patch grid vs PyTorch") {
  const std::string c = "mha_rope_2d";
  nn::MultiHeadAttention m(16, 2,
                           {.rope = nn::RopeKind::rope_2d, .rope_grid_width = 3, .dtype = f64});
  load_case(m, c);
  const Tensor x = get(c, "x", true);
  check_against(m, c, m(x), x);
}

TEST_CASE(
    "MultiHeadAttention: a KV cache, token by token or in chunks, equals the full causal forward") {
  for (nn::RopeKind rope : {nn::RopeKind::none, nn::RopeKind::rope_1d}) {
    nn::MultiHeadAttention m(16, 4, {.causal = true, .rope = rope, .dtype = f64});
    const Tensor x = randn({2, 7, 16}, {.dtype = f64});
    NoGradGuard no_grad;
    const Tensor full = m(x);
    nn::KVCache cache;
    std::vector<Tensor> steps;
    for (std::int64_t t = 0; t < 7; ++t) steps.push_back(m.forward(slice(x, 1, t, t + 1), cache));
    CHECK(cache.length() == 7);
    test::expect_close(cat(steps, 1).data(), full.data(), 1e-12, 1e-12);
    nn::KVCache chunked;
    const Tensor a = m.forward(slice(x, 1, 0, 4), chunked),
                 b = m.forward(slice(x, 1, 4, 7), chunked);
    test::expect_close(cat({a, b}, 1).data(), full.data(), 1e-12, 1e-12);
    chunked.clear();
    CHECK(chunked.length() == 0);
  }
}

TEST_CASE("MultiHeadAttention: printing and errors") {
  nn::MultiHeadAttention m(8, 2, {.causal = true, .rope = nn::RopeKind::rope_1d});
  CHECK(m.extra_repr() == "d_model=8, n_heads=2, bias=true, causal=true, rope=1d");
  CHECK_THROWS_WITH_AS(nn::MultiHeadAttention(10, 3),
                       "MultiHeadAttention: d_model 10 is not "
                       "divisible by n_heads 3",
                       Error);
  CHECK_THROWS_WITH_AS(m(zeros({2, 3, 5})),
                       "MultiHeadAttention: input [2,3,5] must be (B, T, d_model = 8)", Error);
}

TEST_CASE("RotaryEmbedding: 1-D with offset and base, 2-D on a grid, vs bert4keras") {
  {
    const std::string c = "rope_1d_offset_base";  // positions 7 .. 11, base 500
    nn::RotaryEmbedding rope(12, {.base = 500});
    const Tensor x = get(c, "x", true);
    const Tensor y = rope.forward(x, 7);
    test::expect_close(y.data(), fixture().tensor(c + "/out"), 1e-12, 1e-12);
    test::expect_close(rope.forward_at(x, get(c, "positions")).data(), y.data(), 0, 0);
    y.backward(get(c, "grad_out"));
    test::expect_close(x.grad().data(), fixture().tensor(c + "/grad_x"), 1e-12, 1e-12);
  }
  {
    const std::string c = "rope_2d";  // a 3 x 4 grid, row-major
    nn::RotaryEmbedding rope(8, {.kind = nn::RopeKind::rope_2d, .grid_width = 4});
    test::expect_close(rope(get(c, "x")).data(), fixture().tensor(c + "/out"), 1e-12, 1e-12);
    test::expect_close(rope.forward_at(get(c, "x"), get(c, "positions")).data(),
                       fixture().tensor(c + "/out"), 1e-12, 1e-12);
  }
  CHECK_THROWS_WITH_AS(nn::RotaryEmbedding(6, {.kind = nn::RopeKind::rope_2d}),
                       "RotaryEmbedding: head_dim 6 must be a positive multiple of 4", Error);
}

TEST_CASE("SinusoidalPositionalEmbedding and LearnedPositionalEmbedding") {
  const Tensor table =
      nn::sinusoidal_embeddings(arange(3, 13, 1, {.dtype = DType::i64}), 12, 10000, f64);
  test::expect_close(table.data(), fixture().tensor("sinusoidal/out"), 1e-12, 1e-12);
  nn::SinusoidalPositionalEmbedding sin_pe(12);
  const Tensor x = randn({2, 10, 12}, {.dtype = f64});
  test::expect_close(sin_pe.forward(x, 3).data(), (x + table).data(), 0, 0);

  nn::LearnedPositionalEmbedding pe(8, 4, {.dtype = f64});
  const Tensor h = randn({2, 3, 4}, {.dtype = f64});
  const Tensor y = pe.forward(h, 2);
  test::expect_close(y.data(), (h + slice(pe.weight, 0, 2, 5)).data(), 0, 0);
  sum(y).backward();
  const auto g = pe.weight.grad().to_vector<double>();  // rows 2..4 get 2 (the batch), others 0
  for (int r = 0; r < 8; ++r) CHECK(g[r * 4] == (r >= 2 && r < 5 ? 2.0 : 0.0));
  CHECK_THROWS_WITH_AS(pe.forward(h, 6),
                       "LearnedPositionalEmbedding: positions 6..8 exceed max_len 8", Error);
}

TEST_CASE("README: the attention and positions example runs") {
  nn::MultiHeadAttention attn(64, 4, {.causal = true, .rope = nn::RopeKind::rope_1d});
  const Tensor x = randn({2, 10, 64});  // (B, T, C)
  const Tensor y = attn(x);             // causal self attention with RoPE on q and k: (B, T, C)
  // Generation: token by token through a KV cache gives the same outputs as the full forward.
  nn::KVCache cache;
  std::vector<Tensor> steps;
  for (std::int64_t t = 0; t < 10; ++t) steps.push_back(attn.forward(slice(x, 1, t, t + 1), cache));
  // The functional form on (B, H, T, D) heads, keys past each sequence's length hidden:
  const Tensor q = randn({2, 4, 10, 16}), k = randn({2, 4, 10, 16}), v = randn({2, 4, 10, 16});
  const Tensor lengths = tensor<std::int64_t>({10, 7}, {2});
  const Tensor o = scaled_dot_product_attention(q, k, v, {.mask = key_padding_mask(lengths, 10)});
  CHECK(y.shape() == Shape{2, 10, 64});
  test::expect_close(cat(steps, 1).data(), y.data(), 1e-5, 1e-5);
  CHECK(o.shape() == Shape{2, 4, 10, 16});
  // The second sequence ignores keys 7..9: changing them leaves its output unchanged.
  const Tensor k2 = clone(k), v2 = clone(v);
  {
    NoGradGuard no_grad;
    fill_(slice(slice(k2, 0, 1, 2), 2, 7, 10), 5.0);
    fill_(slice(slice(v2, 0, 1, 2), 2, 7, 10), -3.0);
  }
  const Tensor o2 =
      scaled_dot_product_attention(q, k2, v2, {.mask = key_padding_mask(lengths, 10)});
  test::expect_close(select(o2, 0, 1).data(), select(o, 0, 1).data(), 0, 0);
}
